/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "gdb-session.h"

#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>

#include "dump.h"
#include "crash-input.h"
#include "json-reader.h"
#include "kernel-library.h"
#include "report.h"
#include "xlat.h"

/* oopslab-stub next to us: build/stub/ from build/harness/, or the same
 * directory once installed; else whatever PATH has. */
char *oopslab_find_stub(void)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
	const char *candidates[] = {"../stub/oopslab-stub", "oopslab-stub"};

	for (guint i = 0; dir && i < G_N_ELEMENTS(candidates); i++) {
		g_autofree char *p = g_build_filename(dir, candidates[i], NULL);
		g_autofree char *canon = g_canonicalize_filename(p, NULL);

		if (g_file_test(canon, G_FILE_TEST_IS_EXECUTABLE))
			return g_steal_pointer(&canon);
	}
	return g_find_program_in_path("oopslab-stub");
}

/* The KASLR offset of the dump, from the same reader the stub uses. */
static GError *kaslr_offset(const char *dump, guint64 *offset)
{
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	GError *err;

	*offset = 0;
	if ((err = ol_dump_open(dump, &d)) || (err = ol_xlat_new(d, &x)))
		return err;
	ol_xlat_kaslr_offset(x, offset);
	return NULL;
}

static void add(GPtrArray *args, const char *opt, char *value)
{
	g_ptr_array_add(args, g_strdup(opt));
	g_ptr_array_add(args, value);
}

/* A gdb command run with its output kept from the student: gdb's own
 * chatter (what add-symbol-file is about to do, "Reading ... from remote
 * target", the remote file transfer warning) says nothing about the crash.
 * Takes CMD. */
static char *quiet(char *cmd)
{
	GString *py = g_string_new("python gdb.execute('");

	for (const char *c = cmd; *c; c++) {
		if (*c == '\\' || *c == '\'')
			g_string_append_c(py, '\\');
		g_string_append_c(py, *c);
	}
	g_string_append(py, "', to_string=True)");
	g_free(cmd);
	return g_string_free(py, FALSE);
}

/*
 * gdb's command line. No question, no warning to decode: vmlinux is the
 * exec file, its symbols are loaded where the kernel was (KASLR: moved,
 * .data..percpu kept at 0) before gdb connects, with confirmation off for
 * that one command (add-symbol-file asks otherwise); the stub hands gdb the
 * modules and the entry-code CFI by itself (--no-kernel-library: gdb has
 * vmlinux already). Then the crash's frame is selected and listed.
 */
static GPtrArray *gdb_args(const CrashInput *in, const char *stub, guint64 offset, const Oops *o,
			   gboolean batch)
{
	GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
	const char *kernel_dir = in->run ? json_get_string(in->run, "kernel_dir") : NULL;
	g_autofree char *where = o ? report_location(o) : NULL;
	g_autofree char *index_cache = NULL;
	g_autofree char *vmlinux_dir = g_path_get_dirname(in->vmlinux);

	g_ptr_array_add(args, g_strdup("gdb"));
	g_ptr_array_add(args, g_strdup("-q"));
	if (batch)
		g_ptr_array_add(args, g_strdup("-batch"));
	/* gdb 13 indexes vmlinux's DWARF at every start (1.5-2 s of the 2.3 s
	 * `oopslab gdb --batch` took); its index cache keeps that by build-id */
	index_cache = g_build_filename(g_get_user_cache_dir(), "oopslab", "gdb-index", NULL);
	if (g_mkdir_with_parents(index_cache, 0700) == 0) {
		g_ptr_array_add(args, g_strdup("-iex"));
		g_ptr_array_add(args, g_strdup("set index-cache enabled on"));
		g_ptr_array_add(args, g_strdup("-iex"));
		g_ptr_array_add(args, g_strdup_printf("set index-cache directory %s", index_cache));
	}
	/* the kernel's own lx-* commands, from the lab build, or beside the
	 * vmlinux the user pointed at (vmlinux-gdb.py, when the build has one) */
	if (kernel_dir)
		add(args, "-iex", g_strdup_printf("add-auto-load-safe-path %s", kernel_dir));
	else
		add(args, "-iex", g_strdup_printf("add-auto-load-safe-path %s", vmlinux_dir));
	if (offset == 0) {
		g_ptr_array_add(args, g_strdup(in->vmlinux));
	} else {
		add(args, "-iex", g_strdup_printf("exec-file %s", in->vmlinux));
		add(args, "-iex", g_strdup("set confirm off"));
		add(args, "-iex", quiet(ol_kernel_library_add_symbol_file(in->vmlinux, offset)));
		add(args, "-iex", g_strdup("set confirm on"));
	}
	add(args, "-ex", quiet(g_strdup_printf("target remote | %s --stdio --no-kernel-library --vmlinux %s %s", stub,
					       in->vmlinux, in->dump)));
	if (o)
		add(args, "-ex", g_strdup_printf("echo \\n%s\\n", o->title));
	/* stopped at the crashing frame, as a student expects: bt, info locals */
	if (o && o->function)
		add(args, "-ex", g_strdup_printf("frame function %s", o->function));
	if (where)
		add(args, "-ex", g_strdup_printf("list *(%s)", where));
	g_ptr_array_add(args, NULL);
	return args;
}

int cmd_gdb(int argc, char **argv)
{
	gboolean batch = FALSE;
	g_autofree char *vmlinux = NULL;
	GOptionEntry entries[] = {
		{"batch", 0, 0, G_OPTION_ARG_NONE, &batch, "Show the crash site and exit (for scripts and CI)", NULL},
		{"vmlinux", 0, 0, G_OPTION_ARG_FILENAME, &vmlinux, "The dump's vmlinux (default: run.json's, or searched for)", "PATH"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("RUNDIR|VMCORE|KDUMP-DIR - gdb on the dump, at the crash");
	g_autoptr(GError) err = NULL;
	g_autoptr(CrashInput) in = NULL;
	g_autoptr(Oops) o = NULL;
	g_autoptr(GPtrArray) args = NULL;
	g_autofree char *stub = NULL;
	guint64 offset;
	const char *source = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Starts gdb with vmlinux (KASLR taken care of) attached to oopslab-stub serving the dump of a run\n"
		"directory, a bare vmcore or a kdump-tools directory, selects the crashing frame and shows\n"
		"`list *(fct+off)` of the crash: the oops RIP, or for a plain panic the call in the function\n"
		"the report names. Modules' symbols come from the stub.");
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "oopslab gdb: %s\n", err ? err->message : "give one run directory, vmcore or kdump directory");
		return 2;
	}
	if ((err = crash_input_open(argv[1], vmlinux, &in))) {
		fprintf(stderr, "oopslab gdb: %s\n", err->message);
		return 1;
	}
	if (!in->dump) {
		fprintf(stderr, "oopslab gdb: %s\n", in->no_dump);
		return 1;
	}
	if (!in->vmlinux) {
		fprintf(stderr, "oopslab gdb: %s\n", in->vmlinux_problem);
		return 1;
	}
	if (!(stub = oopslab_find_stub())) {
		fprintf(stderr, "oopslab gdb: oopslab-stub not found next to oopslab nor in PATH\n");
		return 1;
	}
	if ((err = report_build_input(in, &o, &source)) || (err = kaslr_offset(in->dump, &offset))) {
		fprintf(stderr, "oopslab gdb: %s\n", err->message);
		return 1;
	}
	args = gdb_args(in, stub, offset, o, batch);
	fflush(stdout);
	execvp("gdb", (char **)args->pdata);
	fprintf(stderr, "oopslab gdb: cannot run gdb: %s\n", g_strerror(errno));
	return 1;
}
