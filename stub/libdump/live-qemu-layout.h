/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a live dump (live.h) needs from QEMU besides the RAM file: which
 * guest-physical ranges are which offsets of it (`info mtree -f`), and the
 * CPU notes and VMCOREINFO, given as the note segment a dump would carry.
 */
#pragma once

#include <glib.h>

#include "live.h"

G_BEGIN_DECLS

/* Parse QEMU's `info mtree -f` TEXT: the ranges of the flat view of the
 * "memory" address space that belong to RAM region REGION (NULL: the
 * largest one), as OlLiveRange in an array.  Offsets are the region's
 * ("@OFFSET", 0 if absent), i.e. offsets into the region's backing file. */
GError *ol_live_mtree_parse(const char *text, const char *region, GArray **ranges) G_GNUC_WARN_UNUSED_RESULT;

/* Give live dump LIVE the notes of an ELF note segment NOTES (4-byte
 * aligned, as QEMU writes them: NT_PRSTATUS and "QEMU" per CPU, VMCOREINFO),
 * parsed as a dump's own: its CPUs, VMCOREINFO and the note blob writers
 * copy.  An error names the offset of a bad note. */
GError *ol_dump_live_set_notes(OlDump *live, const guint8 *notes, gsize len) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

