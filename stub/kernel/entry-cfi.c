/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "entry-cfi.h"

#include <elf.h>
#include <string.h>

/* x86_64 DWARF register numbers */
enum { DW_RAX, DW_RDX, DW_RCX, DW_RBX, DW_RSI, DW_RDI, DW_RBP, DW_RSP, DW_R8, DW_R9, DW_R10, DW_R11,
       DW_R12, DW_R13, DW_R14, DW_R15, DW_RIP, DW_EFLAGS = 49 };

#define DW_CFA_undefined 0x07
#define DW_CFA_def_cfa 0x0c
#define DW_CFA_offset 0x80

/*
 * struct pt_regs on x86_64: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si
 * di orig_ax ip cs flags sp ss, 8 bytes each. It is also the user ABI
 * (user_regs_struct starts with it), so it does not change between kernels.
 */
#define PT_REGS_SIZE OL_PT_REGS_SIZE
static const struct {
	guint8 dwarf;
	guint8 offset;
} pt_regs_slots[] = {
	{DW_R15, 0},  {DW_R14, 8},  {DW_R13, 16}, {DW_R12, 24}, {DW_RBP, 32}, {DW_RBX, 40},
	{DW_R11, 48}, {DW_R10, 56}, {DW_R9, 64},  {DW_R8, 72},  {DW_RAX, 80}, {DW_RCX, 88},
	{DW_RDX, 96}, {DW_RSI, 104}, {DW_RDI, 112}, {DW_RIP, 128}, {DW_EFLAGS, 144}, {DW_RSP, 152},
};

typedef enum { FRAME_PT_REGS, FRAME_BOTTOM } FrameKind; /* also the CIEs' index */

typedef struct {
	guint64 start, size;
	FrameKind kind;
} Frame;

static gboolean is_pt_regs_entry(const char *name)
{
	/* idtentry stubs: exceptions, system vectors, device interrupts */
	return (g_str_has_prefix(name, "asm_exc_") || g_str_has_prefix(name, "asm_sysvec_") ||
		g_str_equal(name, "asm_common_interrupt") || g_str_equal(name, "asm_spurious_interrupt"));
}

static gboolean is_stack_bottom(const char *name)
{
	static const char *const names[] = {
		"entry_SYSCALL_64", "entry_SYSCALL_compat", "entry_SYSENTER_compat", "entry_INT80_compat",
		"ret_from_fork", "secondary_startup_64", "secondary_startup_64_no_verify", "start_cpu0",
	};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_str_equal(name, names[i]))
			return TRUE;
	return FALSE;
}

typedef struct {
	const OlVmlinux *v;
	GArray *frames;
} Collect;

static gboolean collect(const char *name, guint64 addr, gpointer data)
{
	Collect *c = data;
	Frame f;

	if (!is_pt_regs_entry(name) && !is_stack_bottom(name))
		return TRUE;
	f.kind = is_pt_regs_entry(name) ? FRAME_PT_REGS : FRAME_BOTTOM;
	if (!ol_vmlinux_symbol_extent(c->v, name, &f.start, &f.size) || f.size == 0)
		return TRUE;
	/* An unsized asm label's extent runs to the next symbol: keep it sane. */
	f.size = MIN(f.size, 0x1000);
	g_array_append_val(c->frames, f);
	return TRUE;
}

static gint cmp_frame(gconstpointer a, gconstpointer b)
{
	const Frame *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void uleb(GByteArray *b, guint64 v)
{
	do {
		guint8 byte = v & 0x7f;

		v >>= 7;
		if (v)
			byte |= 0x80;
		g_byte_array_append(b, &byte, 1);
	} while (v);
}

static void u8(GByteArray *b, guint8 v) { g_byte_array_append(b, &v, 1); }
static void u32(GByteArray *b, guint32 v) { g_byte_array_append(b, (guint8 *)&v, 4); }
static void u64(GByteArray *b, guint64 v) { g_byte_array_append(b, (guint8 *)&v, 8); }

/* Pad an entry with DW_CFA_nop to a multiple of 8 and patch its length. */
static void close_entry(GByteArray *b, guint start)
{
	guint32 len;

	while ((b->len - start) % 8)
		u8(b, 0);
	len = b->len - start - 4;
	memcpy(b->data + start, &len, 4);
}

/* A CIE (.debug_frame, version 1) with KIND's rule as initial instructions. */
static guint cie(GByteArray *b, FrameKind kind)
{
	guint start = b->len;

	u32(b, 0);          /* length, patched */
	u32(b, 0xffffffff); /* CIE id */
	u8(b, 1);           /* version */
	if (kind == FRAME_PT_REGS)
		g_byte_array_append(b, (const guint8 *)"S", 2); /* signal frame */
	else
		u8(b, 0);
	uleb(b, 1);   /* code alignment */
	u8(b, 0x78);  /* data alignment -8 (SLEB128) */
	u8(b, DW_RIP); /* return address column */
	if (kind == FRAME_PT_REGS) {
		/* CFA = the end of pt_regs; each register at its slot */
		u8(b, DW_CFA_def_cfa);
		uleb(b, DW_RSP);
		uleb(b, PT_REGS_SIZE);
		for (guint i = 0; i < G_N_ELEMENTS(pt_regs_slots); i++) {
			u8(b, DW_CFA_offset | pt_regs_slots[i].dwarf);
			uleb(b, (PT_REGS_SIZE - pt_regs_slots[i].offset) / 8);
		}
	} else {
		u8(b, DW_CFA_def_cfa);
		uleb(b, DW_RSP);
		uleb(b, 8);
		u8(b, DW_CFA_undefined);
		uleb(b, DW_RIP);
	}
	close_entry(b, start);
	return start;
}

static GBytes *write_elf(const GByteArray *frame, guint64 text_size)
{
	static const char shstrtab[] = "\0.text\0.debug_frame\0.shstrtab";
	GByteArray *f = g_byte_array_new();
	Elf64_Ehdr eh = {0};
	Elf64_Shdr sh[4] = {{0}};
	guint64 frame_off = sizeof(eh), str_off = frame_off + frame->len;
	guint64 sh_off = (str_off + sizeof(shstrtab) + 7) & ~7ULL;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shoff = sh_off;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 4;
	eh.e_shstrndx = 3;
	/* .text: no bytes, only the address range the FDEs cover */
	sh[1] = (Elf64_Shdr){.sh_name = 1, .sh_type = SHT_NOBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			     .sh_offset = frame_off, .sh_size = text_size, .sh_addralign = 16};
	sh[2] = (Elf64_Shdr){.sh_name = 7, .sh_type = SHT_PROGBITS, .sh_offset = frame_off,
			     .sh_size = frame->len, .sh_addralign = 8};
	sh[3] = (Elf64_Shdr){.sh_name = 20, .sh_type = SHT_STRTAB, .sh_offset = str_off,
			     .sh_size = sizeof(shstrtab), .sh_addralign = 1};
	g_byte_array_append(f, (guint8 *)&eh, sizeof(eh));
	g_byte_array_append(f, frame->data, frame->len);
	g_byte_array_append(f, (const guint8 *)shstrtab, sizeof(shstrtab));
	while (f->len < sh_off)
		u8(f, 0);
	g_byte_array_append(f, (guint8 *)sh, sizeof(sh));
	return g_byte_array_free_to_bytes(f);
}

OlEntryCfi *ol_entry_cfi_build(const OlVmlinux *v)
{
	g_autoptr(GArray) frames = g_array_new(FALSE, FALSE, sizeof(Frame));
	Collect c = {v, frames};
	g_autoptr(GByteArray) df = g_byte_array_new();
	OlEntryCfi *out;
	guint cies[2];
	guint64 base, end = 0;

	ol_vmlinux_foreach(v, collect, &c);
	if (frames->len == 0)
		return NULL;
	g_array_sort(frames, cmp_frame);
	base = g_array_index(frames, Frame, 0).start;
	cies[FRAME_PT_REGS] = cie(df, FRAME_PT_REGS);
	cies[FRAME_BOTTOM] = cie(df, FRAME_BOTTOM);
	for (guint i = 0; i < frames->len; i++) {
		const Frame *fr = &g_array_index(frames, Frame, i);
		guint start = df->len;

		u32(df, 0);
		u32(df, cies[fr->kind]);
		u64(df, fr->start - base); /* relative to .text at 0 */
		u64(df, fr->size);
		close_entry(df, start);
		end = MAX(end, fr->start + fr->size);
	}
	out = g_new0(OlEntryCfi, 1);
	out->elf = write_elf(df, end - base);
	out->link_base = base;
	out->n_frames = frames->len;
	out->frames = g_steal_pointer(&frames);
	return out;
}

void ol_entry_cfi_free(OlEntryCfi *c)
{
	if (!c)
		return;
	g_bytes_unref(c->elf);
	g_array_unref(c->frames);
	g_free(c);
}

OlEntryKind ol_entry_cfi_kind(const OlEntryCfi *c, guint64 link_addr)
{
	guint lo = 0, hi = c->frames->len;
	const Frame *f;

	while (lo < hi) { /* the last frame starting at or below LINK_ADDR */
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(c->frames, Frame, mid).start <= link_addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return OL_ENTRY_NONE;
	f = &g_array_index(c->frames, Frame, lo - 1);
	if (link_addr - f->start >= f->size)
		return OL_ENTRY_NONE;
	return f->kind == FRAME_PT_REGS ? OL_ENTRY_PT_REGS : OL_ENTRY_BOTTOM;
}
