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

typedef struct {
	GBytes *elf;        /* the file */
	guint64 link_base;  /* link-time address that .text offset 0 stands for */
	guint n_frames;     /* entry functions described */
} OlEntryCfi;

/* NULL if vmlinux has none of the entry symbols. */
OlEntryCfi *ol_entry_cfi_build(const OlVmlinux *v);
void ol_entry_cfi_free(OlEntryCfi *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlEntryCfi, ol_entry_cfi_free)
