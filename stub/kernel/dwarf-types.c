/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dwarf-types.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"

struct OlDwarf {
	char *path;
	int fd;
	Dwarf *dw;
	Dwarf_Off next_cu;    /* where the lazy scan resumes */
	gboolean scanned_all;
	GHashTable *structs;  /* name -> Dwarf_Off of a complete definition */
	GHashTable *enums;    /* enumerator name -> gint64 * */
	GHashTable *members;  /* "struct\0member" cache -> guint64[2] */
};

void ol_dwarf_free(OlDwarf *d)
{
	if (!d)
		return;
	if (d->dw)
		dwarf_end(d->dw);
	if (d->fd >= 0)
		close(d->fd);
	if (d->structs)
		g_hash_table_unref(d->structs);
	if (d->enums)
		g_hash_table_unref(d->enums);
	if (d->members)
		g_hash_table_unref(d->members);
	g_free(d->path);
	g_free(d);
}

GError *ol_dwarf_open(const char *vmlinux, OlDwarf **out)
{
	g_autoptr(OlDwarf) d = g_new0(OlDwarf, 1);

	d->path = g_strdup(vmlinux);
	d->fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "%s: %s", vmlinux, g_strerror(errno));
	d->dw = dwarf_begin(d->fd, DWARF_C_READ);
	if (!d->dw)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: no DWARF debug info (%s)", vmlinux,
				   dwarf_errmsg(-1));
	d->structs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	d->enums = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	d->members = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	*out = g_steal_pointer(&d);
	return NULL;
}

/* Record the complete struct definitions and enumerators among a CU's
 * top-level DIEs. */
static void index_cu(OlDwarf *d, Dwarf_Die *cu)
{
	Dwarf_Die child;

	if (dwarf_child(cu, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		const char *name = dwarf_diename(&child);
		Dwarf_Attribute attr;
		bool decl = false;

		if (tag == DW_TAG_structure_type && name && !g_hash_table_contains(d->structs, name)) {
			if (dwarf_attr(&child, DW_AT_declaration, &attr))
				dwarf_formflag(&attr, &decl);
			if (!decl)
				g_hash_table_insert(d->structs, g_strdup(name),
						    g_memdup2(&(Dwarf_Off){dwarf_dieoffset(&child)},
							      sizeof(Dwarf_Off)));
		} else if (tag == DW_TAG_enumeration_type) {
			Dwarf_Die e;

			if (dwarf_child(&child, &e) != 0)
				continue;
			do {
				Dwarf_Word uv;
				Dwarf_Sword sv;
				const char *en = dwarf_diename(&e);

				if (!en || g_hash_table_contains(d->enums, en) ||
				    !dwarf_attr(&e, DW_AT_const_value, &attr))
					continue;
				if (dwarf_formsdata(&attr, &sv) == 0)
					g_hash_table_insert(d->enums, g_strdup(en),
							    g_memdup2(&(gint64){sv}, sizeof(gint64)));
				else if (dwarf_formudata(&attr, &uv) == 0)
					g_hash_table_insert(d->enums, g_strdup(en),
							    g_memdup2(&(gint64){(gint64)uv}, sizeof(gint64)));
			} while (dwarf_siblingof(&e, &e) == 0);
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* Scan further CUs until FOUND says the wanted name is indexed. */
static gboolean scan_until(OlDwarf *d, GHashTable *table, const char *name)
{
	while (!g_hash_table_contains(table, name) && !d->scanned_all) {
		Dwarf_Off off = d->next_cu, next;
		size_t hsize;
		Dwarf_Die cu;

		if (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) != 0) {
			d->scanned_all = TRUE;
			break;
		}
		d->next_cu = next;
		if (dwarf_offdie(d->dw, off + hsize, &cu))
			index_cu(d, &cu);
	}
	return g_hash_table_contains(table, name);
}

static GError *find_struct(OlDwarf *d, const char *name, Dwarf_Die *die)
{
	const Dwarf_Off *off;

	if (!scan_until(d, d->structs, name))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s: no struct %s in the DWARF", d->path,
				   name);
	off = g_hash_table_lookup(d->structs, name);
	if (!dwarf_offdie(d->dw, *off, die))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT, "%s: struct %s: %s", d->path, name,
				   dwarf_errmsg(-1));
	return NULL;
}

/* Through typedefs and qualifiers to the underlying type. */
static gboolean member_type(Dwarf_Die *member, Dwarf_Die *type)
{
	Dwarf_Attribute attr;

	if (!dwarf_attr_integrate(member, DW_AT_type, &attr) || !dwarf_formref_die(&attr, type))
		return FALSE;
	return dwarf_peel_type(type, type) == 0;
}

static gboolean member_offset(Dwarf_Die *member, guint64 *off)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;

	/* Union members have none: offset 0. */
	if (!dwarf_attr(member, DW_AT_data_member_location, &attr)) {
		*off = 0;
		return TRUE;
	}
	if (dwarf_formudata(&attr, &w) != 0)
		return FALSE;
	*off = w;
	return TRUE;
}

/* Find NAME among the members of the struct/union TYPE, descending into
 * anonymous members. */
static gboolean find_member(Dwarf_Die *type, const char *name, guint64 *off, Dwarf_Die *found)
{
	Dwarf_Die m;

	if (dwarf_child(type, &m) != 0)
		return FALSE;
	do {
		const char *mname;
		guint64 moff;

		if (dwarf_tag(&m) != DW_TAG_member || !member_offset(&m, &moff))
			continue;
		mname = dwarf_diename(&m);
		if (mname && strcmp(mname, name) == 0) {
			*off = moff;
			*found = m;
			return TRUE;
		}
		if (!mname) {
			Dwarf_Die inner;
			guint64 ioff;

			if (member_type(&m, &inner) && find_member(&inner, name, &ioff, found)) {
				*off = moff + ioff;
				return TRUE;
			}
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return FALSE;
}

GError *ol_dwarf_member(OlDwarf *d, const char *struct_name, const char *member, guint64 *offset,
			guint64 *size)
{
	g_autofree char *key = g_strdup_printf("%s.%s", struct_name, member);
	const guint64 *cached = g_hash_table_lookup(d->members, key);
	g_auto(GStrv) path = NULL;
	Dwarf_Die type, m;
	guint64 total = 0, msize = 0;
	GError *err;

	if (cached) {
		*offset = cached[0];
		if (size)
			*size = cached[1];
		return NULL;
	}
	if ((err = find_struct(d, struct_name, &type)))
		return err;
	path = g_strsplit(member, ".", -1);
	for (char **p = path; *p; p++) {
		guint64 off;
		Dwarf_Word bytes;

		if (!find_member(&type, *p, &off, &m))
			return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s: struct %s has no member %s",
					   d->path, struct_name, member);
		total += off;
		if (!member_type(&m, &type))
			return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT, "%s: %s.%s: no type", d->path,
					   struct_name, member);
		msize = dwarf_aggregate_size(&type, &bytes) == 0 ? bytes : 0;
	}
	*offset = total;
	if (size)
		*size = msize;
	g_hash_table_insert(d->members, g_steal_pointer(&key),
			    g_memdup2((guint64[]){total, msize}, 2 * sizeof(guint64)));
	return NULL;
}

GError *ol_dwarf_sizeof(OlDwarf *d, const char *struct_name, guint64 *size)
{
	Dwarf_Die type;
	Dwarf_Word bytes;
	GError *err;

	if ((err = find_struct(d, struct_name, &type)))
		return err;
	if (dwarf_aggregate_size(&type, &bytes) != 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT, "%s: struct %s has no size", d->path,
				   struct_name);
	*size = bytes;
	return NULL;
}

GError *ol_dwarf_enumerator(OlDwarf *d, const char *name, gint64 *value)
{
	if (!scan_until(d, d->enums, name))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s: no enumerator %s in the DWARF",
				   d->path, name);
	*value = *(const gint64 *)g_hash_table_lookup(d->enums, name);
	return NULL;
}
