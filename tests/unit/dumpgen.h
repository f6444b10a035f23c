/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic ELF crash dumps for the unit tests: QEMU-style (PRSTATUS, QEMU
 * notes, VMCOREINFO last, p_vaddr == p_paddr) and kdump-style (direct-map
 * p_vaddr, kernel-image alias, CRASHTIME), with chosen CPUs, PT_LOAD layouts,
 * holes, memsz > filesz tails and PN_XNUM.
 *
 * Memory contents are dumpgen_byte(paddr), so any read can be checked
 * without keeping a copy.
 */
#pragma once

#include <glib.h>

typedef enum {
	DUMPGEN_QEMU,
	DUMPGEN_KDUMP,
} DumpGenFlavour;

typedef struct DumpGen DumpGen;

DumpGen *dumpgen_new(DumpGenFlavour flavour);
void dumpgen_free(DumpGen *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DumpGen, dumpgen_free)

/* A CPU: its NT_PRSTATUS with pr_pid PID and pr_reg[i] = base + i, and (if
 * qemu_note) a QEMU note of qemu_size bytes (432, or 440 with kernel_gs_base)
 * filled as follows: version 1, size qemu_size; each u64 at desc offset k in
 * 8..144 (rax..rflags) = base + 0x1000 + k; segment j (cs ds es fs gs ss ldt
 * tr gdt idt) = { selector 0x10 + j, limit 0x1000 + j, flags 0xa0 + j,
 * base base + 0x2000 + j }; cr[i] = base + 0x3000 + i; kernel_gs_base =
 * base + 0x4000. */
void dumpgen_add_cpu(DumpGen *g, guint32 pid, guint64 regs_base, gboolean qemu_note,
		     guint32 qemu_size);

/* A PT_LOAD for guest-physical [paddr, paddr + memsz) whose first filesz
 * bytes are stored.  Data is laid out in the order PT_LOADs are added unless
 * dumpgen_set_reverse_data() is set.  p_vaddr follows the flavour (paddr for
 * QEMU, direct map for kdump) unless dumpgen_add_load_vaddr is used. */
void dumpgen_add_load(DumpGen *g, guint64 paddr, guint64 memsz, guint64 filesz);
void dumpgen_add_load_vaddr(DumpGen *g, guint64 paddr, guint64 vaddr, guint64 memsz,
			    guint64 filesz);
/* A PT_LOAD QEMU marks as filtered out: p_offset = -1, p_filesz = 0. */
void dumpgen_add_absent_load(DumpGen *g, guint64 paddr, guint64 memsz);

void dumpgen_set_vmcoreinfo(DumpGen *g, const char *text);
/* Any extra note, placed after the standard ones. */
void dumpgen_add_note(DumpGen *g, const char *name, guint32 type, const void *desc,
		      gsize descsz);
/* Write e_phnum = PN_XNUM and the count in section header 0. */
void dumpgen_set_pn_xnum(DumpGen *g, gboolean on);
/* Note alignment (4 as QEMU/kdump write, or 8 with p_align = 8). */
void dumpgen_set_note_align(DumpGen *g, guint align);
/* One PT_NOTE per note instead of one for all (kexec elfcorehdr style). */
void dumpgen_set_split_notes(DumpGen *g, gboolean on);
/* Store PT_LOAD data in reverse order, so physically adjacent ranges are not
 * adjacent in the file. */
void dumpgen_set_reverse_data(DumpGen *g, gboolean on);

/* Set control register CR (0..4) in the QEMU note of the I-th CPU added
 * (which must have one). */
void dumpgen_set_cpu_cr(DumpGen *g, guint i, guint cr, guint64 value);

/* ---- guest-physical contents ------------------------------------------ */

/* Overwrite guest-physical bytes: dumpgen_build() stores these instead of
 * dumpgen_byte() (later writes win).  Bytes outside every stored PT_LOAD
 * are dropped, as the dump would not hold them. */
void dumpgen_poke(DumpGen *g, guint64 paddr, const void *data, gsize len);
void dumpgen_poke64(DumpGen *g, guint64 paddr, guint64 value);

/* Little-endian values in a built file B at OFF, which must lie inside it:
 * how tests damage a dump and read its headers back. */
void dumpgen_patch16(GByteArray *b, guint64 off, guint16 v);
void dumpgen_patch32(GByteArray *b, guint64 off, guint32 v);
void dumpgen_patch64(GByteArray *b, guint64 off, guint64 v);
guint64 dumpgen_get64(const GByteArray *b, guint64 off);
/* What dumpgen_build() will store at PADDR (if a PT_LOAD covers it). */
guint8 dumpgen_peek(DumpGen *g, guint64 paddr);
guint64 dumpgen_peek64(DumpGen *g, guint64 paddr);

/* ---- x86_64 page tables ----------------------------------------------- */

/* Page tables written into guest-physical memory with dumpgen_poke.  Table
 * pages (4 KiB, zeroed) are taken in order from a pool of physical memory,
 * the root first; put the pool inside a stored PT_LOAD for the tables to be
 * readable, or in a hole to make a table page missing from the dump. */
typedef struct DumpGenPt DumpGenPt;

#define DUMPGEN_PTE_PRESENT (G_GUINT64_CONSTANT(1) << 0)
#define DUMPGEN_PTE_RW (G_GUINT64_CONSTANT(1) << 1)
#define DUMPGEN_PTE_PS (G_GUINT64_CONSTANT(1) << 7)
#define DUMPGEN_PTE_NX (G_GUINT64_CONSTANT(1) << 63)

/* LEVELS is 4 or 5. */
DumpGenPt *dumpgen_pt_new(DumpGen *g, int levels, guint64 pool, guint64 pool_size);
void dumpgen_pt_free(DumpGenPt *pt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DumpGenPt, dumpgen_pt_free)
guint64 dumpgen_pt_root(const DumpGenPt *pt);
/* Take the next table pages from [pool, pool + pool_size). */
void dumpgen_pt_set_pool(DumpGenPt *pt, guint64 pool, guint64 pool_size);
/* Bits ORed into every entry (tables and leaves) written from now on: SME
 * C-bit, NX, software bits. */
void dumpgen_pt_set_entry_bits(DumpGenPt *pt, guint64 bits);
/* Map the SIZE page at VA (4 KiB, 2 MiB or 1 GiB; VA and PA aligned to it)
 * to PA, making the tables on the way.  Entries are PRESENT | RW (| PS for
 * large pages) | the entry bits. */
void dumpgen_pt_map(DumpGenPt *pt, guint64 va, guint64 pa, guint64 size);
/* Map [va, va + len) to [pa, pa + len) with pages of SIZE. */
void dumpgen_pt_map_range(DumpGenPt *pt, guint64 va, guint64 pa, guint64 len, guint64 size);
/* Physical address of the entry for VA at LEVEL (1 = PTE, 2 = PMD, 3 = PUD,
 * 4 = PGD or P4D, 5 = PGD), 0 if the table holding it was never made.  Poke
 * it to damage one entry. */
guint64 dumpgen_pt_entry_addr(const DumpGenPt *pt, guint64 va, int level);

/* Where things ended up, for tests that damage the file. */
typedef struct {
	guint64 phoff;         /* program header table */
	guint64 shoff;         /* section header 0 (PN_XNUM only), else 0 */
	guint32 phnum;         /* real count */
	guint64 first_note;    /* file offset of the first note */
	guint64 notes_size;    /* total PT_NOTE bytes */
	guint64 load_phdr0;    /* offset of the first PT_LOAD's program header */
} DumpGenLayout;

GByteArray *dumpgen_build(DumpGen *g, DumpGenLayout *layout);

/* The byte the generator stores at guest-physical address PADDR. */
static inline guint8 dumpgen_byte(guint64 paddr)
{
	guint64 x = paddr * 0x9e3779b97f4a7c15ULL;
	return (guint8)((x >> 56) ^ (paddr >> 12));
}

/* Write BYTES to a new temporary file; returns its path (g_free + unlink). */
char *dumpgen_write_temp(const GByteArray *bytes);
char *dumpgen_write_temp_data(const void *data, gsize len);
