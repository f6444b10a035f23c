/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a live dump (live.h) needs from QEMU besides the RAM file: which
 * guest-physical ranges are which offsets of it (`info mtree -f`), and the
 * CPU notes and VMCOREINFO, taken from another dump of the same stopped
 * guest (e.g. a dump-guest-memory of one page, which carries all the notes).
 */
#ifndef OL_LIVE_QEMU_LAYOUT_H
#define OL_LIVE_QEMU_LAYOUT_H

#include <glib.h>

#include "live.h"

G_BEGIN_DECLS

/* Parse QEMU's `info mtree -f` TEXT: the ranges of the flat view of the
 * "memory" address space that belong to RAM region REGION (NULL: the
 * largest one), as OlLiveRange in an array.  Offsets are the region's
 * ("@OFFSET", 0 if absent), i.e. offsets into the region's backing file. */
GError *ol_live_mtree_parse(const char *text, const char *region, GArray **ranges);

/* Give live dump LIVE the CPU notes, VMCOREINFO and note blob of FROM, so a
 * writer copies them into its output as if LIVE had them itself. */
void ol_dump_live_take_notes(OlDump *live, const OlDump *from);

G_END_DECLS

#endif /* OL_LIVE_QEMU_LAYOUT_H */
