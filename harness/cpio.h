/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A newc ("070701") cpio archive built in memory: the extra initramfs that
 * carries a run's workload, appended to the lab initramfs (the kernel
 * unpacks every archive of a concatenation, compressed or not). */
#pragma once
#include <glib.h>

typedef struct Cpio Cpio;

Cpio *cpio_new(void);
void cpio_free(Cpio *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Cpio, cpio_free)

/* Parent directories are added as needed (mode 0755). */
void cpio_add_dir(Cpio *c, const char *path);
void cpio_add_data(Cpio *c, const char *path, guint mode, const void *data, gsize len);
/* The host file's contents (symlinks followed) at PATH in the archive. */
GError *cpio_add_file(Cpio *c, const char *path, guint mode, const char *host_path) G_GNUC_WARN_UNUSED_RESULT;
void cpio_add_symlink(Cpio *c, const char *path, const char *target);
/* The archive with its trailer; the Cpio is spent. */
GBytes *cpio_finish(Cpio *c);
