/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The run's guest from its start to its destruction: boot, watch the
 * console and libvirt's lifecycle events until something happens. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "domain-xml.h"
#include "reaper.h"
#include "run-gdb.h"
#include "run-internal.h"
#include "run-remote.h"

volatile sig_atomic_t run_stop_signal;

static void on_signal(int sig)
{
	run_stop_signal = sig;
}

void run_install_signal_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

GError *run_check_stop(void)
{
	if (!run_stop_signal)
		return NULL;
	return g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted by %s", g_strsignal(run_stop_signal));
}

/* Show /init's stage markers as they arrive. */
void run_report_stages(Run *r)
{
	static const struct {
		const char *stage, *text;
	} texts[] = {
		{"done", "guest /init finished without a panic (%s)"},
		{"kdump-armed", "capture kernel loaded (kexec -p)"},
		{"kdump-error", "arming the capture kernel failed: %s"},
		{"capture", "capture kernel running (%s)"},
		{"collect", "capture kernel: %s"},
		{"capture-done", "capture kernel done (%s)"},
		{"capture-error", "capture kernel failed: %s"},
		{"module", "loading %s"},
		{"exec-done", "--exec returned (%s)"},
	};
	ConsoleWatcher *c = r->console;

	for (; c->stages_reported < c->stages->len; c->stages_reported++) {
		const ConsoleStage *s = g_ptr_array_index(c->stages, c->stages_reported);

		if (g_str_equal(s->name, "userspace"))
			run_say(r, "guest reached userspace (guest uptime %.2f s)", s->uptime);
		else if (g_str_equal(s->name, "trigger") && g_strcmp0(s->detail, "exec") == 0)
			run_say(r, "running --exec %s", r->opt->exec);
		else if (g_str_equal(s->name, "trigger"))
			run_say(r, "lab %s: triggering the crash", r->lab->name);
		for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
			if (!g_str_equal(s->name, texts[i].stage))
				continue;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			run_say(r, texts[i].text, s->detail ? s->detail : "");
#pragma GCC diagnostic pop
		}
	}
}

GError *run_start(Run *r, Vm *vm)
{
	const RunOptions *o = r->opt;
	g_autofree char *console_path = g_build_filename(r->dir, "console.log", NULL);
	g_autofree char *console_abs = g_canonicalize_filename(console_path, NULL);
	g_autofree char *xml_path = g_build_filename(r->dir, "domain.xml", NULL);
	g_autofree char *xml = NULL;
	g_autoptr(GError) err = NULL;
	const char *kernel = r->kit->bzimage, *initrd = r->kit->initrd;
	GError *e;

	r->domain = g_strdup_printf("oopslab-%s-%d", r->lab->name, (int)reaper_user_pid());
	r->shared_ram = run_wants_shared_ram(r, vm);
	if (r->remote && (e = run_remote_upload(r, vm, &kernel, &initrd)))
		return e;
	xml = domain_xml(&(DomainSpec){
		.name = r->domain,
		.accel = r->accel,
		.memory_mib = o->memory_mib,
		.cpus = o->cpus,
		.kernel = kernel,
		.initrd = initrd,
		.cmdline = r->cmdline,
		.console_path = r->remote ? NULL : console_abs,
		.disk_path = r->disk_path,
		.share_dir = r->share_dir,
		.share_rw = o->share_rw,
		.no_pvpanic = o->no_pvpanic,
		.shared_ram = r->shared_ram,
		.gdb_socket = run_gdb_qemu_socket(r),
		.wait_socket = run_gdb_wait_socket(r),
	});
	/* domain.xml is for the user to read; the run does not need it */
	if (!g_file_set_contents(xml_path, xml, -1, &err))
		run_say(r, "cannot keep domain.xml: %s", err->message);
	r->console = console_watcher_new(console_path, g_get_monotonic_time());
	r->console->start_us = r->t0;
	run_say(r, "starting guest (%s, %d MiB, %d vCPUs, lab %s)", accel_name(r->accel), o->memory_mib, o->cpus,
		r->lab->name);
	if ((e = vm_start(vm, r->domain, xml, r->remote != NULL)))
		return e;
	return r->remote ? run_remote_console(r, vm, console_path) : NULL;
}

/* Before /init's trigger, the timeout also allows for the boot: under TCG
 * on a loaded host a boot can take longer than a lab's few seconds. */
#define BOOT_ALLOWANCE_S 60

/* The timeout's NMI, then the grace it gets: TRUE once the guest is hung.
 * The timeout counts from the trigger (the lab's, or --exec), so a slow
 * boot does not eat a lab's timeout; before it, from the start, with the
 * boot's allowance. */
static gboolean timed_out(Run *r, Vm *vm, double *nmi_time)
{
	const RunOptions *o = r->opt;
	const ConsoleStage *trigger = console_watcher_stage(r->console, "trigger");
	double since = trigger ? run_now(r) - trigger->host_time
			       : run_now(r) - r->t_create - BOOT_ALLOWANCE_S;

	if (!r->nmi_sent && o->timeout > 0 && since > o->timeout) {
		g_autoptr(GError) err = NULL;

		run_say(r, "no panic %d s after the %s: injecting an NMI", o->timeout, trigger ? "trigger" : "boot's allowance");
		if ((err = vm_inject_nmi(vm)))
			run_say(r, "%s", err->message);
		r->nmi_sent = TRUE;
		*nmi_time = run_now(r);
	}
	return r->nmi_sent && run_now(r) - *nmi_time > NMI_GRACE_SECONDS;
}

static void poll_console(Run *r)
{
	console_watcher_poll(r->console);
	run_report_stages(r);
	if (!r->t_boot && console_watcher_stage(r->console, "userspace"))
		r->t_boot = run_now(r);
}

/*
 * A panic on the console with no pvpanic event (no device, or a kernel
 * without its driver): pvpanic's notifier runs between the "Kernel panic"
 * line and the "---[ end Kernel panic" one (after the trace and stopping
 * the other CPUs, which can take over a second under TCG), so once the end
 * line is out no event is coming. A panic that never prints its end line
 * is taken a few seconds after the first. The guest is paused where the
 * panic left it, for the dump.
 */
#define CONSOLE_PANIC_END_WAIT_S 0.3
#define CONSOLE_PANIC_WAIT_S 5.0

static GError *console_panic(Run *r, Vm *vm, gboolean *seen)
{
	const ConsoleWatcher *c = r->console;
	double now = run_now(r);

	*seen = FALSE;
	if (r->kdump || !c->panic_line)
		return NULL;
	if (!(c->panic_end_time && now - c->panic_end_time > CONSOLE_PANIC_END_WAIT_S) &&
	    now - c->panic_time < CONSOLE_PANIC_WAIT_S)
		return NULL;
	*seen = TRUE;
	r->t_panic = r->t_detected = now;
	return vm_pause(vm);
}

/* Until the guest panics, stops, or hangs past its timeout. */
GError *run_wait_event(Run *r, Vm *vm, RunEvent *event)
{
	double nmi_time = 0;
	GError *err;

	r->t_create = run_now(r);
	for (;;) {
		VmState state;

		poll_console(r);
		if ((err = run_check_stop()))
			return err;
		state = vm_state(vm, NULL);
		if (r->kdump && console_watcher_stage(r->console, "capture")) {
			/* no pvpanic event came: the capture kernel is our signal */
			r->t_capture_start = r->t_panic = run_now(r);
			*event = RUN_EVENT_CAPTURE;
			return NULL;
		}
		if (state == VM_STATE_CRASHED) {
			r->t_panic = r->t_detected = run_now(r);
			*event = RUN_EVENT_PANIC;
			return NULL;
		}
		if (state == VM_STATE_STOPPED) {
			const ConsoleStage *kerr =
				r->kdump ? console_watcher_stage(r->console, "kdump-error") : NULL;

			poll_console(r);
			if (kerr)
				return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "kdump: %s", kerr->detail);
			*event = RUN_EVENT_STOPPED;
			return NULL;
		}
		if (state == VM_STATE_RUNNING) {
			gboolean seen;

			if ((err = console_panic(r, vm, &seen)))
				return err;
			if (seen) {
				*event = RUN_EVENT_CONSOLE_PANIC;
				return NULL;
			}
		}
		if (timed_out(r, vm, &nmi_time)) {
			*event = RUN_EVENT_HANG;
			return NULL;
		}
		g_usleep(POLL_US);
	}
}

static void copy_qemu_log(Run *r, Vm *vm)
{
	g_autofree char *src = vm_qemu_log_path(vm, r->domain);
	g_autofree char *dst = g_build_filename(r->dir, "qemu.log", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	gsize len;

	if (!src || !g_file_test(src, G_FILE_TEST_EXISTS))
		return;
	if (!g_file_get_contents(src, &text, &len, &err) || !g_file_set_contents(dst, text, len, &err))
		run_say(r, "qemu.log not kept: %s", err->message);
	g_unlink(src); /* the embed root is reused: keep its log per run */
}

/* The guest's end: QEMU gone, its log kept, the capture disk removed. */
static void destroy_guest(Run *r, Vm *vm)
{
	double t = run_now(r);

	vm_destroy(vm);
	run_remote_stop_console(r);
	r->t_destroy = run_now(r) - t;
	copy_qemu_log(r, vm);
	if (r->disk_path)
		g_unlink(r->disk_path);
}

void run_destroy(Run *r, Vm *vm)
{
	destroy_guest(r, vm);
	if (r->console)
		console_watcher_poll(r->console);
}

typedef struct {
	Run *r;
	Vm *vm;
} DestroyJob;

static gpointer destroy_thread(gpointer data)
{
	DestroyJob *j = data;

	destroy_guest(j->r, j->vm);
	g_free(j);
	return NULL;
}

/* Destroying takes over a second (libvirt and QEMU): do it while the run
 * reads its dump and writes its report.  The console is read for the last
 * time now; the thread touches only the VM, r->t_destroy and files. */
GThread *run_destroy_async(Run *r, Vm *vm)
{
	DestroyJob *j = g_new(DestroyJob, 1);

	if (r->console)
		console_watcher_poll(r->console);
	j->r = r;
	j->vm = vm;
	return g_thread_new("destroy", destroy_thread, j);
}
