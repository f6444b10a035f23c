/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A task's kernel stack as crash's bt lists it, from frame pointers (the lab
 * kernel's unwinder; an ORC-only kernel's frames are not chained). Where a
 * return address is inside the entry code, the entry's kind (entry-cfi.h,
 * the table gdb's unwinding through the stub is built from) says whether a
 * struct pt_regs is there: an exception or interrupt is crossed into the
 * interrupted frame, a system call's user registers end the stack. The
 * interrupted function itself is the "[exception RIP: ...]" line, not a
 * numbered frame, and the walk goes on from its frame pointer: a fault in a
 * function's prologue (before it pushed %rbp) misses its caller, as the
 * kernel's own frame-pointer unwinder does.
 */
#include "cmd-util.h"

#include <string.h>

#include "entry-cfi.h"

/* struct pt_regs, read by member name (DWARF) */
static const char *const regs_names[] = {
	"ip", "sp", "flags", "ax", "bx", "cx", "dx", "si", "di", "bp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "orig_ax", "cs", "ss",
};
enum {
	IP, SP, FLAGS, AX, BX, CX, DX, SI, DI, BP, R8, R9, R10, R11, R12, R13, R14, R15,
	ORIG_AX, CS, SS, N_REGS
};

static GError *read_regs(OlKmem *t, guint64 addr, guint64 v[N_REGS])
{
	OlRd r = OL_RD_INIT(t);

	for (guint i = 0; i < N_REGS; i++)
		v[i] = ol_rd_member(&r, addr, "pt_regs", regs_names[i]);
	return ol_rd_finish(&r);
}

/* crash's exception frame (x86_64_exception_frame()) */
static void print_regs(const OlSymtab *syms, const guint64 v[N_REGS], GString *out)
{
	if (!(v[CS] & 3)) {
		g_autofree char *at = ol_symtab_lookup(syms, v[IP], TRUE);

		g_string_append_printf(out, "    [exception RIP: %s]\n", at ? at : "unknown or invalid address");
	}
#define X "%016" G_GINT64_MODIFIER "x"
	g_string_append_printf(out, "    RIP: " X "  RSP: " X "  RFLAGS: %08" G_GINT64_MODIFIER "x\n", v[IP], v[SP],
			       v[FLAGS]);
	g_string_append_printf(out, "    RAX: " X "  RBX: " X "  RCX: " X "\n", v[AX], v[BX], v[CX]);
	g_string_append_printf(out, "    RDX: " X "  RSI: " X "  RDI: " X "\n", v[DX], v[SI], v[DI]);
	g_string_append_printf(out, "    RBP: " X "   R8: " X "   R9: " X "\n", v[BP], v[R8], v[R9]);
	g_string_append_printf(out, "    R10: " X "  R11: " X "  R12: " X "\n", v[R10], v[R11], v[R12]);
	g_string_append_printf(out, "    R13: " X "  R14: " X "  R15: " X "\n", v[R13], v[R14], v[R15]);
	g_string_append_printf(out, "    ORIG_RAX: " X "  CS: %04" G_GINT64_MODIFIER "x  SS: %04" G_GINT64_MODIFIER "x\n",
			       v[ORIG_AX], v[CS], v[SS]);
#undef X
}

/* A return address (N > 0) is named after the call before it, as gdb
 * does: a call to a noreturn function can end its caller. */
static void print_frame(const OlSymtab *syms, guint n, guint64 rsp, guint64 rip, GString *out)
{
	g_autofree char *name = ol_symtab_lookup(syms, n ? rip - 1 : rip, FALSE);
	const char *mod = ol_symtab_module(syms, n ? rip - 1 : rip);

	g_string_append_printf(out, "%s#%u [%016" G_GINT64_MODIFIER "x] %s at %016" G_GINT64_MODIFIER "x%s%s%s\n",
			       n < 10 ? " " : "", n, rsp, name ? name : "?", rip, mod ? " [" : "",
			       mod ? mod : "", mod ? "]" : "");
}

/* One frame-pointer step: a frame is [saved rbp, return address], and each
 * caller's frame is above the last (FLOOR) on the same stack. *SLOT is
 * where the return address was, what crash shows in brackets. */
static gboolean fp_step(OlKmem *t, guint64 floor, guint64 *rip, guint64 *slot, guint64 *rbp)
{
	guint64 frame[2];
	gsize done = 0;
	g_autoptr(GError) err = NULL;

	if (*rbp < OL_KERNEL_HALF || *rbp < floor || (*rbp & 7))
		return FALSE;
	err = ol_kmem_read(t, *rbp, frame, sizeof(frame), &done);
	if (err || !frame[1] || frame[1] < OL_KERNEL_HALF)
		return FALSE;
	*slot = *rbp + 8;
	*rip = frame[1];
	*rbp = frame[0];
	return TRUE;
}

/* Where the return address of a function interrupted at IP is, when it has
 * not set up its frame yet (no `mov %rsp,%rbp` before IP): at [sp], or at
 * [sp+8] once it pushed %rbp (after an endbr64 and the 5-byte ftrace nop).
 * 0 when the frame is set up, or the code cannot be read. */
static guint64 unframed_slot(OlKmem *t, const OlSymtab *syms, guint64 ip, guint64 sp)
{
	guint64 start = ol_symtab_start(syms, ip);
	guint8 code[64];
	gsize done = 0, i = 0, n;
	g_autoptr(GError) err = NULL;

	if (!start || ip - start > sizeof(code))
		return 0;
	n = ip - start;
	if (n && (err = ol_kmem_read(t, start, code, n, &done)))
		return 0;
	if (memmem(code, n, "\x48\x89\xe5", 3))
		return 0;
	if (n >= i + 4 && memcmp(code + i, "\xf3\x0f\x1e\xfa", 4) == 0)
		i += 4;
	if (n >= i + 5 && (memcmp(code + i, "\x0f\x1f\x44\x00\x00", 5) == 0 || code[i] == 0xe8))
		i += 5;
	return n > i && code[i] == 0x55 ? sp + 8 : sp;
}

/* After the pt_regs of an interrupted kernel frame: its caller. */
static gboolean cross(OlKmem *t, const OlSymtab *syms, const guint64 regs[N_REGS], guint64 *rip,
		      guint64 *slot, guint64 *rbp)
{
	guint64 at = unframed_slot(t, syms, regs[IP], regs[SP]), ret = 0;

	*rbp = regs[BP];
	if (at && ol_kmem_try_read_u64(t, at, &ret) && ret >= OL_KERNEL_HALF &&
	    ol_symtab_start(syms, ret)) {
		*slot = at;
		*rip = ret;
		return TRUE;
	}
	/* the interrupted stack may be another one (IRQ stacks) */
	return fp_step(t, regs[SP], rip, slot, rbp);
}

void ol_cmd_fp_backtrace(OlKmem *t, const OlSymtab *syms, guint64 rip, guint64 rsp, guint64 rbp,
			 GString *out)
{
	guint64 slot = rsp;

	for (guint n = 0; n < OL_FP_MAX_FRAMES; n++) {
		OlEntryKind kind = ol_kmem_entry_kind(t, rip);
		guint64 regs[N_REGS];
		g_autoptr(GError) err = NULL;

		print_frame(syms, n, slot, rip, out);
		if (kind == OL_ENTRY_NONE) {
			if (!fp_step(t, slot, &rip, &slot, &rbp))
				break;
			continue;
		}
		/* the pt_regs is where the entry code's stack pointer was; a
		 * stack's bottom need not have one (CPU startup) */
		if ((err = read_regs(t, slot + (n ? 8 : 0), regs))) {
			if (kind == OL_ENTRY_PT_REGS)
				g_string_append_printf(out, "    (no pt_regs: %s)\n", err->message);
			break;
		}
		if (regs[CS] & 3 || kind == OL_ENTRY_BOTTOM) {
			if (regs[CS] & 3)
				print_regs(syms, regs, out);
			break;
		}
		print_regs(syms, regs, out);
		if (!cross(t, syms, regs, &rip, &slot, &rbp))
			break;
	}
}

void ol_cmd_task_bt(OlKmem *t, const OlSymtab *syms, const OlTask *task, GString *out)
{
	const OlRegs *regs = &task->regs;

	if (task->running >= 0)
		regs = ol_kmem_cpu_regs(t, (guint)task->running);
	ol_cmd_task_header(out, task);
	if (!regs->valid[OL_GDB_RIP]) {
		g_string_append(out, "    (no registers: the switch frame cannot be read)\n");
		return;
	}
	ol_cmd_fp_backtrace(t, syms, regs->value[OL_GDB_RIP], regs->value[OL_GDB_RSP],
			    regs->value[OL_GDB_RBP], out);
}
