/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-kmem.h"

#include <string.h>

#include "cmd-util.h"

/* Bounds: pages read for SHARED (a 64 TiB machine), inodes of the block
 * device filesystem for BUFFERS. */
#define MAX_PFNS (G_GUINT64_CONSTANT(1) << 34)
#define MAX_BDEV_INODES 1000000u
#define PAGE 4096u

/* item NAME of the vmstat array SYMBOL (vm_zone_stat, vm_node_stat), by
 * its enumerator; 0 when this kernel has no such item. */
static guint64 vmstat(OlRd *r, const char *symbol, const char *name)
{
	gint64 idx;
	g_autoptr(GError) no = ol_dwarf_enumerator(ol_kmem_dwarf(r->t), name, &idx);
	gint64 v;

	if (no)
		return 0;
	v = (gint64)ol_rd_u64(r, ol_rd_symbol(r, symbol) + 8 * (guint64)idx);
	return v > 0 ? (guint64)v : 0;
}

static guint64 symbol_u64(OlRd *r, const char *name)
{
	guint64 addr;
	g_autoptr(GError) no = ol_kmem_symbol(r->t, name, &addr);

	return no ? 0 : ol_rd_u64(r, addr);
}

/* x86_64 SECTION_SIZE_BITS 27: 2^15 pages a memory section. The low bits
 * of section_mem_map are flags (SECTION_MAP_LAST_BIT is 1 << 5 in 6.1;
 * struct page is 8-byte aligned, so masking 3 more never hurts); the rest
 * is the section's mem_map minus its first pfn (sparse_encode_mem_map). */
#define PFN_SECTION_SHIFT 15
#define SECTION_MAP_MASK (~G_GUINT64_CONSTANT(0x3f))

/* struct page of PFN through mem_section (SPARSEMEM_EXTREME, with or
 * without VMEMMAP), or 0 when the section has no memory map. */
static guint64 pfn_page(OlRd *r, guint64 pfn, guint64 page_size)
{
	guint64 ms = symbol_u64(r, "mem_section"), ms_size = 0;
	guint64 nr = pfn >> PFN_SECTION_SHIFT, per_root, root, map;

	if (!ms || r->err || (r->err = ol_dwarf_sizeof(ol_kmem_dwarf(r->t), "mem_section", &ms_size)) ||
	    !ms_size)
		return 0;
	per_root = PAGE / ms_size;
	if (!(root = ol_rd_u64(r, ms + 8 * (nr / per_root))))
		return 0;
	map = ol_rd_member(r, root + ms_size * (nr % per_root), "mem_section", "section_mem_map") & SECTION_MAP_MASK;
	return map ? map + pfn * page_size : 0;
}

/* Pages with _refcount > 1 over the memory map, section by section;
 * reserved pages (the zero page among them) do not count, as in crash. */
static guint64 shared_pages(OlRd *r)
{
	guint64 max = MIN(symbol_u64(r, "max_pfn"), MAX_PFNS);
	guint64 size = 0, ref = ol_rd_off(r, "page", "_refcount"), flags = ol_rd_off(r, "page", "flags"), n = 0;
	guint8 buf[64 * 256];
	gint64 reserved = -1;
	GError *no_bit = ol_dwarf_enumerator(ol_kmem_dwarf(r->t), "PG_reserved", &reserved);

	if (no_bit) { /* an unknown flag layout: count reserved pages too */
		reserved = -1;
		g_error_free(no_bit);
	}
	if (r->err || (r->err = ol_dwarf_sizeof(ol_kmem_dwarf(r->t), "page", &size)) || !size ||
	    size > sizeof(buf))
		return 0;
	for (guint64 pfn = 0; pfn < max && !r->err;) {
		guint64 count = MIN(MIN(sizeof(buf) / size, max - pfn),
				    (((pfn >> PFN_SECTION_SHIFT) + 1) << PFN_SECTION_SHIFT) - pfn);
		guint64 page = pfn_page(r, pfn, size);
		gsize done = 0;
		GError *hole = page ? ol_kmem_read(r->t, page, buf, count * size, &done) : NULL;

		/* a hole in the dump (excluded pages): count what was read */
		g_clear_error(&hole);
		for (guint64 i = 0; i < done / size; i++) {
			gint32 c;
			guint64 f;

			memcpy(&c, buf + i * size + ref, 4);
			memcpy(&f, buf + i * size + flags, 8);
			n += c > 1 && !(reserved >= 0 && (f >> reserved) & 1);
		}
		pfn += count;
	}
	return n;
}

/* nr_blockdev_pages(): the page cache of the block devices' inodes. */
static guint64 buffer_pages(OlRd *r)
{
	guint64 sbp, sb, head, pos, link, n = 0;
	guint count = 0;
	g_autoptr(GError) no = ol_kmem_symbol(r->t, "blockdev_superblock", &sbp);

	if (no || !(sb = ol_rd_u64(r, sbp)))
		return 0;
	head = sb + ol_rd_off(r, "super_block", "s_inodes");
	link = ol_rd_off(r, "inode", "i_sb_list");
	for (pos = ol_rd_u64(r, head); pos != head && !r->err && count++ < MAX_BDEV_INODES;
	     pos = ol_rd_u64(r, pos)) {
		guint64 mapping = ol_rd_member(r, pos - link, "inode", "i_mapping");

		n += mapping ? ol_rd_member(r, mapping, "address_space", "nrpages") : 0;
	}
	return n;
}

/* 1.7 MB, 12 MB, 0: one decimal, none when it is .0 */
static char *size_text(guint64 pages)
{
	static const char *const units[] = {"KB", "MB", "GB", "TB"};
	double v = (double)pages * PAGE / 1024;
	guint u = 0;
	g_autofree char *num = NULL;

	if (!pages)
		return g_strdup("0");
	while (v >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
		v /= 1024;
		u++;
	}
	num = g_strdup_printf("%.1f", v);
	if (g_str_has_suffix(num, ".0"))
		num[strlen(num) - 2] = 0;
	return g_strdup_printf("%s %s", num, units[u]);
}

static void row(GString *out, const char *name, guint64 pages, guint64 of, const char *of_name)
{
	g_autofree char *size = size_text(pages);

	g_string_append_printf(out, "%13s  %7" G_GINT64_MODIFIER "u  %11s  ", name, pages, size);
	if (!of_name)
		g_string_append(out, "       ----\n");
	else
		g_string_append_printf(out, "%3" G_GINT64_MODIFIER "u%% of TOTAL %s\n",
				       of ? pages * 100 / of : 0, of_name);
}

/* Huge pages of the default size: hstates[default_hstate_idx]. */
static void huge_pages(OlRd *r, guint64 *total, guint64 *free)
{
	guint64 hstates, idx_addr, h;
	guint64 size = 0;

	*total = *free = 0;
	/* no hugetlbfs in this kernel: none */
	if (r->err || !ol_kmem_try_symbol(r->t, "hstates", &hstates) ||
	    !ol_kmem_try_symbol(r->t, "default_hstate_idx", &idx_addr) ||
	    (r->err = ol_dwarf_sizeof(ol_kmem_dwarf(r->t), "hstate", &size)))
		return;
	h = hstates + size * ol_rd_u32(r, idx_addr);
	*total = ol_rd_member(r, h, "hstate", "nr_huge_pages") << ol_rd_member(r, h, "hstate", "order");
	*free = ol_rd_member(r, h, "hstate", "free_huge_pages") << ol_rd_member(r, h, "hstate", "order");
}

/* percpu_counter_sum(): the count and every CPU's unfolded part. */
static gint64 percpu_counter(OlRd *r, guint64 counter)
{
	gint64 sum = (gint64)ol_rd_member(r, counter, "percpu_counter", "count");
	guint64 pcp = ol_rd_member(r, counter, "percpu_counter", "counters");
	guint64 offsets = ol_rd_symbol(r, "__per_cpu_offset");

	for (guint cpu = 0; cpu < ol_dump_n_cpus(ol_kmem_dump(r->t)) && !r->err; cpu++)
		sum += (gint32)ol_rd_u32(r, ol_rd_u64(r, offsets + 8 * cpu) + pcp);
	return sum;
}

char *ol_cmd_kmem(OlKmem *t, const char *args, GError **error)
{
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GString) out = g_string_new("                 PAGES        TOTAL      PERCENTAGE\n");
	guint64 total, free, shared, buffers, cached, slab, htotal, hfree, stotal, sfree, limit;
	gint64 committed;

	if (!g_str_equal(args, "-i")) {
		*error = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "only kmem -i (the memory summary) is here");
		return NULL;
	}
	total = symbol_u64(&r, "_totalram_pages") ? symbol_u64(&r, "_totalram_pages") : symbol_u64(&r, "totalram_pages");
	free = vmstat(&r, "vm_zone_stat", "NR_FREE_PAGES");
	shared = shared_pages(&r);
	buffers = buffer_pages(&r);
	cached = vmstat(&r, "vm_node_stat", "NR_FILE_PAGES") - vmstat(&r, "vm_node_stat", "NR_SWAPCACHE") - buffers;
	slab = vmstat(&r, "vm_node_stat", "NR_SLAB_RECLAIMABLE_B") + vmstat(&r, "vm_node_stat", "NR_SLAB_UNRECLAIMABLE_B");
	huge_pages(&r, &htotal, &hfree);
	stotal = symbol_u64(&r, "total_swap_pages");
	sfree = symbol_u64(&r, "nr_swap_pages");
	limit = (total - htotal) * symbol_u64(&r, "sysctl_overcommit_ratio") / 100 + stotal;
	committed = percpu_counter(&r, ol_rd_symbol(&r, "vm_committed_as"));
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	row(out, "TOTAL MEM", total, 0, NULL);
	row(out, "FREE", free, total, "MEM");
	row(out, "USED", total - free, total, "MEM");
	row(out, "SHARED", shared, total, "MEM");
	row(out, "BUFFERS", buffers, total, "MEM");
	row(out, "CACHED", cached, total, "MEM");
	row(out, "SLAB", slab, total, "MEM");
	g_string_append_c(out, '\n');
	row(out, "TOTAL HUGE", htotal, 0, NULL);
	row(out, "HUGE FREE", hfree, htotal, "HUGE");
	g_string_append_c(out, '\n');
	row(out, "TOTAL SWAP", stotal, 0, NULL);
	row(out, "SWAP USED", stotal - sfree, stotal, "SWAP");
	row(out, "SWAP FREE", sfree, stotal, "SWAP");
	g_string_append_c(out, '\n');
	row(out, "COMMIT LIMIT", limit, 0, NULL);
	row(out, "COMMITTED", committed > 0 ? (guint64)committed : 0, limit, "LIMIT");
	return g_string_free(g_steal_pointer(&out), FALSE);
}
