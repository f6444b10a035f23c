/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oopslab: boot lab kernels, crash them, capture and explain the crash. */
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "convert.h"
#include "gdb-session.h"
#include "labs.h"
#include "kvm-mask.h"
#include "oopslab-config.h"
#include "reaper.h"
#include "report.h"
#include "run.h"

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
		"  labs [--dir DIR]  list the labs (or the lab directories in DIR): panic types, kernel flavours\n"
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
		return lab_cmd_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "lab") == 0)
		return cmd_lab(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "batch") == 0) {
		/* before any thread: QEMU is reaped at once, /dev/kvm can be hidden */
		reaper_split();
		kvm_mask_prepare();
	}
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
