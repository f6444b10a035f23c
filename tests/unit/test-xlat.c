/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x86_64 address translation (xlat.h) against page tables built by dumpgen
 * in synthetic dumps. */
#include <glib/gstdio.h>
#include <string.h>

#include "dump.h"
#include "dumpgen.h"
#include "xlat.h"

#define K4 G_GUINT64_CONSTANT(0x1000)
#define M2 G_GUINT64_CONSTANT(0x200000)
#define G1 G_GUINT64_CONSTANT(0x40000000)
#define START_KERNEL_MAP G_GUINT64_CONSTANT(0xffffffff80000000)
#define KTEXT G_GUINT64_CONSTANT(0xffffffff81000000)

/* Guest-physical layout of every test dump:
 *   [0, 4M)            stored; page tables in POOL = [1M, 2M)
 *   [4M, 6M)           hole
 *   [6M, 8M)           stored
 *   [8M, 8M + 8K)      first 4K stored, then zeros (p_memsz > p_filesz)
 *   [9M, 9M + 2K)      a range ending in the middle of a page
 *   [1G, 1G + 64K)     stored, for reads from a 1 GiB page */
#define POOL G_GUINT64_CONSTANT(0x100000)
#define POOL_SIZE G_GUINT64_CONSTANT(0x100000)
#define DATA G_GUINT64_CONSTANT(0x200000) /* [2M, 4M): free for data pages */
#define HOLE G_GUINT64_CONSTANT(0x400000)
#define HIGH G_GUINT64_CONSTANT(0x600000)
#define TAIL G_GUINT64_CONSTANT(0x800000)
#define SHORT G_GUINT64_CONSTANT(0x900000)
#define GIG G1

/* VAs used by several tests (4-level, kernel half). */
#define VMALLOC G_GUINT64_CONSTANT(0xffffc90000000000)
#define DMAP G_GUINT64_CONSTANT(0xffff888000000000)

/* ---- helpers ---------------------------------------------------------- */

static DumpGen *gen_new(DumpGenFlavour flavour)
{
	DumpGen *g = dumpgen_new(flavour);
	dumpgen_add_load(g, 0, HOLE, HOLE);
	dumpgen_add_load(g, HIGH, M2, M2);
	dumpgen_add_load(g, TAIL, 2 * K4, K4);
	dumpgen_add_load(g, SHORT, 0x800, 0x800);
	dumpgen_add_load(g, GIG, 0x10000, 0x10000);
	return g;
}

static char *vmcoreinfo(guint64 root, gint64 phys_base, int levels, const char *extra)
{
	return g_strdup_printf("OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
			       "SYMBOL(swapper_pg_dir)=%" G_GINT64_MODIFIER "x\n"
			       "NUMBER(phys_base)=%" G_GINT64_FORMAT "\n"
			       "NUMBER(pgtable_l5_enabled)=%d\n%s",
			       root - (guint64)phys_base + START_KERNEL_MAP, phys_base, levels == 5,
			       extra ? extra : "");
}

/* A QEMU dump whose VMCOREINFO points at PT's root (phys_base 0). */
static void set_vmcoreinfo_root(DumpGen *g, const DumpGenPt *pt, int levels, const char *extra)
{
	g_autofree char *v = vmcoreinfo(dumpgen_pt_root(pt), 0, levels, extra);
	dumpgen_set_vmcoreinfo(g, v);
}

static OlDump *open_gen(DumpGen *g)
{
	g_autoptr(GByteArray) b = dumpgen_build(g, NULL);
	g_autofree char *path = dumpgen_write_temp(b);
	OlDump *d = NULL;
	g_autoptr(GError) err = ol_dump_open(path, &d);
	g_unlink(path); /* the mapping keeps the data */
	g_assert_no_error(err);
	return d;
}

static OlXlat *xlat_ok(OlDump *d)
{
	OlXlat *x = NULL;
	g_autoptr(GError) err = ol_xlat_new(d, &x);
	g_assert_no_error(err);
	g_assert_nonnull(x);
	return x;
}

/* ERR must be OL_DUMP_ERROR/CODE, one line, start with D's path and contain
 * SUBSTR (if not NULL).  Frees ERR. */
static void expect_error(const OlDump *d, GError *err, OlDumpError code, const char *substr)
{
	g_assert_nonnull(err);
	if (!g_error_matches(err, OL_DUMP_ERROR, code))
		g_error("expected code %d, got %d: %s", code, err->code, err->message);
	g_assert_true(g_str_has_prefix(err->message, ol_dump_path(d)));
	g_assert_null(strchr(err->message, '\n'));
	if (substr && !strstr(err->message, substr))
		g_error("error message \"%s\" lacks \"%s\"", err->message, substr);
	g_test_message("%s", err->message);
	g_error_free(err);
}

static void expect_translate(OlXlat *x, guint64 va, guint64 pa, guint64 size)
{
	guint64 got_pa = 0, got_size = 0;
	g_autoptr(GError) err = ol_xlat_translate(x, va, &got_pa, &got_size);
	g_assert_no_error(err);
	if (got_pa != pa || got_size != size)
		g_error("va " X64 ": got pa " X64 " size " X64 ", expected pa " X64 " size " X64, va,
			got_pa, got_size, pa, size);
}

/* VA must read LEN bytes equal to the generator's bytes at PA. */
static void expect_read(OlXlat *x, guint64 va, guint64 pa, gsize len)
{
	g_autofree guint8 *buf = g_malloc(len);
	gsize done = 12345;
	g_autoptr(GError) err = ol_xlat_read(x, va, buf, len, &done);
	g_assert_no_error(err);
	g_assert_cmpuint(done, ==, len);
	for (gsize i = 0; i < len; i++)
		if (buf[i] != dumpgen_byte(pa + i))
			g_error("va " X64 "+%" G_GSIZE_FORMAT ": got %02x, expected %02x (pa " X64 ")", va,
				i, buf[i], dumpgen_byte(pa + i), pa + i);
}

static void expect_not_mapped(OlDump *d, OlXlat *x, guint64 va, const char *substr)
{
	guint64 pa = 0x1111, size = 0x2222;
	g_autofree char *name = g_strdup_printf("virtual address " X64 " not mapped", va);
	GError *err = ol_xlat_translate(x, va, &pa, &size);
	guint8 buf[8];
	gsize done;

	g_assert_cmphex(pa, ==, 0x1111); /* out-params untouched */
	g_assert_cmphex(size, ==, 0x2222);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, name));
	expect_error(d, err, OL_DUMP_ERROR_NOT_PRESENT, substr);

	done = 99;
	err = ol_xlat_read(x, va, buf, sizeof(buf), &done);
	g_assert_cmpuint(done, ==, 0);
	expect_error(d, err, OL_DUMP_ERROR_NOT_PRESENT, substr);
}

/* "PMD entry not present, entry at physical 0x..." for VA at LEVEL. */
static char *not_present_text(const DumpGenPt *pt, guint64 va, int level, const char *name)
{
	guint64 e = dumpgen_pt_entry_addr(pt, va, level);
	g_assert_cmphex(e, !=, 0);
	return g_strdup_printf("(%s entry not present, entry at physical " X64 ")", name, e);
}

/* ---- page sizes, 4- and 5-level -------------------------------------- */

static void test_page_sizes(gconstpointer data)
{
	int levels = GPOINTER_TO_INT(data);
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, levels, POOL, POOL_SIZE);
	guint64 dmap;
	guint64 vmalloc;
	guint64 va4k, va2m, va1g;
	guint64 pat2m, pat1g;
	guint64 e;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	guint8 buf[16];
	gsize done;

	/* NX, protection keys and software bits set everywhere: ignored. */
	dumpgen_pt_set_entry_bits(pt, DUMPGEN_PTE_NX | (G_GUINT64_CONSTANT(0xf) << 59) |
					      (G_GUINT64_CONSTANT(0x7f) << 52) | (1u << 5) | (1u << 6));

	dmap = levels == 5 ? G_GUINT64_CONSTANT(0xff11000000000000) : DMAP;
	vmalloc = levels == 5 ? G_GUINT64_CONSTANT(0xffa0000000000000) : VMALLOC;
	va4k = vmalloc + 0x1000;
	va2m = dmap + M2;
	va1g = dmap + G1;
	pat2m = dmap + 2 * M2;
	pat1g = dmap + 2 * G1;
	dumpgen_pt_map(pt, va4k, DATA + 0x3000, K4);
	dumpgen_pt_map(pt, va4k + K4, HIGH + 0x5000, K4);
	dumpgen_pt_map(pt, va2m, HIGH, M2);
	dumpgen_pt_map(pt, va1g, GIG, G1);
	dumpgen_pt_map(pt, pat2m, DATA, M2);
	dumpgen_pt_map(pt, pat1g, GIG, G1);
	dumpgen_pt_map(pt, KTEXT, DATA + 0x7000, K4);
	/* PAT (bit 12) in large-page entries is not an address bit. */
	e = dumpgen_pt_entry_addr(pt, pat2m, 2);
	dumpgen_poke64(g, e, dumpgen_peek64(g, e) | 0x1000);
	e = dumpgen_pt_entry_addr(pt, pat1g, 3);
	dumpgen_poke64(g, e, dumpgen_peek64(g, e) | 0x1000);
	set_vmcoreinfo_root(g, pt, levels, NULL);

	d = open_gen(g);
	x = xlat_ok(d);
	g_assert_cmpint(ol_xlat_levels(x), ==, levels);
	g_assert_cmphex(ol_xlat_root(x), ==, dumpgen_pt_root(pt));

	expect_translate(x, va4k, DATA + 0x3000, K4);
	expect_translate(x, va4k + 0x123, DATA + 0x3123, K4);
	expect_translate(x, va4k + K4 + 0xfff, HIGH + 0x5fff, K4);
	expect_translate(x, va2m + 0x12345, HIGH + 0x12345, M2);
	expect_translate(x, va2m + M2 - 1, HIGH + M2 - 1, M2);
	expect_translate(x, va1g + 0x1234, GIG + 0x1234, G1);
	expect_translate(x, va1g + 0x3ffffff8, GIG + 0x3ffffff8, G1);
	expect_translate(x, pat2m + 0x1800, DATA + 0x1800, M2);
	expect_translate(x, pat1g + 0x10, GIG + 0x10, G1);
	expect_translate(x, KTEXT + 0x42, DATA + 0x7042, K4);

	expect_read(x, va4k + 0x10, DATA + 0x3010, 100);
	expect_read(x, va2m + 0x1fff0, HIGH + 0x1fff0, 0x40); /* crosses a 4K boundary in the page */
	expect_read(x, va1g + 0x100, GIG + 0x100, 0x1000);
	expect_read(x, pat2m + 0x1234, DATA + 0x1234, 64);
	expect_read(x, KTEXT, DATA + 0x7000, K4);

	/* The 1 GiB page maps memory the dump does not hold. */
	done = 99;
	expect_error(d, ol_xlat_read(x, va1g + 0x20000, buf, sizeof(buf), &done),
		     OL_DUMP_ERROR_NOT_PRESENT, "(physical 0x40020000) is not in the dump");
	g_assert_cmpuint(done, ==, 0);
}

/* ---- not present at each level, non-canonical ------------------------- */

static void test_not_present(gconstpointer data)
{
	int levels = GPOINTER_TO_INT(data);
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, levels, POOL, POOL_SIZE);
	guint64 base = levels == 5 ? G_GUINT64_CONSTANT(0xffa0000000000000) : VMALLOC;
	guint64 va = base + 0x5000;
	guint64 e;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	struct {
		guint64 va;
		int level;
		const char *name;
	} cases[] = {
		{ va + K4, 1, "PTE" },
		{ va + M2, 2, "PMD" },
		{ base + 4 * M2 + 0x10, 2, "PMD" },
		{ va + G1, 3, "PUD" },
		{ va + (G_GUINT64_CONSTANT(1) << 39), 4, levels == 5 ? "P4D" : "PGD" },
		{ va + (G_GUINT64_CONSTANT(1) << 48), 5, "PGD" },
	};

	dumpgen_pt_map(pt, va, DATA, K4);
	dumpgen_pt_map(pt, base + 4 * M2, DATA, M2);
	/* A 2 MiB leaf with its present bit cleared. */
	e = dumpgen_pt_entry_addr(pt, base + 4 * M2, 2);
	dumpgen_poke64(g, e, dumpgen_peek64(g, e) & ~DUMPGEN_PTE_PRESENT);
	set_vmcoreinfo_root(g, pt, levels, NULL);
	d = open_gen(g);
	x = xlat_ok(d);

	expect_translate(x, va, DATA, K4);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *want = NULL;

		if (cases[i].level > levels)
			continue;
		want = not_present_text(pt, cases[i].va, cases[i].level, cases[i].name);
		expect_not_mapped(d, x, cases[i].va, want);
	}
}

static void test_noncanonical(void)
{
	for (int levels = 4; levels <= 5; levels++) {
		g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
		g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, levels, POOL, POOL_SIZE);
		g_autoptr(OlDump) d = NULL;
		g_autoptr(OlXlat) x = NULL;
		g_autofree char *want = NULL;
		static const guint64 bad4[] = { G_GUINT64_CONSTANT(0x0000800000000000),
						G_GUINT64_CONSTANT(0xffff7fffffffffff),
						G_GUINT64_CONSTANT(0xff11000000000000),
						G_GUINT64_CONSTANT(0x8000000000000000) };
		static const guint64 bad5[] = { G_GUINT64_CONSTANT(0x0100000000000000),
						G_GUINT64_CONSTANT(0xfeffffffffffffff),
						G_GUINT64_CONSTANT(0x8000000000000000) };
		const guint64 *bad;
		guint n;
		static const guint64 ok4[] = { 0, G_GUINT64_CONSTANT(0x00007fffffffffff),
					       G_GUINT64_CONSTANT(0xffff800000000000) };
		static const guint64 ok5[] = { G_GUINT64_CONSTANT(0x00ff800000000000),
					       G_GUINT64_CONSTANT(0xff00000000000000) };
		const guint64 *ok;

		set_vmcoreinfo_root(g, pt, levels, NULL);
		d = open_gen(g);
		x = xlat_ok(d);
		want = g_strdup_printf("(non-canonical for %d-level paging)", levels);

		bad = levels == 4 ? bad4 : bad5;
		n = levels == 4 ? G_N_ELEMENTS(bad4) : G_N_ELEMENTS(bad5);
		for (guint i = 0; i < n; i++)
			expect_not_mapped(d, x, bad[i], want);

		/* Canonical but unmapped: the top level answers. */
		ok = levels == 4 ? ok4 : ok5;
		n = levels == 4 ? G_N_ELEMENTS(ok4) : G_N_ELEMENTS(ok5);
		for (guint i = 0; i < n; i++)
			expect_not_mapped(d, x, ok[i], "(PGD entry not present");
	}
}

/* ---- a page-table page missing from the dump ---------------------------- */

static void test_missing_table(void)
{
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	guint64 va = VMALLOC + 0x3000;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	g_autoptr(DumpGen) g2 = NULL;
	g_autoptr(DumpGenPt) pt2 = NULL;
	g_autoptr(OlDump) d2 = NULL;
	g_autoptr(OlXlat) x2 = NULL;
	guint8 buf[64];
	gsize done;

	dumpgen_pt_map(pt, va, DATA, K4);
	/* From here on, tables land in the hole between PT_LOADs. */
	dumpgen_pt_set_pool(pt, HOLE, M2);
	dumpgen_pt_map(pt, va + M2, DATA, K4); /* new PTE table, at HOLE */
	dumpgen_pt_map(pt, va + G1, DATA, K4); /* new PMD table (HOLE + 4K) and PTE table */
	set_vmcoreinfo_root(g, pt, 4, NULL);
	d = open_gen(g);
	x = xlat_ok(d);

	expect_translate(x, va, DATA, K4);
	expect_not_mapped(d, x, va + M2, "(PTE table page at physical 0x400000 is not in the dump)");
	expect_not_mapped(d, x, va + G1 + 0x10, "(PMD table page at physical 0x401000 is not in the dump)");

	/* A read that runs from a mapped page into one whose table is missing. */
	g2 = gen_new(DUMPGEN_QEMU);
	pt2 = dumpgen_pt_new(g2, 4, POOL, POOL_SIZE);
	dumpgen_pt_map(pt2, VMALLOC + M2 - K4, DATA, K4); /* last page of a PTE table */
	dumpgen_pt_set_pool(pt2, HOLE, M2);
	dumpgen_pt_map(pt2, VMALLOC + M2, DATA + K4, K4); /* first of the next, at HOLE */
	set_vmcoreinfo_root(g2, pt2, 4, NULL);
	d2 = open_gen(g2);
	x2 = xlat_ok(d2);
	done = 0;
	expect_error(d2, ol_xlat_read(x2, VMALLOC + M2 - 16, buf, sizeof(buf), &done),
		     OL_DUMP_ERROR_NOT_PRESENT, "(PTE table page at physical 0x400000 is not in the dump)");
	g_assert_cmpuint(done, ==, 16);
	for (guint i = 0; i < 16; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(DATA + K4 - 16 + i));
}

/* ---- SME C-bit ----------------------------------------------------------- */

#define SME_BIT (G_GUINT64_CONSTANT(1) << 47)

static void build_sme(DumpGen *g, DumpGenPt *pt)
{
	dumpgen_pt_set_entry_bits(pt, SME_BIT);
	dumpgen_pt_map(pt, VMALLOC, DATA + 0x9000, K4);
	dumpgen_pt_map(pt, DMAP + M2, HIGH, M2);
	dumpgen_pt_map(pt, DMAP + G1, GIG, G1);
}

static void test_sme_mask(void)
{
	/* sme_mask from VMCOREINFO: cleared from every entry. */
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	g_autofree char *extra = NULL;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	g_autoptr(DumpGen) g2 = NULL;
	g_autoptr(DumpGenPt) pt2 = NULL;
	g_autoptr(OlDump) d2 = NULL;
	g_autoptr(OlXlat) x2 = NULL;
	g_autoptr(DumpGen) g3 = NULL;
	g_autoptr(DumpGenPt) pt3 = NULL;
	g_autoptr(OlDump) d3 = NULL;
	g_autoptr(OlXlat) x3 = NULL;
	g_autoptr(DumpGen) g4 = NULL;
	g_autoptr(DumpGenPt) pt4 = NULL;
	g_autoptr(OlDump) d4 = NULL;
	OlXlat *x4;

	build_sme(g, pt);
	extra = g_strdup_printf("NUMBER(sme_mask)=%" G_GUINT64_FORMAT "\n", SME_BIT);
	set_vmcoreinfo_root(g, pt, 4, extra);
	d = open_gen(g);
	x = xlat_ok(d);
	expect_translate(x, VMALLOC + 0x10, DATA + 0x9010, K4);
	expect_translate(x, DMAP + M2 + 0x10, HIGH + 0x10, M2);
	expect_translate(x, DMAP + G1 + 0x10, GIG + 0x10, G1);
	expect_read(x, VMALLOC + 0xff0, DATA + 0x9ff0, 16);

	/* Without it, the C-bit reads as an address bit: tables are "missing". */
	g2 = gen_new(DUMPGEN_QEMU);
	pt2 = dumpgen_pt_new(g2, 4, POOL, POOL_SIZE);
	build_sme(g2, pt2);
	set_vmcoreinfo_root(g2, pt2, 4, NULL);
	d2 = open_gen(g2);
	x2 = xlat_ok(d2);
	expect_not_mapped(d2, x2, VMALLOC, "PUD table page at physical 0x8000");

	/* Root from CR3 with the C-bit set (VMCOREINFO has only sme_mask). */
	g3 = gen_new(DUMPGEN_QEMU);
	pt3 = dumpgen_pt_new(g3, 4, POOL, POOL_SIZE);
	build_sme(g3, pt3);
	dumpgen_set_vmcoreinfo(g3, extra);
	dumpgen_add_cpu(g3, 1, 0x100, TRUE, 440);
	dumpgen_set_cpu_cr(g3, 0, 0, 0x80050033);
	dumpgen_set_cpu_cr(g3, 0, 3, dumpgen_pt_root(pt3) | SME_BIT);
	dumpgen_set_cpu_cr(g3, 0, 4, 0x6f0);
	d3 = open_gen(g3);
	x3 = xlat_ok(d3);
	g_assert_cmpstr(ol_xlat_root_source(x3), ==, "CPU 0 CR3");
	g_assert_cmphex(ol_xlat_root(x3), ==, dumpgen_pt_root(pt3));
	expect_translate(x3, DMAP + M2 + 0x10, HIGH + 0x10, M2);

	/* A malformed sme_mask is an error: no entry could be trusted. */
	g4 = gen_new(DUMPGEN_QEMU);
	pt4 = dumpgen_pt_new(g4, 4, POOL, POOL_SIZE);
	set_vmcoreinfo_root(g4, pt4, 4, "NUMBER(sme_mask)=0xzz\n");
	d4 = open_gen(g4);
	x4 = NULL;
	expect_error(d4, ol_xlat_new(d4, &x4), OL_DUMP_ERROR_CORRUPT, "NUMBER(sme_mask)");
	g_assert_null(x4);
}

/* ---- reads across pages -------------------------------------------------- */

static void test_read_partial(void)
{
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	guint64 va = VMALLOC + 0x10000;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	guint8 buf[8192];
	gsize done;

	dumpgen_pt_map(pt, va, DATA + 0x4000, K4);          /* then va + 4K unmapped */
	dumpgen_pt_map(pt, va + 0x10000, DATA + 0x5000, K4); /* then a page in the hole */
	dumpgen_pt_map(pt, va + 0x11000, HOLE + 0x3000, K4);
	dumpgen_pt_map(pt, va + 0x20000, TAIL, K4); /* then zeros past p_filesz */
	dumpgen_pt_map(pt, va + 0x21000, TAIL + K4, K4);
	dumpgen_pt_map(pt, va + 0x30000, SHORT, K4); /* range ends at SHORT + 0x800 */
	set_vmcoreinfo_root(g, pt, 4, NULL);
	d = open_gen(g);
	x = xlat_ok(d);

	done = 0;
	/* Into an unmapped page: 96 bytes, then the next page's error. */
	memset(buf, 0xee, sizeof(buf));
	expect_error(d, ol_xlat_read(x, va + 4000, buf, 200, &done), OL_DUMP_ERROR_NOT_PRESENT,
		     "virtual address 0xffffc90000011000 not mapped (PTE entry not present");
	g_assert_cmpuint(done, ==, 96);
	for (guint i = 0; i < 96; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(DATA + 0x4000 + 4000 + i));
	g_assert_cmphex(buf[96], ==, 0xee);

	/* Into a page whose memory the dump does not hold. */
	expect_error(d, ol_xlat_read(x, va + 0x10ff8, buf, 100, &done), OL_DUMP_ERROR_NOT_PRESENT,
		     "virtual address 0xffffc90000021000 (physical 0x403000) is not in the dump");
	g_assert_cmpuint(done, ==, 8);

	/* p_memsz > p_filesz reads as zeros, through the copying path. */
	g_assert_no_error(ol_xlat_read(x, va + 0x20ff0, buf, 0x20, &done));
	g_assert_cmpuint(done, ==, 0x20);
	for (guint i = 0; i < 16; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(TAIL + 0xff0 + i));
	for (guint i = 16; i < 32; i++)
		g_assert_cmphex(buf[i], ==, 0);

	/* A range that ends inside the page: exactly up to its end. */
	expect_error(d, ol_xlat_read(x, va + 0x30700, buf, 0x200, &done), OL_DUMP_ERROR_NOT_PRESENT,
		     "virtual address 0xffffc90000040800 (physical 0x900800) is not in the dump");
	g_assert_cmpuint(done, ==, 0x100);
	for (guint i = 0; i < 0x100; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(SHORT + 0x700 + i));

	/* Zero-length read. */
	g_assert_no_error(ol_xlat_read(x, 0x1234, buf, 0, &done));
	g_assert_cmpuint(done, ==, 0);
}

static void test_read_two_mappings(void)
{
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	guint64 va = VMALLOC + 0x40000;
	guint64 big;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	guint8 buf[300];
	gsize done;
	g_autofree guint8 *big_buf = NULL;

	/* Two neighbouring VA pages, physically in the opposite order. */
	dumpgen_pt_map(pt, va, DATA + 0x11000, K4);
	dumpgen_pt_map(pt, va + K4, DATA + 0xf000, K4);
	/* A 2 MiB page followed by a 4 KiB page elsewhere. */
	big = DMAP + 4 * M2;
	dumpgen_pt_map(pt, big, HIGH, M2);
	dumpgen_pt_map(pt, big + M2, DATA + 0x20000, K4);
	set_vmcoreinfo_root(g, pt, 4, NULL);
	d = open_gen(g);
	x = xlat_ok(d);

	done = 0;
	g_assert_no_error(ol_xlat_read(x, va + 4000, buf, 200, &done));
	g_assert_cmpuint(done, ==, 200);
	for (guint i = 0; i < 96; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(DATA + 0x11000 + 4000 + i));
	for (guint i = 96; i < 200; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(DATA + 0xf000 + i - 96));

	g_assert_no_error(ol_xlat_read(x, big + M2 - 100, buf, 300, &done));
	g_assert_cmpuint(done, ==, 300);
	for (guint i = 0; i < 100; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(HIGH + M2 - 100 + i));
	for (guint i = 100; i < 300; i++)
		g_assert_cmphex(buf[i], ==, dumpgen_byte(DATA + 0x20000 + i - 100));

	/* The whole 2 MiB page plus a bit, in one call. */
	big_buf = g_malloc(M2 + 64);
	g_assert_no_error(ol_xlat_read(x, big, big_buf, M2 + 64, &done));
	g_assert_cmpuint(done, ==, M2 + 64);
	for (guint64 i = 0; i < M2; i += 4093)
		g_assert_cmphex(big_buf[i], ==, dumpgen_byte(HIGH + i));
	g_assert_cmphex(big_buf[M2 + 63], ==, dumpgen_byte(DATA + 0x20000 + 63));
}

/* ---- the translation cache ------------------------------------------------ */

static void test_cache_evictions(void)
{
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	/* 4096 consecutive 4K pages (8 times any sane cache size) on a
	 * scrambled physical order; their PAs are not in the dump, only
	 * translated. */
	const guint n_seq = 4096;
	static const guint64 big_pa[2] = { DATA, HIGH };
	const guint64 far = VMALLOC + 0x100000000;
	const guint64 rd = VMALLOC + 0x200000000;
	const guint64 big = DMAP + 4 * G1, big_stride = 128 << 20;
	const guint64 gig = DMAP + 8 * G1;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	g_autoptr(GRand) r = NULL;

	for (guint i = 0; i < n_seq; i++)
		dumpgen_pt_map(pt, VMALLOC + i * K4, 0x10000000 + (guint64)(i ^ 0xa5a) * K4, K4);
	/* 64 pages 2 MiB apart: the same slot in any cache indexed by low
	 * VA page bits, told apart only by their tags. */
	for (guint i = 0; i < 64; i++)
		dumpgen_pt_map(pt, far + i * M2, 0x20000000 + i * K4, K4);
	/* 512 readable pages, permuted over [6M, 8M). */
	for (guint i = 0; i < 512; i++)
		dumpgen_pt_map(pt, rd + i * K4, HIGH + (guint64)(i ^ 0x15a) * K4, K4);
	/* And 2 MiB pages, to mix page sizes in the cache; the second lot
	 * 128 MiB apart, so they share a slot of a large-page cache indexed
	 * by VA bits above 21 too.  And a 1 GiB page, cached per 2 MiB. */
	for (guint i = 0; i < 16; i++)
		dumpgen_pt_map(pt, DMAP + i * M2, (i & 1) ? HIGH : DATA, M2);
	for (guint i = 0; i < 8; i++)
		dumpgen_pt_map(pt, big + i * big_stride, big_pa[i % 2], M2);
	dumpgen_pt_map(pt, gig, 5 * G1, G1);
	set_vmcoreinfo_root(g, pt, 4, NULL);
	d = open_gen(g);
	x = xlat_ok(d);

	r = g_rand_new_with_seed(42);
	for (guint round = 0; round < 30000; round++) {
		guint kind = (guint)g_rand_int_range(r, 0, 6);
		guint64 off = (guint64)g_rand_int_range(r, 0, 4096) & ~G_GUINT64_CONSTANT(7);
		if (kind == 0) {
			guint i = (guint)g_rand_int_range(r, 0, (gint32)n_seq);
			expect_translate(x, VMALLOC + i * K4 + off,
					 0x10000000 + (guint64)(i ^ 0xa5a) * K4 + off, K4);
		} else if (kind == 1) {
			guint i = (guint)g_rand_int_range(r, 0, 64);
			expect_translate(x, far + i * M2 + off, 0x20000000 + i * K4 + off, K4);
		} else if (kind == 2) {
			guint i = (guint)g_rand_int_range(r, 0, 512);
			expect_read(x, rd + i * K4 + off, HIGH + (guint64)(i ^ 0x15a) * K4 + off, 8);
		} else if (kind == 3) {
			guint i = (guint)g_rand_int_range(r, 0, 16);
			guint64 o = (guint64)g_rand_int_range(r, 0, (gint32)M2 - 8);
			expect_read(x, DMAP + i * M2 + o, ((i & 1) ? HIGH : DATA) + o, 8);
		} else if (kind == 4) {
			guint i = (guint)g_rand_int_range(r, 0, 8);
			guint64 o = (guint64)g_rand_int_range(r, 0, (gint32)M2 - 8);
			expect_read(x, big + i * big_stride + o, big_pa[i % 2] + o, 8);
		} else {
			guint64 o = (guint64)g_rand_int_range(r, 0, (gint32)G1);
			expect_translate(x, gig + o, 5 * G1 + o, G1);
		}
	}
	/* Ping-pong between two VAs of one slot. */
	for (guint i = 0; i < 100; i++) {
		guint j = i % 2 ? 7 : 39;
		expect_translate(x, far + j * M2 + 8, 0x20000000 + j * K4 + 8, K4);
	}
	/* A failed lookup does not poison the cache. */
	expect_not_mapped(d, x, VMALLOC + n_seq * K4, "(PMD entry not present");
	expect_translate(x, VMALLOC + 5 * K4, 0x10000000 + (guint64)(5 ^ 0xa5a) * K4, K4);
}

/* ---- choosing the root ---------------------------------------------------- */

/* A dump with a 2 MiB kernel text page at KTEXT, tables from POOL_AT, and
 * two CPUs: CPU 0 with paging off, CPU 1 with CR3 = root | CR3_LOW. */
static DumpGen *gen_cr3(int levels, guint64 pool_at, guint64 cr3_low, DumpGenPt **pt_out)
{
	DumpGen *g = gen_new(DUMPGEN_QEMU);
	DumpGenPt *pt = dumpgen_pt_new(g, levels, pool_at, POOL_SIZE / 2);
	dumpgen_pt_map(pt, KTEXT, DATA, M2);
	dumpgen_pt_map(pt, DMAP, 0, M2);
	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x200, TRUE, 432);
	dumpgen_set_cpu_cr(g, 0, 0, 0x11); /* PE, ET: no paging */
	dumpgen_set_cpu_cr(g, 0, 3, 0xdead000);
	dumpgen_set_cpu_cr(g, 1, 0, 0x80050033);
	dumpgen_set_cpu_cr(g, 1, 3, dumpgen_pt_root(pt) | cr3_low);
	dumpgen_set_cpu_cr(g, 1, 4, 0x3606f0 | (levels == 5 ? 0x1000 : 0));
	*pt_out = pt;
	return g;
}

/* The page-table root from VMCOREINFO. */
static void root_from_vmcoreinfo(void)
{
	/* VMCOREINFO wins over CR3. */
	{
		DumpGenPt *ptp;
		g_autoptr(DumpGen) g = gen_cr3(4, POOL, 0, &ptp);
		g_autoptr(DumpGenPt) pt = ptp;
		g_autoptr(OlDump) d = NULL;
		g_autoptr(OlXlat) x = NULL;

		set_vmcoreinfo_root(g, pt, 4, NULL);
		dumpgen_set_cpu_cr(g, 1, 3, 0x3000); /* a different, bogus CR3 */
		d = open_gen(g);
		x = xlat_ok(d);
		g_assert_cmpstr(ol_xlat_root_source(x), ==, "VMCOREINFO swapper_pg_dir");
		g_assert_cmphex(ol_xlat_root(x), ==, dumpgen_pt_root(pt));
		expect_read(x, KTEXT + 0x100, DATA + 0x100, 64);
	}
	/* init_top_pgt, the x86_64 name, when swapper_pg_dir is missing. */
	{
		DumpGenPt *ptp;
		g_autoptr(DumpGen) g = gen_cr3(4, POOL, 0, &ptp);
		g_autoptr(DumpGenPt) pt = ptp;
		g_autofree char *v = g_strdup_printf("SYMBOL(init_top_pgt)=%" G_GINT64_MODIFIER "x\nNUMBER(phys_base)=0\n",
						     dumpgen_pt_root(pt) + START_KERNEL_MAP);
		g_autoptr(OlDump) d = NULL;
		g_autoptr(OlXlat) x = NULL;

		dumpgen_set_vmcoreinfo(g, v);
		d = open_gen(g);
		x = xlat_ok(d);
		g_assert_cmpstr(ol_xlat_root_source(x), ==, "VMCOREINFO init_top_pgt");
		g_assert_cmphex(ol_xlat_root(x), ==, dumpgen_pt_root(pt));
	}
}

/* The page-table root from a CPU's CR3. */
static void root_from_cr3(void)
{
	/* CR3 of the first CPU with paging on; PCID bits and the PTI bit 12
	 * cleared (root 8 KiB-aligned, as PTI kernels allocate it). */
	for (int levels = 4; levels <= 5; levels++) {
		DumpGenPt *ptp;
		g_autoptr(DumpGen) g = gen_cr3(levels, POOL, 0x1000 | 0x5a5, &ptp);
		g_autoptr(DumpGenPt) pt = ptp;
		g_autoptr(OlDump) d = NULL;
		g_autoptr(OlXlat) x = NULL;

		g_assert_cmphex(dumpgen_pt_root(pt) & 0x1fff, ==, 0);
		d = open_gen(g);
		x = xlat_ok(d);
		g_assert_cmpstr(ol_xlat_root_source(x), ==, "CPU 1 CR3");
		g_assert_cmphex(ol_xlat_root(x), ==, dumpgen_pt_root(pt));
		g_assert_cmpint(ol_xlat_levels(x), ==, levels);
		expect_read(x, KTEXT + 0x1000, DATA + 0x1000, 64);
		expect_translate(x, DMAP + 0x1234, 0x1234, M2);
	}
	/* A kernel without PTI: the PGD sits on an odd page, so bit 12 is an
	 * address bit; the even page below maps nothing (zeros). */
	{
		DumpGenPt *ptp;
		g_autoptr(DumpGen) g = gen_cr3(4, POOL + 0x1000, 0x1000 | 0x3, &ptp);
		g_autoptr(DumpGenPt) pt = ptp;
		static const guint8 zeros[4096];
		g_autoptr(OlDump) d = NULL;
		g_autoptr(OlXlat) x = NULL;

		dumpgen_poke(g, POOL, zeros, sizeof(zeros));
		g_assert_cmphex(dumpgen_pt_root(pt), ==, POOL + 0x1000);
		d = open_gen(g);
		x = xlat_ok(d);
		g_assert_cmphex(ol_xlat_root(x), ==, POOL + 0x1000);
		expect_read(x, KTEXT + 0x1000, DATA + 0x1000, 64);
	}
	/* VMCOREINFO's root is not in the dump: fall back to CR3. */
	{
		DumpGenPt *ptp;
		g_autoptr(DumpGen) g = gen_cr3(4, POOL, 0, &ptp);
		g_autoptr(DumpGenPt) pt = ptp;
		g_autofree char *v = vmcoreinfo(HOLE, 0, 4, NULL);
		g_autoptr(OlDump) d = NULL;
		g_autoptr(OlXlat) x = NULL;

		dumpgen_set_vmcoreinfo(g, v);
		d = open_gen(g);
		x = xlat_ok(d);
		g_assert_cmpstr(ol_xlat_root_source(x), ==, "CPU 1 CR3");
		g_assert_cmphex(ol_xlat_root(x), ==, dumpgen_pt_root(pt));
	}
}

/* G gives no translator: NOT_PRESENT, with WANT in the message. */
static void expect_no_root(DumpGen *g, const char *want)
{
	g_autoptr(OlDump) d = open_gen(g);
	OlXlat *x = NULL;

	expect_error(d, ol_xlat_new(d, &x), OL_DUMP_ERROR_NOT_PRESENT, want);
	g_assert_null(x);
}

/* No page-table root: the errors say why. */
static void no_root(void)
{
	/* Neither: no VMCOREINFO, and kdump-style notes without CR3. */
	{
		g_autoptr(DumpGen) g = gen_new(DUMPGEN_KDUMP);

		dumpgen_add_cpu(g, 1, 0x100, FALSE, 0);
		expect_no_root(g, "no page-table root: no VMCOREINFO; no QEMU CPU note with paging on (CR0.PG)");
	}
	/* VMCOREINFO without phys_base, CPUs without paging. */
	{
		g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);

		dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
		dumpgen_set_cpu_cr(g, 0, 0, 0x11);
		dumpgen_set_vmcoreinfo(g, "SYMBOL(swapper_pg_dir)=ffffffff82000000\n");
		expect_no_root(g, "VMCOREINFO has SYMBOL(swapper_pg_dir) but no usable NUMBER(phys_base); no QEMU CPU note with paging on");
	}
	/* CR3's root not in the dump. */
	{
		g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);

		dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
		dumpgen_set_cpu_cr(g, 0, 0, 0x80000011);
		dumpgen_set_cpu_cr(g, 0, 3, HOLE + 0x2000);
		expect_no_root(g, "CPU 0 CR3 0x402000 gives page-table root 0x402000, not in the dump");
	}
}

static void test_root_sources(void)
{
	root_from_vmcoreinfo();
	root_from_cr3();
	no_root();
}

/* ---- phys_base and KASLR ---------------------------------------------------- */

static void test_negative_phys_base(void)
{
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	/* The kernel loaded 10 MiB below where it was linked to run: _text
	 * (link 0xffffffff81000000, so 16 MiB) at physical 6 MiB. */
	const gint64 phys_base = -0xa00000;
	g_autofree char *v = NULL;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	guint64 off;

	dumpgen_pt_map_range(pt, KTEXT, KTEXT - START_KERNEL_MAP + (guint64)phys_base, 2 * M2, M2);
	v = vmcoreinfo(dumpgen_pt_root(pt), phys_base, 4, "KERNELOFFSET=0\n");
	g_assert_nonnull(strstr(v, "NUMBER(phys_base)=-10485760\n"));
	g_assert_nonnull(strstr(v, "SYMBOL(swapper_pg_dir)=ffffffff80b00000\n"));
	dumpgen_set_vmcoreinfo(g, v);
	d = open_gen(g);
	x = xlat_ok(d);
	g_assert_cmphex(ol_xlat_root(x), ==, POOL);
	g_assert_cmpint(ol_xlat_phys_base(x), ==, phys_base);
	expect_translate(x, KTEXT + 0x10, HIGH + 0x10, M2);
	expect_translate(x, KTEXT + M2 + 0x10, TAIL + 0x10, M2);
	expect_read(x, KTEXT + M2 - 32, HIGH + M2 - 32, 32);
	off = 1;
	g_assert_true(ol_xlat_kaslr_offset(x, &off));
	g_assert_cmphex(off, ==, 0);
}

static void test_kaslr_kerneloffset(void)
{
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	guint64 off;
	guint64 va, pa;

	dumpgen_pt_map(pt, KTEXT + 0x2a000000, DATA, M2);
	set_vmcoreinfo_root(g, pt, 4, "KERNELOFFSET=2a000000\n");
	d = open_gen(g);
	x = xlat_ok(d);
	off = 0;
	g_assert_true(ol_xlat_kaslr_offset(x, &off));
	g_assert_cmphex(off, ==, 0x2a000000);
	g_assert_cmpstr(ol_xlat_kaslr_source(x), ==, "VMCOREINFO KERNELOFFSET");
	ol_xlat_set_link_text(x, KTEXT + 0x200000); /* only affects the derived value */
	g_assert_true(ol_xlat_kaslr_offset(x, &off));
	g_assert_cmphex(off, ==, 0x2a000000);
	g_assert_cmpint(ol_xlat_phys_base(x), ==, 0);

	/* The page-table search can still be run, to check one against the other. */
	va = 0;
	pa = 0;
	g_assert_no_error(ol_xlat_find_kernel_text(x, &va, &pa));
	g_assert_cmphex(va, ==, KTEXT + 0x2a000000);
	g_assert_cmphex(pa, ==, DATA);
}

/* Nothing in the kernel-text window: the KASLR offset is unknown. */
static void kaslr_unknown(void)
{
	guint64 off, va, pa;
	g_autoptr(DumpGen) g3 = NULL;
	g_autoptr(DumpGenPt) pt3 = NULL;
	g_autofree char *v3 = NULL;
	g_autoptr(OlDump) d3 = NULL;
	g_autoptr(OlXlat) x3 = NULL;

	g3 = gen_new(DUMPGEN_QEMU);
	pt3 = dumpgen_pt_new(g3, 4, POOL, POOL_SIZE);
	dumpgen_pt_map(pt3, DMAP, 0, M2);
	dumpgen_pt_map(pt3, G_GUINT64_CONSTANT(0xffffffffc0000000), DATA, K4);
	v3 = g_strdup_printf("SYMBOL(swapper_pg_dir)=%" G_GINT64_MODIFIER "x\nNUMBER(phys_base)=0\n",
			     dumpgen_pt_root(pt3) + START_KERNEL_MAP);
	dumpgen_set_vmcoreinfo(g3, v3);
	d3 = open_gen(g3);
	x3 = xlat_ok(d3);
	g_assert_false(ol_xlat_kaslr_offset(x3, &off));
	g_assert_cmpstr(ol_xlat_kaslr_source(x3), ==, "unknown");
	g_assert_cmpint(ol_xlat_phys_base(x3), ==, 0);
	expect_error(d3, ol_xlat_find_kernel_text(x3, &va, &pa), OL_DUMP_ERROR_NOT_PRESENT,
		     "no kernel text: nothing mapped in 0xffffffff80000000-0xffffffffbfffffff");
}

static void test_kaslr_derived(void)
{
	/* crash's method: text at KTEXT + 0x2a000000 in 2 MiB pages, root from
	 * CR3, no VMCOREINFO.  Decoys just outside the 1 GiB window. */
	g_autoptr(DumpGen) g = gen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = dumpgen_pt_new(g, 4, POOL, POOL_SIZE);
	const guint64 text = KTEXT + 0x2a000000, text_pa = 0x3000000;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	guint64 off;
	g_autoptr(DumpGen) g2 = NULL;
	g_autoptr(DumpGenPt) pt2 = NULL;
	g_autofree char *v = NULL;
	g_autoptr(OlDump) d2 = NULL;
	g_autoptr(OlXlat) x2 = NULL;
	guint64 va, pa;

	dumpgen_pt_map_range(pt, text, text_pa, 4 * M2, M2);
	dumpgen_pt_map(pt, START_KERNEL_MAP - M2, DATA, M2);         /* below */
	dumpgen_pt_map(pt, G_GUINT64_CONSTANT(0xffffffffc0000000), DATA, K4); /* modules */
	dumpgen_pt_map(pt, DMAP, 0, G1);
	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_set_cpu_cr(g, 0, 0, 0x80050033);
	dumpgen_set_cpu_cr(g, 0, 3, dumpgen_pt_root(pt) | 0x1000 | 7);
	dumpgen_set_cpu_cr(g, 0, 4, 0x6f0); /* no LA57 */
	d = open_gen(g);
	x = xlat_ok(d);
	g_assert_cmphex(ol_xlat_root(x), ==, POOL);
	g_assert_cmpint(ol_xlat_levels(x), ==, 4);
	off = 0;
	g_assert_true(ol_xlat_kaslr_offset(x, &off));
	g_assert_cmphex(off, ==, 0x2a000000);
	g_assert_cmpstr(ol_xlat_kaslr_source(x), ==, "page tables");
	/* phys_base = PA - (VA - __START_KERNEL_map), negative here. */
	g_assert_cmpint(ol_xlat_phys_base(x), ==, (gint64)text_pa - (gint64)(text - START_KERNEL_MAP));
	g_assert_cmpint(ol_xlat_phys_base(x), ==, -0x28000000);
	/* vmlinux says _text is elsewhere. */
	ol_xlat_set_link_text(x, KTEXT + 0x200000);
	g_assert_true(ol_xlat_kaslr_offset(x, &off));
	g_assert_cmphex(off, ==, 0x29e00000);

	/* 4 KiB text pages with the first PTEs empty: the offset is rounded
	 * down to 2 MiB, phys_base comes from the first mapped page; the root
	 * from VMCOREINFO, which has phys_base but no KERNELOFFSET. */
	g2 = gen_new(DUMPGEN_QEMU);
	pt2 = dumpgen_pt_new(g2, 5, HIGH, M2);
	dumpgen_pt_map_range(pt2, text + 0x5000, DATA + 0x5000, 0x10000, K4);
	v = vmcoreinfo(dumpgen_pt_root(pt2), 0x400000, 5, NULL);
	dumpgen_set_vmcoreinfo(g2, v);
	d2 = open_gen(g2);
	x2 = xlat_ok(d2);
	g_assert_cmphex(ol_xlat_root(x2), ==, HIGH);
	g_assert_cmpint(ol_xlat_levels(x2), ==, 5);
	g_assert_true(ol_xlat_kaslr_offset(x2, &off));
	g_assert_cmphex(off, ==, 0x2a000000);
	g_assert_cmpstr(ol_xlat_kaslr_source(x2), ==, "page tables");
	g_assert_cmpint(ol_xlat_phys_base(x2), ==, 0x400000); /* VMCOREINFO's */
	va = 0;
	pa = 0;
	g_assert_no_error(ol_xlat_find_kernel_text(x2, &va, &pa));
	g_assert_cmphex(va, ==, text + 0x5000);
	g_assert_cmphex(pa, ==, DATA + 0x5000);
	kaslr_unknown();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/xlat/walk/page-sizes-4level", GINT_TO_POINTER(4), test_page_sizes);
	g_test_add_data_func("/xlat/walk/page-sizes-5level", GINT_TO_POINTER(5), test_page_sizes);
	g_test_add_data_func("/xlat/walk/not-present-4level", GINT_TO_POINTER(4), test_not_present);
	g_test_add_data_func("/xlat/walk/not-present-5level", GINT_TO_POINTER(5), test_not_present);
	g_test_add_func("/xlat/walk/non-canonical", test_noncanonical);
	g_test_add_func("/xlat/walk/missing-table-page", test_missing_table);
	g_test_add_func("/xlat/walk/sme-mask", test_sme_mask);
	g_test_add_func("/xlat/read/partial", test_read_partial);
	g_test_add_func("/xlat/read/two-mappings", test_read_two_mappings);
	g_test_add_func("/xlat/cache/evictions", test_cache_evictions);
	g_test_add_func("/xlat/root/sources", test_root_sources);
	g_test_add_func("/xlat/phys-base/negative", test_negative_phys_base);
	g_test_add_func("/xlat/kaslr/kerneloffset", test_kaslr_kerneloffset);
	g_test_add_func("/xlat/kaslr/derived", test_kaslr_derived);
	return g_test_run();
}
