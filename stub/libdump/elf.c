/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF cores: QEMU dump-guest-memory and kdump /proc/vmcore (docs/dump-formats.md,
 * sections 2 and 3).  Parsed by hand from the mapping, every field
 * bounds-checked, so a damaged file gets an error naming the offset.
 *
 * Memory map policy:
 *  - Only p_paddr/p_offset/p_filesz/p_memsz are used; p_vaddr only tells the
 *    flavour apart.
 *  - A PT_LOAD with p_offset == -1 (QEMU's filtered-out range) is absent: it
 *    holds no data, and we will not invent a range of zeros.
 *  - p_memsz beyond p_filesz reads as zeros (makedumpfile -E leaves excluded
 *    pages out that way; drgn does the same), or is an error in strict mode;
 *    so does a whole PT_LOAD with p_filesz 0 and a real p_offset (oopslab
 *    convert --format elf writes one for a run of memory that starts with
 *    pages left out, since crash warns about p_offset -1).
 *  - Overlapping PT_LOADs are merged if they are the same file bytes (QEMU
 *    paging=true); kdump's kernel-text PT_LOAD, which repeats RAM that the
 *    direct-map PT_LOADs already hold, is dropped when they cover it; any
 *    other overlap is an error.
 */
#include <elf.h>
#include <stddef.h>

#include "dump-private.h"
#include "vmcoreinfo.h"

/* Kernel virtual addresses start here (4-level paging, and above for 5-level). */
#define KERNEL_VADDR_MIN 0xffff800000000000ULL
/* __START_KERNEL_map: kdump's PT_LOAD for the kernel image lives above it. */
#define START_KERNEL_MAP 0xffffffff80000000ULL

#define EH(field) offsetof(Elf64_Ehdr, field)
#define PH(field) offsetof(Elf64_Phdr, field)

gboolean ol_elf_match(const guint8 *map, gsize size)
{
	return size >= SELFMAG && memcmp(map, ELFMAG, SELFMAG) == 0;
}

static GError *check_ident(OlDump *d)
{
	const guint8 *m = d->map;
	guint16 type;
	guint16 machine;

	if (d->size <= EI_DATA)
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "truncated ELF header at offset 0x0 (file is %" G_GSIZE_FORMAT " bytes, the header needs 64)",
				     d->size);
	if (m[EI_CLASS] != ELFCLASS64)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "ELF class %u at offset 0x%x is not ELFCLASS64 (QEMU writes ELFCLASS32 when vCPU 0 is not in long mode); only x86_64 dumps are supported",
				     m[EI_CLASS], EI_CLASS);
	if (m[EI_DATA] != ELFDATA2LSB)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "ELF data encoding %u at offset 0x%x is not little-endian",
				     m[EI_DATA], EI_DATA);
	if (d->size < sizeof(Elf64_Ehdr))
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "truncated ELF header at offset 0x0 (file is %" G_GSIZE_FORMAT " bytes, the header needs %zu)",
				     d->size, sizeof(Elf64_Ehdr));

	type = ol_le16(m + EH(e_type));
	if (type != ET_CORE)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "ELF type %u at offset 0x%zx is not ET_CORE, not a core dump",
				     type, EH(e_type));
	machine = ol_le16(m + EH(e_machine));
	if (machine != EM_X86_64)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "ELF machine %u at offset 0x%zx is not EM_X86_64%s",
				     machine, EH(e_machine),
				     machine == EM_386 ? " (QEMU writes EM_386 when vCPU 0 is not in long mode)" : "");
	return NULL;
}

/* The number of program headers, following PN_XNUM to section header 0. */
static GError *get_phnum(OlDump *d, guint32 *out)
{
	const guint8 *m = d->map;
	guint16 phnum = ol_le16(m + EH(e_phnum));
	guint64 shoff;
	guint16 shentsize;

	if (phnum != PN_XNUM) {
		*out = phnum;
		return NULL;
	}
	shoff = ol_le64(m + EH(e_shoff));
	shentsize = ol_le16(m + EH(e_shentsize));
	if (shoff == 0)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "e_phnum is PN_XNUM (0xffff) but e_shoff at offset 0x%zx is 0, so the real count is missing",
				     EH(e_shoff));
	if (shentsize < sizeof(Elf64_Shdr))
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "e_phnum is PN_XNUM but e_shentsize at offset 0x%zx is %u, less than %zu",
				     EH(e_shentsize), shentsize, sizeof(Elf64_Shdr));
	if (!ol_in_file(shoff, sizeof(Elf64_Shdr), d->size))
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "truncated section header 0 at offset " X64 " (holds the PN_XNUM program header count; file is %" G_GSIZE_FORMAT " bytes)",
				     shoff, d->size);
	*out = ol_le32(m + shoff + offsetof(Elf64_Shdr, sh_info));
	return NULL;
}

typedef struct {
	guint32 type;
	guint64 offset, vaddr, paddr, filesz, memsz, align;
} Phdr;

static Phdr read_phdr(const guint8 *p)
{
	return (Phdr){
		.type = ol_le32(p + PH(p_type)),
		.offset = ol_le64(p + PH(p_offset)),
		.vaddr = ol_le64(p + PH(p_vaddr)),
		.paddr = ol_le64(p + PH(p_paddr)),
		.filesz = ol_le64(p + PH(p_filesz)),
		.memsz = ol_le64(p + PH(p_memsz)),
		.align = ol_le64(p + PH(p_align)),
	};
}

typedef struct {
	GArray *ram;     /* struct ol_segment */
	GArray *aliases; /* kernel-image PT_LOADs (kdump): candidates to drop */
	gboolean kernel_vaddrs; /* some PT_LOAD has a kernel virtual p_vaddr != p_paddr */
} Loads;

static GError *add_load(OlDump *d, Loads *loads, const Phdr *ph, guint index, guint64 hdr_off)
{
	struct ol_segment seg;

	if (ph->vaddr >= KERNEL_VADDR_MIN && ph->vaddr != ph->paddr)
		loads->kernel_vaddrs = TRUE;
	if (ph->memsz == 0 || ph->offset == G_MAXUINT64)
		return NULL; /* absent, see the top of the file */
	if (ph->filesz > ph->memsz)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "PT_LOAD %u (program header at offset " X64 ") has p_filesz " X64 " larger than p_memsz " X64,
				     index, hdr_off, ph->filesz, ph->memsz);
	if (ph->paddr + ph->memsz < ph->paddr)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "PT_LOAD %u (program header at offset " X64 ") wraps around the physical address space (p_paddr " X64 ", p_memsz " X64 ")",
				     index, hdr_off, ph->paddr, ph->memsz);
	/* Past the end of the file is a truncated dump (see check_truncation);
	 * past the end of any file is damage. */
	if (ph->offset + ph->filesz < ph->offset)
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "PT_LOAD %u (program header at offset " X64 ") data at offset " X64 " size " X64 " extends past the end of the file (%" G_GSIZE_FORMAT " bytes)",
				     index, hdr_off, ph->offset, ph->filesz, d->size);

	seg = (struct ol_segment){
		.start = ph->paddr,
		.size = ph->memsz,
		.file_offset = ph->offset,
		.file_size = ph->filesz,
		.index = index,
		.header_offset = hdr_off,
	};
	if (ph->vaddr >= START_KERNEL_MAP && ph->vaddr != ph->paddr)
		g_array_append_val(loads->aliases, seg);
	else
		g_array_append_val(loads->ram, seg);
	return NULL;
}

static GError *add_note_segment(OlDump *d, OlNoteState *st, const Phdr *ph, guint index,
				guint64 hdr_off)
{
	guint align;

	if (ph->filesz == 0)
		return NULL;
	if (!ol_in_file(ph->offset, ph->filesz, d->size))
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "PT_NOTE %u (program header at offset " X64 ") data at offset " X64 " size " X64 " extends past the end of the file (%" G_GSIZE_FORMAT " bytes)",
				     index, hdr_off, ph->offset, ph->filesz, d->size);
	/* QEMU and the kernel align notes to 4 even in ELFCLASS64 (p_align 0);
	 * honour 8 if a writer asks for it. */
	align = ph->align == 8 ? 8 : 4;
	return ol_notes_parse(d, st, ph->offset, d->map + ph->offset, ph->filesz, align);
}

static void loads_clear(Loads *loads)
{
	g_clear_pointer(&loads->ram, g_array_unref);
	g_clear_pointer(&loads->aliases, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Loads, loads_clear)

static OlDumpFormat pick_flavour(const OlDump *d, const OlNoteState *st, const Loads *loads)
{
	if (st->n_qemu > 0)
		return OL_DUMP_FORMAT_ELF_QEMU;
	/* CRASHTIME is only added on the kdump path (crash_save_vmcoreinfo). */
	if (loads->kernel_vaddrs ||
	    (d->vmcoreinfo && ol_vmcoreinfo_lookup(d->vmcoreinfo, d->vmcoreinfo_len, "CRASHTIME", NULL)))
		return OL_DUMP_FORMAT_ELF_KDUMP;
	return OL_DUMP_FORMAT_ELF_OTHER;
}

static GError *build_memory_map(OlDump *d, Loads *loads)
{
	guint n_ram;
	GError *err;

	if (d->format != OL_DUMP_FORMAT_ELF_KDUMP) {
		/* Outside kdump, a kernel-image vaddr is just a mapping (paging=true). */
		g_array_append_vals(loads->ram, loads->aliases->data, loads->aliases->len);
		g_array_set_size(loads->aliases, 0);
	}
	n_ram = loads->ram->len;
	err = ol_ranges_build(d, (struct ol_segment *)(void *)loads->ram->data, n_ram);
	if (err || loads->aliases->len == 0)
		return err;

	/* kdump's kernel-image PT_LOAD is a second copy of RAM that the
	 * direct-map PT_LOADs hold: drop it where they cover it, keep it
	 * otherwise (and then it must not conflict). */
	for (guint i = 0; i < loads->aliases->len; i++) {
		const struct ol_segment *a = &g_array_index(loads->aliases, struct ol_segment, i);
		if (!ol_ranges_cover(d, a->start, a->size))
			g_array_append_val(loads->ram, *a);
	}
	if (loads->ram->len == n_ram)
		return NULL;
	return ol_ranges_build(d, (struct ol_segment *)(void *)loads->ram->data, loads->ram->len);
}

/* A dump cut short (the disk filled up, the connection broke) opens with a
 * warning naming how much is missing; what it holds stays readable. */
static void check_truncation(OlDump *d)
{
	guint64 need = d->size, cut = 0;
	g_autofree char *missing = NULL;
	g_autofree char *mem = NULL;

	for (guint i = 0; i < d->n_ranges; i++) {
		const struct ol_range *r = &d->ranges[i];
		cut += r->file_size - r->file_have;
		if (r->file_have < r->file_size)
			need = MAX(need, r->file_offset + r->file_size);
	}
	if (!cut)
		return;
	missing = ol_dump_format_bytes(need - d->size);
	mem = ol_dump_format_bytes(cut);
	ol_dump_set_warning(d, "truncated: the file is %" G_GSIZE_FORMAT " bytes, its PT_LOADs need %" G_GUINT64_FORMAT
			    ": %s are missing, %s of memory past the end is unavailable", d->size, need, missing, mem);
}

GError *ol_elf_open(OlDump *d)
{
	GError *err = check_ident(d);
	guint32 phnum;
	guint16 phentsize;
	guint64 phoff;
	g_auto(Loads) loads = { 0 };
	g_auto(OlNoteState) notes = { 0 };

	if (err)
		return err;

	phnum = 0;
	err = get_phnum(d, &phnum);
	if (err)
		return err;
	phentsize = ol_le16(d->map + EH(e_phentsize));
	phoff = ol_le64(d->map + EH(e_phoff));
	if (phnum > 0 && phentsize != sizeof(Elf64_Phdr))
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "e_phentsize at offset 0x%zx is %u, expected %zu",
				     EH(e_phentsize), phentsize, sizeof(Elf64_Phdr));
	if (phnum > 0 && !ol_in_file(phoff, (guint64)phnum * sizeof(Elf64_Phdr), d->size))
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "truncated program header table at offset " X64 " (%u entries of %zu bytes; file is %" G_GSIZE_FORMAT " bytes)",
				     phoff, phnum, sizeof(Elf64_Phdr), d->size);

	loads.ram = g_array_new(FALSE, FALSE, sizeof(struct ol_segment));
	loads.aliases = g_array_new(FALSE, FALSE, sizeof(struct ol_segment));
	for (guint32 i = 0; i < phnum; i++) {
		guint64 hdr_off = phoff + (guint64)i * sizeof(Elf64_Phdr);
		Phdr ph = read_phdr(d->map + hdr_off);
		if (ph.type == PT_LOAD)
			err = add_load(d, &loads, &ph, i, hdr_off);
		else if (ph.type == PT_NOTE)
			err = add_note_segment(d, &notes, &ph, i, hdr_off);
		if (err)
			return err;
	}

	d->format = pick_flavour(d, &notes, &loads);
	err = build_memory_map(d, &loads);
	if (err)
		return err;
	ol_notes_finish(d, &notes, d->format == OL_DUMP_FORMAT_ELF_QEMU);
	check_truncation(d);
	d->ops = &ol_mapped_ops;
	return NULL;
}
