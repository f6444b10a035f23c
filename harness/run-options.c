/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab run` options: parsing, defaults and the checks that need no guest. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "convert.h"
#include "run-internal.h"

G_DEFINE_QUARK(oopslab-run-usage-error, run_usage_error)

GError *run_usage_error(const char *fmt, ...)
{
	va_list ap;
	GError *err;

	va_start(ap, fmt);
	err = g_error_new_valist(RUN_USAGE_ERROR, 0, fmt, ap);
	va_end(ap);
	return err;
}

void run_options_clear(RunOptions *o)
{
	g_free(o->lab);
	g_free(o->out);
	g_free(o->kernel);
	g_free(o->vmlinux);
	g_free(o->initrd);
	g_free(o->append);
	g_free(o->accel);
	g_free(o->format);
	g_free(o->connect);
	g_free(o->expect);
	g_free(o->capture);
	g_free(o->collector);
	g_free(o->flavour);
	g_strfreev(o->modules);
	g_strfreev(o->files);
	g_free(o->share);
	g_free(o->exec);
	g_free(o->kernel_tree);
	g_free(o->modules_dir);
	g_free(o->gdb);
}

static GError *check_file(const char *what, const char *path)
{
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return run_usage_error("%s not found: %s", what, path);
	if (access(path, R_OK) < 0)
		return run_usage_error("%s not readable: %s", what, path);
	return NULL;
}

static GError *validate_kdump(RunOptions *o)
{
	GError *err;

	if (!o->collector)
		o->collector = g_strdup("makedumpfile -l -d 31");
	g_strstrip(o->collector);
	if ((err = capture_disk_collector_check(o->collector)))
		return err;
	if (o->format_given)
		return run_usage_error("--format is for --capture host; with kdump the collector decides the format");
	/* The kdump initramfs holds the lab kernel as the capture kernel. */
	if (o->kernel || o->kernel_tree || o->initrd)
		return run_usage_error(
			"--capture kdump works with the lab kernel and initramfs only (no --kernel, --kernel-tree, --initrd)");
	if (o->memory_mib < 256)
		return run_usage_error("--capture kdump needs --memory 256 or more (crashkernel=%s)", KDUMP_CRASHKERNEL);
	return NULL;
}

static GError *validate_gdb(RunOptions *o)
{
	const char *port;
	char *end = NULL;
	guint64 n;

	if (!o->gdb)
		return NULL;
	if (g_str_equal(o->capture, "kdump"))
		return run_usage_error("--gdb goes with --capture host");
	if (!g_str_equal(o->gdb, "attach")) {
		if (!g_str_has_prefix(o->gdb, "listen:"))
			return run_usage_error("--gdb: '%s' is not listen:PORT", o->gdb);
		port = o->gdb + strlen("listen:");
		n = g_ascii_strtoull(port, &end, 10);
		if (!*port || *end || n == 0 || n > 65535)
			return run_usage_error("--gdb=listen:PORT: '%s' is not a port (1-65535)", port);
	}
	/* A user at a breakpoint is not a hung guest. */
	o->timeout = 0;
	return NULL;
}

static GError *validate_kernel(const RunOptions *o)
{
	GError *err;

	if (o->modules_dir && !o->kernel && !o->kernel_tree)
		return run_usage_error("--modules-dir goes with --kernel or --kernel-tree");
	if (o->kernel_tree && !g_file_test(o->kernel_tree, G_FILE_TEST_IS_DIR))
		return run_usage_error("--kernel-tree: %s is not a directory", o->kernel_tree);
	if (!o->kernel)
		return o->vmlinux && !o->kernel_tree ? run_usage_error("--vmlinux goes with --kernel") : NULL;
	if ((err = check_file("kernel", o->kernel)) ||
	    (o->vmlinux && (err = check_file("vmlinux", o->vmlinux))) ||
	    (o->initrd && (err = check_file("initrd", o->initrd))))
		return err;
	return NULL;
}

/* The workload's paths exist (what they hold is checked when assembled). */
static GError *validate_workload(const RunOptions *o)
{
	for (char **f = o->files; f && *f; f++) {
		g_autofree char *host = g_strdup(*f);
		char *colon = strchr(host, ':');

		if (colon)
			*colon = '\0';
		if (!g_file_test(host, G_FILE_TEST_IS_REGULAR))
			return run_usage_error("--file %s: no such file", host);
	}
	if (o->share) {
		g_autofree char *dir = g_strdup(o->share);
		char *colon = strchr(dir, ':');

		if (colon)
			*colon = '\0';
		if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
			return run_usage_error("--share %s: no such directory", dir);
		if (colon && colon[1] != '/')
			return run_usage_error("--share %s: the guest path must be absolute", o->share);
	} else if (o->share_rw) {
		return run_usage_error("--share-rw goes with --share");
	}
	for (char **m = o->modules; m && *m; m++) {
		g_autofree char *path = g_strdup(*m);

		path[strcspn(path, " \t")] = '\0';
		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			return run_usage_error("--module %s: no such file or directory", path);
	}
	return NULL;
}

/* What --format takes: what convert writes, and what QEMU writes that it does not. */
static char *format_names(void)
{
	g_autofree char *convert = convert_format_names();
	g_autofree char *qemu = vm_dump_format_names();
	g_auto(GStrv) qemu_names = g_strsplit(qemu, ", ", -1);
	GString *s = g_string_new(convert);

	for (char **n = qemu_names; *n; n++)
		if (!convert_format_known(*n))
			g_string_append_printf(s, ", %s", *n);
	return g_string_free(s, FALSE);
}

GError *run_options_validate(RunOptions *o, const Lab *lab)
{
	gboolean kdump = g_str_equal(o->capture, "kdump");
	GError *err;

	if ((err = accel_parse(o->accel, &o->requested)))
		return err;
	/* The lab knows how long its crash takes to come (lockup detectors). */
	if (o->timeout < 0)
		o->timeout = lab && lab->timeout > 0 ? lab->timeout : 60;
	if (g_str_equal(o->format, "win-dmp"))
		return run_usage_error("--format: win-dmp is a Windows guest's dump (QEMU needs its KDBG); "
				       "for a Linux guest use elf or a kdump format");
	if (!vm_dump_format_valid(o->format) && !convert_format_known(o->format)) {
		g_autofree char *names = format_names();

		return run_usage_error("--format: '%s' is not one of %s", o->format, names);
	}
	if (!kdump && !g_str_equal(o->capture, "host"))
		return run_usage_error("--capture: '%s' is not one of host, kdump", o->capture);
	if (!kdump && o->collector)
		return run_usage_error("--collector goes with --capture kdump");
	if (kdump && (err = validate_kdump(o)))
		return err;
	if (o->memory_mib < 64 || o->cpus < 1 || o->cpus > 8)
		return run_usage_error(
			"--memory must be at least 64 (MiB) and --cpus between 1 and 8 (the lab kernel's NR_CPUS)");
	if ((err = validate_workload(o)) || (err = validate_gdb(o)))
		return err;
	return validate_kernel(o);
}

/* --gdb takes an optional value, which GOptionEntry does only through a
 * callback: it writes here, run_options_parse() takes it. */
static char *gdb_arg;

/* What --expect takes: every outcome but error ("hang" is no-output's old name) */
static const char *const expect_outcomes[] = {"panic", "no-panic", "no-output", "lost-connection", "boot-failure",
					      NULL};

static gboolean on_gdb(const char *name, const char *value, gpointer data, GError **error)
{
	g_free(gdb_arg);
	gdb_arg = g_strdup(value ? value : "attach");
	return TRUE;
}

static GOptionContext *run_option_context(RunOptions *o)
{
	GOptionEntry entries[] = {
		{"lab", 0, 0, G_OPTION_ARG_FILENAME, &o->lab,
		 "Lab to run: a name (see `oopslab labs`) or a lab directory (see `oopslab lab init`)", "NAME|PATH"},
		{"out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, "Run directory (default runs/LAB-YYYYmmdd-HHMMSS)", "DIR"},
		{"kernel", 0, 0, G_OPTION_ARG_FILENAME, &o->kernel, "Boot this bzImage instead of the cached lab kernel (an installed kernel's drivers, vmlinux and "
		 "headers are found from its release)", "BZIMAGE"},
		{"vmlinux", 0, 0, G_OPTION_ARG_FILENAME, &o->vmlinux, "vmlinux with debug info matching --kernel (default: found in /usr/lib/debug)", "VMLINUX"},
		{"initrd", 0, 0, G_OPTION_ARG_FILENAME, &o->initrd, "Use this initramfs instead of the lab one", "CPIO"},
		{"append", 0, 0, G_OPTION_ARG_STRING, &o->append, "Extra kernel command-line arguments", "ARGS"},
		{"kaslr", 0, 0, G_OPTION_ARG_NONE, &o->kaslr, "Boot with KASLR (labs boot with nokaslr otherwise)", NULL},
		{"accel", 0, 0, G_OPTION_ARG_STRING, &o->accel, "auto (default), kvm or tcg", "ACCEL"},
		{"memory", 0, 0, G_OPTION_ARG_INT, &o->memory_mib, "Guest memory in MiB (default 512)", "MIB"},
		{"cpus", 0, 0, G_OPTION_ARG_INT, &o->cpus, "Guest vCPUs (default 2)", "N"},
		{"timeout", 0, 0, G_OPTION_ARG_INT, &o->timeout,
		 "Seconds before an NMI is injected into a guest that has not panicked (default: the lab's, else 60; 0: wait forever)", "SECONDS"},
		{"format", 0, 0, G_OPTION_ARG_STRING, &o->format,
		 "Dump format: kdump-zstd (default), kdump-lzo, kdump-snappy (written from the guest's shared RAM, "
		 "free, page-cache and user pages left out), kdump-raw (uncompressed pages, converted from elf), elf, "
		 "kdump-zlib (QEMU's own)", "FORMAT"},
		{"expect", 0, 0, G_OPTION_ARG_STRING, &o->expect,
		 "panic, no-panic, no-output, lost-connection or boot-failure: exit with status 3 when the outcome is "
		 "another", "OUTCOME"},
		{"json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print run.json on stdout instead of the run directory", NULL},
		{"capture", 0, 0, G_OPTION_ARG_STRING, &o->capture,
		 "host (default: libvirt dumps the guest's memory) or kdump (the guest's own capture kernel, "
		 "booted by kexec on panic, writes the dump and vmcore-dmesg.txt)", "HOW"},
		{"collector", 0, 0, G_OPTION_ARG_STRING, &o->collector,
		 "--capture kdump: what runs on /proc/vmcore, cp or 'makedumpfile OPTIONS' (default 'makedumpfile -l -d 31')",
		 "COMMAND"},
		{"module", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->modules,
		 "A module to load before the trigger (repeat; in order): a directory with a Kbuild file or Makefile "
		 "(built out of tree against the run's kernel) or a .ko; parameters follow the path as insmod takes them",
		 "'PATH [PARAM=VALUE...]'"},
		{"exec", 0, 0, G_OPTION_ARG_STRING, &o->exec,
		 "A shell command the guest runs after the modules, as the trigger; its exit status goes into run.json",
		 "CMD"},
		{"file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->files,
		 "A file for the guest (repeat; default GUEST /root/NAME); ELF executables bring their libraries",
		 "HOST[:GUEST]"},
		{"share", 0, 0, G_OPTION_ARG_FILENAME, &o->share,
		 "A host directory mounted in the guest (virtio-9p; default GUEST /mnt/share), read-only", "DIR[:GUEST]"},
		{"share-rw", 0, 0, G_OPTION_ARG_NONE, &o->share_rw, "Let the guest write to the --share directory", NULL},
		{"kernel-tree", 0, 0, G_OPTION_ARG_FILENAME, &o->kernel_tree,
		 "A kernel build tree: its bzImage and vmlinux, and the build --module directories use", "DIR"},
		{"modules-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->modules_dir,
		 "Where an installed kernel's drivers come from (default /lib/modules/RELEASE)", "DIR"},
		{"repeat", 0, 0, G_OPTION_ARG_INT, &o->repeat,
		 "Boot the same workload N times (OUT/1..N, each with oopslab.boot=I on its command line); "
		 "OUT/repeat.json and stderr give each title's rate", "N"},
		{"until-crash", 0, 0, G_OPTION_ARG_NONE, &o->until_crash,
		 "With --repeat: stop at the first boot that panics", NULL},
		{"fail-on-findings", 0, 0, G_OPTION_ARG_NONE, &o->fail_on_findings,
		 "Exit with status 3 if the console has any report (run.json's findings), even one that did not panic",
		 NULL},
		{"no-pvpanic", 0, 0, G_OPTION_ARG_NONE, &o->no_pvpanic,
		 "No pvpanic device: the panic is seen on the console only", NULL},
		{"gdb", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, on_gdb,
		 "Debug the guest live: it stops before the trigger with gdb attached (through oopslab-stub --live: "
		 "vCPUs and tasks as threads, modules loaded); `continue` triggers the lab. listen:PORT: no gdb, "
		 "serve on 127.0.0.1:PORT for yours", "[listen:PORT]"},
		{"connect", 0, 0, G_OPTION_ARG_STRING, &o->connect,
		 "libvirt URI (default: the embedded driver, qemu:///embed?root=CACHE/oopslab/libvirt/embed-N)", "URI"},
		{"flavour", 0, 0, G_OPTION_ARG_STRING, &o->flavour,
		 "Kernel flavours: kasan, kfence, ubsan, lockdep, comma-separated (default: the lab's own, if any)",
		 "NAME[,NAME...]"},
		{NULL},
	};
	GOptionContext *ctx =
		g_option_context_new("[--lab NAME|PATH] [--module ...] [--exec CMD] - boot a guest, crash it, capture its memory");

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Boots the lab kernel (or --kernel) under QEMU through libvirt with a pvpanic device, runs the lab\n"
		"and the workload (--module, --exec, --file, --share), waits for the panic (the pvpanic event, or\n"
		"the console), captures memory like `virsh dump --memory-only` and writes a run directory\n"
		"(console.log, vmcore, run.json, report.txt/json). The run directory is the last line printed.\n"
		"Exit status: 0 done (and as --expect said), 1 error, 2 bad usage, 3 not the --expect outcome.");
	return ctx;
}

int run_options_parse(RunOptions *o, int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = run_option_context(o);
	g_autoptr(GError) err = NULL;

	*o = (RunOptions){.memory_mib = 512, .cpus = 2, .timeout = -1};
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "oopslab run: %s\n", err->message);
		return RUN_EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "oopslab run: unexpected argument '%s'\n", argv[1]);
		return RUN_EXIT_USAGE;
	}
	if (g_strcmp0(o->expect, "hang") == 0) {
		/* the outcome's name before syzkaller's */
		g_free(o->expect);
		o->expect = g_strdup("no-output");
	}
	if (o->expect && !g_strv_contains(expect_outcomes, o->expect)) {
		fprintf(stderr, "oopslab run: --expect: '%s' is not one of panic, no-panic, no-output, lost-connection, "
			"boot-failure\n", o->expect);
		return RUN_EXIT_USAGE;
	}
	if (o->flavour) {
		g_autofree char *given = g_steal_pointer(&o->flavour);
		g_autoptr(GError) ferr = lab_flavour_canonical(given, &o->flavour);

		if (ferr) {
			fprintf(stderr, "oopslab run: --flavour: %s\n", ferr->message);
			return RUN_EXIT_USAGE;
		}
	}
	if (o->repeat < 0 || o->repeat > 1000 || (o->until_crash && o->repeat < 1)) {
		fprintf(stderr, "oopslab run: --repeat: %d is not 1 to 1000 boots%s\n", o->repeat,
			o->until_crash ? " (--until-crash needs --repeat N)" : "");
		return RUN_EXIT_USAGE;
	}
	o->gdb = g_steal_pointer(&gdb_arg);
	o->format_given = o->format != NULL;
	if (!o->accel)
		o->accel = g_strdup("auto");
	if (!o->format)
		o->format = g_strdup(RUN_DEFAULT_FORMAT);
	if (!o->capture)
		o->capture = g_strdup("host");
	return 0;
}
