#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "accel.h"
#include "console.h"
#include "convert.h"
#include "domain-xml.h"
#include "guest-kit.h"
#include "json-writer.h"
#include "kdump.h"
#include "labs.h"
#include "oopslab-config.h"
#include "report.h"
#include "sysinfo.h"
#include "target.h"
#include "tasks.h"
#include "vm.h"

/* After the timeout's NMI, how long a guest gets to panic before we give up
 * and dump it as hung. */
#define NMI_GRACE_SECONDS 10
/* After the dump, how long a panicked guest may run to flush its console. */
#define CONSOLE_FLUSH_MAX_US (3 * G_USEC_PER_SEC)
#define CONSOLE_QUIET_US (400 * 1000)
/* Exit status of `oopslab run`: 0 done (and as --expect said), 1 error,
 * 2 bad usage, 3 the outcome was not the one --expect asked for. */
#define RUN_EXIT_UNEXPECTED 3
/* Console and state polling period: fine enough for stage timings. */
#define POLL_US (20 * 1000)
/* --capture kdump: how long the capture kernel may take, from the panic to
 * its power-off (a 512 MiB guest's ELF vmcore under TCG takes about 15 s). */
#define KDUMP_CAPTURE_TIMEOUT_S 300

typedef struct {
	char *lab;
	char *out;
	char *kernel;
	char *vmlinux;
	char *initrd;
	char *append;
	gboolean kaslr;
	char *accel;
	int memory_mib;
	int cpus;
	int timeout;
	char *format;
	char *connect;
	char *expect;     /* --expect: panic, no-panic (or hang); NULL: none */
	gboolean json;    /* --json: print run.json instead of the directory */
	gboolean format_given;
	char *capture;    /* host (libvirt's dump) or kdump (the guest's own) */
	char *collector;  /* --capture kdump: cp or makedumpfile OPTIONS */
	char *flavour;    /* --flavour: kernel flavours (labs.h), canonical, or NULL */
} RunOptions;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signal_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

typedef struct {
	const RunOptions *opt;
	const Lab *lab;
	GuestKit *kit;
	char *dir;
	char *cmdline;
	char *accel_reason;
	Accel accel;
	char *uri;
	char *domain;
	char *module_path;
	char *add_symbol_file;
	const char *outcome;
	char *detected_by;
	char *error;
	char *dump_path;
	gint64 dump_bytes;
	ConsoleWatcher *console;
	Oops *oops;     /* the crash report, when the console has one */
	char *report_source;  /* "console" or "dump dmesg" */
	char *panic_message;  /* from the dump's log, as crash sys shows it */
	OlTask panic_task;    /* the task on the panicking CPU (pid -1: unknown) */
	/* --capture kdump */
	gboolean kdump;
	char *disk_path;      /* the capture disk (deleted after the run) */
	KdumpHeader kh;       /* its header */
	char *dump_format;    /* of the dump kept: kdump's differs from --format */
	char *dmesg_path;     /* vmcore-dmesg.txt */
	char *kdump_note;     /* how the vmcore was made plain, or why not */
	double t_capture_start, t_capture, t_extract;
	const char *capture_used; /* "host" or "kdump": what made the dump */
	gint64 t0;
	double t_create, t_boot, t_panic, t_dump, t_destroy, t_total;
	GDateTime *started;
} Run;

static double now_s(const Run *r)
{
	return (g_get_monotonic_time() - r->t0) / 1e6;
}

static void say(const Run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void say(const Run *r, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "[%6.2fs] %s\n", r->t0 ? now_s(r) : 0.0, msg);
}

/* Show /init's stage markers as they arrive. */
static void report_stages(Run *r)
{
	ConsoleWatcher *c = r->console;

	for (; c->stages_reported < c->stages->len; c->stages_reported++) {
		const ConsoleStage *s = g_ptr_array_index(c->stages, c->stages_reported);

		if (g_str_equal(s->name, "userspace"))
			say(r, "guest reached userspace (guest uptime %.2f s)", s->uptime);
		else if (g_str_equal(s->name, "trigger"))
			say(r, "lab %s: triggering the crash", r->lab->name);
		else if (g_str_equal(s->name, "done"))
			say(r, "guest /init finished without a panic (%s)", s->detail);
		else if (g_str_equal(s->name, "kdump-armed"))
			say(r, "capture kernel loaded (kexec -p)");
		else if (g_str_equal(s->name, "kdump-error"))
			say(r, "arming the capture kernel failed: %s", s->detail);
		else if (g_str_equal(s->name, "capture"))
			say(r, "capture kernel running (%s)", s->detail);
		else if (g_str_equal(s->name, "collect"))
			say(r, "capture kernel: %s", s->detail);
		else if (g_str_equal(s->name, "capture-done"))
			say(r, "capture kernel done (%s)", s->detail);
		else if (g_str_equal(s->name, "capture-error"))
			say(r, "capture kernel failed: %s", s->detail);
	}
}

static GError *check_file(const char *what, const char *path)
{
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s not found: %s", what, path);
	if (access(path, R_OK) < 0)
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_ACCES, "%s not readable: %s", what, path);
	return NULL;
}

/* A memory-only ELF dump is about the guest's RAM plus notes; compressed ones
 * are smaller but their size depends on the contents. Ask for RAM + 5%. */
static GError *check_space(const char *dir, int memory_mib, const char *format)
{
	g_autofree char *probe = g_strdup(dir);
	struct statvfs vfs;
	guint64 need = (guint64)memory_mib * 1024 * 1024 * 105 / 100, avail;

	if (!g_str_equal(format, "elf") && !g_str_equal(format, "win-dmp"))
		need /= 4;
	/* The run directory does not exist yet: look at its nearest ancestor. */
	while (statvfs(probe, &vfs) < 0) {
		char *parent = g_path_get_dirname(probe);

		if (g_str_equal(parent, probe)) {
			g_free(parent);
			return NULL;
		}
		g_free(probe);
		probe = parent;
	}
	avail = (guint64)vfs.f_bavail * vfs.f_frsize;
	if (avail < need)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_NO_SPACE,
				   "no space for the dump: %s has %" G_GUINT64_FORMAT " MiB free, a %d MiB guest's %s "
				   "dump needs about %" G_GUINT64_FORMAT " MiB",
				   probe, avail >> 20, memory_mib, format, need >> 20);
	return NULL;
}

static char *default_out_dir(const char *lab)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
	char *dir = g_strdup_printf("runs/%s-%s", lab, stamp);

	/* Two runs in the same second get -2, -3, ... */
	for (int i = 2; g_file_test(dir, G_FILE_TEST_EXISTS); i++) {
		g_free(dir);
		dir = g_strdup_printf("runs/%s-%s-%d", lab, stamp, i);
	}
	return dir;
}

static void write_run_json(Run *r)
{
	JsonWriter w = {.out = g_string_new(NULL)};
	g_autofree char *path = g_build_filename(r->dir, "run.json", NULL);
	g_autofree char *started = r->started ? g_date_time_format_iso8601(r->started) : NULL;
	g_autofree char *console = g_build_filename(r->dir, "console.log", NULL);
	g_autoptr(GError) err = NULL;
	ConsoleWatcher *c = r->console;
	const RunOptions *o = r->opt;

	json_begin_object(&w);
	json_member_string(&w, "oopslab_version", OOPSLAB_VERSION);
	json_member_string(&w, "started", started);
	json_member_string(&w, "lab", r->lab->name);
	json_member_string(&w, "dir", r->dir);
	json_member_string(&w, "lab_type", r->lab->type);
	json_member_string(&w, "flavour", r->lab->flavour);
	json_member_string(&w, "outcome", r->outcome);
	json_member_string(&w, "expected", r->lab->expect);
	json_member_string(&w, "detected_by", r->detected_by);
	json_member_string(&w, "error", r->error);
	json_member_string(&w, "accel", accel_name(r->accel));
	json_member_string(&w, "accel_reason", r->accel_reason);
	json_member_string(&w, "connect", r->uri);
	json_member_string(&w, "domain", r->domain);
	json_member_int(&w, "memory_mib", o->memory_mib);
	json_member_int(&w, "cpus", o->cpus);
	json_member_int(&w, "timeout", o->timeout);
	json_member_bool(&w, "kaslr", o->kaslr);
	json_member_string(&w, "cmdline", r->cmdline);
	json_member_string(&w, "kernel", r->kit ? r->kit->bzimage : NULL);
	json_member_string(&w, "initrd", r->kit ? r->kit->initrd : NULL);
	json_member_string(&w, "vmlinux", r->kit ? r->kit->vmlinux : NULL);
	json_member_string(&w, "kernel_dir", r->kit ? r->kit->kernel_dir : NULL);
	json_member_string(&w, "module", r->module_path);
	json_member_string(&w, "add_symbol_file", r->add_symbol_file);
	json_key(&w, "dump");
	if (r->dump_path) {
		json_begin_object(&w);
		json_member_string(&w, "path", r->dump_path);
		json_member_string(&w, "format", r->dump_format ? r->dump_format : o->format);
		json_member_int(&w, "bytes", r->dump_bytes);
		json_end_object(&w);
	} else {
		json_null(&w);
	}
	json_member_string(&w, "capture", r->capture_used ? r->capture_used : r->kdump ? "kdump" : "host");
	json_member_string(&w, "collector", r->kdump ? o->collector : NULL);
	json_key(&w, "kdump");
	if (r->kdump) {
		json_begin_object(&w);
		json_member_string(&w, "crashkernel", KDUMP_CRASHKERNEL);
		json_member_string(&w, "status", r->kh.status);
		json_member_string(&w, "message", r->kh.message);
		/* what the capture init ran: the collector with -F and /proc/vmcore */
		json_member_string(&w, "command", r->kh.command);
		json_member_string(&w, "written_as", r->kh.vmcore_format);
		json_member_int(&w, "written_bytes", r->kh.vmcore_bytes);
		json_member_string(&w, "converted", r->kdump_note);
		json_member_string(&w, "dmesg", r->dmesg_path);
		json_member_double(&w, "capture_kernel_uptime", r->kh.uptime);
		json_end_object(&w);
	} else {
		json_null(&w);
	}
	json_member_string(&w, "console", console);
	json_member_string(&w, "panic_line", c ? c->panic_line : NULL);
	/* the report's first line; the console watcher knows fewer kinds */
	json_member_string(&w, "oops_line", r->oops ? r->oops->header : c ? c->oops_line : NULL);
	json_member_string(&w, "rip", c ? c->rip_line : NULL);
	/* From the report (report.txt, report.json): what crashed, and where. */
	json_member_string(&w, "title", r->oops ? r->oops->title : NULL);
	json_member_string(&w, "type", r->oops ? r->oops->type : NULL);
	json_member_string(&w, "crash_function", r->oops ? r->oops->function : NULL);
	json_member_string(&w, "report_source", r->report_source);
	/* From the dump itself, through the stub's kernel model. */
	json_member_string(&w, "panic_message", r->panic_message);
	json_key(&w, "panic_task");
	if (r->panic_task.pid >= 0) {
		char addr[32];

		g_snprintf(addr, sizeof(addr), "0x%" G_GINT64_MODIFIER "x", r->panic_task.addr);
		json_begin_object(&w);
		json_member_int(&w, "pid", r->panic_task.pid);
		json_member_string(&w, "comm", r->panic_task.comm);
		json_member_int(&w, "cpu", r->panic_task.running);
		json_member_string(&w, "task", addr);
		json_end_object(&w);
	} else {
		json_null(&w);
	}
	/* Host-side seconds per stage (0 for a stage not reached). */
	json_key(&w, "timings");
	json_begin_object(&w);
	json_member_double(&w, "start", r->t_create);
	json_member_double(&w, "boot", r->t_boot > 0 ? r->t_boot - r->t_create : 0);
	json_member_double(&w, "crash", r->t_panic > 0 ? r->t_panic - MAX(r->t_boot, r->t_create) : 0);
	json_member_double(&w, "dump", r->t_dump);
	if (r->kdump) {
		/* the dump: from the panic to the capture kernel's power-off, then
		 * taking the files off the disk */
		json_member_double(&w, "kdump_capture", r->t_capture);
		json_member_double(&w, "kdump_extract", r->t_extract);
	}
	json_member_double(&w, "destroy", r->t_destroy);
	json_member_double(&w, "total", r->t_total);
	json_end_object(&w);
	/* The guest's own uptime at each /init stage marker. */
	json_key(&w, "guest_stages");
	json_begin_object(&w);
	for (guint i = 0; c && i < c->stages->len; i++) {
		const ConsoleStage *s = g_ptr_array_index(c->stages, i);

		json_member_double(&w, s->name, s->uptime);
	}
	json_end_object(&w);
	json_end_object(&w);
	if (!g_file_set_contents(path, w.out->str, w.out->len, &err))
		fprintf(stderr, "oopslab: %s\n", err->message);
	g_string_free(w.out, TRUE);
}

static void run_clear(Run *r)
{
	guest_kit_free(r->kit);
	console_watcher_free(r->console);
	oops_free(r->oops);
	g_free(r->report_source);
	g_free(r->panic_message);
	g_free(r->dir);
	g_free(r->cmdline);
	g_free(r->accel_reason);
	g_free(r->uri);
	g_free(r->domain);
	g_free(r->module_path);
	g_free(r->add_symbol_file);
	g_free(r->detected_by);
	g_free(r->error);
	g_free(r->dump_path);
	g_free(r->disk_path);
	kdump_header_clear(&r->kh);
	g_free(r->dump_format);
	g_free(r->dmesg_path);
	g_free(r->kdump_note);
	if (r->started)
		g_date_time_unref(r->started);
}

static GError *capture(Run *r, Vm *vm)
{
	g_autofree char *abs = NULL;
	GError *err;
	GStatBuf st;
	double t = now_s(r);

	r->dump_path = g_build_filename(r->dir, "vmcore", NULL);
	abs = g_canonicalize_filename(r->dump_path, NULL);
	if (!vm_dump_format_valid(r->opt->format)) {
		/* A codec QEMU does not write (zstd; lzo and snappy in Debian's
		 * build): dump ELF, then convert, keeping only the result. */
		g_autofree char *elf = g_strdup_printf("%s.elf.part", abs);
		OlDumpWriteStats stats;

		say(r, "capturing memory (elf, memory-only, to convert to %s)", r->opt->format);
		err = vm_dump(vm, elf, "elf");
		if (!err)
			err = convert_dump(elf, abs, r->opt->format, &stats);
		g_unlink(elf);
	} else {
		say(r, "capturing memory (%s, memory-only)", r->opt->format);
		err = vm_dump(vm, abs, r->opt->format);
	}
	if (err) {
		g_clear_pointer(&r->dump_path, g_free);
		return err;
	}
	r->t_dump = now_s(r) - t;
	if (g_stat(r->dump_path, &st) == 0)
		r->dump_bytes = st.st_size;
	say(r, "dump written: %s (%.1f MB in %.2f s)", r->dump_path, r->dump_bytes / 1e6, r->t_dump);
	return NULL;
}

/*
 * pvpanic's notifier runs before panic() flushes the consoles, and QEMU
 * pauses the guest right there: whatever was printed from NMI context (a
 * lockup, an unknown NMI) is in the ring buffer but not yet on the serial
 * console. The dump is taken by now, so let the guest finish panic() and
 * keep reading until the console has been quiet for a moment.
 */
static void flush_console(Run *r, Vm *vm)
{
	g_autoptr(GError) err = vm_resume(vm);
	gint64 start = g_get_monotonic_time(), last_growth = start;
	goffset seen = r->console->offset;

	if (err) {
		say(r, "console may be incomplete: %s", err->message);
		return;
	}
	while (g_get_monotonic_time() - start < CONSOLE_FLUSH_MAX_US &&
	       g_get_monotonic_time() - last_growth < CONSOLE_QUIET_US) {
		g_usleep(POLL_US);
		console_watcher_poll(r->console);
		if (r->console->offset != seen) {
			seen = r->console->offset;
			last_growth = g_get_monotonic_time();
		}
	}
}

/* makedumpfile -R OUT < FLAT: a flattened file made plain. */
static GError *unflatten(const char *flat, const char *out)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
								     G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GSubprocess) p = NULL;
	g_autofree char *text = NULL;
	GError *err = NULL;

	g_subprocess_launcher_set_stdin_file_path(l, flat);
	p = g_subprocess_launcher_spawn(l, &err, "makedumpfile", "-R", out, NULL);
	if (!p)
		return err;
	if (!g_subprocess_communicate_utf8(p, NULL, NULL, &text, NULL, &err))
		return err;
	if (!g_subprocess_get_successful(p))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "makedumpfile -R failed: %s", g_strstrip(text));
	return NULL;
}

/*
 * --capture kdump, after the capture kernel powered off: the header of the
 * capture disk, vmcore-dmesg.txt and the vmcore. makedumpfile's flattened
 * stream is made a plain kdump-compressed file with the host's
 * `makedumpfile -R` (0.1 s): every reader takes that (crash, makedumpfile
 * itself, libkdumpfile, drgn), while only some read flattened files. Without
 * a host makedumpfile the flattened file is kept: oopslab-stub and crash
 * read it too.
 */
static GError *kdump_collect(Run *r)
{
	g_autofree char *flat = NULL;
	GStatBuf st;
	GError *err;
	double t = now_s(r);

	if ((err = kdump_disk_read_header(r->disk_path, &r->kh)))
		return err;
	if (r->kh.dmesg_bytes) {
		r->dmesg_path = g_build_filename(r->dir, "vmcore-dmesg.txt", NULL);
		if ((err = kdump_disk_extract(r->disk_path, r->kh.dmesg_offset, r->kh.dmesg_bytes, r->dmesg_path)))
			return err;
	}
	if (!g_str_equal(r->kh.status, "ok"))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "kdump capture failed: %s",
				   r->kh.message ? r->kh.message : "(no message)");
	r->dump_path = g_build_filename(r->dir, "vmcore", NULL);
	if (g_strcmp0(r->kh.vmcore_format, "flattened") == 0) {
		g_autofree char *mdf = g_find_program_in_path("makedumpfile");

		flat = g_build_filename(r->dir, "vmcore.flat", NULL);
		if ((err = kdump_disk_extract(r->disk_path, r->kh.vmcore_offset, r->kh.vmcore_bytes, flat)))
			return err;
		if (kdump_collector_keeps_flattened(r->opt->collector)) {
			r->kdump_note = g_strdup("kept flattened, as -F asked");
		} else if (!mdf) {
			r->kdump_note = g_strdup("kept flattened: no makedumpfile on this host");
		} else if ((err = unflatten(flat, r->dump_path))) {
			r->kdump_note = g_strdup_printf("kept flattened: %s", err->message);
			g_clear_error(&err);
		} else {
			r->kdump_note = g_strdup("makedumpfile -R (flattened to plain kdump-compressed)");
			g_unlink(flat);
		}
		if (g_file_test(flat, G_FILE_TEST_EXISTS) && g_rename(flat, r->dump_path) < 0)
			return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "cannot rename %s: %s", flat,
					   g_strerror(errno));
	} else if ((err = kdump_disk_extract(r->disk_path, r->kh.vmcore_offset, r->kh.vmcore_bytes, r->dump_path))) {
		return err;
	}
	r->dump_format = g_strdup(kdump_collector_format(r->opt->collector));
	if (g_stat(r->dump_path, &st) == 0)
		r->dump_bytes = st.st_size;
	r->t_extract = now_s(r) - t;
	r->t_dump = r->t_capture + r->t_extract;
	say(r, "dump written: %s (%s, %.1f MB; capture %.2f s, extraction %.2f s)", r->dump_path, r->dump_format,
	    r->dump_bytes / 1e6, r->t_capture, r->t_extract);
	return NULL;
}

/* Boot, wait, capture. Fills r; returns an error only for a failed run. */
static GError *run_guest(Run *r, Vm *vm)
{
	const RunOptions *o = r->opt;
	g_autofree char *console_path = g_build_filename(r->dir, "console.log", NULL);
	g_autofree char *console_abs = g_canonicalize_filename(console_path, NULL);
	g_autofree char *xml = NULL;
	g_autofree char *xml_path = g_build_filename(r->dir, "domain.xml", NULL);
	gboolean nmi_sent = FALSE, resumed = FALSE;
	double nmi_time = 0;
	GError *err;

	r->domain = g_strdup_printf("oopslab-%s-%d", r->lab->name, (int)getpid());
	xml = domain_xml(&(DomainSpec){
		.name = r->domain,
		.accel = r->accel,
		.memory_mib = o->memory_mib,
		.cpus = o->cpus,
		.kernel = r->kit->bzimage,
		.initrd = r->kit->initrd,
		.cmdline = r->cmdline,
		.console_path = console_abs,
		.disk_path = r->disk_path,
	});
	g_file_set_contents(xml_path, xml, -1, NULL);
	r->console = console_watcher_new(console_path, g_get_monotonic_time());
	r->console->start_us = r->t0;

	say(r, "starting guest (%s, %d MiB, %d vCPUs, lab %s)", accel_name(r->accel), o->memory_mib, o->cpus,
	    r->lab->name);
	if ((err = vm_start(vm, xml)))
		return err;
	r->t_create = now_s(r);

	for (;;) {
		g_autofree char *detail = NULL;
		VmState state;

		console_watcher_poll(r->console);
		report_stages(r);
		if (!r->t_boot && console_watcher_stage(r->console, "userspace"))
			r->t_boot = now_s(r);
		if (stop_signal)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted by %s",
					   g_strsignal(stop_signal));
		state = vm_state(vm, &detail);
		if (r->kdump) {
			if (!r->t_capture_start && console_watcher_stage(r->console, "capture")) {
				r->t_capture_start = now_s(r);
				if (!r->t_panic)
					r->t_panic = r->t_capture_start;
			}
			if (state == VM_STATE_CRASHED) {
				if (resumed || r->t_capture_start)
					return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED,
							   "kdump: the capture kernel panicked (see console.log)");
				/* crash_kexec_post_notifiers: pvpanic's notifier runs in
				 * panic() before the capture kernel. With a capture kernel
				 * loaded it reports "crash loaded" and the guest goes on;
				 * a paused one ("panicked") is resumed. */
				r->t_panic = now_s(r);
				resumed = TRUE;
				console_watcher_poll(r->console);
				say(r, "guest panicked (pvpanic, %s)%s%s: waiting for the capture kernel", detail ? detail : "?",
				    r->console->panic_line ? ": " : "", r->console->panic_line ? r->console->panic_line : "");
				if ((err = vm_continue_after_panic(vm)))
					return err;
				g_usleep(POLL_US);
				continue;
			}
			if (state == VM_STATE_STOPPED && r->t_panic) {
				console_watcher_poll(r->console);
				report_stages(r);
				r->t_capture = now_s(r) - r->t_panic;
				r->outcome = "panic";
				r->detected_by = g_strdup(resumed ? "pvpanic, then the kdump capture kernel"
								  : "kdump capture kernel");
				say(r, "capture kernel powered off, %.2f s after the panic", r->t_capture);
				return kdump_collect(r);
			}
			if (state == VM_STATE_STOPPED && console_watcher_stage(r->console, "kdump-error"))
				return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "kdump: %s",
						   console_watcher_stage(r->console, "kdump-error")->detail);
			if (r->t_panic && now_s(r) - r->t_panic > KDUMP_CAPTURE_TIMEOUT_S)
				return g_error_new(G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
						   "kdump: the capture kernel did not finish %d s after the panic%s",
						   KDUMP_CAPTURE_TIMEOUT_S,
						   r->t_capture_start ? "" : " (it never reached its /init)");
			if (r->t_panic) {
				g_usleep(POLL_US);
				continue;
			}
		}
		if (state == VM_STATE_CRASHED) {
			r->t_panic = now_s(r);
			r->outcome = "panic";
			r->detected_by = g_strdup(nmi_sent ? "pvpanic after NMI" : "pvpanic");
			/* The console may lag the event by a few lines. */
			g_usleep(POLL_US);
			console_watcher_poll(r->console);
			say(r, "guest panicked (%s)%s%s", r->detected_by, r->console->panic_line ? ": " : "",
			    r->console->panic_line ? r->console->panic_line : "");
			if ((err = capture(r, vm)))
				return err;
			flush_console(r, vm);
			if (r->console->panic_line)
				say(r, "panic line: %s", r->console->panic_line);
			return NULL;
		}
		if (state == VM_STATE_STOPPED) {
			console_watcher_poll(r->console);
			report_stages(r);
			r->outcome = "no-panic";
			r->detected_by = g_strdup_printf("guest stopped (%s)", detail ? detail : "?");
			say(r, "guest stopped without a panic (%s)", detail ? detail : "?");
			return NULL;
		}
		if (!nmi_sent && o->timeout > 0 && now_s(r) - r->t_create > o->timeout) {
			say(r, "no panic after %d s: injecting an NMI", o->timeout);
			if ((err = vm_inject_nmi(vm))) {
				say(r, "%s", err->message);
				g_error_free(err);
			}
			nmi_sent = TRUE;
			nmi_time = now_s(r);
		}
		if (nmi_sent && now_s(r) - nmi_time > NMI_GRACE_SECONDS) {
			r->outcome = "hang";
			r->detected_by = g_strdup_printf("timeout (%d s) and no panic %d s after an NMI", o->timeout,
							 NMI_GRACE_SECONDS);
			say(r, "guest still not panicked %d s after the NMI: capturing it as hung", NMI_GRACE_SECONDS);
			r->capture_used = "host";
			return capture(r, vm);
		}
		g_usleep(POLL_US);
	}
}

/*
 * What the dump itself says, with the stub's own kernel model: the panic
 * message as crash's `sys` finds it in the log, and the task that was
 * running on the panicking CPU. Best effort: a dump without vmlinux or
 * with damage gives fewer fields, never a failed run.
 */
static void read_dump(Run *r)
{
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	g_autoptr(GError) err = ol_target_open(r->dump_path, r->kit->vmlinux, &t, &warnings);
	g_autoptr(GArray) tasks = NULL;
	int cpu;

	if (err) {
		say(r, "cannot read the dump: %s", err->message);
		return;
	}
	r->panic_message = ol_sysinfo_panic_message(t);
	cpu = ol_target_stop_thread(t)->cpu;
	if (ol_tasks_read(t, &tasks, warnings) != NULL)
		return;
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *task = &g_array_index(tasks, OlTask, i);

		if (task->running == cpu && cpu >= 0) {
			r->panic_task = *task;
			break;
		}
	}
}

static void copy_qemu_log(Run *r, Vm *vm)
{
	g_autofree char *src = vm_qemu_log_path(vm, r->domain);
	g_autofree char *dst = g_build_filename(r->dir, "qemu.log", NULL);
	g_autofree char *text = NULL;
	gsize len;

	if (src && g_file_get_contents(src, &text, &len, NULL)) {
		g_file_set_contents(dst, text, len, NULL);
		g_unlink(src); /* the embed root is reused: keep its log per run */
	}
}

static int do_run(RunOptions *o)
{
	g_autoptr(LabSet) labs = NULL;
	g_autofree char *manifest = g_build_filename(oopslab_data_dir(), "guests", "labs", "labs.conf", NULL);
	g_autoptr(Vm) vm = NULL;
	g_autoptr(GError) err = NULL;
	Accel requested;
	Run r = {.opt = o};
	int rc = 0;

	if ((err = lab_set_load_flavour(manifest, o->flavour, &labs)))
		goto early_error;
	if (!o->lab) {
		err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--lab NAME is required (see `oopslab labs`)");
		goto early_error;
	}
	r.lab = lab_set_find(labs, o->lab);
	if (!r.lab) {
		err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "unknown lab '%s' (see `oopslab labs`)",
				  o->lab);
		goto early_error;
	}
	if ((err = accel_parse(o->accel, &requested)))
		goto early_error;
	/* The lab knows how long its crash takes to come (lockup detectors). */
	if (o->timeout < 0)
		o->timeout = r.lab->timeout > 0 ? r.lab->timeout : 60;
	if (!vm_dump_format_valid(o->format) && !convert_format_known(o->format)) {
		err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				  "--format: '%s' is not one of elf, kdump-zlib, kdump-zstd, kdump-lzo, kdump-snappy, win-dmp",
				  o->format);
		goto early_error;
	}
	r.kdump = g_str_equal(o->capture, "kdump");
	if (!r.kdump && !g_str_equal(o->capture, "host")) {
		err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--capture: '%s' is not one of host, kdump",
				  o->capture);
		goto early_error;
	}
	if (!r.kdump && o->collector) {
		err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--collector goes with --capture kdump");
		goto early_error;
	}
	if (r.kdump) {
		if (!o->collector)
			o->collector = g_strdup("makedumpfile -l -d 31");
		g_strstrip(o->collector);
		if ((err = kdump_collector_check(o->collector)))
			goto early_error;
		if (o->format_given) {
			err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					  "--format is for --capture host; with kdump the collector decides the format");
			goto early_error;
		}
		/* The kdump initramfs holds the lab kernel as the capture kernel. */
		if (o->kernel || o->initrd) {
			err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					  "--capture kdump works with the lab kernel and initramfs only (no --kernel, --initrd)");
			goto early_error;
		}
		if (o->memory_mib < 256) {
			err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					  "--capture kdump needs --memory 256 or more (crashkernel=%s)", KDUMP_CRASHKERNEL);
			goto early_error;
		}
	}
	if (o->memory_mib < 64 || o->cpus < 1 || o->cpus > 8) {
		err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				  "--memory must be at least 64 (MiB) and --cpus between 1 and 8 (the lab kernel's NR_CPUS)");
		goto early_error;
	}
	if (o->kernel) {
		if ((err = check_file("kernel", o->kernel)) || (o->vmlinux && (err = check_file("vmlinux", o->vmlinux))) ||
		    (o->initrd && (err = check_file("initrd", o->initrd))))
			goto early_error;
	} else if (o->vmlinux) {
		err = g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--vmlinux goes with --kernel");
		goto early_error;
	}
	r.dir = o->out ? g_strdup(o->out) : default_out_dir(r.lab->name);
	if (g_file_test(r.dir, G_FILE_TEST_EXISTS)) {
		g_autoptr(GDir) d = g_dir_open(r.dir, 0, NULL);

		if (!d || g_dir_read_name(d)) {
			err = g_error_new(G_FILE_ERROR, G_FILE_ERROR_EXIST,
					  "run directory %s exists and is not empty: choose another --out", r.dir);
			goto early_error;
		}
	}
	if ((err = check_space(r.dir, o->memory_mib, o->format)))
		goto early_error;

	/* The lab kit (modules, initramfs) is needed even with a user kernel. */
	if ((err = guest_kit_build_flavour(&r.kit, r.kdump, r.lab->flavour)))
		goto early_error;
	if (r.kdump) {
		g_free(r.kit->initrd);
		r.kit->initrd = g_strdup(r.kit->initrd_kdump);
	}
	if (o->kernel) {
		g_free(r.kit->bzimage);
		r.kit->bzimage = g_canonicalize_filename(o->kernel, NULL);
		g_free(r.kit->vmlinux);
		r.kit->vmlinux = o->vmlinux ? g_canonicalize_filename(o->vmlinux, NULL) : NULL;
		g_clear_pointer(&r.kit->kernel_dir, g_free);
	}
	if (o->initrd) {
		g_free(r.kit->initrd);
		r.kit->initrd = g_canonicalize_filename(o->initrd, NULL);
	}
	if ((err = check_file("kernel", r.kit->bzimage)) || (err = check_file("initrd", r.kit->initrd)))
		goto early_error;
	if (r.lab->module) {
		r.module_path = guest_kit_find_module(r.kit, r.lab->module);
		if (!r.module_path) {
			err = g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "lab module %s.ko not found under %s",
					  r.lab->module, r.kit->labs_dir);
			goto early_error;
		}
	}

	if ((err = vm_connect(o->connect, &vm)))
		goto early_error;
	r.uri = g_strdup(vm_uri(vm));
	r.accel = accel_resolve(requested, vm_is_remote(vm), &r.accel_reason);
	{
		g_autoptr(GString) cmd = g_string_new("console=ttyS0 oops=panic panic=0");

		g_string_append(cmd, o->kaslr ? "" : " nokaslr");
		g_string_append_printf(cmd, " oopslab.lab=%s", r.lab->name);
		if (r.lab->append)
			g_string_append_printf(cmd, " %s", r.lab->append);
		if (r.kdump) {
			g_autofree char *collector = kdump_collector_cmdline(o->collector);

			/* crash_kexec_post_notifiers: an oops with oops=panic goes to the
			 * capture kernel from panic(), not straight from oops_end(), so the
			 * dump's panicking CPU is in panic() as with --capture host (and
			 * pvpanic reports the panic first). */
			g_string_append_printf(cmd, " crashkernel=%s crash_kexec_post_notifiers oopslab.capture=kdump"
						    " oopslab.collector=%s",
					       KDUMP_CRASHKERNEL, collector);
		}
		if (o->append)
			g_string_append_printf(cmd, " %s", o->append);
		r.cmdline = g_string_free(g_steal_pointer(&cmd), FALSE);
	}

	/* From here on a run directory exists and always gets a run.json. */
	if (g_mkdir_with_parents(r.dir, 0755) < 0) {
		err = g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", r.dir,
				  g_strerror(errno));
		goto early_error;
	}
	if (r.kdump) {
		g_autofree char *disk = g_build_filename(r.dir, "kdump-disk.img", NULL);

		r.disk_path = g_canonicalize_filename(disk, NULL);
		if ((err = kdump_disk_create(r.disk_path, o->memory_mib)))
			goto early_error;
	}
	r.started = g_date_time_new_now_local();
	r.t0 = g_get_monotonic_time();
	say(&r, "accelerator %s: %s", accel_name(r.accel), r.accel_reason);
	err = run_guest(&r, vm);
	{
		double t = now_s(&r);

		vm_destroy(vm);
		r.t_destroy = now_s(&r) - t;
	}
	copy_qemu_log(&r, vm);
	if (r.disk_path)
		g_unlink(r.disk_path);
	if (r.console) {
		console_watcher_poll(r.console);
		if (r.module_path)
			r.add_symbol_file = console_add_symbol_file(r.console, r.lab->module, r.module_path);
	}
	r.panic_task.pid = -1;
	if (!err && r.dump_path)
		read_dump(&r);
	if (!err && r.console) {
		const char *source = NULL;
		g_autoptr(GError) rerr = report_build(r.dir, r.kit->vmlinux, r.module_path, r.dump_path, &r.oops, &source);

		r.report_source = g_strdup(source);
		if (!rerr && r.oops)
			rerr = report_write(r.dir, r.oops, source);
		if (rerr)
			say(&r, "no report: %s", rerr->message);
		else if (r.oops)
			say(&r, "report: %s (from the %s)", r.oops->title, r.report_source);
	}
	r.t_total = now_s(&r);
	if (err) {
		r.outcome = "error";
		r.error = g_strdup(err->message);
		fprintf(stderr, "oopslab: %s\n", err->message);
		rc = stop_signal ? 128 + stop_signal : 1;
	} else {
		say(&r, "outcome: %s", r.outcome);
	}
	if (!rc && o->expect && g_strcmp0(o->expect, r.outcome) != 0) {
		fprintf(stderr, "oopslab: expected %s, got %s\n", o->expect, r.outcome);
		rc = RUN_EXIT_UNEXPECTED;
	}
	write_run_json(&r);
	if (o->json) {
		g_autofree char *path = g_build_filename(r.dir, "run.json", NULL);
		g_autofree char *text = NULL;

		if (g_file_get_contents(path, &text, NULL, NULL))
			fputs(text, stdout);
	} else {
		printf("%s\n", r.dir);
	}
	run_clear(&r);
	return rc;

early_error:
	/* Nothing was started and no run directory was made. */
	fprintf(stderr, "oopslab: %s\n", err->message);
	run_clear(&r);
	return 1;
}

int cmd_run(int argc, char **argv)
{
	RunOptions o = {.memory_mib = 512, .cpus = 2, .timeout = -1};
	g_autofree char *accel = NULL, *format = NULL;
	GOptionEntry entries[] = {
		{"lab", 0, 0, G_OPTION_ARG_STRING, &o.lab, "Lab to run (see `oopslab labs`)", "NAME"},
		{"out", 0, 0, G_OPTION_ARG_FILENAME, &o.out, "Run directory (default runs/LAB-YYYYmmdd-HHMMSS)", "DIR"},
		{"kernel", 0, 0, G_OPTION_ARG_FILENAME, &o.kernel, "Boot this bzImage instead of the cached lab kernel", "BZIMAGE"},
		{"vmlinux", 0, 0, G_OPTION_ARG_FILENAME, &o.vmlinux, "vmlinux with debug info matching --kernel", "VMLINUX"},
		{"initrd", 0, 0, G_OPTION_ARG_FILENAME, &o.initrd, "Use this initramfs instead of the lab one", "CPIO"},
		{"append", 0, 0, G_OPTION_ARG_STRING, &o.append, "Extra kernel command-line arguments", "ARGS"},
		{"kaslr", 0, 0, G_OPTION_ARG_NONE, &o.kaslr, "Boot with KASLR (labs boot with nokaslr otherwise)", NULL},
		{"accel", 0, 0, G_OPTION_ARG_STRING, &accel, "auto (default), kvm or tcg", "ACCEL"},
		{"memory", 0, 0, G_OPTION_ARG_INT, &o.memory_mib, "Guest memory in MiB (default 512)", "MIB"},
		{"cpus", 0, 0, G_OPTION_ARG_INT, &o.cpus, "Guest vCPUs (default 2)", "N"},
		{"timeout", 0, 0, G_OPTION_ARG_INT, &o.timeout,
		 "Seconds before an NMI is injected into a guest that has not panicked (default: the lab's, else 60; 0: wait forever)", "SECONDS"},
		{"format", 0, 0, G_OPTION_ARG_STRING, &format,
		 "Dump format: elf (default), kdump-zlib (QEMU's, flattened), kdump-zstd, kdump-lzo, kdump-snappy "
		 "(dumped as ELF, then converted), win-dmp", "FORMAT"},
		{"expect", 0, 0, G_OPTION_ARG_STRING, &o.expect,
		 "panic, no-panic or hang: exit with status 3 when the outcome is another", "OUTCOME"},
		{"json", 0, 0, G_OPTION_ARG_NONE, &o.json, "Print run.json on stdout instead of the run directory", NULL},
		{"capture", 0, 0, G_OPTION_ARG_STRING, &o.capture,
		 "host (default: libvirt dumps the guest's memory) or kdump (the guest's own capture kernel, "
		 "booted by kexec on panic, writes the dump and vmcore-dmesg.txt)", "HOW"},
		{"collector", 0, 0, G_OPTION_ARG_STRING, &o.collector,
		 "--capture kdump: what runs on /proc/vmcore, cp or 'makedumpfile OPTIONS' (default 'makedumpfile -l -d 31')",
		 "COMMAND"},
		{"connect", 0, 0, G_OPTION_ARG_STRING, &o.connect,
		 "libvirt URI (default: the embedded driver, qemu:///embed?root=CACHE/oopslab/libvirt/embed-N)", "URI"},
		{"flavour", 0, 0, G_OPTION_ARG_STRING, &o.flavour,
		 "Kernel flavours: kasan, kfence, ubsan, lockdep, comma-separated (default: the lab's own, if any)",
		 "NAME[,NAME...]"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("--lab NAME - boot a lab guest, crash it, capture its memory");
	g_autoptr(GError) err = NULL;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Boots the lab kernel under QEMU through libvirt with a pvpanic device, runs the lab, waits\n"
		"for the panic event, captures memory like `virsh dump --memory-only` and writes a run directory\n"
		"(console.log, vmcore, run.json, report.txt/json). The run directory is the last line printed.\n"
		"Exit status: 0 done (and as --expect said), 1 error, 2 bad usage, 3 not the --expect outcome.");
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "oopslab run: %s\n", err->message);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, "oopslab run: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (o.expect && !g_str_equal(o.expect, "panic") && !g_str_equal(o.expect, "no-panic") &&
	    !g_str_equal(o.expect, "hang")) {
		fprintf(stderr, "oopslab run: --expect: '%s' is not one of panic, no-panic, hang\n", o.expect);
		return 2;
	}
	if (o.flavour) {
		g_autofree char *given = g_steal_pointer(&o.flavour);

		if ((err = lab_flavour_canonical(given, &o.flavour))) {
			fprintf(stderr, "oopslab run: --flavour: %s\n", err->message);
			return 2;
		}
	}
	o.accel = accel ? accel : (char *)"auto";
	o.format = format ? format : (char *)"elf";
	o.format_given = format != NULL;
	if (!o.capture)
		o.capture = g_strdup("host");
	install_signal_handlers();
	rc = do_run(&o);
	g_free(o.lab);
	g_free(o.out);
	g_free(o.kernel);
	g_free(o.vmlinux);
	g_free(o.initrd);
	g_free(o.append);
	g_free(o.connect);
	g_free(o.expect);
	g_free(o.capture);
	g_free(o.collector);
	g_free(o.flavour);
	return rc;
}
