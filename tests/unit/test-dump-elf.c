/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ELF dump reader against synthetic QEMU and kdump cores. */
#include <elf.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <string.h>

#include "dump.h"
#include "dump-private.h" /* ol_dump_page_state */
#include "dumpgen.h"

#define PH(field) offsetof(Elf64_Phdr, field)
#define EH(field) offsetof(Elf64_Ehdr, field)

/* ---- helpers ---------------------------------------------------------- */

static OlDump *open_ok(const GByteArray *b)
{
	g_autofree char *path = dumpgen_write_temp(b);
	OlDump *d = NULL;
	g_autoptr(GError) err = ol_dump_open(path, &d);
	g_unlink(path); /* the mapping keeps the data */
	g_assert_no_error(err);
	g_assert_nonnull(d);
	return d;
}

/* Open DATA and check the error: code, one line, starts with the path, and
 * contains every one of the NULL-terminated substrings. */
static void expect_open_error(const void *data, gsize len, OlDumpError code, ...)
{
	g_autofree char *path = dumpgen_write_temp_data(data, len);
	OlDump *d = NULL;
	g_autoptr(GError) err = ol_dump_open(path, &d);
	va_list ap;

	g_unlink(path);
	g_assert_null(d);
	g_assert_nonnull(err);
	if (!g_error_matches(err, OL_DUMP_ERROR, code))
		g_error("expected code %d, got %d: %s", code, err->code, err->message);
	g_assert_true(g_str_has_prefix(err->message, path));
	g_assert_null(strchr(err->message, '\n'));
	va_start(ap, code);
	for (const char *s; (s = va_arg(ap, const char *));)
		if (!strstr(err->message, s))
			g_error("error message \"%s\" lacks \"%s\"", err->message, s);
	va_end(ap);
	g_test_message("%s", err->message);
}

static void expect_error(GError *err, OlDumpError code, const char *substr)
{
	g_assert_nonnull(err);
	if (!g_error_matches(err, OL_DUMP_ERROR, code))
		g_error("expected code %d, got %d: %s", code, err->code, err->message);
	if (substr && !strstr(err->message, substr))
		g_error("error message \"%s\" lacks \"%s\"", err->message, substr);
	g_error_free(err);
}

static void assert_phys_bytes(const guint8 *buf, guint64 paddr, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if (buf[i] != dumpgen_byte(paddr + i))
			g_error("byte at physical 0x%" G_GINT64_MODIFIER "x: got 0x%02x, expected 0x%02x",
				paddr + i, buf[i], dumpgen_byte(paddr + i));
}

static void assert_read(OlDump *d, guint64 paddr, gsize len)
{
	g_autofree guint8 *buf = g_malloc(len);
	GError *err = ol_dump_read_phys(d, paddr, buf, len);
	g_assert_no_error(err);
	assert_phys_bytes(buf, paddr, len);
}

static void assert_zeros(OlDump *d, guint64 paddr, gsize len)
{
	g_autofree guint8 *buf = g_malloc(len);
	GError *err;

	memset(buf, 0xaa, len);
	err = ol_dump_read_phys(d, paddr, buf, len);
	g_assert_no_error(err);
	for (gsize i = 0; i < len; i++)
		g_assert_cmpuint(buf[i], ==, 0);
}

static void assert_not_present(OlDump *d, guint64 paddr, gsize len, const char *addr)
{
	g_autofree guint8 *buf = g_malloc(len);
	expect_error(ol_dump_read_phys(d, paddr, buf, len), OL_DUMP_ERROR_NOT_PRESENT, addr);
}

static void assert_range(OlDump *d, guint i, guint64 start, guint64 size)
{
	guint64 s = 0, n = 0;
	g_assert_true(ol_dump_range(d, i, &s, &n));
	g_assert_cmphex(s, ==, start);
	g_assert_cmphex(n, ==, size);
}

static void assert_qemu_state(const OlQemuCpuState *q, guint64 base, guint32 qsize)
{
	const OlQemuSegment *segs[] = { &q->cs, &q->ds, &q->es, &q->fs, &q->gs,
					&q->ss, &q->ldt, &q->tr, &q->gdt, &q->idt };

	g_assert_cmpuint(q->version, ==, 1);
	g_assert_cmpuint(q->size, ==, qsize);
	g_assert_cmphex(q->rax, ==, base + 0x1000 + 8);
	g_assert_cmphex(q->rsp, ==, base + 0x1000 + 56);
	g_assert_cmphex(q->rbp, ==, base + 0x1000 + 64);
	g_assert_cmphex(q->r8, ==, base + 0x1000 + 72);
	g_assert_cmphex(q->r15, ==, base + 0x1000 + 128);
	g_assert_cmphex(q->rip, ==, base + 0x1000 + 136);
	g_assert_cmphex(q->rflags, ==, base + 0x1000 + 144);
	for (guint j = 0; j < G_N_ELEMENTS(segs); j++) {
		g_assert_cmphex(segs[j]->selector, ==, 0x10 + j);
		g_assert_cmphex(segs[j]->limit, ==, 0x1000 + j);
		g_assert_cmphex(segs[j]->flags, ==, 0xa0 + j);
		g_assert_cmphex(segs[j]->base, ==, base + 0x2000 + j);
	}
	for (guint i = 0; i < 5; i++)
		g_assert_cmphex(q->cr[i], ==, base + 0x3000 + i);
	g_assert_cmpint(q->has_kernel_gs_base, ==, qsize >= 440);
	if (qsize >= 440)
		g_assert_cmphex(q->kernel_gs_base, ==, base + 0x4000);
}

static void assert_cpu(const OlCpuNote *c, guint32 pid, guint64 base, gboolean qemu, guint32 qsize)
{
	g_assert_nonnull(c);
	g_assert_cmpuint(c->pr_pid, ==, pid);
	for (guint i = 0; i < OL_N_PRSTATUS_REGS; i++)
		g_assert_cmphex(c->regs[i], ==, base + i);
	/* The named slots of user_regs_struct. */
	g_assert_cmphex(c->regs[OL_REG_R15], ==, base + 0);
	g_assert_cmphex(c->regs[OL_REG_RAX], ==, base + 10);
	g_assert_cmphex(c->regs[OL_REG_RIP], ==, base + 16);
	g_assert_cmphex(c->regs[OL_REG_CS], ==, base + 17);
	g_assert_cmphex(c->regs[OL_REG_RSP], ==, base + 19);
	g_assert_cmphex(c->regs[OL_REG_GS_BASE], ==, base + 22);
	g_assert_cmphex(c->regs[OL_REG_GS], ==, base + 26);

	g_assert_cmpint(c->has_qemu, ==, qemu);
	if (!qemu)
		return;
	assert_qemu_state(&c->qemu, base, qsize);
}

/* A small valid QEMU dump used as the base for damage tests. */
static GByteArray *small_qemu_dump(DumpGenLayout *layout)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x200, TRUE, 440);
	dumpgen_add_load(g, 0, 0x80, 0x80);
	dumpgen_add_load(g, 0x1000, 0x80, 0x40);
	dumpgen_set_vmcoreinfo(g, "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n");
	return dumpgen_build(g, layout);
}

/* ---- well-formed dumps ------------------------------------------------ */

static void test_qemu_basic(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;
	gsize len;
	const char *info;
	gsize avail;
	const guint8 *p;

	dumpgen_add_cpu(g, 1, 0x1000000, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x2000000, TRUE, 440);
	dumpgen_add_load(g, 0, 0x1000, 0x1000);
	dumpgen_add_load(g, 0x2000, 0x1000, 0x1000);
	dumpgen_set_vmcoreinfo(g, "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n");
	b = dumpgen_build(g, NULL);
	d = open_ok(b);

	g_assert_cmpint(ol_dump_format(d), ==, OL_DUMP_FORMAT_ELF_QEMU);
	g_assert_cmpstr(ol_dump_format_name(d), ==, "qemu-elf");
	g_assert_cmpuint(ol_dump_file_size(d), ==, b->len);
	g_assert_true(g_str_has_suffix(ol_dump_path(d), ".core"));

	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 2);
	assert_range(d, 0, 0, 0x1000);
	assert_range(d, 1, 0x2000, 0x1000);
	g_assert_false(ol_dump_range(d, 2, NULL, NULL));

	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 2);
	assert_cpu(ol_dump_cpu(d, 0), 1, 0x1000000, TRUE, 440);
	assert_cpu(ol_dump_cpu(d, 1), 2, 0x2000000, TRUE, 440);
	g_assert_null(ol_dump_cpu(d, 2));

	info = ol_dump_vmcoreinfo(d, &len);
	g_assert_cmpstr(info, ==, "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n");
	g_assert_cmpuint(len, ==, strlen(info));

	assert_read(d, 0, 0x1000);
	assert_read(d, 0x2000, 0x1000);
	assert_read(d, 0x2fff, 1);
	g_assert_no_error(ol_dump_read_phys(d, 0x1000, NULL, 0)); /* empty read */

	p = ol_dump_phys_ptr(d, 0x2010, &avail);
	g_assert_nonnull(p);
	g_assert_cmpuint(avail, ==, 0xff0);
	assert_phys_bytes(p, 0x2010, avail);
}

static void test_qemu_note_432(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1, 0x5000, TRUE, 432);
	dumpgen_add_load(g, 0, 0x100, 0x100);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 1);
	assert_cpu(ol_dump_cpu(d, 0), 1, 0x5000, TRUE, 432);
	g_assert_null(ol_dump_vmcoreinfo(d, NULL));
}

static void test_cpu_order_qemu(void)
{
	/* Notes out of CPU order: sorted by pr_pid (cpu + 1), and each QEMU
	 * note stays with the NT_PRSTATUS at the same position. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 3, 0x30000, TRUE, 440);
	dumpgen_add_cpu(g, 1, 0x10000, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x20000, TRUE, 440);
	dumpgen_add_load(g, 0, 0x100, 0x100);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 3);
	assert_cpu(ol_dump_cpu(d, 0), 1, 0x10000, TRUE, 440);
	assert_cpu(ol_dump_cpu(d, 1), 2, 0x20000, TRUE, 440);
	assert_cpu(ol_dump_cpu(d, 2), 3, 0x30000, TRUE, 440);
}

static void test_cpu_order_kdump(void)
{
	/* kdump: pr_pid is a task pid; note order is kept. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_KDUMP);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1234, 0x10000, FALSE, 0);
	dumpgen_add_cpu(g, 0, 0x20000, FALSE, 0);
	dumpgen_add_cpu(g, 77, 0x30000, FALSE, 0);
	dumpgen_add_load(g, 0, 0x100, 0x100);
	dumpgen_set_vmcoreinfo(g, "OSRELEASE=6.1.0\nCRASHTIME=1700000000\n");
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	g_assert_cmpint(ol_dump_format(d), ==, OL_DUMP_FORMAT_ELF_KDUMP);
	g_assert_cmpstr(ol_dump_format_name(d), ==, "kdump-elf");
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 3);
	assert_cpu(ol_dump_cpu(d, 0), 1234, 0x10000, FALSE, 0);
	assert_cpu(ol_dump_cpu(d, 1), 0, 0x20000, FALSE, 0);
	assert_cpu(ol_dump_cpu(d, 2), 77, 0x30000, FALSE, 0);
}

static void test_qemu_note_count_mismatch(void)
{
	/* Two PRSTATUS but one QEMU note: cannot pair, so no QEMU state. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1, 0x10000, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x20000, FALSE, 0);
	dumpgen_add_load(g, 0, 0x100, 0x100);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	g_assert_cmpint(ol_dump_format(d), ==, OL_DUMP_FORMAT_ELF_QEMU);
	assert_cpu(ol_dump_cpu(d, 0), 1, 0x10000, FALSE, 0);
	assert_cpu(ol_dump_cpu(d, 1), 2, 0x20000, FALSE, 0);
}

static void test_read_across_boundary(void)
{
	/* Physically adjacent PT_LOADs stored in the opposite file order. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;
	gsize avail;
	const guint8 *p;

	dumpgen_add_cpu(g, 1, 0, TRUE, 440);
	dumpgen_add_load(g, 0x1000, 0x1000, 0x1000);
	dumpgen_add_load(g, 0x2000, 0x1000, 0x1000);
	dumpgen_add_load(g, 0x3000, 0x800, 0x800);
	dumpgen_set_reverse_data(g, TRUE);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);

	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 3);
	assert_read(d, 0x1ff0, 0x20);
	assert_read(d, 0x1000, 0x2800); /* all three */
	assert_read(d, 0x2fff, 2);

	p = ol_dump_phys_ptr(d, 0x1ff0, &avail);
	g_assert_nonnull(p);
	g_assert_cmpuint(avail, ==, 0x10); /* stops at the PT_LOAD end */
	assert_phys_bytes(p, 0x1ff0, avail);
}

static void test_holes(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;
	gsize avail;

	dumpgen_add_cpu(g, 1, 0, TRUE, 440);
	dumpgen_add_load(g, 0, 0x1000, 0x1000);
	dumpgen_add_load(g, 0x3000, 0x1000, 0x1000);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);

	assert_not_present(d, 0x1000, 1, "physical address 0x1000 ");
	assert_not_present(d, 0x2fff, 1, "0x2fff");
	/* Starting inside a range and running into the hole names the first
	 * missing byte. */
	assert_not_present(d, 0xff0, 0x20, "0x1000");
	assert_not_present(d, 0x2ff0, 0x20, "0x2ff0");
	assert_not_present(d, 0x4000, 1, "0x4000");
	assert_not_present(d, 0x3ff0, 0x20, "0x4000");
	assert_not_present(d, G_MAXUINT64, 1, "0xffffffffffffffff");
	assert_not_present(d, G_MAXUINT64 - 3, 8, "0xfffffffffffffffc");

	avail = 123;
	g_assert_null(ol_dump_phys_ptr(d, 0x1800, &avail));
	g_assert_cmpuint(avail, ==, 0);
	g_assert_null(ol_dump_phys_ptr(d, G_MAXUINT64, &avail));
	assert_read(d, 0x3000, 0x1000);
}

static void test_memsz_tail(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_KDUMP);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;
	g_autofree guint8 *buf = NULL;
	gsize avail;
	const guint8 *p;

	dumpgen_add_cpu(g, 0, 0, FALSE, 0);
	dumpgen_add_load(g, 0x1000, 0x1000, 0x800);
	dumpgen_add_load(g, 0x2000, 0x1000, 0x1000); /* right after the tail */
	b = dumpgen_build(g, NULL);
	d = open_ok(b);

	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 2);
	assert_range(d, 0, 0x1000, 0x1000);
	assert_read(d, 0x1000, 0x800);
	assert_zeros(d, 0x1800, 0x800);

	/* File bytes, zero tail, next PT_LOAD, in one read. */
	buf = g_malloc(0x1000);
	g_assert_no_error(ol_dump_read_phys(d, 0x1700, buf, 0x1000));
	assert_phys_bytes(buf, 0x1700, 0x100);
	for (guint i = 0x100; i < 0x900; i++)
		g_assert_cmpuint(buf[i], ==, 0);
	assert_phys_bytes(buf + 0x900, 0x2000, 0x700);

	p = ol_dump_phys_ptr(d, 0x17f0, &avail);
	g_assert_nonnull(p);
	g_assert_cmpuint(avail, ==, 0x10);
	g_assert_null(ol_dump_phys_ptr(d, 0x1800, &avail));
	g_assert_cmpuint(avail, ==, 0);
	assert_not_present(d, 0x3000, 4, "0x3000");
}

/* Page counts by brute force over every page state, for small dumps. */
static OlDumpPageCounts brute_counts(OlDump *d, guint64 max_pfn)
{
	OlDumpPageCounts c = { 0 };
	for (guint64 pfn = 0; pfn <= max_pfn; pfn++) {
		OlPageState st = ol_dump_page_state(d, pfn);
		if (st == OL_PAGE_HOLE)
			continue;
		c.ram++;
		c.present += st == OL_PAGE_PRESENT;
		c.excluded += st != OL_PAGE_PRESENT;
	}
	return c;
}

/* Ranges sharing pages, tails past p_filesz, absent loads: the counts equal
 * the page-by-page ones. */
static void test_page_counts_shapes(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;
	OlDumpPageCounts c, want;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_load(g, 0, 0x1800, 0x1800);       /* pages 0, 1 (half) */
	dumpgen_add_load(g, 0x1800, 0x800, 0);        /* rest of page 1, nothing stored */
	dumpgen_add_load(g, 0x2000, 0x5000, 0x1000);  /* page 2 stored, 3-6 tail */
	dumpgen_add_load(g, 0x7000, 0x1800, 0);       /* pages 7, 8 (half): tail only */
	dumpgen_add_load(g, 0x8800, 0x1000, 0x400);   /* page 8 shared, stored part in 8 */
	dumpgen_add_absent_load(g, 0x20000, 0x3000);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	want = brute_counts(d, 0x40);

	g_assert_no_error(ol_dump_page_counts(d, &c));
	g_assert_cmpuint(c.ram, ==, want.ram);
	g_assert_cmpuint(c.present, ==, want.present);
	g_assert_cmpuint(c.excluded, ==, want.excluded);
	g_assert_cmpuint(c.ram, ==, 10); /* pages 0-9; the absent load is not in the map */
	g_assert_cmpuint(c.present, ==, 4); /* 0, 1, 2, 8 */
}

/* A PT_LOAD whose p_memsz is almost 2^60 with 64 KiB stored: --info's page
 * counts come back at once (they walked every page before: hours). */
static void test_page_counts_huge_memsz(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;
	OlDumpPageCounts c;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_load(g, 0, G_GUINT64_CONSTANT(0x0fffffffffff0000), 0x10000);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);

	g_assert_no_error(ol_dump_page_counts(d, &c));
	g_assert_cmphex(c.ram, ==, G_GUINT64_CONSTANT(0x0fffffffffff0000) >> 12);
	g_assert_cmpuint(c.present, ==, 16);
	g_assert_cmphex(c.excluded, ==, c.ram - 16);
}

static void test_absent_load(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1, 0, TRUE, 440);
	dumpgen_add_load(g, 0, 0x1000, 0x1000);
	dumpgen_add_absent_load(g, 0x10000, 0x1000);
	dumpgen_add_load(g, 0x20000, 0x1000, 0x1000);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 2);
	assert_range(d, 1, 0x20000, 0x1000);
	assert_not_present(d, 0x10000, 0x10, "0x10000");
	assert_read(d, 0x20000, 0x1000);
}

static void test_pn_xnum_small(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_load(g, 0, 0x100, 0x100);
	dumpgen_add_load(g, 0x1000, 0x100, 0x100);
	dumpgen_add_load(g, 0x2000, 0x100, 0x100);
	dumpgen_set_pn_xnum(g, TRUE);
	b = dumpgen_build(g, &lay);
	g_assert_cmpuint(lay.shoff, !=, 0);
	d = open_ok(b);
	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 3);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 1);
	assert_read(d, 0x2000, 0x100);
}

static void test_pn_xnum_large(void)
{
	/* More PT_LOADs than e_phnum can hold: 70000 of 16 bytes, 16-byte holes. */
	const guint n = 70000;
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	for (guint i = 0; i < n; i++)
		dumpgen_add_load(g, (guint64)i * 32, 16, 16);
	dumpgen_set_pn_xnum(g, TRUE);
	b = dumpgen_build(g, &lay);
	g_assert_cmpuint(lay.phnum, ==, n + 1);
	d = open_ok(b);
	g_assert_cmpuint(ol_dump_n_ranges(d), ==, n);
	assert_range(d, n - 1, (guint64)(n - 1) * 32, 16);
	for (guint k = 0; k < 2000; k++) {
		guint i = (guint)g_test_rand_int_range(0, (gint32)n);
		guint off = (guint)g_test_rand_int_range(0, 16);
		guint64 a = (guint64)i * 32 + off;
		g_autofree char *hole = NULL;

		assert_read(d, a, 16 - off);
		hole = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", (guint64)i * 32 + 16);
		assert_not_present(d, a, 17 - off, hole);
	}
}

static void test_notes_align8(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x200, TRUE, 432);
	dumpgen_set_note_align(g, 8);
	dumpgen_set_vmcoreinfo(g, "OSRELEASE=x\n");
	dumpgen_add_load(g, 0, 0x100, 0x100);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	assert_cpu(ol_dump_cpu(d, 0), 1, 0x100, TRUE, 440);
	assert_cpu(ol_dump_cpu(d, 1), 2, 0x200, TRUE, 432);
	g_assert_cmpstr(ol_dump_vmcoreinfo(d, NULL), ==, "OSRELEASE=x\n");
}

static void test_kdump_split_notes_and_alias(void)
{
	/* kexec elfcorehdr style: one PT_NOTE per CPU with an empty note after
	 * each PRSTATUS, the kernel image PT_LOAD repeating part of RAM. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_KDUMP);
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 42, 0x100, FALSE, 0);
	dumpgen_add_cpu(g, 0, 0x200, FALSE, 0);
	dumpgen_set_split_notes(g, TRUE);
	dumpgen_set_vmcoreinfo(g, "OSRELEASE=6.1.0\nCRASHTIME=1\n");
	dumpgen_add_load_vaddr(g, 0x1000, 0xffffffff81000000ULL, 0x1000, 0x1000);
	dumpgen_add_load(g, 0, 0x4000, 0x4000);
	/* An image PT_LOAD outside RAM stays (nothing else holds it). */
	dumpgen_add_load_vaddr(g, 0x10000, 0xffffffff82000000ULL, 0x1000, 0x1000);
	b = dumpgen_build(g, NULL);
	d = open_ok(b);
	g_assert_cmpint(ol_dump_format(d), ==, OL_DUMP_FORMAT_ELF_KDUMP);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 2);
	assert_cpu(ol_dump_cpu(d, 0), 42, 0x100, FALSE, 0);
	assert_cpu(ol_dump_cpu(d, 1), 0, 0x200, FALSE, 0);
	g_assert_cmpstr(ol_dump_vmcoreinfo(d, NULL), ==, "OSRELEASE=6.1.0\nCRASHTIME=1\n");
	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 2);
	assert_range(d, 0, 0, 0x4000);
	assert_range(d, 1, 0x10000, 0x1000);
	assert_read(d, 0, 0x4000);
	assert_read(d, 0x10000, 0x1000);
}

static void test_kdump_alias_partial_overlap(void)
{
	/* An image PT_LOAD half outside RAM conflicts: different file bytes. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_KDUMP);
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = NULL;
	g_autofree char *hdr = NULL;

	dumpgen_add_cpu(g, 1, 0, FALSE, 0);
	dumpgen_add_load(g, 0, 0x2000, 0x2000);
	dumpgen_add_load_vaddr(g, 0x1000, 0xffffffff81000000ULL, 0x2000, 0x2000);
	b = dumpgen_build(g, &lay);
	hdr = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", lay.load_phdr0 + 56);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_CORRUPT, "PT_LOAD 2", hdr, "overlaps",
			  "0x1000", NULL);
}

static void test_flavour(void)
{
	/* vaddr == paddr, no QEMU notes: CRASHTIME makes it kdump, else "elf". */
	for (int crashtime = 0; crashtime <= 1; crashtime++) {
		g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
		g_autoptr(GByteArray) b = NULL;
		g_autoptr(OlDump) d = NULL;

		dumpgen_add_cpu(g, 5, 0, FALSE, 0);
		dumpgen_add_cpu(g, 3, 0, FALSE, 0);
		dumpgen_add_load(g, 0, 0x100, 0x100);
		dumpgen_set_vmcoreinfo(g, crashtime ? "OSRELEASE=a\nCRASHTIME=5\n" : "OSRELEASE=a\n");
		b = dumpgen_build(g, NULL);
		d = open_ok(b);
		g_assert_cmpint(ol_dump_format(d), ==,
				crashtime ? OL_DUMP_FORMAT_ELF_KDUMP : OL_DUMP_FORMAT_ELF_OTHER);
		g_assert_cmpstr(ol_dump_format_name(d), ==, crashtime ? "kdump-elf" : "elf");
		g_assert_cmpuint(ol_dump_cpu(d, 0)->pr_pid, ==, 5); /* note order */
	}
}

static void test_paging_overlap(void)
{
	/* QEMU paging=true: two PT_LOADs for the same physical page and the
	 * same file bytes (another virtual mapping).  They merge. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = NULL;
	guint64 ph0, ph1;
	g_autofree char *hdr = NULL;
	g_autoptr(OlDump) d = NULL;

	dumpgen_add_cpu(g, 1, 0, TRUE, 440);
	dumpgen_add_load_vaddr(g, 0x1000, 0xffff888000001000ULL, 0x2000, 0x2000);
	dumpgen_add_load_vaddr(g, 0x2000, 0xffffffff81000000ULL, 0x1000, 0x1000);
	b = dumpgen_build(g, &lay);
	ph0 = lay.load_phdr0;
	ph1 = lay.load_phdr0 + sizeof(Elf64_Phdr);

	/* As generated: the second copy is elsewhere in the file, which is a
	 * conflict as far as the reader can tell. */
	hdr = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", ph1);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_CORRUPT, "overlaps", hdr, NULL);

	dumpgen_patch64(b, ph1 + PH(p_offset), dumpgen_get64(b, ph0 + PH(p_offset)) + 0x1000);
	d = open_ok(b);
	g_assert_cmpint(ol_dump_format(d), ==, OL_DUMP_FORMAT_ELF_QEMU);
	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 1);
	assert_range(d, 0, 0x1000, 0x2000);
	assert_read(d, 0x1000, 0x2000);
}

/* ---- damaged and foreign files ---------------------------------------- */

static void test_empty_and_magic(void)
{
	g_autoptr(GError) err = NULL;
	OlDump *d;

	expect_open_error("", 0, OL_DUMP_ERROR_FORMAT, "empty file (0 bytes)", NULL);
	expect_open_error("\x7f" "EL", 3, OL_DUMP_ERROR_FORMAT, "offset 0x0", "3 bytes", NULL);
	expect_open_error("hello, world, this is not a dump", 32, OL_DUMP_ERROR_FORMAT,
			  "unknown dump format at offset 0x0", NULL);
	/* Recognised, then too short (test-kdump.c has the rest). */
	expect_open_error("KDUMP   \x06\0\0\0", 12, OL_DUMP_ERROR_TRUNCATED, "disk_dump_header", "offset 0x0", NULL);
	expect_open_error("makedumpfile\0\0\0\0", 16, OL_DUMP_ERROR_TRUNCATED, "flattened header at offset 0x0", NULL);

	d = NULL;
	err = ol_dump_open("/nonexistent/oopslab.core", &d);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_IO);
	g_assert_true(g_str_has_prefix(err->message, "/nonexistent/oopslab.core: "));
	g_assert_null(d);
}

static void test_truncated_header(void)
{
	g_autoptr(GByteArray) b = small_qemu_dump(NULL);
	expect_open_error(b->data, 40, OL_DUMP_ERROR_TRUNCATED, "truncated ELF header at offset 0x0",
			  "40 bytes", NULL);
	expect_open_error(b->data, 5, OL_DUMP_ERROR_TRUNCATED, "offset 0x0", "5 bytes", NULL);
	expect_open_error(b->data, 63, OL_DUMP_ERROR_TRUNCATED, "63 bytes", NULL);
}

static void test_foreign_elf(void)
{
	g_autoptr(GByteArray) b = small_qemu_dump(NULL);

	g_autoptr(GByteArray) c = g_byte_array_new();
	g_byte_array_append(c, b->data, b->len);
	c->data[EI_CLASS] = ELFCLASS32;
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_FORMAT, "ELFCLASS64", "offset 0x4", NULL);
	c->data[EI_CLASS] = ELFCLASS64;
	c->data[EI_DATA] = ELFDATA2MSB;
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_FORMAT, "offset 0x5", NULL);
	c->data[EI_DATA] = ELFDATA2LSB;
	dumpgen_patch16(c, EH(e_machine), EM_386);
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_FORMAT, "EM_X86_64", "offset 0x12", "EM_386", NULL);
	dumpgen_patch16(c, EH(e_machine), EM_X86_64);
	dumpgen_patch16(c, EH(e_type), ET_EXEC);
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_FORMAT, "ET_CORE", "offset 0x10", NULL);
}

static void test_phdrs_past_eof(void)
{
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = small_qemu_dump(&lay);
	/* Cut inside the second program header. */
	expect_open_error(b->data, lay.phoff + 56 + 10, OL_DUMP_ERROR_TRUNCATED,
			  "truncated program header table at offset 0x40", "130 bytes", NULL);

	dumpgen_patch64(b, EH(e_phoff), 0xffffffffffffff00ULL); /* would wrap when added */
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_TRUNCATED, "offset 0xffffffffffffff00", NULL);
	dumpgen_patch64(b, EH(e_phoff), lay.phoff);
	dumpgen_patch16(b, EH(e_phnum), 0xfffe);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_TRUNCATED, "65534 entries", NULL);
	dumpgen_patch16(b, EH(e_phnum), (guint16)lay.phnum);
	dumpgen_patch16(b, EH(e_phentsize), 32);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_CORRUPT, "e_phentsize at offset 0x36", NULL);
}

static void test_pn_xnum_damaged(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = NULL;
	g_autofree char *off = NULL;

	dumpgen_add_cpu(g, 1, 0, TRUE, 440);
	dumpgen_add_load(g, 0, 0x100, 0x100);
	dumpgen_set_pn_xnum(g, TRUE);
	b = dumpgen_build(g, &lay);

	dumpgen_patch64(b, EH(e_shoff), 0);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_CORRUPT, "PN_XNUM", "offset 0x28", NULL);
	dumpgen_patch64(b, EH(e_shoff), b->len - 10);
	off = g_strdup_printf("offset 0x%x", b->len - 10);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_TRUNCATED, "section header 0", off, NULL);
	dumpgen_patch64(b, EH(e_shoff), lay.shoff);
	dumpgen_patch32(b, lay.shoff + offsetof(Elf64_Shdr, sh_info), 0x7fffffff);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_TRUNCATED,
			  "program header table at offset 0x40", "2147483647 entries", NULL);
	dumpgen_patch32(b, lay.shoff + offsetof(Elf64_Shdr, sh_info), lay.phnum);
	dumpgen_patch16(b, EH(e_shentsize), 10);
	expect_open_error(b->data, b->len, OL_DUMP_ERROR_CORRUPT, "e_shentsize", NULL);
}

static void test_note_overflow(void)
{
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = small_qemu_dump(&lay);
	g_autofree char *note0 = g_strdup_printf("note at offset 0x%" G_GINT64_MODIFIER "x ", lay.first_note);

	g_autoptr(GByteArray) c = g_byte_array_new();
	g_autofree char *note1 = NULL;
	g_autofree char *tail = NULL;

	g_byte_array_append(c, b->data, b->len);
	dumpgen_patch32(c, lay.first_note + 4, 0xffffffff); /* n_descsz */
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_CORRUPT, note0, "n_descsz 4294967295",
			  "runs past the end", NULL);

	memcpy(c->data, b->data, b->len);
	dumpgen_patch32(c, lay.first_note, 0xfffffff0); /* n_namesz */
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_CORRUPT, note0, "n_namesz 4294967280", NULL);

	/* The second note: PRSTATUS is 356 bytes in all. */
	memcpy(c->data, b->data, b->len);
	dumpgen_patch32(c, lay.first_note + 356 + 4, 0x7fffffff);
	note1 = g_strdup_printf("note at offset 0x%" G_GINT64_MODIFIER "x ", lay.first_note + 356);
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_CORRUPT, note1, NULL);

	/* A PT_NOTE ending in a partial header of non-zero bytes. */
	memcpy(c->data, b->data, b->len);
	dumpgen_patch64(c, lay.phoff + PH(p_filesz), lay.notes_size + 4);
	dumpgen_patch64(c, lay.phoff + PH(p_memsz), lay.notes_size + 4);
	c->data[lay.first_note + lay.notes_size] = 1; /* first data byte follows the notes */
	tail = g_strdup_printf("note at offset 0x%" G_GINT64_MODIFIER "x ",
			       lay.first_note + lay.notes_size);
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_CORRUPT, tail, "12", NULL);
}

static void test_bad_notes(void)
{
	guint8 desc[440] = { 0 };
	g_autoptr(OlDump) d = NULL;
	g_autoptr(DumpGen) skip_g = NULL;
	g_autoptr(GByteArray) skip_b = NULL;

	struct {
		const char *name;
		guint32 type;
		gsize size;
		guint32 version, qsize;
		const char *want;
	} cases[] = {
		{ "CORE", 1, 300, 0, 0, "NT_PRSTATUS note at offset" },
		{ "QEMU", 0, 400, 1, 400, "expected at least 432" },
		{ "QEMU", 0, 432, 2, 432, "version 2" },
		{ "QEMU", 0, 432, 1, 440, "size field 440" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
		guint32 v, s;
		DumpGenLayout lay;
		g_autoptr(GByteArray) b = NULL;
		g_autofree char *off = NULL;

		dumpgen_add_load(g, 0, 0x100, 0x100);
		v = GUINT32_TO_LE(cases[i].version);
		s = GUINT32_TO_LE(cases[i].qsize);
		memcpy(desc, &v, 4);
		memcpy(desc + 4, &s, 4);
		dumpgen_add_note(g, cases[i].name, cases[i].type, desc, cases[i].size);
		b = dumpgen_build(g, &lay);
		off = g_strdup_printf("offset 0x%" G_GINT64_MODIFIER "x ", lay.first_note);
		expect_open_error(b->data, b->len, OL_DUMP_ERROR_CORRUPT, cases[i].want, off, NULL);
	}

	/* Notes nobody needs are skipped, whatever they hold. */
	skip_g = dumpgen_new(DUMPGEN_QEMU);
	dumpgen_add_cpu(skip_g, 1, 0x100, TRUE, 440);
	dumpgen_add_note(skip_g, "CORE", NT_PRFPREG, desc, 3);
	dumpgen_add_note(skip_g, "LINUX", 0x202, desc, 0);
	dumpgen_add_note(skip_g, "", 0, desc, 8);
	dumpgen_add_load(skip_g, 0, 0x100, 0x100);
	skip_b = dumpgen_build(skip_g, NULL);
	d = open_ok(skip_b);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 1);
}

static void test_load_damaged(void)
{
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = small_qemu_dump(&lay);
	guint64 ph0 = lay.load_phdr0, ph1 = ph0 + sizeof(Elf64_Phdr);
	g_autofree char *h0 = g_strdup_printf("PT_LOAD 1 (program header at offset 0x%" G_GINT64_MODIFIER "x)", ph0);
	g_autofree char *h1 = g_strdup_printf("PT_LOAD 2 (program header at offset 0x%" G_GINT64_MODIFIER "x)", ph1);

	g_autoptr(GByteArray) c = g_byte_array_new();
	g_byte_array_append(c, b->data, b->len);
	dumpgen_patch64(c, ph0 + PH(p_offset), 0xfffffffffffffff0ULL); /* would wrap */
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_TRUNCATED, h0, "0xfffffffffffffff0", NULL);

	memcpy(c->data, b->data, b->len);
	dumpgen_patch64(c, ph0 + PH(p_filesz), 0x100); /* memsz is 0x80 */
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_CORRUPT, h0, "p_filesz 0x100 larger than p_memsz 0x80", NULL);

	memcpy(c->data, b->data, b->len);
	dumpgen_patch64(c, ph1 + PH(p_paddr), 0xffffffffffffffc0ULL);
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_CORRUPT, h1, "wraps", NULL);

	memcpy(c->data, b->data, b->len);
	dumpgen_patch64(c, ph1 + PH(p_paddr), 0x40); /* into PT_LOAD 1 */
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_CORRUPT, h1, "overlaps", h0, NULL);

	/* PT_NOTE whose data runs past the end of the file. */
	memcpy(c->data, b->data, b->len);
	dumpgen_patch64(c, lay.phoff + PH(p_filesz), c->len);
	expect_open_error(c->data, c->len, OL_DUMP_ERROR_TRUNCATED,
			  "PT_NOTE 0 (program header at offset 0x40)", "past the end of the file", NULL);
}

/* A dump cut short: it opens with a warning naming what is missing; what
 * is there reads, what is past the end is an error saying it was cut off
 * (strict or not), never zeros; page counts count it missing. */
static void test_truncated(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = NULL;
	guint64 data0;
	guint64 cut;
	g_autofree char *path = NULL;
	OlDump *d;
	GError *err;
	const char *w;
	g_autofree char *missing = NULL;
	g_autofree char *mem = NULL;
	gsize avail;
	OlDumpPageCounts c;
	OlDumpPageCounts want;
	g_autoptr(OlDump) whole = NULL;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_load(g, 0, 0x10000, 0x10000);
	dumpgen_add_load(g, 0x100000, 0x4000, 0x2000); /* all past the cut */
	b = dumpgen_build(g, &lay);
	data0 = dumpgen_get64(b, lay.load_phdr0 + PH(p_offset));
	cut = data0 + 5 * 0x1000 + 0x800; /* half-way through page 5 */
	path = dumpgen_write_temp_data(b->data, cut);
	d = NULL;
	err = ol_dump_open(path, &d);
	g_unlink(path);
	g_assert_no_error(err);
	w = ol_dump_warning(d);
	g_assert_nonnull(w);
	g_test_message("%s", w);
	g_assert_true(g_str_has_prefix(w, path));
	g_assert_null(strchr(w, '\n'));
	missing = g_strdup_printf("%" G_GUINT64_FORMAT " bytes (", (guint64)b->len - cut);
	mem = g_strdup_printf("%u bytes (", 0xa800 + 0x2000);
	g_assert_nonnull(strstr(w, "truncated"));
	g_assert_nonnull(strstr(w, missing));
	g_assert_nonnull(strstr(w, mem));

	for (int strict = 0; strict < 2; strict++) {
		guint8 buf[16];

		ol_dump_set_strict(d, strict);
		assert_read(d, 0, 5 * 0x1000 + 0x800);
		expect_error(ol_dump_read_phys(d, 5 * 0x1000 + 0x7f8, buf, 16), OL_DUMP_ERROR_TRUNCATED,
			     "physical address 0x5800 is unavailable: the file was cut off");
		expect_error(ol_dump_read_phys(d, 0x9000, buf, 16), OL_DUMP_ERROR_TRUNCATED, "cut off");
		expect_error(ol_dump_read_phys(d, 0x100000, buf, 16), OL_DUMP_ERROR_TRUNCATED, "0x100000");
		/* past p_filesz of the second one: excluded, as without the cut */
		if (strict)
			expect_error(ol_dump_read_phys(d, 0x102000, buf, 16), OL_DUMP_ERROR_EXCLUDED, NULL);
		else
			assert_zeros(d, 0x102000, 16);
	}
	g_assert_nonnull(ol_dump_phys_ptr(d, 0x5000, &avail));
	g_assert_cmpuint(avail, ==, 0x800);
	g_assert_null(ol_dump_phys_ptr(d, 0x5800, &avail));
	g_assert_no_error(ol_dump_page_counts(d, &c));
	g_assert_cmpuint(c.ram, ==, 16 + 4);
	g_assert_cmpuint(c.present, ==, 5);
	g_assert_cmpuint(c.missing, ==, 11 + 2);
	g_assert_cmpuint(c.excluded, ==, 11 + 2 + 2);
	want = brute_counts(d, 0x110);
	g_assert_cmpuint(c.ram, ==, want.ram);
	g_assert_cmpuint(c.present, ==, want.present);
	ol_dump_free(d);

	/* Not cut: no warning. */
	whole = open_ok(b);
	g_assert_null(ol_dump_warning(whole));
}

/* Cut a valid dump at every length: each must open or fail cleanly; once
 * headers and notes are whole, it opens with a truncation warning. */
static void test_every_truncation(void)
{
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = small_qemu_dump(&lay);
	guint64 data0 = dumpgen_get64(b, lay.load_phdr0 + PH(p_offset));
	for (guint len = 0; len <= b->len; len++) {
		g_autofree char *path = dumpgen_write_temp_data(b->data, len);
		OlDump *d = NULL;
		g_autoptr(GError) err = ol_dump_open(path, &d);
		g_unlink(path);
		if (len >= data0) {
			g_assert_no_error(err);
			if (len < b->len)
				g_assert_nonnull(ol_dump_warning(d));
			else
				g_assert_null(ol_dump_warning(d));
			ol_dump_free(d);
			continue;
		}
		g_assert_nonnull(err);
		g_assert_null(d);
		g_assert_true(err->domain == OL_DUMP_ERROR);
		g_assert_true(g_str_has_prefix(err->message, path));
		g_assert_null(strchr(err->message, '\n'));
	}
}

/* Random damage to headers and notes: no crash, and reads stay in bounds. */
static void test_random_damage(void)
{
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = small_qemu_dump(&lay);
	guint64 span = lay.first_note + lay.notes_size; /* headers and notes */
	guint64 hdr_span = lay.load_phdr0 + 2 * sizeof(Elf64_Phdr); /* ELF and program headers */
	g_autoptr(GByteArray) c = g_byte_array_new();
	guint n_ok;

	g_byte_array_append(c, b->data, b->len);
	n_ok = 0;
	for (guint iter = 0; iter < 1500; iter++) {
		guint flips;
		g_autofree char *path = NULL;
		OlDump *d;
		g_autoptr(GError) err = NULL;
		gsize vlen;
		const char *vi;
		guint8 buf[256];

		memcpy(c->data, b->data, b->len);
		flips = (guint)g_test_rand_int_range(1, 5);
		for (guint k = 0; k < flips; k++) {
			/* Half the damage on the headers, where it matters most. */
			guint pos = (guint)g_test_rand_int_range(
				0, (gint32)(g_test_rand_bit() ? hdr_span : span));
			static const guint8 values[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0x40 };
			c->data[pos] = g_test_rand_bit()
				       ? values[g_test_rand_int_range(0, G_N_ELEMENTS(values))]
				       : (guint8)g_test_rand_int();
		}
		path = dumpgen_write_temp(c);
		d = NULL;
		err = ol_dump_open(path, &d);
		g_unlink(path);
		if (err) {
			g_assert_true(err->domain == OL_DUMP_ERROR);
			g_assert_true(g_str_has_prefix(err->message, path));
			g_assert_null(strchr(err->message, '\n'));
			continue;
		}
		n_ok++;
		for (guint i = 0; i < ol_dump_n_cpus(d); i++)
			g_assert_nonnull(ol_dump_cpu(d, i));
		vi = ol_dump_vmcoreinfo(d, &vlen);
		if (vi)
			g_assert_cmpuint(strlen(vi), ==, vlen);
		for (guint i = 0; i < ol_dump_n_ranges(d); i++) {
			guint64 start, size;
			gsize n;
			GError *e1;
			GError *e2;
			gsize avail;
			const guint8 *p;

			g_assert_true(ol_dump_range(d, i, &start, &size));
			n = (gsize)MIN(size, sizeof(buf));
			e1 = ol_dump_read_phys(d, start, buf, n);
			e2 = ol_dump_read_phys(d, start + size - n, buf, n);
			if (ol_dump_warning(d)) { /* damage made it look cut short */
				if (e1)
					expect_error(e1, OL_DUMP_ERROR_TRUNCATED, "cut off");
				if (e2)
					expect_error(e2, OL_DUMP_ERROR_TRUNCATED, "cut off");
			} else {
				g_assert_no_error(e1);
				g_assert_no_error(e2);
			}
			p = ol_dump_phys_ptr(d, start, &avail);
			if (p) /* every byte of it must be readable */
				g_assert_cmpuint(p[avail - 1] | 1, !=, 0);
		}
		ol_dump_free(d);
	}
	g_test_message("%u of 1500 damaged dumps still opened", n_ok);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dump-elf/qemu/basic", test_qemu_basic);
	g_test_add_func("/dump-elf/qemu/note-432", test_qemu_note_432);
	g_test_add_func("/dump-elf/qemu/note-count-mismatch", test_qemu_note_count_mismatch);
	g_test_add_func("/dump-elf/cpus/order-qemu", test_cpu_order_qemu);
	g_test_add_func("/dump-elf/cpus/order-kdump", test_cpu_order_kdump);
	g_test_add_func("/dump-elf/read/across-boundary", test_read_across_boundary);
	g_test_add_func("/dump-elf/read/holes", test_holes);
	g_test_add_func("/dump-elf/read/memsz-tail", test_memsz_tail);
	g_test_add_func("/dump-elf/read/absent-load", test_absent_load);
	g_test_add_func("/dump-elf/page-counts/shapes", test_page_counts_shapes);
	g_test_add_func("/dump-elf/page-counts/huge-memsz", test_page_counts_huge_memsz);
	g_test_add_func("/dump-elf/pn-xnum/small", test_pn_xnum_small);
	g_test_add_func("/dump-elf/pn-xnum/large", test_pn_xnum_large);
	g_test_add_func("/dump-elf/notes/align8", test_notes_align8);
	g_test_add_func("/dump-elf/kdump/split-notes-and-alias", test_kdump_split_notes_and_alias);
	g_test_add_func("/dump-elf/kdump/alias-partial-overlap", test_kdump_alias_partial_overlap);
	g_test_add_func("/dump-elf/flavour", test_flavour);
	g_test_add_func("/dump-elf/paging-overlap", test_paging_overlap);
	g_test_add_func("/dump-elf/bad/empty-and-magic", test_empty_and_magic);
	g_test_add_func("/dump-elf/bad/truncated-header", test_truncated_header);
	g_test_add_func("/dump-elf/bad/foreign-elf", test_foreign_elf);
	g_test_add_func("/dump-elf/bad/phdrs-past-eof", test_phdrs_past_eof);
	g_test_add_func("/dump-elf/bad/pn-xnum", test_pn_xnum_damaged);
	g_test_add_func("/dump-elf/bad/note-overflow", test_note_overflow);
	g_test_add_func("/dump-elf/bad/notes", test_bad_notes);
	g_test_add_func("/dump-elf/bad/load", test_load_damaged);
	g_test_add_func("/dump-elf/bad/every-truncation", test_every_truncation);
	g_test_add_func("/dump-elf/truncated", test_truncated);
	g_test_add_func("/dump-elf/bad/random-damage", test_random_damage);
	return g_test_run();
}
