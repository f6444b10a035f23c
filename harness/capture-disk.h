/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest-side kdump (`oopslab run --capture kdump`): the run's capture disk,
 * which the capture kernel's /init (guests/initramfs/kdump-init) fills, and
 * what the harness takes out of it afterwards.
 *
 * guests/initramfs/kdump-init writes this layout.
 *
 * Disk layout (a sparse raw image, attached as virtio disk vda):
 *   bytes 0..4095   text header, "key=value" lines after a first line
 *                   "oopslab-kdump 1", ending with "end", NUL padded;
 *                   written LAST, so a disk without it was never finished
 *   1 MiB ..        the kernel log (makedumpfile --dump-dmesg), dmesg_bytes
 *   16 MiB ..       the vmcore as the collector wrote it, vmcore_bytes
 *                   (flattened for makedumpfile, ELF /proc/vmcore for cp)
 */
#pragma once
#include <glib.h>

#define CAPTURE_DISK_DMESG_OFFSET (1 << 20)
#define CAPTURE_DISK_VMCORE_OFFSET (16 << 20)
/* What crashkernel= reserves in the lab guest; see capture-disk.c. */
#define KDUMP_CRASHKERNEL "64M"

typedef struct {
	char *status;         /* "ok" or "error" */
	char *message;        /* the capture init's error */
	char *collector;      /* as the user gave it */
	char *command;        /* what the capture init ran */
	char *vmcore_format;  /* "flattened" or "elf" */
	guint64 vmcore_offset, vmcore_bytes;
	guint64 dmesg_offset, dmesg_bytes;
	double uptime;        /* capture kernel uptime when done */
} CaptureDiskHeader;

void capture_disk_header_clear(CaptureDiskHeader *h);

/* The collector string is passed on the kernel command line with commas for
 * spaces: only a plain character set is accepted. */
GError *capture_disk_collector_check(const char *collector) G_GNUC_WARN_UNUSED_RESULT;
char *capture_disk_collector_cmdline(const char *collector);
gboolean capture_disk_collector_keeps_flattened(const char *collector);
/* "kdump-lzo", "kdump-zlib", ..., "elf": what the collector writes. */
const char *capture_disk_collector_format(const char *collector);

/* A sparse disk big enough for a dump of a memory_mib guest. */
GError *capture_disk_create(const char *path, int memory_mib) G_GNUC_WARN_UNUSED_RESULT;
GError *capture_disk_read_header(const char *path, CaptureDiskHeader *h) G_GNUC_WARN_UNUSED_RESULT;
/* Copy [offset, offset+bytes) of the disk to a new file. */
GError *capture_disk_extract(const char *disk, guint64 offset, guint64 bytes,
			     const char *out) G_GNUC_WARN_UNUSED_RESULT;
