/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default capture: the paused guest's RAM, shared with QEMU through a
 * file on tmpfs (domain-xml.h shared_ram), written by the harness itself as
 * a plain kdump-compressed file, without QEMU writing the whole memory first.
 * The CPU notes come from the monitor's `info registers -a` (qemu-notes.h),
 * VMCOREINFO from the kernel's own note in its RAM.
 */
#pragma once
#include <glib.h>

#include "dump-writer.h"
#include "vm.h"

typedef struct {
	OlDumpCodec codec;
	gboolean exclude_unneeded; /* free and LRU pages out (dump_level 31) */
} CaptureRamOptions;

/* The guest RAM file QEMU maps (its RAM backend's mem-path). */
GError *capture_ram_file(Vm *vm, char **path) G_GNUC_WARN_UNUSED_RESULT;
/* Write VM's memory to PATH.  The guest must be paused. */
GError *capture_ram(Vm *vm, const char *path, const CaptureRamOptions *opt,
		    OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;
/* The kernel's VMCOREINFO note in LIVE's RAM (n_namesz 11, "VMCOREINFO",
 * a text starting with OSRELEASE=): a copy of its text, or NULL. */
char *capture_find_vmcoreinfo(OlDump *live, gsize *len);
