/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The register file and a dump's CPU note, both ways (regs.h). */
#include "regs.h"

#include <string.h>

/* The general registers NT_PRSTATUS holds, in gdb's numbering (orig_rax
 * apart: the two directions treat it differently). */
static const struct {
	OlGdbReg gdb;
	OlPrstatusReg pr;
} prstatus[] = {
	{OL_GDB_RAX, OL_REG_RAX}, {OL_GDB_RBX, OL_REG_RBX}, {OL_GDB_RCX, OL_REG_RCX},
	{OL_GDB_RDX, OL_REG_RDX}, {OL_GDB_RSI, OL_REG_RSI}, {OL_GDB_RDI, OL_REG_RDI},
	{OL_GDB_RBP, OL_REG_RBP}, {OL_GDB_RSP, OL_REG_RSP}, {OL_GDB_R8, OL_REG_R8},
	{OL_GDB_R9, OL_REG_R9},   {OL_GDB_R10, OL_REG_R10}, {OL_GDB_R11, OL_REG_R11},
	{OL_GDB_R12, OL_REG_R12}, {OL_GDB_R13, OL_REG_R13}, {OL_GDB_R14, OL_REG_R14},
	{OL_GDB_R15, OL_REG_R15}, {OL_GDB_RIP, OL_REG_RIP}, {OL_GDB_EFLAGS, OL_REG_EFLAGS},
	{OL_GDB_CS, OL_REG_CS},   {OL_GDB_SS, OL_REG_SS},   {OL_GDB_DS, OL_REG_DS},
	{OL_GDB_ES, OL_REG_ES},   {OL_GDB_FS, OL_REG_FS},   {OL_GDB_GS, OL_REG_GS},
	{OL_GDB_FS_BASE, OL_REG_FS_BASE}, {OL_GDB_GS_BASE, OL_REG_GS_BASE},
};

void ol_regs_from_cpu_note(const OlCpuNote *n, OlRegs *r)
{
	memset(r, 0, sizeof(*r));
	for (guint i = 0; i < G_N_ELEMENTS(prstatus); i++)
		ol_regs_set(r, prstatus[i].gdb, n->regs[prstatus[i].pr]);
	ol_regs_set(r, OL_GDB_ORIG_RAX, n->regs[OL_REG_ORIG_RAX]);
	/* eflags and the selectors are 32-bit registers in gdb's layout */
	r->value[OL_GDB_EFLAGS] &= 0xffffffff;
	if (n->has_qemu) {
		ol_regs_set(r, OL_GDB_CR0, n->qemu.cr[0]);
		ol_regs_set(r, OL_GDB_CR2, n->qemu.cr[2]);
		ol_regs_set(r, OL_GDB_CR3, n->qemu.cr[3]);
		ol_regs_set(r, OL_GDB_CR4, n->qemu.cr[4]);
		if (n->qemu.has_kernel_gs_base)
			ol_regs_set(r, OL_GDB_K_GS_BASE, n->qemu.kernel_gs_base);
	}
	/* QEMU fills orig_rax with 0 ("FIXME" in its note writer): not a value */
	r->valid[OL_GDB_ORIG_RAX] = !n->has_qemu;
}

void ol_regs_to_cpu_note(const OlRegs *r, guint cpu, OlCpuNote *note)
{
	memset(note, 0, sizeof(*note));
	note->pr_pid = cpu + 1;
	for (guint i = 0; i < G_N_ELEMENTS(prstatus); i++)
		note->regs[prstatus[i].pr] = r->value[prstatus[i].gdb];
	/* as QEMU's own dump writes it: the note says the CPU's system state */
	note->has_qemu = TRUE;
	note->qemu.version = 1;
	note->qemu.cr[0] = r->value[OL_GDB_CR0];
	note->qemu.cr[2] = r->value[OL_GDB_CR2];
	note->qemu.cr[3] = r->value[OL_GDB_CR3];
	note->qemu.cr[4] = r->value[OL_GDB_CR4];
	note->qemu.has_kernel_gs_base = r->valid[OL_GDB_K_GS_BASE];
	note->qemu.kernel_gs_base = r->value[OL_GDB_K_GS_BASE];
	note->qemu.rip = r->value[OL_GDB_RIP];
	note->qemu.rsp = r->value[OL_GDB_RSP];
}
