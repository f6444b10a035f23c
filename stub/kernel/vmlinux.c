/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vmlinux.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include "dump.h"

struct OlVmlinux {
	char *path;
	int fd;
	Elf *elf;
	GHashTable *symbols; /* name -> OlSym */
	GArray *by_addr;     /* guint64 start addresses of sized-or-not text symbols, sorted */
};

typedef struct {
	guint64 addr;
	guint64 size;
} OlSym;

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

	return x < y ? -1 : x > y;
}

void ol_vmlinux_free(OlVmlinux *v)
{
	if (!v)
		return;
	if (v->symbols)
		g_hash_table_unref(v->symbols);
	if (v->by_addr)
		g_array_unref(v->by_addr);
	if (v->elf)
		elf_end(v->elf);
	if (v->fd >= 0)
		close(v->fd);
	g_free(v->path);
	g_free(v);
}

GError *ol_vmlinux_open(const char *path, OlVmlinux **out)
{
	g_autoptr(OlVmlinux) v = g_new0(OlVmlinux, 1);
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	v->fd = -1;
	v->path = g_strdup(path);
	elf_version(EV_CURRENT);
	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v->fd < 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "%s: %s", path, g_strerror(errno));
	v->elf = elf_begin(v->fd, ELF_C_READ_MMAP, NULL);
	if (!v->elf || !gelf_getehdr(v->elf, &eh) || eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: not an x86_64 vmlinux (%s)", path,
				   v->elf ? elf_errmsg(-1) : "not ELF");
	v->symbols = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	v->by_addr = g_array_new(FALSE, FALSE, sizeof(guint64));
	while ((scn = elf_nextscn(v->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (gsize i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			int type;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if (sym.st_shndx == SHN_UNDEF ||
			    (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE))
				continue;
			name = elf_strptr(v->elf, sh.sh_link, sym.st_name);
			/* Names point into the mmap'd string table, which lives as long as v->elf. */
			if (name && *name && !g_hash_table_contains(v->symbols, name)) {
				OlSym s = {sym.st_value, sym.st_size};

				g_hash_table_insert(v->symbols, (gpointer)name, g_memdup2(&s, sizeof(s)));
			}
			if (type != STT_OBJECT)
				g_array_append_val(v->by_addr, sym.st_value);
		}
	}
	g_array_sort(v->by_addr, cmp_u64);
	if (g_hash_table_size(v->symbols) == 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: no symbol table", path);
	*out = g_steal_pointer(&v);
	return NULL;
}

const char *ol_vmlinux_path(const OlVmlinux *v)
{
	return v->path;
}

gboolean ol_vmlinux_symbol(const OlVmlinux *v, const char *name, guint64 *addr)
{
	const OlSym *p = g_hash_table_lookup(v->symbols, name);

	if (!p)
		return FALSE;
	*addr = p->addr;
	return TRUE;
}

gboolean ol_vmlinux_symbol_extent(const OlVmlinux *v, const char *name, guint64 *addr, guint64 *size)
{
	const OlSym *p = g_hash_table_lookup(v->symbols, name);
	guint lo = 0, hi = v->by_addr->len;

	if (!p)
		return FALSE;
	*addr = p->addr;
	*size = p->size;
	if (*size)
		return TRUE;
	/* first text symbol above addr */
	while (lo < hi) {
		guint mid = (lo + hi) / 2;

		if (g_array_index(v->by_addr, guint64, mid) <= p->addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*size = lo < v->by_addr->len ? g_array_index(v->by_addr, guint64, lo) - p->addr : 1;
	return TRUE;
}

void ol_vmlinux_foreach(const OlVmlinux *v, gboolean (*fn)(const char *name, guint64 addr, gpointer data),
			gpointer data)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, v->symbols);
	while (g_hash_table_iter_next(&it, &key, &value))
		if (!fn(key, ((const OlSym *)value)->addr, data))
			return;
}

char *ol_vmlinux_string(const OlVmlinux *v, guint64 addr, gsize max)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(v->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		gsize off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_ALLOC) ||
		    addr < sh.sh_addr || addr >= sh.sh_addr + sh.sh_size)
			continue;
		data = elf_getdata(scn, NULL);
		off = addr - sh.sh_addr;
		if (!data || !data->d_buf || off >= data->d_size)
			return NULL;
		return g_strndup((const char *)data->d_buf + off, MIN(max, data->d_size - off));
	}
	return NULL;
}
