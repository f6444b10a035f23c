/* SPDX-License-Identifier: GPL-2.0-or-later */
/* After the guest: what its dump says, the crash report, and run.json. */
#include <stdio.h>

#include <gio/gio.h>

#include "json-writer.h"
#include "kmem.h"
#include "oopslab-config.h"
#include "report.h"
#include "run-dir.h"
#include "run-internal.h"
#include "run-remote.h"
#include "sysinfo.h"
#include "workload.h"

/*
 * What the dump itself says, with the stub's own kernel model: the panic
 * message as crash's `sys` finds it in the log, and the task that was
 * running on the panicking CPU. Best effort: a dump without vmlinux or
 * with damage gives fewer fields, never a failed run.
 */
void run_read_dump(Run *r)
{
	g_autoptr(OlKmem) k = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_auto(OlRunDir) run = {0};
	OlKmemOptions opt = {.vmlinux = r->kit->vmlinux};
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) tasks = NULL;
	int cpu;

	ol_run_dir_read(r->dump_path, &run);
	opt.vmlinux_hint = run.vmlinux;
	if ((err = ol_kmem_open(r->dump_path, &opt, &k, warnings))) {
		run_say(r, "cannot read the dump: %s", err->message);
		return;
	}
	r->panic_message = ol_sysinfo_panic_message(k);
	cpu = (int)ol_kmem_panic_cpu(k);
	if ((err = ol_tasks_read(k, &tasks, warnings))) {
		run_say(r, "no task list from the dump: %s", err->message);
		return;
	}
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *task = &g_array_index(tasks, OlTask, i);

		if (task->running == cpu && cpu >= 0) {
			r->panic_task = *task;
			break;
		}
	}
}

/* Every report in the console, fatal or not: run.json's findings. */
static void find_findings(Run *r)
{
	g_autofree char *path = g_build_filename(r->dir, "console.log", NULL);
	g_autofree char *text = NULL;

	if (g_file_get_contents(path, &text, NULL, NULL))
		r->findings = oops_parse_all(text);
}

void run_build_report(Run *r)
{
	const char *source = NULL;
	g_autoptr(GError) err = report_build(r->dir, r->kit->vmlinux, r->module_path, r->dump_path, &r->oops,
					     &source);

	find_findings(r);
	/* a plain panic that stopped the boot: syzkaller's "kernel panic: MESSAGE" */
	if (!err && r->oops && g_strcmp0(r->outcome, "boot-failure") == 0 && g_str_equal(r->oops->type, "panic") &&
	    r->oops->panic_message) {
		g_free(r->oops->title);
		r->oops->title = g_strdup_printf("kernel panic: %s", r->oops->panic_message);
	}
	r->report_source = g_strdup(source);
	if (!err && r->oops)
		err = report_write(r->dir, r->oops, source);
	if (err)
		run_say(r, "no report: %s", err->message);
	else if (r->oops)
		run_say(r, "report: %s (from the %s)", r->oops->title, r->report_source);
}

/* "findings": [{title, type, detector, fatal}] of every report in the console */
static void json_findings(JsonWriter *w, const Run *r)
{
	json_key(w, "findings");
	json_begin_array(w);
	for (guint i = 0; r->findings && i < r->findings->len; i++) {
		const Oops *o = g_ptr_array_index(r->findings, i);

		json_begin_object(w);
		json_member_string(w, "title", o->title);
		json_member_string(w, "type", o->type);
		json_member_string(w, "detector", o->detector);
		json_member_bool(w, "fatal", o->fatal);
		json_end_object(w);
	}
	json_end_array(w);
}

static void json_dump(JsonWriter *w, const Run *r)
{
	json_key(w, "dump");
	if (!r->dump_path) {
		json_null(w);
		return;
	}
	json_begin_object(w);
	json_member_string(w, "path", r->dump_path);
	json_member_string(w, "format", r->dump_format ? r->dump_format : r->opt->format);
	json_member_int(w, "bytes", r->dump_bytes);
	json_end_object(w);
}

static void json_kdump(JsonWriter *w, const Run *r)
{
	json_member_string(w, "capture", r->capture_used ? r->capture_used : r->kdump ? "kdump" : "host");
	json_member_string(w, "collector", r->kdump ? r->opt->collector : NULL);
	json_key(w, "kdump");
	if (!r->kdump) {
		json_null(w);
		return;
	}
	json_begin_object(w);
	json_member_string(w, "crashkernel", KDUMP_CRASHKERNEL);
	json_member_string(w, "status", r->kh.status);
	json_member_string(w, "message", r->kh.message);
	/* what the capture init ran: the collector with -F and /proc/vmcore */
	json_member_string(w, "command", r->kh.command);
	json_member_string(w, "written_as", r->kh.vmcore_format);
	json_member_int(w, "written_bytes", r->kh.vmcore_bytes);
	json_member_string(w, "converted", r->kdump_note);
	json_member_string(w, "dmesg", r->dmesg_path);
	json_member_double(w, "capture_kernel_uptime", r->kh.uptime);
	json_end_object(w);
}

/*
 * syzkaller's titles for the outcomes that are not a crash: no-output
 * always (what the console holds then is the answer to the harness's own
 * NMI, "unknown NMI": report.txt and findings keep it), lost-connection
 * when the console had no report before QEMU went.
 */
const char *run_pseudo_title(const Run *r)
{
	if (g_strcmp0(r->outcome, "no-output") == 0)
		return "no output from test machine";
	if (g_strcmp0(r->outcome, "lost-connection") == 0 && !r->oops)
		return "lost connection to test machine";
	return NULL;
}

/* From the console and the report (report.txt, report.json): what crashed,
 * and where; from the dump itself, through the stub's kernel model. */
static void json_crash(JsonWriter *w, const Run *r)
{
	const ConsoleWatcher *c = r->console;
	g_autofree char *console = g_build_filename(r->dir, "console.log", NULL);
	/* no-output and lost-connection are their own type */
	const char *pseudo = run_pseudo_title(r);
	const char *title = pseudo ? pseudo : r->oops ? r->oops->title : NULL;
	const char *type = pseudo ? r->outcome : r->oops ? r->oops->type : NULL;

	json_member_string(w, "console", console);
	json_member_string(w, "panic_line", c ? c->panic_line : NULL);
	/* the report's first line; the console watcher knows fewer kinds */
	json_member_string(w, "oops_line", r->oops ? r->oops->header : c ? c->oops_line : NULL);
	json_member_string(w, "rip", c ? c->rip_line : NULL);
	json_member_string(w, "title", title);
	json_member_string(w, "type", type);
	json_member_string(w, "crash_function", r->oops ? r->oops->function : NULL);
	json_findings(w, r);
	json_member_string(w, "report_source", r->report_source);
	json_member_string(w, "panic_message", r->panic_message);
	json_key(w, "panic_task");
	if (r->panic_task.pid >= 0) {
		char addr[32];

		g_snprintf(addr, sizeof(addr), "0x%" G_GINT64_MODIFIER "x", r->panic_task.addr);
		json_begin_object(w);
		json_member_int(w, "pid", r->panic_task.pid);
		json_member_string(w, "comm", r->panic_task.comm);
		json_member_int(w, "cpu", r->panic_task.running);
		json_member_string(w, "task", addr);
		json_end_object(w);
	} else {
		json_null(w);
	}
}

/* Host-side seconds per stage (0 for a stage not reached), and the guest's
 * own uptime at each /init stage marker. */
static void json_timings(JsonWriter *w, const Run *r)
{
	const ConsoleWatcher *c = r->console;

	json_key(w, "timings");
	json_begin_object(w);
	json_member_double(w, "start", r->t_create);
	json_member_double(w, "boot", r->t_boot > 0 ? r->t_boot - r->t_create : 0);
	json_member_double(w, "crash", r->t_panic > 0 ? r->t_panic - MAX(r->t_boot, r->t_create) : 0);
	json_member_double(w, "dump", r->t_dump);
	/* since the run started: the console's "Kernel panic" line, and when
	 * the harness acted on the panic (pvpanic event or console) */
	json_member_double(w, "panic_line_at", c ? c->panic_time : 0);
	json_member_double(w, "detected_at", r->t_detected);
	if (r->kdump) {
		/* the dump: from the panic to the capture kernel's power-off, then
		 * taking the files off the disk */
		json_member_double(w, "kdump_capture", r->t_capture);
		json_member_double(w, "kdump_extract", r->t_extract);
	}
	json_member_double(w, "destroy", r->t_destroy);
	json_member_double(w, "total", r->t_total);
	json_end_object(w);
	json_key(w, "guest_stages");
	json_begin_object(w);
	for (guint i = 0; c && i < c->stages->len; i++) {
		const ConsoleStage *s = g_ptr_array_index(c->stages, i);

		json_member_double(w, s->name, s->uptime);
	}
	json_end_object(w);
}

static void json_guest(JsonWriter *w, const Run *r)
{
	const RunOptions *o = r->opt;

	json_member_string(w, "accel", accel_name(r->accel));
	json_member_string(w, "accel_reason", r->accel_reason);
	json_member_string(w, "connect", r->uri);
	json_member_string(w, "domain", r->domain);
	json_member_int(w, "memory_mib", o->memory_mib);
	json_member_int(w, "cpus", o->cpus);
	json_member_int(w, "timeout", o->timeout);
	json_member_bool(w, "kaslr", o->kaslr);
	json_member_string(w, "cmdline", r->cmdline);
	json_member_string(w, "kernel", r->kit ? r->kit->bzimage : NULL);
	json_member_string(w, "initrd", r->kit ? r->kit->initrd : NULL);
	json_member_string(w, "vmlinux", r->kit ? r->kit->vmlinux : NULL);
	json_member_string(w, "kernel_dir", r->kit ? r->kit->kernel_dir : NULL);
	json_member_string(w, "module", r->module_path);
	json_member_string(w, "add_symbol_file", r->add_symbol_file);
	json_member_string(w, "kernel_release", r->kinfo ? r->kinfo->release : NULL);
	json_member_string(w, "modules_dir", r->kinfo ? r->kinfo->modules_dir : NULL);
	json_member_bool(w, "pvpanic", !o->no_pvpanic);
}

static void json_strings(JsonWriter *w, const char *key, GPtrArray *a)
{
	json_key(w, key);
	json_begin_array(w);
	for (guint i = 0; a && i < a->len; i++)
		json_string(w, a->pdata[i]);
	json_end_array(w);
}

/* What the user brought: modules (kept in RUN/modules), files, share, exec. */
static void json_workload(JsonWriter *w, const Run *r)
{
	const RunOptions *o = r->opt;

	json_key(w, "workload");
	json_begin_object(w);
	json_key(w, "modules");
	json_begin_array(w);
	for (guint i = 0; r->wmodules && i < r->wmodules->len; i++) {
		const WorkloadModule *m = r->wmodules->pdata[i];
		gboolean copied = r->module_copies && i < r->module_copies->len;

		json_begin_object(w);
		json_member_string(w, "name", m->name);
		json_member_string(w, "built", m->ko);
		json_member_string(w, "path", copied ? r->module_copies->pdata[i] : NULL);
		json_member_string(w, "params", m->params);
		json_end_object(w);
	}
	json_end_array(w);
	json_strings(w, "drivers", r->drivers);
	json_key(w, "files");
	json_begin_array(w);
	for (char **f = o->files; f && *f; f++)
		json_string(w, *f);
	json_end_array(w);
	json_member_string(w, "share", r->share_dir);
	json_member_string(w, "share_guest", r->share_guest);
	json_member_bool(w, "share_rw", o->share_rw);
	json_member_string(w, "exec", o->exec);
	json_end_object(w);
	json_key(w, "exit_status");
	if (r->exit_status >= 0)
		json_int(w, r->exit_status);
	else
		json_null(w);
}

/* run.json, written whole or not at all (g_file_set_contents renames a
 * finished temporary file into place). */
void run_write_json(Run *r)
{
	JsonWriter w = {.out = g_string_new(NULL)};
	g_autofree char *path = g_build_filename(r->dir, "run.json", NULL);
	g_autofree char *started = r->started ? g_date_time_format_iso8601(r->started) : NULL;
	g_autoptr(GError) err = NULL;

	json_begin_object(&w);
	json_member_string(&w, "oopslab_version", OOPSLAB_VERSION);
	json_member_string(&w, "started", started);
	json_member_string(&w, "lab", r->workload_only ? NULL : r->lab->name);
	json_member_string(&w, "lab_dir", r->lab->dir);
	json_member_string(&w, "dir", r->dir);
	json_member_string(&w, "lab_type", r->lab->type);
	json_member_string(&w, "flavour", run_flavour(r));
	json_member_string(&w, "outcome", r->outcome);
	json_member_string(&w, "expected", r->lab->expect);
	json_member_string(&w, "detected_by", r->detected_by);
	json_member_string(&w, "error", r->error);
	json_guest(&w, r);
	json_workload(&w, r);
	json_dump(&w, r);
	run_remote_json(&w, r);
	json_kdump(&w, r);
	json_crash(&w, r);
	json_timings(&w, r);
	json_end_object(&w);
	if (!g_file_set_contents(path, w.out->str, w.out->len, &err))
		fprintf(stderr, "oopslab: %s\n", err->message);
	g_string_free(w.out, TRUE);
}

void run_print_result(const Run *r)
{
	g_autofree char *path = g_build_filename(r->dir, "run.json", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;

	if (!r->opt->json) {
		printf("%s\n", r->dir);
		return;
	}
	if (!g_file_get_contents(path, &text, NULL, &err)) {
		fprintf(stderr, "oopslab: %s\n", err->message);
		return;
	}
	fputs(text, stdout);
}
