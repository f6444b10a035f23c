/* oopslab: boot lab kernels, crash them, capture and explain the crash. */
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "convert.h"
#include "gdb-session.h"
#include "labs.h"
#include "oopslab-config.h"
#include "report.h"
#include "run.h"

static int cmd_labs(int argc, char **argv)
{
	g_autofree char *manifest = g_build_filename(oopslab_data_dir(), "guests", "labs", "labs.conf", NULL);
	g_autofree char *dir = NULL;
	GOptionEntry entries[] = {
		{"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "List the lab directories in DIR instead (DIR/*/lab.conf)", "DIR"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- list the labs and their panic types");
	g_autoptr(LabSet) labs = NULL;
	g_autoptr(GError) err = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "oopslab labs: %s\n", err ? err->message : "unexpected argument");
		return 2;
	}
	if ((err = dir ? lab_set_load_dir(dir, &labs) : lab_set_load(manifest, &labs))) {
		fprintf(stderr, "oopslab: %s\n", err->message);
		return 1;
	}
	printf("%-16s %-26s %s\n", "LAB", "PANIC TYPE", "WHAT IT DOES");
	for (guint i = 0; i < labs->labs->len; i++) {
		const Lab *lab = g_ptr_array_index(labs->labs, i);

		printf("%-16s %-26s %s\n", lab->dir ? lab->dir : lab->name, lab->type,
		       lab->description ? lab->description : "");
	}
	return 0;
}

/* `oopslab lab init DIR` */
static int cmd_lab(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;

	if (argc != 3 || strcmp(argv[1], "init") != 0) {
		fprintf(stderr, "usage: oopslab lab init DIR\n");
		return 2;
	}
	if ((err = lab_init_dir(argv[2]))) {
		fprintf(stderr, "oopslab: %s\n", err->message);
		return 1;
	}
	printf("%s\n", argv[2]);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: oopslab COMMAND [OPTIONS]\n"
		"\n"
		"Commands:\n"
		"  labs [--dir DIR]  list the labs (or the lab directories in DIR) and their panic types\n"
		"  lab init DIR      write a lab directory to edit (lab.conf, module, Kbuild, README)\n"
		"  run --lab NAME    boot the lab kernel, crash it, capture memory into a run directory\n"
		"                    (or --module, --exec, --file, --share: your own workload and kernel)\n"
		"  report RUNDIR     the run's crash: type, title, RIP and call trace with source lines\n"
		"  gdb RUNDIR        gdb on the run's dump (through oopslab-stub), at the crashing line\n"
		"  batch             labs x kernels in parallel; results grouped by crash; JUnit XML\n"
		"  convert IN OUT    rewrite a dump as kdump-compressed (zstd, zlib, lzo, snappy) or ELF\n"
		"  version           print the version\n"
		"\n"
		"`oopslab COMMAND --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "labs") == 0)
		return cmd_labs(argc - 1, argv + 1);
	if (strcmp(argv[1], "lab") == 0)
		return cmd_lab(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "gdb") == 0)
		return cmd_gdb(argc - 1, argv + 1);
	if (strcmp(argv[1], "batch") == 0)
		return cmd_batch(argc - 1, argv + 1);
	if (strcmp(argv[1], "convert") == 0)
		return cmd_convert(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("oopslab %s\n", OOPSLAB_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "oopslab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
