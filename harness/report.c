/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report.h"

#include <string.h>

#include <gio/gio.h>
#include <stdio.h>

#include "crash-input.h"
#include "printk.h"
#include "run-dir.h"
#include "symbolize.h"
#include "kmem.h"

/* The kernel log in the dump, as `crash log` prints it. */
static GError *dump_dmesg(const char *dump, const char *vmlinux, char **text)
{
	g_autoptr(OlKmem) k = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(OlPrintkLog) log = NULL;
	g_auto(OlRunDir) run = {0};
	OlKmemOptions opt = {.vmlinux = vmlinux};
	GError *err;

	ol_run_dir_read(dump, &run);
	opt.vmlinux_hint = run.vmlinux;
	if ((err = ol_kmem_open(dump, &opt, &k, warnings)) || (err = ol_printk_read_log(k, &log)))
		return err;
	*text = ol_printk_format(log, 0);
	return NULL;
}

GError *report_build(const char *rundir, const char *vmlinux, const char *module, const char *dump,
		     Oops **out, const char **source)
{
	g_autofree char *console_path = g_build_filename(rundir, "console.log", NULL);
	g_autofree char *console = NULL, *dmesg = NULL;
	GError *err = NULL;

	*out = NULL;
	*source = NULL;
	if (!g_file_get_contents(console_path, &console, NULL, &err))
		return err;
	if ((err = report_build_from_text(console, vmlinux, module, out)))
		return err;
	if (*out) {
		*source = "console";
		return NULL;
	}
	if (!dump || !g_file_test(dump, G_FILE_TEST_EXISTS))
		return NULL;
	if ((err = dump_dmesg(dump, vmlinux, &dmesg)) ||
	    (err = report_build_from_text(dmesg, vmlinux, module, out)))
		return err;
	if (*out)
		*source = "dump dmesg";
	return NULL;
}

GError *report_build_from_text(const char *text, const char *vmlinux, const char *module, Oops **out)
{
	g_autoptr(Oops) o = NULL;
	g_autoptr(Symbolizer) sym = NULL;
	g_autoptr(GError) serr = NULL;
	GError *err = NULL;

	*out = NULL;
	o = oops_parse(text);
	if (!o)
		return NULL;
	/* Without vmlinux (or with one that cannot be read) the report still
	 * has its symbols, not their lines. */
	if (vmlinux && !(serr = symbolizer_new(vmlinux, &sym))) {
		if (module) {
			g_autofree char *base = g_path_get_basename(module);
			char *dot = strrchr(base, '.');

			if (dot)
				*dot = '\0';
			/* the console names modules with '_' where files may have '-' */
			g_strdelimit(base, "-", '_');
			g_clear_error(&err);
			err = symbolizer_add_module(sym, base, module);
			g_clear_error(&err);
		}
		symbolizer_oops(sym, o);
	}
	*out = g_steal_pointer(&o);
	return NULL;
}

static void frame_text(GString *s, const OopsFrame *f)
{
	g_autofree char *sym = oops_frame_symbol(f);

	g_string_append_printf(s, "  %s%s", f->reliable ? "" : "? ", sym);
	if (f->file)
		g_string_append_printf(s, " %s:%d", f->file, f->line);
	g_string_append_c(s, '\n');
	for (guint i = 0; f->inlined && i < f->inlined->len; i++)
		g_string_append_printf(s, "      %s%s\n", i ? "(inlined by) " : "",
				       (const char *)g_ptr_array_index(f->inlined, i));
}

char *report_text(const Oops *o)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%s\n\ntype: %s\n", o->title, o->type);
	g_string_append_printf(s, "report: %s\n", o->header);
	if (o->panic_message)
		g_string_append_printf(s, "panic: %s\n", o->panic_message);
	if (o->cpu >= 0)
		g_string_append_printf(s, "CPU %d, PID %d, comm %s, %s\n", o->cpu, o->pid, o->comm ? o->comm : "?",
				       o->taint ? o->taint : "");
	if (o->rip) {
		g_string_append(s, "RIP:\n");
		frame_text(s, o->rip);
	}
	if (o->detector) {
		g_string_append_printf(s, "%s: %s", o->detector, o->bug_type ? o->bug_type : "?");
		if (o->access)
			g_string_append_printf(s, ", %s", o->access);
		if (o->access_size >= 0)
			g_string_append_printf(s, " of %" G_GINT64_FORMAT " bytes", o->access_size);
		if (o->access_addr)
			g_string_append_printf(s, " at %s", o->access_addr);
		g_string_append_c(s, '\n');
	}
	if (o->location)
		g_string_append_printf(s, "at: %s\n", o->location);
	if (!o->fatal)
		g_string_append(s, "not fatal: no panic followed this report\n");
	if (o->trace->len) {
		const char *ctx = NULL;

		g_string_append(s, "Call trace:\n");
		for (guint i = 0; i < o->trace->len; i++) {
			const OopsFrame *f = g_ptr_array_index(o->trace, i);

			if (g_strcmp0(ctx, f->context) != 0 && f->context)
				g_string_append_printf(s, " <%s>\n", f->context);
			ctx = f->context;
			frame_text(s, f);
		}
	}
	if (o->alloc_trace->len)
		g_string_append(s, "Allocated by:\n");
	for (guint i = 0; i < o->alloc_trace->len; i++)
		frame_text(s, g_ptr_array_index(o->alloc_trace, i));
	if (o->free_trace->len)
		g_string_append(s, "Freed by:\n");
	for (guint i = 0; i < o->free_trace->len; i++)
		frame_text(s, g_ptr_array_index(o->free_trace, i));
	return g_string_free(s, FALSE);
}

static void frame_json(JsonWriter *w, const OopsFrame *f)
{
	json_begin_object(w);
	json_member_string(w, "function", f->function);
	json_member_int(w, "offset", (gint64)f->offset);
	json_member_int(w, "size", (gint64)f->size);
	json_member_string(w, "module", f->module);
	json_member_string(w, "file", f->file);
	json_key(w, "line");
	if (f->file)
		json_int(w, f->line);
	else
		json_null(w);
	json_member_bool(w, "reliable", f->reliable);
	json_member_string(w, "context", f->context);
	json_key(w, "inlined");
	json_begin_array(w);
	for (guint i = 0; f->inlined && i < f->inlined->len; i++)
		json_string(w, g_ptr_array_index(f->inlined, i));
	json_end_array(w);
	json_end_object(w);
}

static void trace_json(JsonWriter *w, const GPtrArray *trace)
{
	json_begin_array(w);
	for (guint i = 0; i < trace->len; i++)
		frame_json(w, g_ptr_array_index(trace, i));
	json_end_array(w);
}

void report_json(JsonWriter *w, const Oops *o, const char *source)
{
	json_begin_object(w);
	json_member_string(w, "title", o->title);
	if (source)
		json_member_string(w, "source", source);
	json_member_string(w, "type", o->type);
	json_member_string(w, "function", o->function);
	json_member_string(w, "header", o->header);
	json_member_string(w, "panic_message", o->panic_message);
	json_key(w, "cpu");
	o->cpu >= 0 ? json_int(w, o->cpu) : json_null(w);
	json_key(w, "pid");
	o->pid >= 0 ? json_int(w, o->pid) : json_null(w);
	json_member_string(w, "comm", o->comm);
	json_member_string(w, "taint", o->taint);
	json_key(w, "rip");
	if (o->rip)
		frame_json(w, o->rip);
	else
		json_null(w);
	json_key(w, "trace");
	trace_json(w, o->trace);
	json_member_bool(w, "fatal", o->fatal);
	json_member_string(w, "detector", o->detector);
	json_member_string(w, "bug_type", o->bug_type);
	json_member_string(w, "access", o->access);
	json_key(w, "access_size");
	o->access_size >= 0 ? json_int(w, o->access_size) : json_null(w);
	json_member_string(w, "access_addr", o->access_addr);
	json_member_string(w, "location", o->location);
	json_key(w, "alloc_trace");
	trace_json(w, o->alloc_trace);
	json_key(w, "free_trace");
	trace_json(w, o->free_trace);
	json_end_object(w);
}

GError *report_write(const char *rundir, const Oops *o, const char *source)
{
	g_autofree char *txt_path = g_build_filename(rundir, "report.txt", NULL);
	g_autofree char *json_path = g_build_filename(rundir, "report.json", NULL);
	g_autofree char *txt = report_text(o);
	JsonWriter w = {.out = g_string_new(NULL)};
	GError *err = NULL;

	report_json(&w, o, source);
	if (!g_file_set_contents(txt_path, txt, -1, &err) ||
	    !g_file_set_contents(json_path, w.out->str, w.out->len, &err)) {
		g_string_free(w.out, TRUE);
		return err;
	}
	g_string_free(w.out, TRUE);
	return NULL;
}

/* gdb parses "fct.constprop.0+0x10" as a member access: quote such names. */
static char *gdb_symbol(const char *fn)
{
	return strchr(fn, '.') ? g_strdup_printf("'%s'", fn) : g_strdup(fn);
}

char *report_location(const Oops *o)
{
	const OopsFrame *f = NULL;
	g_autofree char *fn = NULL;

	/* the frame of the function the title names: the RIP, or its trace entry */
	if (o->rip && g_strcmp0(o->rip->function, o->function) == 0)
		f = o->rip;
	for (guint i = 0; !f && i < o->trace->len; i++) {
		const OopsFrame *frame = g_ptr_array_index(o->trace, i);

		if (g_strcmp0(frame->function, o->function) == 0)
			f = frame;
	}
	if (!f)
		f = o->rip;
	if (!f)
		return NULL;
	fn = gdb_symbol(f->function);
	/* a return address points after the call: back to the call itself */
	return g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x%s", fn, f->offset, f->exact ? "" : "-1");
}

GError *report_build_input(const CrashInput *in, Oops **out, const char **source)
{
	g_autofree char *text = NULL, *dmesg = NULL;
	const char *module = in->module;
	GError *err = NULL;

	if (in->is_run)
		return report_build(in->dir, in->vmlinux, module, in->dump, out, source);
	*out = NULL;
	*source = NULL;
	/* vmcore-dmesg.txt (or kdump-tools' dmesg.DATE) first, then the dump's own log */
	if (in->log) {
		if (!g_file_get_contents(in->log, &text, NULL, &err) ||
		    (err = report_build_from_text(text, in->vmlinux, module, out)))
			return err;
		if (*out) {
			*source = "dmesg file";
			return NULL;
		}
	}
	if ((err = dump_dmesg(in->dump, in->vmlinux, &dmesg)) ||
	    (err = report_build_from_text(dmesg, in->vmlinux, module, out)))
		return err;
	if (*out)
		*source = "dump dmesg";
	return NULL;
}

int cmd_report(int argc, char **argv)
{
	gboolean as_json = FALSE;
	g_autofree char *vmlinux = NULL;
	GOptionEntry entries[] = {
		{"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print the report as JSON", NULL},
		{"vmlinux", 0, 0, G_OPTION_ARG_FILENAME, &vmlinux, "The dump's vmlinux (default: run.json's, or searched for)", "PATH"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("RUNDIR|VMCORE|KDUMP-DIR - the crash report of a run or a vmcore");
	g_autoptr(GError) err = NULL;
	g_autoptr(CrashInput) in = NULL;
	g_autoptr(Oops) o = NULL;
	const char *source = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx, "Finds the first crash report in RUNDIR/console.log, or for a vmcore in the\n"
					  "vmcore-dmesg.txt beside it (kdump-tools: dmesg.DATE), else in the kernel log read\n"
					  "from the dump; names it (type and title), and symbolizes its RIP and call trace\n"
					  "(fct+off to file:line, with inlined calls).");
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "oopslab report: %s\n", err ? err->message : "give one run directory, vmcore or kdump directory");
		return 2;
	}
	if ((err = crash_input_open(argv[1], vmlinux, &in)) || (err = report_build_input(in, &o, &source))) {
		fprintf(stderr, "oopslab report: %s\n", err->message);
		return 1;
	}
	if (!o) {
		fprintf(stderr, "oopslab report: no crash report in %s%s, nor in the dump's kernel log\n",
			in->log ? in->log : in->dump, in->is_run ? "" : (in->log ? "" : " (no vmcore-dmesg.txt beside it)"));
		return 1;
	}
	if (in->vmlinux_problem)
		fprintf(stderr, "oopslab report: not symbolized: %s\n", in->vmlinux_problem);
	if (as_json) {
		JsonWriter w = {.out = g_string_new(NULL)};

		report_json(&w, o, source);
		fputs(w.out->str, stdout);
		g_string_free(w.out, TRUE);
	} else {
		g_autofree char *t = report_text(o);

		fputs(t, stdout);
		if (g_strcmp0(source, "console") != 0)
			printf("(from the %s%s)\n", source, in->is_run ? ": the console holds no report" : "");
	}
	return 0;
}
