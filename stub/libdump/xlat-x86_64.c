/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86_64 page-table walk over a dump (docs/page-walk.md, sections 1 to 4).
 *
 *  - 4-level (PGD PUD PMD PTE) and 5-level (PGD P4D PUD PMD PTE) paging, as
 *    Linux names the levels.  1 GiB leaves at PUD, 2 MiB at PMD (PS, bit 7);
 *    PS in PGD/P4D entries is reserved and ignored.
 *  - Entry address bits 51..12 (0x000ffffffffff000); in large-page entries
 *    bit 12 is PAT, so the 2 MiB / 1 GiB masks also clear the bits below the
 *    page size.  NX, protection keys and software bits are ignored.
 *  - The SME C-bit (NUMBER(sme_mask)) is cleared from every entry first.
 *  - Page-table entries are read in place with ol_dump_phys_ptr(); a table
 *    page that is not in the dump is a NOT_PRESENT error naming it.
 */
#include <stdarg.h>
#include <stdio.h>

#include "dump-private.h"
#include "vmcoreinfo.h"
#include "xlat.h"

#define PTE_PRESENT (G_GUINT64_CONSTANT(1) << 0)
#define PTE_PS (G_GUINT64_CONSTANT(1) << 7)
#define PTE_ADDR_MASK G_GUINT64_CONSTANT(0x000ffffffffff000)
#define CR0_PG (G_GUINT64_CONSTANT(1) << 31)
#define CR3_PTI_USER (G_GUINT64_CONSTANT(1) << 12)
#define CR4_LA57 (G_GUINT64_CONSTANT(1) << 12)
#define PAGE_4K G_GUINT64_CONSTANT(0x1000)
#define PAGE_2M G_GUINT64_CONSTANT(0x200000)
#define PAGE_1G G_GUINT64_CONSTANT(0x40000000)
/* The KASLR text window: __START_KERNEL_map + 1 GiB (KERNEL_IMAGE_SIZE max). */
#define KTEXT_END (OL_XLAT_START_KERNEL_MAP + PAGE_1G)

/*
 * Translation cache.  gdb reads the same few pages over and over (a stack, a
 * task_struct, a list it walks) in packets of a few hundred bytes, so most
 * lookups repeat a recent one.  Two direct-mapped tables, no allocation:
 *  - 4 KiB leaves: 512 entries indexed by VA page number bits 8..0, so
 *    consecutive pages never collide.  They cover a 2 MiB working set of
 *    4 KiB pages (vmalloc'd stacks, module data, kernel data split by
 *    set_memory_*), far more than one gdb command touches.
 *  - 2 MiB and 1 GiB leaves (the direct map, most kernel text): 64 entries
 *    indexed by VA bits 26..21, one per 2 MiB block, covering 128 MiB, so
 *    a random walk over slab objects in the direct map rarely walks.
 * 576 x 24 bytes = 13.5 KiB stays in the CPU's L1/L2; a miss costs a 4- or
 * 5-step walk (about 0.1 us on the lab dumps), so bigger tables would buy
 * little.  The dump never changes, so nothing is ever invalidated.
 */
#define TLB_BITS 9
#define TLB_SIZE (1u << TLB_BITS)
#define LTLB_BITS 6
#define LTLB_SIZE (1u << LTLB_BITS)
#define TLB_NONE G_MAXUINT64 /* no VA >> 12 (at most 2^52 - 1) is this */

struct tlb_entry {
	guint64 tag;  /* 4 KiB table: va >> 12; large: va >> 21; or TLB_NONE */
	guint64 pa;   /* PA of that 4 KiB page / 2 MiB block */
	guint64 size; /* leaf page size */
};

struct OlXlat {
	OlDump *dump; /* borrowed */
	guint64 root;
	int levels;
	guint64 sme_mask;
	char root_source[48];

	gboolean have_kerneloffset; /* VMCOREINFO KERNELOFFSET */
	guint64 kerneloffset;
	gboolean have_phys_base; /* VMCOREINFO NUMBER(phys_base) */
	gint64 phys_base;
	gboolean have_text; /* page-table search result */
	guint64 text_va, text_pa;
	guint64 link_text;

	struct tlb_entry tlb[TLB_SIZE];   /* 4 KiB leaves */
	struct tlb_entry ltlb[LTLB_SIZE]; /* 2 MiB and 1 GiB leaves */
};

typedef enum {
	WALK_OK,
	WALK_NONCANONICAL,
	WALK_NOT_PRESENT, /* entry at .level not present */
	WALK_NO_TABLE,    /* the table page holding .level's entry is not in the dump */
} WalkStatus;

typedef struct {
	guint64 pa, size; /* WALK_OK */
	int level;        /* 1 = PTE ... levels = top */
	guint64 entry_pa;
} Walk;

static const char *level_name(const OlXlat *x, int level)
{
	switch (level) {
	case 1:
		return "PTE";
	case 2:
		return "PMD";
	case 3:
		return "PUD";
	case 4:
		return x->levels == 5 ? "P4D" : "PGD";
	default:
		return "PGD";
	}
}

static inline gboolean canonical(const OlXlat *x, guint64 va)
{
	guint bits = x->levels == 5 ? 56 : 47;
	guint64 top = va >> bits;
	return top == 0 || top == G_MAXUINT64 >> bits;
}

/* One 8-byte entry; FALSE if it is not in the dump. */
static inline gboolean read_entry(OlDump *d, guint64 pa, guint64 *e)
{
	gsize avail;
	const guint8 *p = ol_dump_phys_ptr(d, pa, &avail);
	guint8 b[8];
	GError *err;

	if (G_LIKELY(p && avail >= 8)) {
		*e = ol_le64(p);
		return TRUE;
	}
	err = ol_dump_read_phys(d, pa, b, sizeof(b));
	if (err) {
		g_error_free(err);
		return FALSE;
	}
	*e = ol_le64(b);
	return TRUE;
}

/* The uncached walk.  No allocation. */
static WalkStatus walk(const OlXlat *x, guint64 va, Walk *w)
{
	guint64 table;

	if (!canonical(x, va))
		return WALK_NONCANONICAL;
	table = x->root;
	for (int level = x->levels;; level--) {
		guint shift = 12 + 9 * (guint)(level - 1);
		guint64 epa = table + ((va >> shift) & 0x1ff) * 8;
		guint64 e;
		w->level = level;
		w->entry_pa = epa;
		if (!read_entry(x->dump, epa, &e))
			return WALK_NO_TABLE;
		e &= ~x->sme_mask;
		if (!(e & PTE_PRESENT))
			return WALK_NOT_PRESENT;
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			guint64 size = G_GUINT64_CONSTANT(1) << shift;
			w->pa = (e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			w->size = size;
			return WALK_OK;
		}
		table = e & PTE_ADDR_MASK;
	}
}

static GError *walk_error(const OlXlat *x, guint64 va, WalkStatus s, const Walk *w)
{
	switch (s) {
	case WALK_NONCANONICAL:
		return ol_dump_error(x->dump, OL_DUMP_ERROR_NOT_PRESENT,
				     "virtual address " X64 " not mapped (non-canonical for %d-level paging)",
				     va, x->levels);
	case WALK_NOT_PRESENT:
		return ol_dump_error(x->dump, OL_DUMP_ERROR_NOT_PRESENT,
				     "virtual address " X64 " not mapped (%s entry not present, entry at physical " X64 ")",
				     va, level_name(x, w->level), w->entry_pa);
	case WALK_NO_TABLE:
		return ol_dump_error(x->dump, OL_DUMP_ERROR_NOT_PRESENT,
				     "virtual address " X64 " not mapped (%s table page at physical " X64 " is not in the dump)",
				     va, level_name(x, w->level), w->entry_pa & ~(PAGE_4K - 1));
	case WALK_OK:
		break;
	}
	g_assert_not_reached();
}

GError *ol_xlat_translate(OlXlat *x, guint64 va, guint64 *pa, guint64 *page_size)
{
	/* A VA is mapped by exactly one leaf, so it can hit in one table only. */
	guint64 vpn = va >> 12, vbn = va >> 21;
	struct tlb_entry *t = &x->tlb[vpn & (TLB_SIZE - 1)];
	struct tlb_entry *l;
	Walk w;
	WalkStatus s;

	if (t->tag == vpn) {
		*pa = t->pa | (va & (PAGE_4K - 1));
		*page_size = t->size;
		return NULL;
	}
	l = &x->ltlb[vbn & (LTLB_SIZE - 1)];
	if (l->tag == vbn) {
		*pa = l->pa | (va & (PAGE_2M - 1));
		*page_size = l->size;
		return NULL;
	}

	s = walk(x, va, &w);
	if (s != WALK_OK)
		return walk_error(x, va, s, &w);
	if (w.size == PAGE_4K) {
		t->tag = vpn;
		t->pa = w.pa & ~(PAGE_4K - 1);
	} else {
		t = l;
		t->tag = vbn;
		t->pa = w.pa & ~(PAGE_2M - 1);
	}
	t->size = w.size;
	*pa = w.pa;
	*page_size = w.size;
	return NULL;
}

/* Copy N bytes of physically contiguous memory at PA (VA is for messages).
 * *got = bytes copied. */
static GError *copy_phys(OlXlat *x, guint64 va, guint64 pa, guint8 *dst, gsize n, gsize *got)
{
	gsize off = 0;
	while (off < n) {
		gsize avail, m;
		const guint8 *p = ol_dump_phys_ptr(x->dump, pa + off, &avail);
		const struct ol_range *r;
		GError *err;

		if (G_LIKELY(p)) {
			m = MIN(n - off, avail);
			memcpy(dst + off, p, m);
			off += m;
			continue;
		}
		/* Not plain bytes in the mapping (zeros past p_filesz, or a
		 * format with its own storage) or not present.  Stop exactly at
		 * the end of the range, and read at most up to the next page
		 * boundary so a format with page-sized holes inside a range
		 * still fails at the right page. */
		r = ol_ranges_find(x->dump, pa + off);
		err = NULL;
		if (r) {
			guint64 in_range = r->size - (pa + off - r->start);
			m = (gsize)MIN((guint64)(n - off), in_range);
			m = MIN(m, (gsize)(PAGE_4K - ((pa + off) & (PAGE_4K - 1))));
			err = ol_dump_read_phys(x->dump, pa + off, dst + off, m);
		}
		if (err && !g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT)) {
			/* Excluded (strict mode) or damaged: keep the reason,
			 * which names the file offset. */
			const char *path = ol_dump_path(x->dump);
			const char *why = err->message;
			GError *e2;

			if (g_str_has_prefix(why, path) && g_str_has_prefix(why + strlen(path), ": "))
				why += strlen(path) + 2;
			e2 = ol_dump_error(x->dump, (OlDumpError)err->code, "virtual address " X64 ": %s",
					   va + off, why);
			g_error_free(err);
			*got = off;
			return e2;
		}
		if (!r || err) {
			if (err)
				g_error_free(err);
			*got = off;
			return ol_dump_error(x->dump, OL_DUMP_ERROR_NOT_PRESENT,
					     "virtual address " X64 " (physical " X64 ") is not in the dump",
					     va + off, pa + off);
		}
		off += m;
	}
	*got = n;
	return NULL;
}

GError *ol_xlat_read(OlXlat *x, guint64 va, void *buf, gsize len, gsize *done)
{
	guint8 *dst = buf;
	gsize copied = 0;
	GError *err = NULL;
	while (copied < len) {
		guint64 pa, size;
		guint64 in_page;
		gsize n;
		gsize got;

		err = ol_xlat_translate(x, va, &pa, &size);
		if (err)
			break;
		in_page = size - (va & (size - 1));
		n = (gsize)MIN((guint64)(len - copied), in_page);
		err = copy_phys(x, va, pa, dst + copied, n, &got);
		copied += got;
		va += got; /* modulo 2^64, as the CPU would */
		if (err)
			break;
	}
	*done = copied;
	return err;
}

/* ---- kernel text search (crash's page-table method, docs/page-walk.md section 4) ---- */

static gboolean scan_kernel_text(const OlXlat *x, guint64 *va_out, guint64 *pa_out)
{
	guint64 va = OL_XLAT_START_KERNEL_MAP;
	while (va < KTEXT_END) {
		Walk w;
		WalkStatus s = walk(x, va, &w);
		int level;
		guint64 step;

		if (s == WALK_OK) {
			*va_out = va;
			*pa_out = w.pa;
			return TRUE;
		}
		if (s == WALK_NONCANONICAL || (s == WALK_NO_TABLE && w.level == x->levels))
			return FALSE;
		/* Skip what the missing entry (or the entry pointing at the
		 * missing table) covers; va stays aligned to it. */
		level = s == WALK_NO_TABLE ? w.level + 1 : w.level;
		step = G_GUINT64_CONSTANT(1) << (12 + 9 * (level - 1));
		va = (va & ~(step - 1)) + step;
		if (va == 0) /* wrapped: only if the window ever reached 2^64 */
			return FALSE;
	}
	return FALSE;
}

GError *ol_xlat_find_kernel_text(OlXlat *x, guint64 *va, guint64 *pa)
{
	if (!scan_kernel_text(x, va, pa))
		return ol_dump_error(x->dump, OL_DUMP_ERROR_NOT_PRESENT,
				     "no kernel text: nothing mapped in " X64 "-" X64 " (page-table root " X64 ", %s)",
				     OL_XLAT_START_KERNEL_MAP, KTEXT_END - 1, x->root, x->root_source);
	return NULL;
}

gboolean ol_xlat_kaslr_offset(OlXlat *x, guint64 *offset)
{
	if (x->have_kerneloffset) {
		*offset = x->kerneloffset;
		return TRUE;
	}
	if (x->have_text) {
		*offset = (x->text_va & ~(PAGE_2M - 1)) - x->link_text;
		return TRUE;
	}
	return FALSE;
}

void ol_xlat_set_link_text(OlXlat *x, guint64 link_text)
{
	x->link_text = link_text;
}

gint64 ol_xlat_phys_base(OlXlat *x)
{
	if (x->have_phys_base)
		return x->phys_base;
	if (x->have_text)
		return (gint64)(x->text_pa - (x->text_va - OL_XLAT_START_KERNEL_MAP));
	return 0;
}

guint64 ol_xlat_root(const OlXlat *x)
{
	return x->root;
}

int ol_xlat_levels(const OlXlat *x)
{
	return x->levels;
}

const char *ol_xlat_root_source(const OlXlat *x)
{
	return x->root_source;
}

const char *ol_xlat_kaslr_source(const OlXlat *x)
{
	if (x->have_kerneloffset)
		return "VMCOREINFO KERNELOFFSET";
	if (x->have_text)
		return "page tables";
	return "unknown";
}

/* ---- choosing the root -------------------------------------------------- */

static void add_reason(GString *why, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_reason(GString *why, const char *fmt, ...)
{
	va_list ap;
	if (why->len)
		g_string_append(why, "; ");
	va_start(ap, fmt);
	g_string_append_vprintf(why, fmt, ap);
	va_end(ap);
}

static gboolean root_in_dump(const OlXlat *x, guint64 root)
{
	return ol_ranges_cover(x->dump, root, PAGE_4K);
}

static gboolean root_from_vmcoreinfo(OlXlat *x, const char *info, gsize len, GString *why)
{
	const char *key = "SYMBOL(swapper_pg_dir)";
	guint64 pgd_va;
	g_autoptr(GError) err = ol_vmcoreinfo_get_u64(info, len, key, &pgd_va);
	gint64 l5;
	guint64 root;

	if (g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT)) {
		/* x86_64 exports the same table as init_top_pgt (4.13+). */
		g_clear_error(&err);
		key = "SYMBOL(init_top_pgt)";
		err = ol_vmcoreinfo_get_u64(info, len, key, &pgd_va);
		if (g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT)) {
			add_reason(why, "VMCOREINFO has no SYMBOL(swapper_pg_dir)");
			return FALSE;
		}
	}
	if (err) {
		add_reason(why, "%s", err->message);
		return FALSE;
	}
	if (!x->have_phys_base) {
		add_reason(why, "VMCOREINFO has %s but no usable NUMBER(phys_base)", key);
		return FALSE;
	}
	if (pgd_va < OL_XLAT_START_KERNEL_MAP) {
		add_reason(why, "VMCOREINFO %s=" X64 " is below __START_KERNEL_map", key, pgd_va);
		return FALSE;
	}
	l5 = 0;
	err = ol_vmcoreinfo_get_s64(info, len, "NUMBER(pgtable_l5_enabled)", &l5);
	if (err && !g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT)) {
		add_reason(why, "%s", err->message);
		return FALSE;
	}
	/* phys_base is signed: add it modulo 2^64. */
	root = pgd_va - OL_XLAT_START_KERNEL_MAP + (guint64)x->phys_base;
	if (root & (PAGE_4K - 1)) {
		add_reason(why, "VMCOREINFO %s gives page-table root " X64 ", not page-aligned", key, root);
		return FALSE;
	}
	if (!root_in_dump(x, root)) {
		add_reason(why, "VMCOREINFO %s gives page-table root " X64 ", not in the dump", key, root);
		return FALSE;
	}
	x->root = root;
	x->levels = l5 ? 5 : 4;
	/* "SYMBOL(swapper_pg_dir)" -> "VMCOREINFO swapper_pg_dir" */
	snprintf(x->root_source, sizeof(x->root_source), "VMCOREINFO %.*s",
		 (int)(strlen(key) - strlen("SYMBOL()")), key + strlen("SYMBOL("));
	return TRUE;
}

static gboolean root_from_cpus(OlXlat *x, GString *why)
{
	gboolean any = FALSE;
	for (guint i = 0; i < ol_dump_n_cpus(x->dump); i++) {
		const OlCpuNote *c = ol_dump_cpu(x->dump, i);
		guint64 full;
		guint64 root;

		if (!c->has_qemu || !(c->qemu.cr[0] & CR0_PG))
			continue;
		any = TRUE;
		/* Bits 11..0 are PCID (or PCD/PWT).  With PTI, bit 12 picks the
		 * user copy of the 8 KiB PGD pair, whose kernel half is little
		 * more than the entry trampoline: clear it.  But a kernel
		 * without CONFIG_PAGE_TABLE_ISOLATION (the lab kernel) has
		 * 4 KiB-aligned PGDs, and there bit 12 is just an address bit.
		 * Without vmlinux we cannot ask the kernel, so: clear it if the
		 * even page maps kernel text (a PTI kernel PGD, or a
		 * neighbouring PGD, which shares the kernel half), else keep
		 * it. */
		x->levels = (c->qemu.cr[4] & CR4_LA57) ? 5 : 4;
		full = c->qemu.cr[3] & PTE_ADDR_MASK & ~x->sme_mask;
		root = full & ~CR3_PTI_USER;
		if (root != full) {
			guint64 va, pa;
			x->root = root;
			if (!root_in_dump(x, root) || !scan_kernel_text(x, &va, &pa))
				root = full;
		}
		if (!root_in_dump(x, root)) {
			add_reason(why, "CPU %u CR3 " X64 " gives page-table root " X64 ", not in the dump",
				   i, c->qemu.cr[3], root);
			continue;
		}
		x->root = root;
		snprintf(x->root_source, sizeof(x->root_source), "CPU %u CR3", i);
		return TRUE;
	}
	if (!any)
		add_reason(why, "no QEMU CPU note with paging on (CR0.PG)");
	return FALSE;
}

GError *ol_xlat_new(OlDump *dump, OlXlat **out)
{
	g_autoptr(OlXlat) x = NULL;
	g_autoptr(GString) why = NULL;
	gsize len;
	const char *info;
	gboolean have_root;

	g_return_val_if_fail(dump != NULL && out != NULL, NULL);

	x = g_new0(OlXlat, 1);
	x->dump = dump;
	x->link_text = OL_XLAT_DEFAULT_LINK_TEXT;
	for (guint i = 0; i < TLB_SIZE; i++)
		x->tlb[i].tag = TLB_NONE;
	for (guint i = 0; i < LTLB_SIZE; i++)
		x->ltlb[i].tag = TLB_NONE;

	why = g_string_new(NULL);
	info = ol_dump_vmcoreinfo(dump, &len);
	have_root = FALSE;
	if (info) {
		gint64 sme = 0;
		g_autoptr(GError) err = ol_vmcoreinfo_get_s64(info, len, "NUMBER(sme_mask)", &sme);
		if (err && !g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT))
			/* Every entry depends on it: no guessing. */
			return ol_dump_error(dump, err->code, "%s", err->message);
		/* Printed with %ld; the mask is a set of high physical bits. */
		x->sme_mask = (guint64)sme;
		g_clear_error(&err);

		err = ol_vmcoreinfo_get_s64(info, len, "NUMBER(phys_base)", &x->phys_base);
		x->have_phys_base = err == NULL;
		g_clear_error(&err);
		/* A malformed KERNELOFFSET is ignored: the page tables tell. */
		err = ol_vmcoreinfo_get_u64(info, len, "KERNELOFFSET", &x->kerneloffset);
		x->have_kerneloffset = err == NULL;

		have_root = root_from_vmcoreinfo(x, info, len, why);
	} else {
		add_reason(why, "no VMCOREINFO");
	}
	if (!have_root)
		have_root = root_from_cpus(x, why);
	if (!have_root)
		return ol_dump_error(dump, OL_DUMP_ERROR_NOT_PRESENT, "no page-table root: %s", why->str);

	if (!x->have_kerneloffset || !x->have_phys_base)
		x->have_text = scan_kernel_text(x, &x->text_va, &x->text_pa);

	*out = g_steal_pointer(&x);
	return NULL;
}

void ol_xlat_free(OlXlat *x)
{
	g_free(x);
}

GError *ol_xlat_new_root(const OlXlat *kernel, guint64 root, const char *source, OlXlat **out)
{
	g_autoptr(OlXlat) x = g_memdup2(kernel, sizeof(*kernel));

	x->root = root & PTE_ADDR_MASK & ~x->sme_mask;
	g_snprintf(x->root_source, sizeof(x->root_source), "%s", source);
	for (guint i = 0; i < TLB_SIZE; i++)
		x->tlb[i].tag = TLB_NONE;
	for (guint i = 0; i < LTLB_SIZE; i++)
		x->ltlb[i].tag = TLB_NONE;
	if (!root_in_dump(x, x->root))
		return ol_dump_error(x->dump, OL_DUMP_ERROR_NOT_PRESENT,
				     "page-table root 0x%" G_GINT64_MODIFIER "x (%s) is not in the dump", x->root, source);
	*out = g_steal_pointer(&x);
	return NULL;
}

gboolean ol_xlat_try_read(OlXlat *x, guint64 va, void *buf, gsize len)
{
	gsize done;
	g_autoptr(GError) err = ol_xlat_read(x, va, buf, len, &done);

	return err == NULL;
}
