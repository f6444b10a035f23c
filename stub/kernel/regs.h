/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel model's register file: one thread's registers, numbered in
 * gdb's amd64-linux order followed by x86 system registers (the numbers are
 * also the order of the RSP `g` packet; rsp/registers.h describes them to
 * gdb), and how a dump's CPU note fills it.
 */
#pragma once
#include <glib.h>

#include "dump.h"

typedef enum {
	OL_GDB_RAX, OL_GDB_RBX, OL_GDB_RCX, OL_GDB_RDX, OL_GDB_RSI, OL_GDB_RDI, OL_GDB_RBP, OL_GDB_RSP,
	OL_GDB_R8, OL_GDB_R9, OL_GDB_R10, OL_GDB_R11, OL_GDB_R12, OL_GDB_R13, OL_GDB_R14, OL_GDB_R15,
	OL_GDB_RIP, OL_GDB_EFLAGS,
	OL_GDB_CS, OL_GDB_SS, OL_GDB_DS, OL_GDB_ES, OL_GDB_FS, OL_GDB_GS,
	OL_GDB_ST0, /* st0..st7: 24..31 */
	OL_GDB_FCTRL = OL_GDB_ST0 + 8, /* fctrl..fop: 32..39 */
	OL_GDB_XMM0 = OL_GDB_FCTRL + 8, /* xmm0..xmm15: 40..55 */
	OL_GDB_MXCSR = OL_GDB_XMM0 + 16,
	OL_GDB_ORIG_RAX,
	OL_GDB_FS_BASE, OL_GDB_GS_BASE,
	OL_GDB_K_GS_BASE, OL_GDB_CR0, OL_GDB_CR2, OL_GDB_CR3, OL_GDB_CR4,
	OL_GDB_NREGS
} OlGdbReg;

/* Register values of one thread. Only registers up to 64 bits carry values:
 * the x87 and SSE state is in no dump, so those are always unavailable. */
typedef struct {
	guint64 value[OL_GDB_NREGS];
	gboolean valid[OL_GDB_NREGS];
} OlRegs;

static inline void ol_regs_set(OlRegs *r, OlGdbReg n, guint64 v)
{
	r->value[n] = v;
	r->valid[n] = TRUE;
}

/* NT_PRSTATUS (and the QEMU note's system registers) in this layout. */
void ol_regs_from_cpu_note(const OlCpuNote *n, OlRegs *r);
/* The other way: CPU's note as QEMU's dump writer would fill it (a live
 * guest's registers, so that the model reads them as a dump's). */
void ol_regs_to_cpu_note(const OlRegs *r, guint cpu, OlCpuNote *note);
