/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oopslab-stub: serve a Linux x86_64 crash dump to gdb over the remote serial
 * protocol (--stdio, --listen, --unix), or describe it (--info).
 *
 * Exit status: 0 ok, 1 error, 2 bad usage (one line on stderr).
 */
#include <gio/gio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dump.h"
#include "live-proxy.h"
#include "run-dir.h"
#include "server.h"
#include "target.h"
#include "transport.h"
#include "oopslab-config.h"
#include "vmcoreinfo.h"

#define MAX_LISTED_RANGES 16
#define START_KERNEL_MAP G_GUINT64_CONSTANT(0xffffffff80000000) /* x86_64 __START_KERNEL_map */

static int fail(const char *msg)
{
	fprintf(stderr, "oopslab-stub: %s\n", msg);
	return 1;
}

/* Bad usage: an option, or options that do not go together. */
static int usage(const char *msg)
{
	fprintf(stderr, "oopslab-stub: %s\n", msg);
	return 2;
}

/* An error from a library: an option's value it refused is bad usage. */
static int fail_error(const GError *err)
{
	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
		return usage(err->message);
	return fail(err->message);
}

static void print_ranges(OlDump *d)
{
	guint n = ol_dump_n_ranges(d);
	guint64 total = 0;
	g_autofree char *human = NULL;

	for (guint i = 0; i < n; i++) {
		guint64 size;

		ol_dump_range(d, i, NULL, &size);
		total += size;
	}
	human = g_format_size_full(total, G_FORMAT_SIZE_IEC_UNITS);
	printf("memory:       %u physical range%s, %" G_GUINT64_FORMAT " bytes (%s)\n",
	       n, n == 1 ? "" : "s", total, human);
	for (guint i = 0; i < n && i < MAX_LISTED_RANGES; i++) {
		guint64 start, size;
		ol_dump_range(d, i, &start, &size);
		printf("  " "0x%016" G_GINT64_MODIFIER "x-0x%016" G_GINT64_MODIFIER "x  %" G_GUINT64_FORMAT " bytes\n",
		       start, start + size - 1, size);
	}
	if (n > MAX_LISTED_RANGES)
		printf("  ... %u more\n", n - MAX_LISTED_RANGES);
}

static void print_cpus(OlDump *d)
{
	guint n = ol_dump_n_cpus(d);
	/* Only QEMU dumps (ELF or kdump) say which CPU a note belongs to
	 * (pr_pid = cpu + 1). */
	gboolean ordered = ol_dump_cpu_order_known(d);
	printf("cpus:         %u%s\n", n, ordered || n == 0 ? "" : " (in note order, not CPU order)");
	for (guint i = 0; i < n; i++) {
		const OlCpuNote *c = ol_dump_cpu(d, i);
		printf("  %s %u: pr_pid %u rip " X64 " rsp " X64, ordered ? "cpu" : "note", i,
		       c->pr_pid, c->regs[OL_REG_RIP], c->regs[OL_REG_RSP]);
		if (c->has_qemu)
			printf(" cr3 " X64 "\n", c->qemu.cr[3]);
		else
			printf(" cr3 unknown\n");
	}
}

static void print_vmcoreinfo(OlDump *d)
{
	gsize len;
	const char *info = ol_dump_vmcoreinfo(d, &len);
	g_autofree char *osrelease = NULL;
	guint64 v;
	gint64 phys_base;
	g_autoptr(GError) err = NULL;

	if (!info) {
		printf("vmcoreinfo:   no\n");
		printf("phys_base:    unknown (no VMCOREINFO)\n");
		return;
	}
	printf("vmcoreinfo:   yes (%" G_GSIZE_FORMAT " bytes)\n", len);
	osrelease = ol_vmcoreinfo_dup(info, len, "OSRELEASE");
	printf("osrelease:    %s\n", osrelease ? osrelease : "(not in VMCOREINFO)");

	err = ol_vmcoreinfo_get_u64(info, len, "KERNELOFFSET", &v);
	if (!err)
		printf("kerneloffset: " X64 "\n", v);
	else if (!g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT))
		printf("kerneloffset: invalid (%s)\n", err->message);
	g_clear_error(&err);

	/* Signed: with KASLR the kernel can sit lower in physical memory than
	 * its link address implies, and 6.1 then prints e.g. -218103808. */
	err = ol_vmcoreinfo_get_s64(info, len, "NUMBER(phys_base)", &phys_base);
	if (err) {
		if (g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT))
			printf("phys_base:    unknown (not in VMCOREINFO)\n");
		else
			printf("phys_base:    invalid (%s)\n", err->message);
		return;
	}
	printf("phys_base:    %s" X64 "\n", phys_base < 0 ? "-" : "",
	       phys_base < 0 ? 0 - (guint64)phys_base : (guint64)phys_base);

	/* The kernel page table as the translator will find it: a cross-check
	 * against the CPUs' cr3. */
	g_clear_error(&err);
	err = ol_vmcoreinfo_get_u64(info, len, "SYMBOL(swapper_pg_dir)", &v);
	if (!err)
		printf("kernel pgd:   " X64 " (SYMBOL(swapper_pg_dir) - " X64 " + phys_base)\n",
		       v - START_KERNEL_MAP + (guint64)phys_base, START_KERNEL_MAP);
}

static int do_info(const char *path)
{
	g_autoptr(OlDump) d = NULL;
	g_autoptr(GError) err = ol_dump_open(path, &d);
	OlDumpKdumpInfo k;
	OlDumpPageCounts pc;

	if (err)
		return fail(err->message);

	printf("path:         %s\n", ol_dump_path(d));
	printf("format:       %s\n", ol_dump_format_name(d));
	printf("codec:        %s\n", ol_dump_codec_name(ol_dump_codec(d)));
	printf("file size:    %" G_GUINT64_FORMAT " bytes\n", ol_dump_file_size(d));
	if (ol_dump_warning(d))
		printf("warning:      %s\n", ol_dump_warning(d));
	if (ol_dump_kdump_info(d, &k)) {
		printf("kdump header: version %d, status 0x%x, dump_level %u, max_mapnr 0x%" G_GINT64_MODIFIER "x, "
		       "phys_base 0x%" G_GINT64_MODIFIER "x", k.header_version, k.status, k.dump_level,
		       k.max_mapnr, k.phys_base);
		if (k.incomplete)
			printf(", incomplete");
		if (k.split)
			printf(", --split file for pfns 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x",
			       k.split_start_pfn, k.split_end_pfn);
		if (ol_dump_format(d) == OL_DUMP_FORMAT_KDUMP_FLAT)
			printf(", %" G_GUINT64_FORMAT " flattened records", k.n_flat_records);
		printf("\n");
	}
	if ((err = ol_dump_page_counts(d, &pc)))
		return fail(err->message);
	/* Counts of 4 KiB pages: RAM = present + excluded. */
	printf("pages:        %" G_GUINT64_FORMAT " RAM, %" G_GUINT64_FORMAT " present (%" G_GUINT64_FORMAT " zero), "
	       "%" G_GUINT64_FORMAT " excluded", pc.ram, pc.present, pc.zero, pc.excluded);
	if (pc.missing)
		printf(" (%" G_GUINT64_FORMAT " missing: incomplete dump)", pc.missing);
	printf("\n");
	print_ranges(d);
	print_cpus(d);
	print_vmcoreinfo(d);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fail("error writing to standard output");
	return 0;
}

static int serve(const char *dump, const char *vmlinux, const char *const *module_dirs, gboolean use_stdio,
		 const char *listen_spec, const char *unix_path, gboolean strict, const char *log_path,
		 gboolean no_kernel_library)
{
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	g_autoptr(GError) err = NULL;
	g_auto(OlRunDir) run = {0};
	g_auto(GStrv) run_module_dirs = NULL;
	OlTargetOptions opt = {.kmem.vmlinux = vmlinux, .module_dirs = module_dirs,
			       .no_kernel_library = no_kernel_library};
	int lfd = -1, log_fd;

	if ((err = rsp_log_open(log_path, use_stdio, &log_fd)))
		return fail(err->message);
	/* The run directory's defaults: run.json's vmlinux, module and kernel build directories */
	ol_run_dir_read(dump, &run);
	run_module_dirs = ol_run_dir_module_dirs(&run);
	opt.kmem.vmlinux_hint = run.vmlinux;
	opt.run_module_dirs = (const char *const *)run_module_dirs;
	err = ol_target_open(dump, &opt, &t, &warnings);
	for (guint i = 0; warnings && i < warnings->len; i++)
		fprintf(stderr, "oopslab-stub: warning: %s\n", (const char *)warnings->pdata[i]);
	if (err)
		return fail(err->message);
	/* After the target has found its bearings (panic CPU, modules) with
	 * excluded pages as zeros: strictness is for what gdb reads. */
	ol_dump_set_strict(ol_kmem_dump(ol_target_kmem(t)), strict);
	{
		g_autofree char *note = ol_target_kaslr_note(t);

		if (note) /* before serving: gdb shows this stderr */
			fprintf(stderr, "oopslab-stub: %s\n", note);
	}
	if (!ol_kmem_vmlinux(ol_target_kmem(t)))
		fprintf(stderr, "oopslab-stub: no vmlinux (--vmlinux): the panicking CPU is found by a heuristic\n");
	/* gdb closing the connection must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (use_stdio) {
		/* Everything said so far reaches gdb; the rest goes to --log. */
		rsp_log_take_stderr(log_fd);
		err = rsp_serve(t, STDIN_FILENO, STDOUT_FILENO);
		return err ? fail(err->message) : 0;
	}
	if (listen_spec) {
		g_autofree char *where = NULL;

		if ((err = rsp_listen_tcp(listen_spec, &lfd, &where)))
			return fail_error(err);
		fprintf(stderr, "oopslab-stub: serving %s on %s (gdb: target remote %s)\n", dump, where, where);
	} else {
		if ((err = rsp_listen_unix(unix_path, &lfd)))
			return fail(err->message);
		fprintf(stderr, "oopslab-stub: serving %s on %s (gdb: target remote %s)\n", dump, unix_path, unix_path);
	}
	rsp_log_take_stderr(log_fd);
	/* One session at a time, for as long as we run: like QEMU's gdbstub,
	 * gdb may detach and come back. */
	for (;;) {
		int cfd;

		if ((err = rsp_accept(lfd, &cfd)))
			return fail(err->message);
		err = rsp_serve(t, cfd, cfd);
		close(cfd);
		if (err) {
			fprintf(stderr, "oopslab-stub: session ended: %s\n", err->message);
			g_clear_error(&err);
		}
	}
}

/* --live: the proxy in front of QEMU's gdbstub, one gdb session at a time. */
static int serve_live(const LiveOptions *opt, gboolean use_stdio, const char *listen_spec,
		      const char *unix_path, const char *log_path)
{
	g_autoptr(GError) err = NULL;
	LiveOptions o = *opt;
	int lfd = -1, log_fd;

	signal(SIGPIPE, SIG_IGN);
	if ((err = rsp_log_open(log_path, use_stdio, &log_fd)))
		return fail(err->message);
	if (use_stdio) {
		o.log_fd = log_fd; /* taken once attached (live_serve) */
		err = live_serve(&o, STDIN_FILENO, STDOUT_FILENO);
		return err ? fail(err->message) : 0;
	}
	if (listen_spec) {
		g_autofree char *where = NULL;

		if ((err = rsp_listen_tcp(listen_spec, &lfd, &where)))
			return fail_error(err);
		fprintf(stderr, "oopslab-stub: serving the live guest of %s on %s (gdb: target remote %s)\n",
			opt->qemu_socket, where, where);
	} else {
		if ((err = rsp_listen_unix(unix_path, &lfd)))
			return fail(err->message);
		fprintf(stderr, "oopslab-stub: serving the live guest of %s on %s (gdb: target remote %s)\n",
			opt->qemu_socket, unix_path, unix_path);
	}
	rsp_log_take_stderr(log_fd);
	for (;;) {
		int cfd;

		if ((err = rsp_accept(lfd, &cfd)))
			return fail(err->message);
		err = live_serve(&o, cfd, cfd);
		close(cfd);
		if (err) {
			fprintf(stderr, "oopslab-stub: session ended: %s\n", err->message);
			g_clear_error(&err);
		}
	}
}

/* The command line. */
typedef struct {
	gboolean info, version, use_stdio, strict, no_kernel_library;
	char *listen_spec, *unix_path, *vmlinux, *log_path;
	char **module_dirs;
	/* --live */
	char *live_socket, *ram_file, *ram_region;
	gboolean allow_writes, serve_vmlinux;
} Args;

static void args_clear(Args *a)
{
	g_free(a->listen_spec);
	g_free(a->unix_path);
	g_free(a->vmlinux);
	g_free(a->log_path);
	g_strfreev(a->module_dirs);
	g_free(a->live_socket);
	g_free(a->ram_file);
	g_free(a->ram_region);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Args, args_clear)

static void add_options(GOptionContext *ctx, Args *a)
{
	const GOptionEntry entries[] = {
		{ "stdio", 0, 0, G_OPTION_ARG_NONE, &a->use_stdio, "Serve one gdb session on stdin/stdout", NULL },
		{ "listen", 0, 0, G_OPTION_ARG_STRING, &a->listen_spec, "Serve gdb on TCP (HOST defaults to 127.0.0.1)", "[HOST:]PORT" },
		{ "unix", 0, 0, G_OPTION_ARG_FILENAME, &a->unix_path, "Serve gdb on a Unix socket", "PATH" },
		{ "vmlinux", 0, 0, G_OPTION_ARG_FILENAME, &a->vmlinux, "The dump's vmlinux (default: the one run.json beside the dump names)", "PATH" },
		{ "modules", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->module_dirs,
		  "Where to look for the modules' .ko files, recursively (repeatable; DIR:DIR... too; default: the "
		  "run directory, and the lab module and kernel build directories run.json names)", "DIR" },
		{ "strict", 0, 0, G_OPTION_ARG_NONE, &a->strict,
		  "Reading memory the dump left out (kdump excluded pages, incomplete dumps, ELF p_memsz tails) is an "
		  "error, not zeros", NULL },
		{ "no-kernel-library", 0, 0, G_OPTION_ARG_NONE, &a->no_kernel_library,
		  "Never hand vmlinux to gdb in the library list (the caller loads it itself, as oopslab gdb does)", NULL },
		{ "live", 0, 0, G_OPTION_ARG_FILENAME, &a->live_socket,
		  "No dump: be a kernel-aware proxy in front of QEMU's gdbstub on this Unix socket (-gdb unix:PATH,server)",
		  "SOCKET" },
		{ "ram", 0, 0, G_OPTION_ARG_FILENAME, &a->ram_file,
		  "With --live: the guest's RAM file (memory-backend-file share=on), read directly instead of through the "
		  "gdbstub", "FILE" },
		{ "ram-region", 0, 0, G_OPTION_ARG_STRING, &a->ram_region,
		  "With --ram: the file's memory region in QEMU's `info mtree -f` (default: the largest RAM region)", "NAME" },
		{ "allow-writes", 0, 0, G_OPTION_ARG_NONE, &a->allow_writes, "With --live: let gdb write guest memory", NULL },
		{ "serve-vmlinux", 0, 0, G_OPTION_ARG_NONE, &a->serve_vmlinux,
		  "With --live: hand gdb vmlinux (exec file, then library list) even if the kernel did not move, for a gdb "
		  "started with no file (after a KASLR boot it is handed anyway)", NULL },
		{ "log", 0, 0, G_OPTION_ARG_FILENAME, &a->log_path,
		  "Append diagnostics to FILE once serving has started (default: stderr, except under gdb's "
		  "`target remote |`, where they are dropped: gdb reads that stderr once per byte received)", "FILE" },
		{ "info", 0, 0, G_OPTION_ARG_NONE, &a->info, "Describe the dump and exit", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &a->version, "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
}

static void describe(GOptionContext *ctx)
{
	g_option_context_set_summary(ctx,
		"Serve a Linux x86_64 crash dump to gdb as a stopped, read-only remote target: one thread per\n"
		"vCPU (the CPU that panicked first), memory through the kernel's page tables.");
	g_option_context_set_description(ctx,
		"Examples:\n"
		"  --stdio: gdb starts the stub itself, nothing to clean up:\n"
		"    gdb vmlinux -ex 'target remote | oopslab-stub --stdio RUN/vmcore'\n"
		"  --listen: serve on a port (127.0.0.1 unless a host is given), gdb connects:\n"
		"    oopslab-stub --listen 1234 RUN/vmcore &\n"
		"    gdb vmlinux -ex 'target remote :1234'\n"
		"  --unix: the same on a Unix socket:\n"
		"    oopslab-stub --unix /tmp/vmcore.sock RUN/vmcore &\n"
		"    gdb vmlinux -ex 'target remote /tmp/vmcore.sock'\n"
		"\n"
		"Then `bt`, `info threads`, `list *(fct+off)`; `monitor help` lists the stub's own commands\n"
		"(`monitor kaslr` prints how to load vmlinux on a KASLR boot). The target never runs: writes,\n"
		"breakpoints, continue and step are refused and say so. The dump is never written.\n"
		"\n"
		"--live SOCKET (no dump): the same, kernel-aware, in front of QEMU's gdbstub on a running guest:\n"
		"    oopslab-stub --listen 1234 --live /tmp/qemu-gdb.sock --ram /tmp/guest-ram --vmlinux VMLINUX\n"
		"  run control goes to QEMU; tasks, modules and monitor commands are rebuilt at every stop.\n"
		"\n"
		"Exit status: 0 ok, 1 error, 2 bad usage (one line on stderr).\n");
}

/* --live: the run directory, for the defaults, is where the guest's memory is. */
static int main_live(const Args *a, int modes, int argc)
{
	g_auto(OlRunDir) run = {0};
	g_auto(GStrv) run_module_dirs = NULL;
	LiveOptions lo = {.qemu_socket = a->live_socket, .ram_file = a->ram_file, .ram_region = a->ram_region,
			  .target = {.kmem.vmlinux = a->vmlinux,
				     .module_dirs = (const char *const *)a->module_dirs,
				     .no_kernel_library = a->no_kernel_library},
			  .allow_writes = a->allow_writes, .serve_vmlinux = a->serve_vmlinux, .log_fd = -1};

	if (argc != 1)
		return usage("--live takes no dump");
	if (a->info || a->strict)
		return usage("--info and --strict are for dumps, not --live");
	if (!modes)
		return usage("choose how gdb connects: --stdio, --listen [HOST:]PORT or --unix PATH (see --help)");
	ol_run_dir_read(a->ram_file ? a->ram_file : a->live_socket, &run);
	run_module_dirs = ol_run_dir_module_dirs(&run);
	lo.target.kmem.vmlinux_hint = run.vmlinux;
	lo.target.run_module_dirs = (const char *const *)run_module_dirs;
	return serve_live(&lo, a->use_stdio, a->listen_spec, a->unix_path, a->log_path);
}

int main(int argc, char **argv)
{
	g_auto(Args) a = {0};
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) err = NULL;
	int modes;

	/* Character set only: --info output must not change with the locale. */
	setlocale(LC_CTYPE, "");
	ctx = g_option_context_new("DUMP");
	add_options(ctx, &a);
	describe(ctx);
	if (!g_option_context_parse(ctx, &argc, &argv, &err))
		return usage(err->message);
	if (a.version) {
		printf("oopslab-stub %s\n", OOPSLAB_VERSION);
		return 0;
	}
	modes = (a.use_stdio ? 1 : 0) + (a.listen_spec ? 1 : 0) + (a.unix_path ? 1 : 0);
	if (a.info && modes)
		return usage("--info cannot be combined with --stdio, --listen or --unix");
	if (modes > 1)
		return usage("choose one of --stdio, --listen and --unix");
	if (!a.live_socket && (a.ram_file || a.ram_region || a.allow_writes || a.serve_vmlinux))
		return usage("--ram, --ram-region, --allow-writes and --serve-vmlinux go with --live");
	if (a.live_socket)
		return main_live(&a, modes, argc);
	if (argc != 2)
		return usage(argc < 2 ? "no dump given (see --help)" : "more than one dump given (see --help)");
	if (a.info && a.log_path)
		return usage("--log is for serving (--stdio, --listen, --unix), not --info");
	if (a.info)
		return do_info(argv[1]);
	if (!modes)
		return usage("choose how gdb connects: --stdio, --listen [HOST:]PORT or --unix PATH (see --help)");
	return serve(argv[1], a.vmlinux, (const char *const *)a.module_dirs, a.use_stdio, a.listen_spec,
		     a.unix_path, a.strict, a.log_path, a.no_kernel_library);
}
