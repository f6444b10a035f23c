/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A run on a libvirt daemon (any --connect URI but the embedded driver),
 * whose host may share no directory with the harness: the kernel and the
 * initramfs go up into its storage pool, the console comes over the
 * connection, the dump is written into the pool and comes down.
 */
#pragma once
#include "json-writer.h"
#include "run-internal.h"

struct RunRemote;

/* From --connect's URI, before anything is built: options a daemon's run
 * cannot have (usage errors), and the default format it gets, QEMU's
 * kdump-zlib written on the daemon's side. Sets r->remote for a daemon. */
GError *run_remote_check(Run *r) G_GNUC_WARN_UNUSED_RESULT;
/* The kernel and the initramfs in the daemon's pool: the paths the domain
 * XML names there. */
GError *run_remote_upload(Run *r, Vm *vm, const char **kernel, const char **initrd) G_GNUC_WARN_UNUSED_RESULT;
/* The guest was started paused: stream its console into CONSOLE_PATH,
 * then let it run. */
GError *run_remote_console(Run *r, Vm *vm, const char *console_path) G_GNUC_WARN_UNUSED_RESULT;
/* The paused guest's memory-only dump in FORMAT (QEMU's: elf, kdump-zlib,
 * win-dmp), written into the pool, downloaded to LOCAL, deleted there. */
GError *run_remote_dump(Run *r, Vm *vm, const char *local, const char *format) G_GNUC_WARN_UNUSED_RESULT;
/* Once the guest is gone: wait (a few seconds at most) for the rest of
 * its console to come and the stream to end. */
void run_remote_drain_console(Run *r);
/* Drain, then close the console stream (after the guest is destroyed). */
void run_remote_stop_console(Run *r);
/* run.json's "remote": null, or {pool, pool_dir, kernel, initrd, uploaded, upload_seconds, dump, note} */
void run_remote_json(JsonWriter *w, const Run *r);
void run_remote_free(struct RunRemote *rr);
