/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <gio/gio.h>
#include <string.h>

struct Symbolizer {
	Dwfl *dwfl;
	GHashTable *modules; /* module name ("vmlinux" or as in "[name]") -> Dwfl_Module* */
	GHashTable *symtabs; /* Dwfl_Module* -> GHashTable name -> GElf_Addr* */
};

static const Dwfl_Callbacks callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

void symbolizer_free(Symbolizer *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);
	if (s->modules)
		g_hash_table_unref(s->modules);
	if (s->symtabs)
		g_hash_table_unref(s->symtabs);
	g_free(s);
}

static GError *report(Symbolizer *s, const char *name, const char *path)
{
	Dwfl_Module *m;

	dwfl_report_begin_add(s->dwfl);
	m = dwfl_report_offline(s->dwfl, name, path, -1);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (!m)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, dwfl_errmsg(-1));
	g_hash_table_insert(s->modules, g_strdup(name), m);
	return NULL;
}

GError *symbolizer_new(const char *vmlinux, Symbolizer **out)
{
	g_autoptr(Symbolizer) s = g_new0(Symbolizer, 1);
	GError *err;

	s->dwfl = dwfl_begin(&callbacks);
	s->modules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->symtabs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					   (GDestroyNotify)g_hash_table_unref);
	if (!s->dwfl)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "libdwfl: %s", dwfl_errmsg(-1));
	if ((err = report(s, "vmlinux", vmlinux)))
		return err;
	*out = g_steal_pointer(&s);
	return NULL;
}

GError *symbolizer_add_module(Symbolizer *s, const char *name, const char *ko_path)
{
	return report(s, name, ko_path);
}

/* name -> address of every function symbol of M, built on first use. */
static GHashTable *symtab(Symbolizer *s, Dwfl_Module *m)
{
	GHashTable *t = g_hash_table_lookup(s->symtabs, m);
	int n;

	if (t)
		return t;
	t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	n = dwfl_module_getsymtab(m);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(m, i, &sym, &addr, NULL, NULL, NULL);

		if (name && GELF_ST_TYPE(sym.st_info) == STT_FUNC && !g_hash_table_contains(t, name))
			g_hash_table_insert(t, g_strdup(name), g_memdup2(&addr, sizeof(addr)));
	}
	g_hash_table_insert(s->symtabs, m, t);
	return t;
}

static char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	if (!dwarf_attr_integrate(die, DW_AT_name, &attr) || !(name = dwarf_formstring(&attr)))
		return g_strdup("??");
	return g_strdup(name);
}

/* The source file of a DW_AT_call_file index in CU. */
static const char *call_file(Dwarf_Die *cu, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;

	if (!dwarf_attr(die, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

/* The function around an inlined call, in the concrete tree: libdw's
 * scope list for an address follows an inlined function's abstract
 * definition, so it loses the caller of a nested inline (kmalloc() inlined
 * into kzalloc() inlined into the frame's function). */
static gboolean inline_caller(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Die *parents = NULL;
	int n = dwarf_getscopes_die(die, &parents);
	gboolean found = FALSE;

	for (int j = 1; j < n && !found; j++)
		if (dwarf_tag(&parents[j]) == DW_TAG_inlined_subroutine ||
		    dwarf_tag(&parents[j]) == DW_TAG_subprogram) {
			*out = parents[j];
			found = TRUE;
		}
	free(parents);
	return found;
}

/* F->inlined: the innermost inlined function at FILE:LINENO, then where each
 * inlined call sits in the function around it, as addr2line -i prints it. */
static void inline_chain(Dwarf_Die *cu, Dwarf_Die *innermost, const char *file, int lineno, OopsFrame *f)
{
	g_autofree char *inner = die_name(innermost);
	Dwarf_Die cur = *innermost, outer;

	g_ptr_array_add(f->inlined, g_strdup_printf("%s at %s:%d", inner, file, lineno));
	/* bounded: each step goes one level up the DIE tree */
	while (dwarf_tag(&cur) == DW_TAG_inlined_subroutine) {
		Dwarf_Attribute attr;
		Dwarf_Word call_line = 0;
		const char *cf = call_file(cu, &cur);
		gboolean have_outer = inline_caller(&cur, &outer);
		g_autofree char *name = have_outer ? die_name(&outer) : NULL;

		if (dwarf_attr(&cur, DW_AT_call_line, &attr))
			dwarf_formudata(&attr, &call_line);
		/* no caller found: the outermost inline sits in the frame's own function */
		g_ptr_array_add(f->inlined, g_strdup_printf("%s at %s:%d", name ? name : f->function,
							    cf ? cf : "??", (int)call_line));
		if (!have_outer)
			break;
		cur = outer;
	}
}

gboolean symbolizer_frame(Symbolizer *s, OopsFrame *f)
{
	Dwfl_Module *m = g_hash_table_lookup(s->modules, f->module ? f->module : "vmlinux");
	const GElf_Addr *sym;
	GElf_Addr addr;
	Dwfl_Line *line;
	const char *file;
	int lineno = 0;
	Dwarf_Addr bias;
	Dwarf_Die *cu, *scopes = NULL;
	int nscopes;

	if (!m || !(sym = g_hash_table_lookup(symtab(s, m), f->function)))
		return FALSE;
	addr = *sym + f->offset - (f->exact || f->offset == 0 ? 0 : 1);
	line = dwfl_module_getsrc(m, addr);
	if (!line || !(file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL)))
		return FALSE;
	g_free(f->file);
	f->file = g_strdup(file);
	f->line = lineno;

	/*
	 * file:line above is the innermost code (what `list *addr` shows). If
	 * it was inlined, the chain names that innermost function, then where
	 * each inlined call sits in the function around it, as addr2line -i
	 * prints it ("(inlined by)" lines).
	 */
	if (f->inlined)
		g_ptr_array_unref(f->inlined);
	f->inlined = g_ptr_array_new_with_free_func(g_free);
	cu = dwfl_module_addrdie(m, addr, &bias);
	if (!cu)
		return TRUE;
	nscopes = dwarf_getscopes(cu, addr - bias, &scopes);
	for (int i = 0; i < nscopes; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine) {
			inline_chain(cu, &scopes[i], file, lineno, f);
			break;
		}
	free(scopes);
	return TRUE;
}

void symbolizer_oops(Symbolizer *s, Oops *o)
{
	if (o->rip)
		symbolizer_frame(s, o->rip);
	for (guint i = 0; i < o->trace->len; i++)
		symbolizer_frame(s, g_ptr_array_index(o->trace, i));
	for (guint i = 0; i < o->alloc_trace->len; i++)
		symbolizer_frame(s, g_ptr_array_index(o->alloc_trace, i));
	for (guint i = 0; i < o->free_trace->len; i++)
		symbolizer_frame(s, g_ptr_array_index(o->free_trace, i));
}
