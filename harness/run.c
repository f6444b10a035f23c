/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab run`: the order of its steps (see run-internal.h). */
#include "run.h"

#include "kvm-mask.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>

#include "run-gdb.h"
#include "run-internal.h"
#include "run-remote.h"

double run_now(const Run *r)
{
	return (g_get_monotonic_time() - r->t0) / 1e6;
}

void run_say(const Run *r, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "[%6.2fs] %s\n", r->t0 ? run_now(r) : 0.0, msg);
}

void run_clear(Run *r)
{
	lab_set_free(r->labs);
	if (r->own_lab)
		lab_free(r->own_lab);
	kernel_info_free(r->kinfo);
	g_free(r->build_dir);
	g_free(r->vermagic);
	if (r->wmodules)
		g_ptr_array_unref(r->wmodules);
	if (r->drivers)
		g_ptr_array_unref(r->drivers);
	if (r->module_copies)
		g_ptr_array_unref(r->module_copies);
	g_free(r->share_dir);
	g_free(r->share_guest);
	guest_kit_free(r->kit);
	console_watcher_free(r->console);
	oops_free(r->oops);
	if (r->findings)
		g_ptr_array_unref(r->findings);
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
	capture_disk_header_clear(&r->kh);
	g_free(r->dump_format);
	g_free(r->dmesg_path);
	g_free(r->kdump_note);
	if (r->started)
		g_date_time_unref(r->started);
	run_gdb_free(r->gdb);
	run_remote_free(r->remote);
}

/* A run directory made by prepare() that failed: what it put there. */
static void rm_rf(const char *dir)
{
	g_autoptr(GSubprocess) p = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, NULL, "rm", "-rf", dir, NULL);

	if (p)
		g_subprocess_wait(p, NULL, NULL);
}

/* Everything that can be refused before a guest exists. */
static GError *prepare(Run *r, Vm **vm)
{
	g_autofree char *why = NULL;
	gboolean masked;
	GError *err;

	if ((err = run_find_lab(r)) || (err = run_options_validate(r->opt, r->lab)))
		return err;
	r->kdump = g_str_equal(r->opt->capture, "kdump");
	if ((err = run_remote_check(r)) || (err = run_assemble(r)))
		return err;
	/* the embedded driver probes QEMU as it opens: hide a /dev/kvm TCG
	 * does not use before that (kvm-mask.h) */
	masked = !r->opt->connect && accel_resolve(r->opt->requested, FALSE, &why) == ACCEL_TCG &&
		 kvm_mask_apply();
	if ((err = vm_connect(r->opt->connect, vm)))
		return err;
	r->uri = g_strdup(vm_uri(*vm));
	r->accel = accel_resolve(r->opt->requested, vm_is_remote(*vm), &r->accel_reason);
	if (masked) {
		g_free(why);
		why = r->accel_reason;
		r->accel_reason = g_strconcat(why, "; /dev/kvm hidden from libvirt (kvm-mask.h)", NULL);
	}
	r->cmdline = run_cmdline(r);
	/* From here on a run directory exists and always gets a run.json. */
	r->made_dir = !g_file_test(r->dir, G_FILE_TEST_EXISTS);
	if (g_mkdir_with_parents(r->dir, 0755) < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", r->dir,
				   g_strerror(errno));
	if ((err = run_keep_modules(r)))
		return err;
	if (r->kdump) {
		g_autofree char *disk = g_build_filename(r->dir, "kdump-disk.img", NULL);

		r->disk_path = g_canonicalize_filename(disk, NULL);
		if ((err = capture_disk_create(r->disk_path, r->opt->memory_mib)))
			return err;
	}
	return NULL;
}

static GError *run_guest(Run *r, Vm *vm)
{
	RunEvent event;
	GError *err;

	if (r->opt->gdb && (err = run_gdb_prepare(r)))
		return err;
	if ((err = run_start(r, vm)) || (r->opt->gdb && (err = run_gdb_attach(r, vm))) ||
	    (err = run_wait_event(r, vm, &event)))
		return err;
	if (event == RUN_EVENT_STOPPED) {
		g_autofree char *detail = NULL;

		vm_state(vm, &detail);
		run_remote_drain_console(r);
		/* powered off is the guest's own doing; anything else (QEMU
		 * killed or failed, the daemon's connection gone) lost the
		 * guest under the run: syzkaller's "lost connection" */
		if (g_strcmp0(detail, "shutdown") != 0) {
			r->outcome = "lost-connection";
			r->detected_by = g_strdup_printf("QEMU stopped under the run (%s)", detail ? detail : "no reason given");
			run_say(r, "QEMU stopped under the run (%s; see %s/qemu.log)", detail ? detail : "no reason given",
				r->dir);
			return NULL;
		}
		r->outcome = "no-panic";
		r->detected_by = g_strdup_printf("guest stopped (%s)", detail ? detail : "?");
		run_say(r, "guest stopped without a panic (%s)", detail ? detail : "?");
		return NULL;
	}
	if (r->kdump)
		return run_kdump_capture(r, vm, event);
	return run_host_capture(r, vm, event);
}

/* The run's exit status, once its guest is gone. */
static int conclude(Run *r, GError *err, GThread *destroy)
{
	int rc = 0;

	const ConsoleStage *done = r->console ? console_watcher_stage(r->console, "exec-done") : NULL;

	if (done && done->detail && g_str_has_prefix(done->detail, "status="))
		r->exit_status = atoi(done->detail + strlen("status="));
	if (r->module_copies)
		run_pick_module(r);
	r->panic_task.pid = -1;
	if (!err && r->dump_path)
		run_read_dump(r);
	/* a panic before the lab initramfs's /init printed its first stage:
	 * the kernel never booted (a --initrd of the user's prints none) */
	if (!err && g_strcmp0(r->outcome, "panic") == 0 && r->console && !r->opt->initrd &&
	    !console_watcher_stage(r->console, "userspace"))
		r->outcome = "boot-failure";
	if (!err && r->console)
		run_build_report(r);
	g_thread_join(destroy);
	r->t_total = run_now(r);
	if (err) {
		r->outcome = "error";
		r->error = g_strdup(err->message);
		fprintf(stderr, "oopslab: %s\n", err->message);
		rc = run_stop_signal ? 128 + run_stop_signal : RUN_EXIT_ERROR;
	} else {
		run_say(r, "outcome: %s", r->outcome);
	}
	if (!rc && r->opt->expect && g_strcmp0(r->opt->expect, r->outcome) != 0) {
		fprintf(stderr, "oopslab: expected %s, got %s\n", r->opt->expect, r->outcome);
		rc = RUN_EXIT_UNEXPECTED;
	}
	if (!rc && r->opt->fail_on_findings && r->findings && r->findings->len) {
		const Oops *first = g_ptr_array_index(r->findings, 0);

		fprintf(stderr, "oopslab: --fail-on-findings: %u report(s) in the console, the first: %s%s\n",
			r->findings->len, first->title, first->fatal ? "" : " (not fatal)");
		rc = RUN_EXIT_UNEXPECTED;
	}
	run_write_json(r);
	run_print_result(r);
	return rc;
}

int run_once(RunOptions *o)
{
	g_autoptr(Vm) vm = NULL;
	g_autoptr(GError) err = NULL;
	Run r = {.opt = o, .exit_status = -1};
	int rc;

	err = prepare(&r, &vm);
	if (err) {
		/* Nothing was started, and a run directory made for it holds
		 * nothing of value: remove it, so a failed run leaves nothing. */
		gboolean usage = err->domain == RUN_USAGE_ERROR || err->domain == G_OPTION_ERROR;

		fprintf(stderr, "oopslab: %s\n", err->message);
		if (r.dir && r.made_dir)
			rm_rf(r.dir);
		run_clear(&r);
		return usage ? RUN_EXIT_USAGE : RUN_EXIT_ERROR;
	}
	r.started = g_date_time_new_now_local();
	r.t0 = g_get_monotonic_time();
	run_say(&r, "accelerator %s: %s", accel_name(r.accel), r.accel_reason);
	err = run_guest(&r, vm);
	run_gdb_finish(&r); /* --gdb: the guest stays while gdb looks at it */
	rc = conclude(&r, err, run_destroy_async(&r, vm));
	run_clear(&r);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	RunOptions o;
	/* --repeat runs each boot with these arguments; parsing removes them */
	g_auto(GStrv) args = g_strdupv(argv);
	int rc = run_options_parse(&o, argc, argv);

	if (!rc) {
		run_install_signal_handlers();
		rc = o.repeat > 1 || o.until_crash ? run_repeat(&o, args) : run_once(&o);
	}
	run_options_clear(&o);
	return rc;
}
