/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a QEMU-style ELF core (dump-guest-memory, paging=false) from a
 * write plan: ELF header, program headers (PT_NOTE first, then PT_LOADs with
 * p_vaddr = p_paddr, p_flags and p_align 0, as QEMU's write_elf64_load()),
 * the notes, then memory.  One PT_LOAD per run of pages the plan describes;
 * within a run, pages the input left out can only be a p_memsz > p_filesz
 * tail (what makedumpfile -E writes), so a stored page after a left-out one
 * starts a new PT_LOAD.  Memory starts page-aligned.  More than 0xfffe
 * program headers use PN_XNUM with the count in section header 0, as QEMU
 * does.
 */
#include <elf.h>
#include <stddef.h>

#include "writer-private.h"

#define CHUNK (256 * OL_PAGE_SIZE) /* memory is written 1 MiB at a time */

typedef struct {
	guint64 start_pfn, n_stored, n_pages; /* stored pages first, then left out */
} Seg;

static GArray *segments(const OlWritePlan *plan)
{
	GArray *segs = g_array_new(FALSE, FALSE, sizeof(Seg));
	Seg cur = { 0 };
	gboolean open = FALSE;

	for (guint64 pfn = 0; pfn < plan->max_mapnr; pfn++) {
		gboolean ram, stored;

		if ((pfn & 7) == 0 && plan->ram[pfn >> 3] == 0) {
			pfn += 7;
			if (open)
				g_array_append_val(segs, cur);
			open = FALSE;
			continue;
		}
		ram = ol_plan_bit(plan->ram, pfn);
		stored = ol_plan_bit(plan->stored, pfn);
		if (open && (!ram || (stored && cur.n_pages > cur.n_stored))) {
			g_array_append_val(segs, cur);
			open = FALSE;
		}
		if (!ram)
			continue;
		if (!open) {
			cur = (Seg){ .start_pfn = pfn };
			open = TRUE;
		}
		cur.n_pages++;
		cur.n_stored += stored;
	}
	if (open)
		g_array_append_val(segs, cur);
	return segs;
}

static GError *write_memory(OlDump *in, OlOutFile *o, const GArray *segs, guint64 mem_off,
			    OlDumpWriteStats *stats);

GError *ol_elf_write(OlDump *in, OlOutFile *o, const OlWritePlan *plan, OlDumpWriteStats *stats)
{
	g_autoptr(GArray) segs = segments(plan);
	gsize note_len;
	const guint8 *notes = ol_dump_note_blob(in, &note_len, NULL);

	guint64 phnum = 1 + segs->len;
	gboolean xnum = phnum >= PN_XNUM;
	guint64 phoff = sizeof(Elf64_Ehdr);
	guint64 shoff = xnum ? phoff + phnum * sizeof(Elf64_Phdr) : 0;
	guint64 note_off = phoff + phnum * sizeof(Elf64_Phdr) + (xnum ? sizeof(Elf64_Shdr) : 0);
	guint64 mem_off = (note_off + note_len + OL_PAGE_SIZE - 1) & ~(guint64)(OL_PAGE_SIZE - 1);

	gsize hdr_len = (gsize)note_off;
	g_autofree guint8 *h = g_malloc0(hdr_len);
	guint8 *ph = h + phoff;
	guint64 data = mem_off;
	GError *err;

	memcpy(h, ELFMAG, SELFMAG);
	h[EI_CLASS] = ELFCLASS64;
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = EV_CURRENT;
	put16(h + offsetof(Elf64_Ehdr, e_type), ET_CORE);
	put16(h + offsetof(Elf64_Ehdr, e_machine), EM_X86_64);
	put32(h + offsetof(Elf64_Ehdr, e_version), EV_CURRENT);
	put64(h + offsetof(Elf64_Ehdr, e_phoff), phoff);
	put64(h + offsetof(Elf64_Ehdr, e_shoff), shoff);
	put16(h + offsetof(Elf64_Ehdr, e_ehsize), sizeof(Elf64_Ehdr));
	put16(h + offsetof(Elf64_Ehdr, e_phentsize), sizeof(Elf64_Phdr));
	put16(h + offsetof(Elf64_Ehdr, e_phnum), xnum ? PN_XNUM : (guint16)phnum);
	put16(h + offsetof(Elf64_Ehdr, e_shentsize), xnum ? sizeof(Elf64_Shdr) : 0);
	put16(h + offsetof(Elf64_Ehdr, e_shnum), xnum ? 1 : 0);
	if (xnum)
		put32(h + shoff + offsetof(Elf64_Shdr, sh_info), (guint32)phnum);

	put32(ph + offsetof(Elf64_Phdr, p_type), PT_NOTE);
	put64(ph + offsetof(Elf64_Phdr, p_offset), note_off);
	put64(ph + offsetof(Elf64_Phdr, p_filesz), note_len);
	put64(ph + offsetof(Elf64_Phdr, p_memsz), note_len);
	for (guint i = 0; i < segs->len; i++) {
		const Seg *s = &g_array_index(segs, Seg, i);
		guint64 paddr = s->start_pfn << OL_PAGE_SHIFT;

		ph += sizeof(Elf64_Phdr);
		put32(ph + offsetof(Elf64_Phdr, p_type), PT_LOAD);
		/* A run that starts with left-out pages stores nothing: p_filesz
		 * 0 at a real offset (QEMU's p_offset -1 means "not in the dump"
		 * to our reader, and makes crash warn of truncation). */
		put64(ph + offsetof(Elf64_Phdr, p_offset), data);
		put64(ph + offsetof(Elf64_Phdr, p_vaddr), paddr);
		put64(ph + offsetof(Elf64_Phdr, p_paddr), paddr);
		put64(ph + offsetof(Elf64_Phdr, p_filesz), s->n_stored << OL_PAGE_SHIFT);
		put64(ph + offsetof(Elf64_Phdr, p_memsz), s->n_pages << OL_PAGE_SHIFT);
		data += s->n_stored << OL_PAGE_SHIFT;
	}
	err = ol_out_pwrite(o, 0, h, hdr_len);
	if (!err && note_len)
		err = ol_out_pwrite(o, note_off, notes, note_len);
	if (err)
		return err;
	return write_memory(in, o, segs, mem_off, stats);
}

/* Memory, segment by segment, in chunks, from MEM_OFF on. */
static GError *write_memory(OlDump *in, OlOutFile *o, const GArray *segs, guint64 mem_off,
			    OlDumpWriteStats *stats)
{
	static const guint8 zeros[OL_PAGE_SIZE];
	g_autofree guint8 *buf = g_malloc(CHUNK);
	gsize fill = 0;
	guint64 at = mem_off;
	GError *err = NULL;

	for (guint i = 0; i < segs->len && !err; i++) {
		const Seg *s = &g_array_index(segs, Seg, i);

		for (guint64 k = 0; k < s->n_stored && !err; k++) {
			guint8 *page = buf + fill;

			if ((err = ol_dump_read_page(in, s->start_pfn + k, page)))
				break;
			stats->stored_pages++;
			stats->zero_pages += memcmp(page, zeros, OL_PAGE_SIZE) == 0;
			fill += OL_PAGE_SIZE;
			if (fill == CHUNK) {
				err = ol_out_pwrite(o, at, buf, fill);
				at += fill;
				fill = 0;
			}
		}
	}
	if (!err && fill)
		err = ol_out_pwrite(o, at, buf, fill);
	return err;
}
