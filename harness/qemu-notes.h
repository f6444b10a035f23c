/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ELF notes QEMU's dump-guest-memory would write (NT_PRSTATUS and a
 * "QEMU" CPU state per vCPU, then VMCOREINFO), built from the monitor's
 * `info registers -a` text, for a dump the harness writes itself
 * (capture-ram.c).  QEMU's own dump command cannot be used there: libvirt 9.0
 * crashes on the DUMP_COMPLETED event of a dump it did not start.
 */
#pragma once
#include <glib.h>

/* NOTES gets the note segment (4-byte aligned).  VMCOREINFO (LEN bytes) may
 * be NULL.  Errors name the line of TEXT that could not be read. */
GError *qemu_notes_build(const char *info_registers, const char *vmcoreinfo, gsize len,
			 GByteArray **notes) G_GNUC_WARN_UNUSED_RESULT;
