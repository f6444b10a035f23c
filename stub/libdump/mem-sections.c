/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's memory sections (SPARSEMEM) and the free pages of its buddy
 * allocator, read through VMCOREINFO and the page tables, as makedumpfile
 * does for its dump levels: what lets a writer end a kdump file at the last
 * section (dump-writer.c) and leave free pages out (makedumpfile -d 16).
 */
#include "mem-sections.h"
#include "vmcoreinfo.h"

#define SECTION_MARKED_PRESENT 1u /* bits of mem_section.section_mem_map (linux mmzone.h) */
#define SECTION_HAS_MEM_MAP 2u
/* The low bits of section_mem_map are flags (at most 6 of them in any
 * kernel); the rest is the encoded mem_map (mem_map - section's first pfn). */
#define SECTION_MAP_MASK (~G_GUINT64_CONSTANT(0x3f))
/* struct pages read at a time, and the largest buddy order believed. */
#define PAGE_CHUNK 4096u
#define MAX_BUDDY_ORDER 20u
/* page_type's base (linux page-flags.h): set in every typed page */
#define PAGE_TYPE_BASE 0xf0000000u

static void add_section(GArray *out, guint64 nr, guint64 map)
{
	OlMemSection s = {.nr = nr, .map = map};

	if (map & SECTION_MARKED_PRESENT)
		g_array_append_val(out, s);
}

typedef struct {
	guint64 ms, n_roots, ms_size, map_off, section_bits, physmem_bits;
} SectionInfo;

/* VMCOREINFO's description of mem_section, checked for sanity. */
static gboolean section_info(OlDump *in, SectionInfo *si)
{
	gsize len;
	const char *info = ol_dump_vmcoreinfo(in, &len);
	guint64 page_size;

	if (!info || !ol_vmcoreinfo_try_u64(info, len, "SYMBOL(mem_section)", &si->ms) ||
	    !ol_vmcoreinfo_try_u64(info, len, "LENGTH(mem_section)", &si->n_roots) ||
	    !ol_vmcoreinfo_try_u64(info, len, "SIZE(mem_section)", &si->ms_size) ||
	    !ol_vmcoreinfo_try_u64(info, len, "OFFSET(mem_section.section_mem_map)", &si->map_off) ||
	    !ol_vmcoreinfo_try_u64(info, len, "NUMBER(SECTION_SIZE_BITS)", &si->section_bits) ||
	    !ol_vmcoreinfo_try_u64(info, len, "NUMBER(MAX_PHYSMEM_BITS)", &si->physmem_bits) ||
	    !ol_vmcoreinfo_try_u64(info, len, "PAGESIZE", &page_size))
		return FALSE;
	return page_size == OL_PAGE_SIZE && si->ms_size >= si->map_off + 8 && si->ms_size <= OL_PAGE_SIZE &&
	       si->section_bits >= OL_PAGE_SHIFT && si->section_bits < si->physmem_bits &&
	       si->physmem_bits <= 52 && si->n_roots > 0 && si->n_roots <= (1u << 20);
}

/* Without SPARSEMEM_EXTREME: mem_section is the array of sections. */
static gboolean read_flat(OlXlat *x, const SectionInfo *si, GArray *secs)
{
	for (guint64 i = 0; i < si->n_roots; i++) {
		guint64 map;

		if (!ol_xlat_try_read(x, si->ms + i * si->ms_size + si->map_off, &map, 8))
			return FALSE;
		add_section(secs, i, GUINT64_FROM_LE(map));
	}
	return TRUE;
}

/* With it: an array of roots, each a pointer to a page of sections. */
static gboolean read_extreme(OlXlat *x, const SectionInfo *si, GArray *secs)
{
	guint64 per_root = OL_PAGE_SIZE / si->ms_size;
	g_autofree guint64 *roots = g_new(guint64, si->n_roots);
	g_autofree guint8 *page = g_malloc(per_root * si->ms_size);

	if (!ol_xlat_try_read(x, si->ms, roots, si->n_roots * 8))
		return FALSE;
	for (guint64 i = 0; i < si->n_roots; i++) {
		guint64 root = GUINT64_FROM_LE(roots[i]);

		if (!root)
			continue;
		if (!ol_xlat_try_read(x, root, page, per_root * si->ms_size))
			return FALSE;
		for (guint64 j = 0; j < per_root; j++)
			add_section(secs, i * per_root + j, ol_le64(page + j * si->ms_size + si->map_off));
	}
	return TRUE;
}

gboolean ol_mem_sections(OlDump *in, OlXlat *x, GArray **out, guint *section_shift)
{
	g_autoptr(GArray) secs = g_array_new(FALSE, FALSE, sizeof(OlMemSection));
	SectionInfo si;
	guint64 per_root, n_sections;
	gboolean extreme;

	if (!section_info(in, &si))
		return FALSE;
	/* As makedumpfile's is_sparsemem_extreme(): VMCOREINFO's LENGTH is
	 * the number of roots with _EXTREME, of sections without. */
	per_root = OL_PAGE_SIZE / si.ms_size;
	n_sections = G_GUINT64_CONSTANT(1) << (si.physmem_bits - si.section_bits);
	extreme = si.n_roots == (n_sections + per_root - 1) / per_root;
	if (!(extreme ? read_extreme(x, &si, secs) : read_flat(x, &si, secs)) || secs->len == 0)
		return FALSE;
	*section_shift = (guint)(si.section_bits - OL_PAGE_SHIFT);
	*out = g_steal_pointer(&secs);
	return TRUE;
}

typedef struct {
	guint64 page_size, flags_off, mapcount_off, private_off;
	guint32 buddy_value, buddy_mask;
	guint64 lru_bit, slab_bit; /* G_MAXUINT64: unknown */
	guint64 mapping_off;       /* G_MAXUINT64: unknown */
} PageLayout;

static guint64 flag_bit(const char *info, gsize len, const char *key)
{
	guint64 v;

	return ol_vmcoreinfo_try_u64(info, len, key, &v) && v < 64 ? v : G_MAXUINT64;
}

static gboolean page_layout(OlDump *in, PageLayout *l)
{
	gsize len;
	const char *info = ol_dump_vmcoreinfo(in, &len);
	gint64 value;
	g_autoptr(GError) err = NULL;

	if (!info || !ol_vmcoreinfo_try_u64(info, len, "SIZE(page)", &l->page_size) ||
	    !ol_vmcoreinfo_try_u64(info, len, "OFFSET(page.flags)", &l->flags_off) ||
	    !ol_vmcoreinfo_try_u64(info, len, "OFFSET(page._mapcount)", &l->mapcount_off) ||
	    !ol_vmcoreinfo_try_u64(info, len, "OFFSET(page.private)", &l->private_off) ||
	    (err = ol_vmcoreinfo_get_s64(info, len, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", &value)))
		return FALSE;
	if (l->page_size < 16 || l->page_size > 256 || l->mapcount_off + 4 > l->page_size ||
	    l->private_off + 8 > l->page_size || l->flags_off + 8 > l->page_size)
		return FALSE;
	l->buddy_value = (guint32)value;
	/* Since 4.18 PG_buddy is one cleared bit of page_type (the value is
	 * ~PG_buddy); other type bits may be cleared too.  Before, _mapcount
	 * was exactly the value. */
	l->buddy_mask = G_MAXUINT32;
	if (__builtin_popcount(~l->buddy_value) == 1)
		l->buddy_mask = PAGE_TYPE_BASE | ~l->buddy_value;
	l->lru_bit = flag_bit(info, len, "NUMBER(PG_lru)");
	if (!ol_vmcoreinfo_try_u64(info, len, "OFFSET(page.mapping)", &l->mapping_off) ||
	    l->mapping_off + 8 > l->page_size)
		l->mapping_off = G_MAXUINT64;
	l->slab_bit = flag_bit(info, len, "NUMBER(PG_slab)");
	return TRUE;
}

static gboolean is_buddy(const PageLayout *l, const guint8 *page)
{
	guint32 mc = ol_le32(page + l->mapcount_off);

	if (l->buddy_mask == G_MAXUINT32)
		return mc == l->buddy_value;
	return (mc & l->buddy_mask) == PAGE_TYPE_BASE;
}

/* Bit 0 of page->mapping marks an anonymous page (the kernel's
 * PAGE_MAPPING_ANON, which makedumpfile also takes as a constant). */
#define PAGE_MAPPING_ANON 1

/* Page cache: on an LRU list, not a slab page, and not anonymous. User
 * memory (anonymous pages) stays in, so that gdb can read a task's stack
 * and buffers (makedumpfile -d 23 rather than 31); without the mapping's
 * offset nothing is taken for page cache. */
static gboolean is_lru(const PageLayout *l, const guint8 *page)
{
	guint64 flags = ol_le64(page + l->flags_off);

	return l->lru_bit != G_MAXUINT64 && (flags >> l->lru_bit & 1) &&
	       !(l->slab_bit != G_MAXUINT64 && (flags >> l->slab_bit & 1)) && l->mapping_off != G_MAXUINT64 &&
	       !(ol_le64(page + l->mapping_off) & PAGE_MAPPING_ANON);
}

typedef struct {
	const PageLayout *l;
	guint kinds;
	guint64 max_pfn;
	guint8 *bitmap;
	OlUnneeded *counts;
} Scan;

static void mark(Scan *s, guint64 pfn, guint64 *count)
{
	if (pfn < s->max_pfn && !(s->bitmap[pfn >> 3] & (1u << (pfn & 7)))) {
		s->bitmap[pfn >> 3] |= (guint8)(1u << (pfn & 7));
		(*count)++;
	}
}

/* Free pages on the CPUs' page lists (pcp) are not PageBuddy and stay in:
 * telling them by a zero _refcount would also take the pages after the
 * first of a non-compound high-order allocation (a kernel stack, for one),
 * which hold no reference of their own.  makedumpfile keeps them too. */
static void classify(Scan *s, guint64 pfn, const guint8 *p)
{
	if ((s->kinds & OL_UNNEEDED_FREE) && is_buddy(s->l, p)) {
		guint64 order = ol_le64(p + s->l->private_off);

		for (guint64 k = 0; order <= MAX_BUDDY_ORDER && k < (G_GUINT64_CONSTANT(1) << order); k++)
			mark(s, pfn + k, &s->counts->free);
	} else if ((s->kinds & OL_UNNEEDED_LRU) && is_lru(s->l, p)) {
		mark(s, pfn, &s->counts->lru);
	}
}

/* One section's struct pages, PAGE_CHUNK at a time. */
static void scan_section(Scan *s, OlXlat *x, const OlMemSection *sec, guint shift)
{
	const PageLayout *l = s->l;
	guint64 first = sec->nr << shift, count = G_GUINT64_CONSTANT(1) << shift;
	guint64 mem_map = sec->map & SECTION_MAP_MASK;
	g_autofree guint8 *buf = g_malloc(PAGE_CHUNK * l->page_size);

	for (guint64 c = 0; c < count && first + c < s->max_pfn; c += PAGE_CHUNK) {
		guint64 n = MIN(PAGE_CHUNK, count - c);
		guint64 pfn0 = first + c;

		if (!ol_xlat_try_read(x, mem_map + pfn0 * l->page_size, buf, n * l->page_size))
			continue; /* a hole in the memory map: nothing known */
		for (guint64 i = 0; i < n; i++)
			classify(s, pfn0 + i, buf + i * l->page_size);
	}
}

gboolean ol_unneeded_pages(OlDump *in, OlXlat *x, guint64 max_pfn, guint kinds, guint8 *bitmap,
			   OlUnneeded *counts)
{
	g_autoptr(GArray) secs = NULL;
	PageLayout l;
	guint shift;
	Scan s = {.l = &l, .kinds = kinds, .max_pfn = max_pfn, .bitmap = bitmap, .counts = counts};

	memset(counts, 0, sizeof(*counts));
	if (!page_layout(in, &l) || !ol_mem_sections(in, x, &secs, &shift))
		return FALSE;
	for (guint i = 0; i < secs->len; i++) {
		const OlMemSection *sec = &g_array_index(secs, OlMemSection, i);

		if ((sec->map & SECTION_HAS_MEM_MAP) && (sec->nr << shift) < max_pfn)
			scan_section(&s, x, sec, shift);
	}
	return TRUE;
}
