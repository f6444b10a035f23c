/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `oopslab run --connect URI` on a daemon: what differs from an embedded
 * run, which shares its files with QEMU. Choices:
 * - the storage pool, not a shared directory: the daemon's host may be
 *   another machine, and a local daemon's QEMU (libvirt-qemu) cannot read
 *   the harness's cache anyway;
 * - the guest starts paused, so the console stream is open before its
 *   first line (a pty drops what nobody reads);
 * - the default dump is QEMU's kdump-zlib: the harness's kdump-zstd writer
 *   maps the guest's RAM, which only a QEMU on this machine can share, and
 *   kdump-zlib is a fraction of the ELF dump's size to download. A --format
 *   the harness writes (kdump-zstd, -lzo, -snappy) is converted here from
 *   QEMU's ELF dump.
 */
#include "run-remote.h"

#include <unistd.h>

#include <gio/gio.h>

#include "console-stream.h"
#include "remote-storage.h"

struct RunRemote {
	RemotePool *pool;
	char *kernel, *initrd; /* on the daemon's host */
	gboolean kernel_uploaded, initrd_uploaded;
	double t_upload;
	ConsoleStream *console;
	gboolean console_reported;
	char *dump_volume;     /* while it is in the pool */
	char *note;
};

void run_remote_free(struct RunRemote *rr)
{
	if (!rr)
		return;
	console_stream_free(rr->console);
	remote_pool_free(rr->pool);
	g_free(rr->kernel);
	g_free(rr->initrd);
	g_free(rr->dump_volume);
	g_free(rr->note);
	g_free(rr);
}

GError *run_remote_check(Run *r)
{
	RunOptions *o = r->opt;

	if (vm_uri_is_embedded(o->connect))
		return NULL;
	if (r->kdump)
		return run_usage_error("--capture kdump needs the embedded driver (its capture disk is a local file), "
				       "not --connect %s", o->connect);
	if (o->share)
		return run_usage_error("--share needs the embedded driver (a directory of this host), not --connect %s",
				       o->connect);
	if (o->gdb)
		return run_usage_error("--gdb needs the embedded driver (QEMU's gdbstub on a local socket), not "
				       "--connect %s", o->connect);
	r->remote = g_new0(struct RunRemote, 1);
	if (!o->format_given) {
		g_free(o->format);
		o->format = g_strdup("kdump-zlib");
		r->remote->note = g_strdup("kdump-zlib, written by QEMU on the daemon's host: the harness's own kdump-zstd "
					   "writer needs the guest's RAM shared with it, which a libvirt daemon's QEMU "
					   "does not give");
	} else if (!vm_dump_format_valid(o->format)) {
		r->remote->note = g_strdup_printf("%s, converted here from QEMU's ELF dump: the harness's own writer needs "
						  "the guest's RAM shared with it, which a libvirt daemon's QEMU does not "
						  "give", o->format);
	} else {
		r->remote->note = g_strdup_printf("%s, written by QEMU on the daemon's host", o->format);
	}
	return NULL;
}

GError *run_remote_upload(Run *r, Vm *vm, const char **kernel, const char **initrd)
{
	struct RunRemote *rr = r->remote;
	double t = run_now(r);
	GError *err;

	if ((err = remote_pool_open(vm_connection(vm), &rr->pool)))
		return err;
	if ((err = remote_pool_upload(rr->pool, r->kit->bzimage, "bzImage", &rr->kernel,
				      &rr->kernel_uploaded)) ||
	    (err = remote_pool_upload(rr->pool, r->kit->initrd, "initrd", &rr->initrd, &rr->initrd_uploaded)))
		return err;
	rr->t_upload = run_now(r) - t;
	run_say(r, "kernel and initramfs in storage pool %s (%s): %s, %s (%.2f s)", remote_pool_name(rr->pool),
		remote_pool_dir(rr->pool), rr->kernel_uploaded ? "kernel uploaded" : "kernel there already",
		rr->initrd_uploaded ? "initramfs uploaded" : "initramfs there already", rr->t_upload);
	*kernel = rr->kernel;
	*initrd = rr->initrd;
	return NULL;
}

GError *run_remote_console(Run *r, Vm *vm, const char *console_path)
{
	GError *err;

	if ((err = console_stream_open(vm_connection(vm), vm_domain(vm), console_path, &r->remote->console)))
		return err;
	return vm_resume(vm);
}

/* After QEMU is gone, what it wrote to its pty still comes through
 * libvirtd, then the stream ends. */
#define CONSOLE_DRAIN_MAX_US (5 * G_USEC_PER_SEC)

void run_remote_drain_console(Run *r)
{
	gint64 start = g_get_monotonic_time();

	if (!r->remote || !r->remote->console)
		return;
	while (!console_stream_ended(r->remote->console) &&
	       g_get_monotonic_time() - start < CONSOLE_DRAIN_MAX_US)
		g_usleep(POLL_US);
	if (console_stream_ended(r->remote->console) && !r->remote->console_reported) {
		run_say(r, "console stream: %s", console_stream_end_reason(r->remote->console));
		r->remote->console_reported = TRUE;
	}
}

void run_remote_stop_console(Run *r)
{
	if (!r->remote)
		return;
	run_remote_drain_console(r);
	g_clear_pointer(&r->remote->console, console_stream_free);
}

GError *run_remote_dump(Run *r, Vm *vm, const char *local, const char *format)
{
	struct RunRemote *rr = r->remote;
	g_autofree char *remote = NULL;
	gint64 bytes;
	double t;
	GError *err;

	rr->dump_volume = g_strdup_printf("%s.vmcore", r->domain);
	remote = remote_pool_path(rr->pool, rr->dump_volume);
	if ((err = vm_dump(vm, remote, format))) {
		remote_pool_delete(rr->pool, rr->dump_volume);
		return err;
	}
	t = run_now(r);
	err = remote_pool_take(rr->pool, rr->dump_volume, local, &bytes);
	g_clear_pointer(&rr->dump_volume, g_free);
	if (err)
		return err;
	run_say(r, "dump downloaded from storage pool %s (%.1f MB in %.2f s) and deleted there",
		remote_pool_name(rr->pool), bytes / 1e6, run_now(r) - t);
	return NULL;
}

void run_remote_json(JsonWriter *w, const Run *r)
{
	const struct RunRemote *rr = r->remote;

	json_key(w, "remote");
	if (!rr) {
		json_null(w);
		return;
	}
	json_begin_object(w);
	json_member_string(w, "pool", rr->pool ? remote_pool_name(rr->pool) : NULL);
	json_member_string(w, "pool_dir", rr->pool ? remote_pool_dir(rr->pool) : NULL);
	json_member_string(w, "kernel", rr->kernel);
	json_member_string(w, "initrd", rr->initrd);
	json_member_bool(w, "kernel_uploaded", rr->kernel_uploaded);
	json_member_bool(w, "initrd_uploaded", rr->initrd_uploaded);
	json_member_double(w, "upload_seconds", rr->t_upload);
	json_member_string(w, "dump", rr->note);
	json_end_object(w);
}
