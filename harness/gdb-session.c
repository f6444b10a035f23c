#include "gdb-session.h"

#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>

#include "dump.h"
#include "json-reader.h"
#include "report.h"
#include "xlat.h"

/* oopslab-stub next to us: build/stub/ from build/harness/, or the same
 * directory once installed; else whatever PATH has. */
static char *find_stub(void)
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

int cmd_gdb(int argc, char **argv)
{
	gboolean batch = FALSE;
	GOptionEntry entries[] = {
		{"batch", 0, 0, G_OPTION_ARG_NONE, &batch, "Show the crash site and exit (for scripts and CI)", NULL},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("RUNDIR - gdb on the run's dump, at the crash");
	g_autoptr(GError) err = NULL;
	g_autoptr(JsonValue) run = NULL;
	g_autoptr(Oops) o = NULL;
	g_autofree char *run_json = NULL, *stub = NULL, *where = NULL, *target = NULL, *index_cache = NULL;
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	const char *vmlinux, *dump, *symbols, *kernel_dir;
	guint64 offset;
	const char *source = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Starts gdb with the run's vmlinux and lab module symbols, attached to oopslab-stub serving\n"
		"RUNDIR/vmcore, and shows `list *(fct+off)` of the crash: the oops RIP, or for a plain panic\n"
		"the call in the function the report names. KASLR is taken care of.");
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "oopslab gdb: %s\n", err ? err->message : "give one run directory");
		return 2;
	}
	run_json = g_build_filename(argv[1], "run.json", NULL);
	if ((err = json_parse_file(run_json, &run))) {
		fprintf(stderr, "oopslab gdb: %s\n", err->message);
		return 1;
	}
	vmlinux = json_get_string(run, "vmlinux");
	dump = json_get_string(json_get(run, "dump"), "path");
	symbols = json_get_string(run, "add_symbol_file");
	kernel_dir = json_get_string(run, "kernel_dir");
	if (!dump || !g_file_test(dump, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "oopslab gdb: %s: no dump (outcome %s)\n", argv[1],
			json_get_string(run, "outcome") ? json_get_string(run, "outcome") : "?");
		return 1;
	}
	if (!vmlinux) {
		fprintf(stderr, "oopslab gdb: %s: run.json names no vmlinux\n", argv[1]);
		return 1;
	}
	if (!(stub = find_stub())) {
		fprintf(stderr, "oopslab gdb: oopslab-stub not found next to oopslab nor in PATH\n");
		return 1;
	}
	if ((err = report_build(argv[1], vmlinux, json_get_string(run, "module"), dump, &o, &source)) ||
	    (err = kaslr_offset(dump, &offset))) {
		fprintf(stderr, "oopslab gdb: %s\n", err->message);
		return 1;
	}
	where = o ? report_location(o) : NULL;

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
	/* the kernel's own lx-* commands, from the lab build */
	if (kernel_dir) {
		g_ptr_array_add(args, g_strdup("-iex"));
		g_ptr_array_add(args, g_strdup_printf("add-auto-load-safe-path %s", kernel_dir));
	}
	/* a pipe: as fast as TCP (tests/bench/stub-read-speed), nothing to clean up */
	target = g_strdup_printf("target remote | %s --stdio --vmlinux %s %s", stub, vmlinux, dump);
	if (offset == 0) {
		g_ptr_array_add(args, g_strdup(vmlinux));
		g_ptr_array_add(args, g_strdup("-ex"));
		g_ptr_array_add(args, g_steal_pointer(&target));
	} else {
		/* as `monitor kaslr` says: per-CPU symbols stay offsets */
		g_ptr_array_add(args, g_strdup("-ex"));
		g_ptr_array_add(args, g_steal_pointer(&target));
		g_ptr_array_add(args, g_strdup("-ex"));
		g_ptr_array_add(args, g_strdup_printf("add-symbol-file %s -o 0x%" G_GINT64_MODIFIER "x -s .data..percpu 0",
						      vmlinux, offset));
		g_ptr_array_add(args, g_strdup("-ex"));
		g_ptr_array_add(args, g_strdup("sharedlibrary"));
	}
	if (symbols) {
		g_ptr_array_add(args, g_strdup("-ex"));
		g_ptr_array_add(args, g_strdup(symbols));
	}
	if (o) {
		g_ptr_array_add(args, g_strdup("-ex"));
		g_ptr_array_add(args, g_strdup_printf("echo \\n%s\\n", o->title));
	}
	if (where) {
		g_ptr_array_add(args, g_strdup("-ex"));
		g_ptr_array_add(args, g_strdup_printf("list *(%s)", where));
	}
	g_ptr_array_add(args, NULL);
	fflush(stdout);
	execvp("gdb", (char **)args->pdata);
	fprintf(stderr, "oopslab gdb: cannot run gdb: %s\n", g_strerror(errno));
	return 1;
}
