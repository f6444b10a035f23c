/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel-library.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"

struct OlKernelLibrary {
	char *path;
	GArray *addrs; /* guint64: how far each SHF_ALLOC section moved */
	GBytes *file;  /* mapped on first use */
	guint64 percpu_shdr; /* file offset of .data..percpu's section header, or 0 */
	guint64 percpu_phdr; /* and of the PT_LOAD holding it (vaddr 0), or 0 */
};

/*
 * gdb takes a library section whose address is 0 for one it was given no
 * address for, and moves it with the section before it (symfile.c,
 * addr_info_make_relative). .data..percpu is linked at 0, so it would move
 * by the KASLR offset. In the copy gdb reads (a private mapping: the file
 * is never written) that section's sh_addr is 1, so its address is 1 and
 * its offset 0: per-CPU symbols keep their link-time values. Its segment's
 * p_vaddr is 1 too, or gdb warns the section is outside every segment.
 */
#define PERCPU_SERVED_ADDR 1

void ol_kernel_library_free(OlKernelLibrary *k)
{
	if (!k)
		return;
	g_free(k->path);
	if (k->addrs)
		g_array_unref(k->addrs);
	if (k->file)
		g_bytes_unref(k->file);
	g_free(k);
}

/* File offset of the program header of the PT_LOAD linked at 0. */
static guint64 percpu_segment(Elf *elf, const GElf_Ehdr *eh)
{
	size_t n = 0;

	if (elf_getphdrnum(elf, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr == 0 && ph.p_memsz)
			return eh->e_phoff + (guint64)eh->e_phentsize * i;
	}
	return 0;
}

GError *ol_kernel_library_new(const char *vmlinux, guint64 kaslr_offset, OlKernelLibrary **out)
{
	g_autoptr(OlKernelLibrary) k = g_new0(OlKernelLibrary, 1);
	int fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GError *err = NULL;

	if (fd < 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "%s: %s", vmlinux, g_strerror(errno));
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	k->path = g_strdup(vmlinux);
	k->addrs = g_array_new(FALSE, FALSE, sizeof(guint64));
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		err = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: %s", vmlinux, elf_errmsg(-1));
	while (!err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		guint64 addr;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		/* gdb's solib-target adds each value to the section's own
		 * address: these are offsets, whatever the element's name */
		addr = kaslr_offset;
		if (name && g_str_equal(name, ".data..percpu") && sh.sh_addr == 0) {
			GElf_Ehdr eh;

			addr = 0;
			if (gelf_getehdr(elf, &eh)) {
				k->percpu_shdr = eh.e_shoff + (guint64)eh.e_shentsize * elf_ndxscn(scn);
				k->percpu_phdr = percpu_segment(elf, &eh);
			}
		}
		g_array_append_val(k->addrs, addr);
	}
	if (elf)
		elf_end(elf);
	close(fd);
	if (err)
		return err;
	*out = g_steal_pointer(&k);
	return NULL;
}

void ol_kernel_library_append_xml(const OlKernelLibrary *k, GString *xml)
{
	g_autofree char *name = g_markup_escape_text(k->path, -1);

	g_string_append_printf(xml, "<library name=\"%s\">", name);
	for (guint i = 0; i < k->addrs->len; i++)
		g_string_append_printf(xml, "<section address=\"0x%" G_GINT64_MODIFIER "x\"/>",
				       g_array_index(k->addrs, guint64, i));
	g_string_append(xml, "</library>\n");
}

const char *ol_kernel_library_name(const OlKernelLibrary *k)
{
	return k->path;
}

GBytes *ol_kernel_library_file(OlKernelLibrary *k)
{
	if (!k->file) {
		g_autoptr(GMappedFile) m = g_mapped_file_new(k->path, TRUE, NULL); /* MAP_PRIVATE */
		guint64 one = PERCPU_SERVED_ADDR;

		if (!m)
			return NULL;
		/* Elf64_Shdr: sh_addr at offset 16 */
		if (k->percpu_shdr && k->percpu_shdr + 24 <= g_mapped_file_get_length(m))
			memcpy(g_mapped_file_get_contents(m) + k->percpu_shdr + 16, &one, sizeof(one));
		/* Elf64_Phdr: p_vaddr at offset 16 */
		if (k->percpu_phdr && k->percpu_phdr + 24 <= g_mapped_file_get_length(m))
			memcpy(g_mapped_file_get_contents(m) + k->percpu_phdr + 16, &one, sizeof(one));
		k->file = g_mapped_file_get_bytes(m);
	}
	return g_bytes_ref(k->file);
}

char *ol_kernel_library_add_symbol_file(const char *vmlinux, guint64 kaslr_offset)
{
	return g_strdup_printf("add-symbol-file %s -o " X64 " -s .data..percpu 0", vmlinux, kaslr_offset);
}
