/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A live guest as an OlDump: the same read interface the file formats give
 * (dump.h), over the memory of a running (stopped) virtual machine, so one
 * kernel model serves dumps and live guests alike.
 *
 * Memory comes from one of two sources:
 *  - guest RAM shared with the hypervisor (a memory-backend file or memfd),
 *    mapped read-only (PROT_READ, MAP_SHARED): every read sees the guest's
 *    current bytes, nothing is copied or cached;
 *  - a callback that reads guest-physical memory some other way (e.g. a
 *    gdbstub in physical-memory mode), behind a page cache.
 * The physical layout (which guest-physical ranges are RAM and where each
 * is in the backing file) is the caller's: the hypervisor knows it.
 *
 * The CPU register notes and VMCOREINFO are set by the caller at every
 * stop.  ol_dump_live_invalidate() must be called whenever the guest ran
 * or its memory was written: it drops the page cache and bumps the
 * generation.  The backing file is never written.
 */
#pragma once

#include <glib.h>

#include "dump.h"

G_BEGIN_DECLS

/* Guest-physical [gpa, gpa + size) is at byte OFFSET of the RAM file
 * (for a callback source OFFSET is ignored). */
typedef struct {
	guint64 gpa;
	guint64 size;
	guint64 offset;
} OlLiveRange;

/* Most ranges a layout may have (an x86 PC has 5 to 10). */
#define OL_LIVE_MAX_RANGES 4096

/* Read LEN bytes of guest-physical memory at PADDR into BUF; NULL or an
 * error naming the address. */
typedef GError *(*OlLiveReadFn)(void *ctx, guint64 paddr, void *buf, gsize len);

/* Map the guest RAM file FD (not taken: the caller closes it, the mapping
 * stays) read-only.  NAME names the source in messages (e.g. the file's
 * path).  RANGES must lie inside the file and not overlap in guest-physical
 * space (they are sorted here); a range outside the file or an overlap is
 * OL_DUMP_ERROR_CORRUPT naming the range. */
GError *ol_dump_open_live_fd(const char *name, int fd, const OlLiveRange *ranges, guint n,
			     OlDump **out) G_GNUC_WARN_UNUSED_RESULT;
/* The same with a file by path. */
GError *ol_dump_open_live_file(const char *path, const OlLiveRange *ranges, guint n,
			       OlDump **out) G_GNUC_WARN_UNUSED_RESULT;
/* Memory through FN (called with CTX, which must outlive the dump), whole
 * pages at a time, kept in a page cache of CACHE_PAGES pages until the next
 * ol_dump_live_invalidate().  With N == 0 every address is tried. */
GError *ol_dump_open_live_reader(const char *name, OlLiveReadFn fn, void *ctx, const OlLiveRange *ranges,
				 guint n, guint cache_pages, OlDump **out) G_GNUC_WARN_UNUSED_RESULT;

gboolean ol_dump_is_live(const OlDump *d);
/* Replace the CPU notes (CPU i is cpus[i]; pr_pid should be i + 1) and
 * the VMCOREINFO text (NULL: none), as of the current stop. */
void ol_dump_live_set_cpus(OlDump *d, const OlCpuNote *cpus, guint n);
void ol_dump_live_set_vmcoreinfo(OlDump *d, const char *text, gsize len);
/* The guest ran, or its memory was written: drop what was cached. */
void ol_dump_live_invalidate(OlDump *d);
/* How many times ol_dump_live_invalidate() was called; 0 for files. */
guint64 ol_dump_live_generation(const OlDump *d);

G_END_DECLS
