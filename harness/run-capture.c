/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Getting the dump: libvirt's memory-only dump of the paused guest (host),
 * or the guest's own capture kernel writing it to a disk (kdump). */
#include <errno.h>
#include <stdio.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "convert.h"
#include "run-internal.h"
#include "run-remote.h"

/* After the dump, how long a panicked guest may run to flush its console. */
#define CONSOLE_FLUSH_MAX_US (3 * G_USEC_PER_SEC)
#define CONSOLE_QUIET_US (400 * 1000)
/* A daemon's console comes through its pty, libvirtd and the connection:
 * seconds behind the guest on a loaded host, so quiet means nothing there,
 * and only panic()'s end line ends the wait. */
#define REMOTE_CONSOLE_FLUSH_MAX_US (15 * G_USEC_PER_SEC)
/* --capture kdump: how long the capture kernel may take, from the panic to
 * its power-off (a 512 MiB guest's ELF vmcore under TCG takes about 15 s). */
#define KDUMP_CAPTURE_TIMEOUT_S 300

static GError *dump_memory(Run *r, Vm *vm)
{
	g_autofree char *abs = NULL;
	GError *err;
	GStatBuf st;
	double t = run_now(r);

	r->dump_path = g_build_filename(r->dir, "vmcore", NULL);
	abs = g_canonicalize_filename(r->dump_path, NULL);
	if (r->shared_ram) {
		OlDumpWriteStats stats;

		run_say(r, "capturing memory (%s, from the guest's shared RAM)", r->opt->format);
		err = run_capture_ram(r, vm, abs, &stats);
	} else if (!vm_dump_format_valid(r->opt->format)) {
		/* A codec QEMU does not write (zstd; lzo and snappy in Debian's
		 * build): dump ELF, then convert, keeping only the result. */
		g_autofree char *elf = g_strdup_printf("%s.elf.part", abs);
		OlDumpWriteStats stats;

		run_say(r, "capturing memory (elf, memory-only, to convert to %s)", r->opt->format);
		err = r->remote ? run_remote_dump(r, vm, elf, "elf") : vm_dump(vm, elf, "elf");
		if (!err)
			err = convert_dump(elf, abs, r->opt->format, &stats);
		g_unlink(elf);
	} else {
		run_say(r, "capturing memory (%s, memory-only%s)", r->opt->format,
			r->remote ? ", on the daemon's host" : "");
		if (r->remote)
			err = run_remote_dump(r, vm, abs, r->opt->format);
		else
			err = vm_dump(vm, abs, r->opt->format);
	}
	if (err) {
		/* a partial dump is no dump (and frees the space run.json needs
		 * when the disk filled up) */
		g_unlink(abs);
		g_clear_pointer(&r->dump_path, g_free);
		return err;
	}
	r->t_dump = run_now(r) - t;
	if (g_stat(r->dump_path, &st) == 0)
		r->dump_bytes = st.st_size;
	run_say(r, "dump written: %s (%.1f MB in %.2f s)", r->dump_path, r->dump_bytes / 1e6, r->t_dump);
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
	gint64 max_us = r->remote ? REMOTE_CONSOLE_FLUSH_MAX_US : CONSOLE_FLUSH_MAX_US;
	gint64 quiet_us = r->remote ? max_us : CONSOLE_QUIET_US;

	if (err) {
		run_say(r, "console may be incomplete: %s", err->message);
		return;
	}
	while (g_get_monotonic_time() - start < max_us && g_get_monotonic_time() - last_growth < quiet_us) {
		g_usleep(POLL_US);
		console_watcher_poll(r->console);
		/* panic() prints its end line after flushing the consoles: all is out */
		if (r->console->panic_end_time)
			break;
		if (r->console->offset != seen) {
			seen = r->console->offset;
			last_growth = g_get_monotonic_time();
		}
	}
}

static const char *panic_line(const Run *r)
{
	return r->console->panic_line ? r->console->panic_line : "";
}

/* The guest panicked, stopped or hung: what the host makes of it. */
GError *run_host_capture(Run *r, Vm *vm, RunEvent event)
{
	GError *err;

	r->capture_used = "host";
	if (event == RUN_EVENT_HANG) {
		r->outcome = "no-output";
		r->detected_by = g_strdup_printf("timeout (%d s) and no panic %d s after an NMI", r->opt->timeout,
						 NMI_GRACE_SECONDS);
		run_say(r, "guest still not panicked %d s after the NMI: capturing it (no-output)", NMI_GRACE_SECONDS);
		return dump_memory(r, vm);
	}
	r->outcome = "panic";
	if (event == RUN_EVENT_CONSOLE_PANIC)
		r->detected_by = g_strdup(r->nmi_sent ? "console after NMI" : "console");
	else
		r->detected_by = g_strdup(r->nmi_sent ? "pvpanic after NMI" : "pvpanic");
	/* The console may lag the event by a few lines. */
	g_usleep(POLL_US);
	console_watcher_poll(r->console);
	run_say(r, "guest panicked (%s)%s%s", r->detected_by, r->console->panic_line ? ": " : "", panic_line(r));
	if ((err = dump_memory(r, vm)))
		return err;
	flush_console(r, vm);
	if (r->console->panic_line)
		run_say(r, "panic line: %s", r->console->panic_line);
	return NULL;
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

/* The collector's flattened stream, made plain when it can be. */
static GError *kdump_take_flattened(Run *r)
{
	g_autofree char *flat = g_build_filename(r->dir, "vmcore.flat", NULL);
	g_autofree char *mdf = g_find_program_in_path("makedumpfile");
	GError *err;

	if ((err = capture_disk_extract(r->disk_path, r->kh.vmcore_offset, r->kh.vmcore_bytes, flat)))
		return err;
	if (capture_disk_collector_keeps_flattened(r->opt->collector)) {
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
	GStatBuf st;
	GError *err;
	double t = run_now(r);

	if ((err = capture_disk_read_header(r->disk_path, &r->kh)))
		return err;
	if (r->kh.dmesg_bytes) {
		r->dmesg_path = g_build_filename(r->dir, "vmcore-dmesg.txt", NULL);
		if ((err = capture_disk_extract(r->disk_path, r->kh.dmesg_offset, r->kh.dmesg_bytes,
						r->dmesg_path)))
			return err;
	}
	if (!g_str_equal(r->kh.status, "ok"))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "kdump capture failed: %s",
				   r->kh.message ? r->kh.message : "(no message)");
	r->dump_path = g_build_filename(r->dir, "vmcore", NULL);
	if (g_strcmp0(r->kh.vmcore_format, "flattened") == 0)
		err = kdump_take_flattened(r);
	else
		err = capture_disk_extract(r->disk_path, r->kh.vmcore_offset, r->kh.vmcore_bytes,
					   r->dump_path);
	if (err)
		return err;
	r->dump_format = g_strdup(capture_disk_collector_format(r->opt->collector));
	if (g_stat(r->dump_path, &st) == 0)
		r->dump_bytes = st.st_size;
	r->t_extract = run_now(r) - t;
	r->t_dump = r->t_capture + r->t_extract;
	run_say(r, "dump written: %s (%s, %.1f MB; capture %.2f s, extraction %.2f s)", r->dump_path, r->dump_format,
		r->dump_bytes / 1e6, r->t_capture, r->t_extract);
	return NULL;
}

/*
 * crash_kexec_post_notifiers: pvpanic's notifier runs in panic() before the
 * capture kernel. With a capture kernel loaded it reports "crash loaded"
 * and the guest goes on; a paused one ("panicked") is resumed.
 */
static GError *kdump_resume(Run *r, Vm *vm)
{
	g_autofree char *detail = NULL;

	vm_state(vm, &detail);
	console_watcher_poll(r->console);
	run_say(r, "guest panicked (pvpanic, %s)%s%s: waiting for the capture kernel", detail ? detail : "?",
		r->console->panic_line ? ": " : "", panic_line(r));
	return vm_continue_after_panic(vm);
}

/* From the panic until the capture kernel powers the guest off. */
GError *run_kdump_capture(Run *r, Vm *vm, RunEvent event)
{
	gboolean resumed = event == RUN_EVENT_PANIC;
	GError *err;

	if (event == RUN_EVENT_HANG)
		return run_host_capture(r, vm, event);
	r->capture_used = "kdump";
	if (resumed && (err = kdump_resume(r, vm)))
		return err;
	for (;;) {
		VmState state;

		g_usleep(POLL_US);
		console_watcher_poll(r->console);
		run_report_stages(r);
		if ((err = run_check_stop()))
			return err;
		if (!r->t_capture_start && console_watcher_stage(r->console, "capture"))
			r->t_capture_start = run_now(r);
		state = vm_state(vm, NULL);
		if (state == VM_STATE_CRASHED)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "kdump: the capture kernel panicked (see console.log)");
		if (state == VM_STATE_STOPPED)
			break;
		if (run_now(r) - r->t_panic > KDUMP_CAPTURE_TIMEOUT_S)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
					   "kdump: the capture kernel did not finish %d s after the panic%s",
					   KDUMP_CAPTURE_TIMEOUT_S, r->t_capture_start ? "" : " (it never reached its /init)");
	}
	console_watcher_poll(r->console);
	run_report_stages(r);
	r->t_capture = run_now(r) - r->t_panic;
	r->outcome = "panic";
	r->detected_by = g_strdup(resumed ? "pvpanic, then the kdump capture kernel" : "kdump capture kernel");
	run_say(r, "capture kernel powered off, %.2f s after the panic", r->t_capture);
	return kdump_collect(r);
}
