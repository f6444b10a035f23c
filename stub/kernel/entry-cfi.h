/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Call-frame information for the kernel's assembly entry code, which has
 * none in vmlinux (x86_64 unwinds it with ORC, which gdb does not read).
 *
 * Without it, gdb's backtrace stops at the first exception or interrupt
 * entry (asm_exc_page_fault and friends) and prints garbage beyond it. The
 * entry code saves the interrupted context as a struct pt_regs on the stack
 * and calls the C handler with %rsp pointing at it, so one DWARF rule per
 * entry function recovers every register of the interrupted frame. Those
 * frames are marked as signal frames, so gdb shows the interrupted
 * instruction's own line, not the line before it. The entry points at the
 * bottom of a stack (system calls, ret_from_fork, CPU startup) get an
 * undefined return address, so backtraces end there cleanly.
 *
 * The result is a tiny ELF file (an empty .text at address 0 spanning the
 * entry code, and .debug_frame) that gdb loads as a "shared library" at the
 * entry code's runtime address (qXfer:libraries:read + vFile).
 */
#pragma once
#include <glib.h>

#include "vmlinux.h"

/* What an entry function leaves on the stack. OL_ENTRY_PT_REGS: the
 * interrupted context as a struct pt_regs, at the stack pointer the entry
 * code called its C handler with (the CFA less OL_PT_REGS_SIZE): in a frame
 * walk, where the return address into the entry function was found plus 8.
 * OL_ENTRY_BOTTOM: the first frame of a stack; a system call entry has the
 * user context's pt_regs at the same place. */
typedef enum { OL_ENTRY_NONE, OL_ENTRY_PT_REGS, OL_ENTRY_BOTTOM } OlEntryKind;
#define OL_PT_REGS_SIZE 168

typedef struct {
	GBytes *elf;        /* the file */
	GArray *frames;     /* the entry functions described, by address (private) */
	guint64 link_base;  /* link-time address that .text offset 0 stands for */
	guint n_frames;     /* entry functions described */
} OlEntryCfi;

/* NULL if vmlinux has none of the entry symbols. */
OlEntryCfi *ol_entry_cfi_build(const OlVmlinux *v);
void ol_entry_cfi_free(OlEntryCfi *c);
/* The kind of the entry function holding LINK_ADDR (a link-time address). */
OlEntryKind ol_entry_cfi_kind(const OlEntryCfi *c, guint64 link_addr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlEntryCfi, ol_entry_cfi_free)
