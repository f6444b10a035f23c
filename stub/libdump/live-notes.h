/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A live dump's (live.h) CPU notes and VMCOREINFO, given as the note
 * segment a dump would carry, parsed as a dump's own so that writers copy
 * them (the harness builds them from QEMU's monitor: harness/qemu-notes.h).
 */
#pragma once

#include <glib.h>

#include "live.h"

G_BEGIN_DECLS

/* Give live dump LIVE the notes of an ELF note segment NOTES (4-byte
 * aligned, as QEMU writes them: NT_PRSTATUS and "QEMU" per CPU, VMCOREINFO),
 * parsed as a dump's own: its CPUs, VMCOREINFO and the note blob writers
 * copy.  An error names the offset of a bad note. */
GError *ol_dump_live_set_notes(OlDump *live, const guint8 *notes, gsize len) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

