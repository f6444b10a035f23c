/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files on a libvirt daemon's host that shares no directory with the
 * harness, through one of its storage pools: the kernel and the initramfs
 * go up as volumes named by their content (so a second run uploads
 * nothing), the dump QEMU writes there comes down and is deleted.
 */
#pragma once
#include <glib.h>
#include <libvirt/libvirt.h>

/* The pool the harness uses: an existing one by this name, else a
 * transient directory pool it creates at REMOTE_POOL_DIR. */
#define REMOTE_POOL_NAME "oopslab"
#define REMOTE_POOL_DIR "/var/lib/libvirt/images/oopslab"

typedef struct RemotePool RemotePool;

/* The pool REMOTE_POOL_NAME on CONN's host, active (created, or started,
 * when it is not). */
GError *remote_pool_open(virConnectPtr conn, RemotePool **out) G_GNUC_WARN_UNUSED_RESULT;
void remote_pool_free(RemotePool *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RemotePool, remote_pool_free)

const char *remote_pool_name(const RemotePool *p);
/* The pool's directory on the daemon's host. */
const char *remote_pool_dir(const RemotePool *p);
/* The volume holding LOCAL's content, uploaded unless the pool has it:
 * named HASH-SUFFIX (HASH: the first 16 hex digits of its SHA-256), mode
 * 0644 so QEMU, running as the daemon's user, reads it. *remote_path: the
 * file on the daemon's host; *uploaded: FALSE when it was there already. */
GError *remote_pool_upload(RemotePool *p, const char *local, const char *suffix, char **remote_path,
			   gboolean *uploaded) G_GNUC_WARN_UNUSED_RESULT;
/* Where a file NAME of the pool's would be on the daemon's host. */
char *remote_pool_path(const RemotePool *p, const char *name);
/* Volume NAME (a file written into the pool's directory on the daemon's
 * side) downloaded to LOCAL, then deleted from the pool (deleted even when
 * the download failed). *bytes: its size. */
GError *remote_pool_take(RemotePool *p, const char *name, const char *local,
			 gint64 *bytes) G_GNUC_WARN_UNUSED_RESULT;
/* Delete volume NAME if it exists (a dump left by a failed run). */
void remote_pool_delete(RemotePool *p, const char *name);
