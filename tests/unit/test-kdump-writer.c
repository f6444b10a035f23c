/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dump writers (dump-writer.h) against synthetic machines: a QEMU-style
 * ELF with page tables, VMCOREINFO (mem_section, init_uts_ns), a firmware
 * range past the kernel's memory and a p_memsz tail; and kdumpgen dumps with
 * excluded pages.  Every written file is read back through the library and
 * compared page by page with its input; the kdump header is checked field
 * by field against the reference layout; threads do not change the output;
 * a failure leaves nothing behind.  Golden: golden/kdump-writer.txt
 * (OOPSLAB_UPDATE_GOLDEN=1 rewrites it).
 */
#include <glib/gstdio.h>
#include <string.h>

#include "dump-writer.h"
#include "dump.h"
#include "dumpgen.h"
#include "kdumpgen.h"

#define PAGE 4096u
#define M1 G_GUINT64_CONSTANT(0x100000)
#define M2 G_GUINT64_CONSTANT(0x200000)
#define DMAP G_GUINT64_CONSTANT(0xffff888000000000)
#define KTEXT G_GUINT64_CONSTANT(0xffffffff81000000)
#define START_KERNEL_MAP G_GUINT64_CONSTANT(0xffffffff80000000)
#define BIOS G_GUINT64_CONSTANT(0xfffc0000)

static const OlDumpCodec codecs[] = {
	OL_DUMP_CODEC_NONE, OL_DUMP_CODEC_ZLIB, OL_DUMP_CODEC_LZO, OL_DUMP_CODEC_SNAPPY, OL_DUMP_CODEC_ZSTD,
};

/*
 * The machine:
 *   [0, 8M)          RAM; page tables from 1M, mem_section roots at 3M,
 *                    zero pages [2M, 2M + 64K), the kernel image 2M page at 4M
 *   [8M, 8M + 16K)   RAM, the last 8K not stored (p_memsz > p_filesz)
 *   [16M, 18M)       RAM
 *   [BIOS, 4G)       firmware: past the kernel's one memory section (128M)
 */
static DumpGen *machine(void)
{
	DumpGen *g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = NULL;
	static const guint8 zeros[64 * 1024];
	const char *uts[] = { "Linux", "testnode", "6.1.0-test", "#1 SMP test", "x86_64", "(none)" };
	guint8 u[6 * 65] = { 0 };
	g_autofree char *v = NULL;

	dumpgen_add_cpu(g, 1, 0x1000, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x2000, TRUE, 440);
	dumpgen_add_load(g, 0, 8 * M1, 8 * M1);
	dumpgen_add_load(g, 8 * M1, 16384, 8192);
	dumpgen_add_load(g, 16 * M1, 2 * M1, 2 * M1);
	dumpgen_add_load(g, BIOS, 0x40000, 0x40000);

	pt = dumpgen_pt_new(g, 4, M1, M1);
	dumpgen_pt_map_range(pt, DMAP, 0, 8 * M1, M2);
	dumpgen_pt_map(pt, KTEXT, 4 * M1, M2);
	dumpgen_poke(g, 2 * M1, zeros, sizeof(zeros));
	/* mem_section (SPARSEMEM_EXTREME): 2048 roots at 3M, root 0 -> a
	 * page of sections at 3M + 16K, section 0 present. */
	dumpgen_poke(g, 3 * M1, zeros, 2048 * 8);
	dumpgen_poke64(g, 3 * M1, DMAP + 3 * M1 + 16384);
	dumpgen_poke(g, 3 * M1 + 16384, zeros, PAGE);
	dumpgen_poke64(g, 3 * M1 + 16384, 0xffffea0000000000ULL | 3);
	/* init_uts_ns.name at KTEXT + 0x1000 (+ 4: OFFSET(uts_namespace.name)). */
	for (guint i = 0; i < 6; i++)
		memcpy(u + 65 * i, uts[i], strlen(uts[i]));
	dumpgen_poke(g, 4 * M1 + 0x1000 + 4, u, sizeof(u));

	v = g_strdup_printf(
		"OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
		"SYMBOL(init_uts_ns)=%" G_GINT64_MODIFIER "x\nOFFSET(uts_namespace.name)=4\n"
		"SYMBOL(swapper_pg_dir)=%" G_GINT64_MODIFIER "x\n"
		"SYMBOL(mem_section)=%" G_GINT64_MODIFIER "x\nLENGTH(mem_section)=2048\nSIZE(mem_section)=16\n"
		"OFFSET(mem_section.section_mem_map)=0\nNUMBER(SECTION_SIZE_BITS)=27\nNUMBER(MAX_PHYSMEM_BITS)=46\n"
		"NUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=0\nKERNELOFFSET=0\n",
		KTEXT + 0x1000, dumpgen_pt_root(pt) + START_KERNEL_MAP, DMAP + 3 * M1);
	dumpgen_set_vmcoreinfo(g, v);
	return g;
}

/* ---- helpers ---------------------------------------------------------- */

static char *tmpdir;

static char *out_path(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static OlDump *open_file(const char *path, OlDumpOpenFlags flags)
{
	OlDump *d = NULL;
	g_autoptr(GError) err = ol_dump_open_flags(path, flags, &d);
	g_assert_no_error(err);
	return d;
}

static OlDump *open_bytes(const GByteArray *b)
{
	g_autofree char *path = dumpgen_write_temp(b);
	OlDump *d = open_file(path, 0);
	g_unlink(path);
	return d;
}

static void write_ok(OlDump *in, const char *path, OlDumpWriteOptions opt, OlDumpWriteStats *st)
{
	g_autoptr(GError) err = ol_dump_write(in, path, &opt, st);
	g_assert_no_error(err);
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gchar **dir_list(void)
{
	g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	for (const char *n; (n = g_dir_read_name(dir));)
		g_ptr_array_add(names, g_strdup(n));
	g_ptr_array_sort(names, cmp_names);
	g_ptr_array_add(names, NULL);
	return (gchar **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

/* OUT holds what IN holds: every page IN describes below LIMIT_PFN reads
 * the same from OUT (strict) or, where IN leaves it out (or it is all zeros
 * and ZERO_EXCLUDED), is excluded in OUT; pages at LIMIT_PFN and above are
 * not in OUT.  CPUs and VMCOREINFO are the same. */
static void check_same_zero(OlDump *in, OlDump *out, guint64 limit_pfn, gboolean zero_excluded)
{
	static const guint8 zeros[PAGE];
	guint8 a[PAGE], b[PAGE];
	guint64 compared;
	gsize la, lb;
	const char *va, *vb;

	g_assert_true(ol_dump_strict(out));
	compared = 0;
	for (guint i = 0; i < ol_dump_n_ranges(in); i++) {
		guint64 start, size;
		ol_dump_range(in, i, &start, &size);
		for (guint64 pa = start & ~(guint64)(PAGE - 1); pa < start + size; pa += PAGE) {
			g_autoptr(GError) ein = NULL;
			g_autoptr(GError) eout = NULL;

			ol_dump_set_strict(in, TRUE);
			ein = ol_dump_read_phys(in, pa, a, PAGE);
			ol_dump_set_strict(in, FALSE);
			eout = ol_dump_read_phys(out, pa, b, PAGE);
			if (pa / PAGE >= limit_pfn) {
				g_assert_error(eout, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
				continue;
			}
			if (ein) {
				g_assert_error(ein, OL_DUMP_ERROR, OL_DUMP_ERROR_EXCLUDED);
				g_assert_error(eout, OL_DUMP_ERROR, OL_DUMP_ERROR_EXCLUDED);
				continue;
			}
			if (zero_excluded && memcmp(a, zeros, PAGE) == 0) {
				g_assert_error(eout, OL_DUMP_ERROR, OL_DUMP_ERROR_EXCLUDED);
				continue;
			}
			g_assert_no_error(eout);
			if (memcmp(a, b, PAGE) != 0)
				g_error("page at " X64 " differs", pa);
			compared++;
		}
	}
	g_assert_cmpuint(compared, >, 0);
	g_assert_cmpuint(ol_dump_n_cpus(in), ==, ol_dump_n_cpus(out));
	for (guint i = 0; i < ol_dump_n_cpus(in); i++) {
		const OlCpuNote *x = ol_dump_cpu(in, i), *y = ol_dump_cpu(out, i);
		g_assert_cmpuint(x->pr_pid, ==, y->pr_pid);
		g_assert_true(memcmp(x->regs, y->regs, sizeof(x->regs)) == 0);
		g_assert_cmpint(x->has_qemu, ==, y->has_qemu);
		if (x->has_qemu) {
			g_assert_cmphex(x->qemu.cr[3], ==, y->qemu.cr[3]);
			g_assert_cmphex(x->qemu.kernel_gs_base, ==, y->qemu.kernel_gs_base);
			g_assert_cmphex(x->qemu.gs.base, ==, y->qemu.gs.base);
		}
	}
	g_assert_cmpint(ol_dump_cpu_order_known(in), ==, ol_dump_cpu_order_known(out));
	va = ol_dump_vmcoreinfo(in, &la);
	vb = ol_dump_vmcoreinfo(out, &lb);
	g_assert_cmpstr(va, ==, vb);
}

static guint32 get32(const guint8 *p)
{
	guint32 v;
	memcpy(&v, p, 4);
	return GUINT32_FROM_LE(v);
}

static guint64 get64(const guint8 *p)
{
	guint64 v;
	memcpy(&v, p, 8);
	return GUINT64_FROM_LE(v);
}

/* The kdump header fields of PATH, for the golden file and checks. */
static char *header_text(const char *path)
{
	g_autofree char *data = NULL;
	gsize len;
	const guint8 *h, *s;
	GString *t;

	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	h = (const guint8 *)data;
	s = h + 4096;
	t = g_string_new(NULL);
	g_string_append_printf(t, "signature %.8s version %u", h, get32(h + 8));
	for (guint i = 0; i < 6; i++)
		g_string_append_printf(t, " uts%u \"%.65s\"", i, h + 12 + 65 * i);
	g_string_append_printf(t, "\ntimestamp %" G_GUINT64_FORMAT " status 0x%x block_size %u sub_hdr_size %u"
			       " bitmap_blocks %u max_mapnr %u nr_cpus %u current_cpu %u\n",
			       get64(h + 408), get32(h + 424), get32(h + 428), get32(h + 432), get32(h + 436),
			       get32(h + 440), get32(h + 460), get32(h + 456));
	g_string_append_printf(t, "phys_base " X64 " dump_level %u split %u offset_vmcoreinfo " X64
			       " size_vmcoreinfo %" G_GUINT64_FORMAT " offset_note " X64 " size_note %" G_GUINT64_FORMAT
			       " eraseinfo %" G_GUINT64_FORMAT " max_mapnr_64 %" G_GUINT64_FORMAT "\n",
			       get64(s), get32(s + 8), get32(s + 12), get64(s + 32), get64(s + 40),
			       get64(s + 48), get64(s + 56), get64(s + 64), get64(s + 96));
	/* VMCOREINFO where offset_vmcoreinfo says. */
	g_assert_true(memcmp(h + get64(s + 32), "OSRELEASE=6.1.0-test", 20) == 0);
	return g_string_free(t, FALSE);
}

static char *file_sha256(const char *path)
{
	g_autofree char *data = NULL;
	gsize len;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static void check_same(OlDump *in, OlDump *out, guint64 limit_pfn)
{
	check_same_zero(in, out, limit_pfn, FALSE);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_kdump_every_codec(void)
{
	g_autoptr(DumpGen) g = machine();
	g_autoptr(GByteArray) b = dumpgen_build(g, NULL);
	g_autoptr(OlDump) in = open_bytes(b);
	for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
		g_autofree char *path = out_path("every-codec.kdump");
		OlDumpWriteStats st;
		g_autoptr(OlDump) out = NULL;
		OlDumpPageCounts pc;
		g_autoptr(GError) err = NULL;
		g_autofree char *h = NULL;

		write_ok(in, path, (OlDumpWriteOptions){ .codec = codecs[i] }, &st);
		out = open_file(path, OL_DUMP_OPEN_STRICT);
		g_assert_cmpint(ol_dump_format(out), ==, OL_DUMP_FORMAT_KDUMP);
		g_assert_cmpint(ol_dump_codec(out), ==, codecs[i]);
		check_same(in, out, 128 * 256);
		/* The firmware range is gone, and said so. */
		g_assert_cmpuint(st.dropped_pages, ==, 64);
		g_assert_cmphex(st.dropped_from_pfn, ==, 0x8000);
		g_assert_cmpuint(st.excluded_pages, ==, 2);
		g_assert_cmpuint(st.ram_pages, ==, 2048 + 4 + 512);
		g_assert_cmpuint(st.stored_pages, ==, st.ram_pages - 2);
		if (codecs[i] != OL_DUMP_CODEC_NONE)
			g_assert_cmpuint(st.compressed_pages, >, 0);
		err = ol_dump_page_counts(out, &pc);
		g_assert_no_error(err);
		g_assert_cmpuint(pc.excluded, ==, 2);
		g_assert_cmpuint(pc.zero, ==, st.zero_pages);
		g_assert_cmpuint(pc.zero, >=, 16);

		h = header_text(path);
		g_test_message("%s", h);
		g_assert_nonnull(strstr(h, "signature KDUMP    version 6"));
		g_assert_nonnull(strstr(h, "uts1 \"testnode\" uts2 \"6.1.0-test\""));
		g_assert_nonnull(strstr(h, "block_size 4096 sub_hdr_size 1 bitmap_blocks 2 max_mapnr 32768 nr_cpus 2"));
		g_assert_nonnull(strstr(h, "offset_note 0x1068"));
		g_assert_nonnull(strstr(h, "max_mapnr_64 32768"));
	}
}

static void test_threads_deterministic(void)
{
	g_autoptr(DumpGen) g = machine();
	g_autoptr(GByteArray) b = dumpgen_build(g, NULL);
	g_autoptr(OlDump) in = open_bytes(b);
	g_autofree char *p1 = out_path("t1.kdump"), *p4 = out_path("t4.kdump");
	g_autofree char *s1 = NULL, *s4 = NULL;

	write_ok(in, p1, (OlDumpWriteOptions){ .codec = OL_DUMP_CODEC_ZSTD, .threads = 1 }, NULL);
	write_ok(in, p4, (OlDumpWriteOptions){ .codec = OL_DUMP_CODEC_ZSTD, .threads = 4 }, NULL);
	s1 = file_sha256(p1);
	s4 = file_sha256(p4);
	g_assert_cmpstr(s1, ==, s4);
	g_unlink(p1);
	g_unlink(p4);
}

/* exclude_zero: ELF leaves zero pages out (p_memsz tails); kdump does what
 * makedumpfile -d 1 does, one shared zero page and dump_level 1, so crash
 * still reads them. */
static void test_exclude_zero(void)
{
	g_autoptr(DumpGen) g = machine();
	g_autoptr(GByteArray) b = dumpgen_build(g, NULL);
	g_autoptr(OlDump) in = open_bytes(b);
	for (guint f = 0; f < 2; f++) {
		gboolean elf = f == 1;
		g_autofree char *path = out_path("zero.out");
		OlDumpWriteStats st;
		g_autoptr(OlDump) out = NULL;
		OlDumpPageCounts pc;
		g_autoptr(GError) err = NULL;
		guint8 x;

		write_ok(in, path,
			 (OlDumpWriteOptions){ .format = elf ? OL_DUMP_WRITE_ELF : OL_DUMP_WRITE_KDUMP,
					       .codec = OL_DUMP_CODEC_LZO, .exclude_zero = TRUE },
			 &st);
		out = open_file(path, OL_DUMP_OPEN_STRICT);
		check_same_zero(in, out, elf ? G_MAXUINT64 : 128 * 256, elf);
		err = ol_dump_page_counts(out, &pc);
		g_assert_no_error(err);
		g_assert_cmpuint(pc.excluded, ==, st.excluded_pages);
		x = 0xaa;
		err = ol_dump_read_phys(out, 2 * M1 + 5, &x, 1);
		if (elf) {
			g_assert_cmpuint(pc.zero, ==, 0);
			g_assert_cmpuint(st.zero_pages, ==, 0);
			g_assert_cmpuint(pc.excluded, >=, 2 + 16);
			g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_EXCLUDED);
			g_clear_error(&err);
			ol_dump_set_strict(out, FALSE);
			err = ol_dump_read_phys(out, 2 * M1 + 5, &x, 1);
		} else {
			OlDumpKdumpInfo k;

			g_assert_cmpuint(pc.excluded, ==, 2);
			g_assert_cmpuint(pc.zero, >=, 16);
			g_assert_true(ol_dump_kdump_info(out, &k));
			g_assert_cmpuint(k.dump_level, ==, 1);
		}
		g_assert_no_error(err);
		g_assert_cmpuint(x, ==, 0);
	}
}

/* kdump in (excluded pages, flattened) -> ELF -> kdump -> ELF: nothing lost. */
static void test_round_trips(void)
{
	g_autoptr(KdumpGen) kg = kdumpgen_new(3000);
	g_autoptr(GByteArray) plain = NULL;
	g_autoptr(GByteArray) flat = NULL;
	g_autoptr(OlDump) orig = NULL;
	g_autofree char *e1 = NULL, *k2 = NULL, *e3 = NULL;
	g_autoptr(OlDump) d1 = NULL;
	g_autoptr(OlDump) d2 = NULL;
	g_autoptr(OlDump) d3 = NULL;
	g_autofree char *s1 = NULL, *s3 = NULL;

	kdumpgen_set_codec(kg, OL_DUMP_CODEC_SNAPPY);
	kdumpgen_add_ram(kg, 0, 100);
	kdumpgen_add_ram(kg, 300, 2000);
	kdumpgen_exclude(kg, 10, 3);   /* a left-out run inside RAM: splits a PT_LOAD */
	kdumpgen_exclude(kg, 2290, 10); /* at the end of a run: a p_memsz tail */
	kdumpgen_exclude(kg, 300, 2);   /* at the start of a run: a PT_LOAD with p_filesz 0 */
	kdumpgen_set_zero(kg, 500);
	kdumpgen_add_cpu(kg, 77, 0x5000, FALSE); /* kdump-style CPU, no QEMU note */
	kdumpgen_set_vmcoreinfo(kg, "OSRELEASE=6.1.0-test\nCRASHTIME=1700000000\n");
	plain = kdumpgen_build(kg, NULL);
	flat = kdumpgen_flatten(plain, &(KdumpGenFlat){ .record_size = 5000, .shuffle = TRUE, .seed = 4 });
	orig = open_bytes(flat);
	g_assert_cmpint(ol_dump_format(orig), ==, OL_DUMP_FORMAT_KDUMP_FLAT);

	e1 = out_path("rt1.elf");
	k2 = out_path("rt2.kdump");
	e3 = out_path("rt3.elf");
	write_ok(orig, e1, (OlDumpWriteOptions){ .format = OL_DUMP_WRITE_ELF }, NULL);
	d1 = open_file(e1, OL_DUMP_OPEN_STRICT);
	g_assert_cmpint(ol_dump_format(d1), ==, OL_DUMP_FORMAT_ELF_KDUMP); /* CRASHTIME */
	check_same(orig, d1, G_MAXUINT64);
	/* PT_LOADs [0,13) with [10,13) a tail, [13,100), [300,302) nothing
	 * stored, [302,2300) with [2290,2300) a tail. */
	g_assert_cmpuint(ol_dump_n_ranges(d1), ==, 4);

	write_ok(d1, k2, (OlDumpWriteOptions){ .codec = OL_DUMP_CODEC_ZLIB }, NULL);
	d2 = open_file(k2, OL_DUMP_OPEN_STRICT);
	check_same(orig, d2, G_MAXUINT64);
	write_ok(d2, e3, (OlDumpWriteOptions){ .format = OL_DUMP_WRITE_ELF }, NULL);
	d3 = open_file(e3, OL_DUMP_OPEN_STRICT);
	check_same(orig, d3, G_MAXUINT64);
	/* Same ELF both times. */
	s1 = file_sha256(e1);
	s3 = file_sha256(e3);
	g_assert_cmpstr(s1, ==, s3);
}

/* A failure leaves nothing: no output, no temporary file, an existing file
 * untouched. */
static void test_failure_leaves_nothing(void)
{
	g_auto(GStrv) before = dir_list();
	g_autofree char *missing_dir = g_build_filename(tmpdir, "no-such-dir", "x.kdump", NULL);
	g_autoptr(DumpGen) g = machine();
	g_autoptr(GByteArray) b = dumpgen_build(g, NULL);
	g_autoptr(OlDump) in = open_bytes(b);
	OlDumpWriteOptions opt = { .codec = OL_DUMP_CODEC_ZSTD };
	g_autoptr(GError) err = ol_dump_write(in, missing_dir, &opt, NULL);
	g_autoptr(GByteArray) cut = NULL;
	g_autoptr(OlDump) cut_in = NULL;
	g_autofree char *never = NULL;
	g_autoptr(KdumpGen) kg = NULL;
	g_autoptr(GByteArray) bad = NULL;
	g_autoptr(OlDump) bad_in = NULL;
	g_autofree char *target = NULL;
	g_auto(GStrv) with_target = NULL;
	g_autoptr(OlDump) out = NULL;
	g_auto(GStrv) after_all = NULL;

	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_IO);
	g_assert_true(g_str_has_prefix(err->message, missing_dir));
	g_clear_error(&err);

	/* A truncated input: refused, nothing written (its lost pages would
	 * pass for excluded ones in the copy). */
	cut = g_byte_array_new();
	g_byte_array_append(cut, b->data, b->len - 0x3000);
	cut_in = open_bytes(cut);
	g_assert_nonnull(ol_dump_warning(cut_in));
	never = out_path("never.kdump");
	err = ol_dump_write(cut_in, never, &opt, NULL);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_TRUNCATED);
	g_assert_nonnull(strstr(err->message, "truncated"));
	g_assert_false(g_file_test(never, G_FILE_TEST_EXISTS));
	g_clear_error(&err);

	/* An input page that does not decompress to a page. */
	kg = kdumpgen_new(200);
	kdumpgen_add_ram(kg, 0, 200);
	kdumpgen_set_bad_length(kg, 150, 4000);
	bad = kdumpgen_build(kg, NULL);
	bad_in = open_bytes(bad);
	target = out_path("existing.kdump");
	g_assert_true(g_file_set_contents(target, "old contents", -1, NULL));
	with_target = dir_list();
	for (guint f = 0; f < 2; f++) {
		g_autofree char *now = NULL;
		g_auto(GStrv) after = NULL;

		opt.format = f ? OL_DUMP_WRITE_ELF : OL_DUMP_WRITE_KDUMP;
		err = ol_dump_write(bad_in, target, &opt, NULL);
		g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT);
		g_assert_nonnull(strstr(err->message, "pfn 0x96"));
		g_clear_error(&err);
		g_assert_true(g_file_get_contents(target, &now, NULL, NULL));
		g_assert_cmpstr(now, ==, "old contents");
		after = dir_list();
		if (!g_strv_equal((const gchar *const *)with_target, (const gchar *const *)after)) {
			g_autofree char *x = g_strjoinv(" ", with_target), *y = g_strjoinv(" ", after);
			g_error("the directory changed: before: %s; after: %s", x, y);
		}
	}
	/* Success replaces it. */
	write_ok(in, target, opt, NULL);
	out = open_file(target, OL_DUMP_OPEN_STRICT);
	g_assert_nonnull(out);
	g_unlink(target);
	after_all = dir_list();
	g_assert_true(g_strv_equal((const gchar *const *)before, (const gchar *const *)after_all));
}

/* Header fields and the bytes of the outputs that do not depend on a
 * compression library's version (raw pages, ELF). */
static void test_golden(void)
{
	g_autoptr(DumpGen) g = machine();
	g_autoptr(GByteArray) b = dumpgen_build(g, NULL);
	g_autoptr(OlDump) in = open_bytes(b);
	g_autoptr(GString) actual = g_string_new(NULL);
	g_autofree char *elf_path = NULL;
	g_autofree char *elf_sum = NULL;
	g_autofree char *golden = NULL;
	g_autofree char *want = NULL;
	g_autoptr(GError) err = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
		g_autofree char *path = out_path("golden.kdump");
		g_autofree char *h = NULL;

		write_ok(in, path, (OlDumpWriteOptions){ .codec = codecs[i] }, NULL);
		h = header_text(path);
		g_string_append_printf(actual, "[kdump %s]\n%s", ol_dump_codec_name(codecs[i]), h);
		if (codecs[i] == OL_DUMP_CODEC_NONE) {
			g_autofree char *sum = file_sha256(path);
			g_string_append_printf(actual, "sha256 %s\n", sum);
		}
		g_string_append(actual, "\n");
		g_unlink(path);
	}
	elf_path = out_path("golden.elf");
	write_ok(in, elf_path, (OlDumpWriteOptions){ .format = OL_DUMP_WRITE_ELF }, NULL);
	elf_sum = file_sha256(elf_path);
	g_string_append_printf(actual, "[elf]\nsha256 %s\n", elf_sum);
	g_unlink(elf_path);

	golden = g_test_build_filename(G_TEST_DIST, "golden", "kdump-writer.txt", NULL);
	if (g_getenv("OOPSLAB_UPDATE_GOLDEN")) {
		g_file_set_contents(golden, actual->str, -1, &err);
		g_assert_no_error(err);
		/* Updating is not testing: fail so no one mistakes it for a pass. */
		g_test_fail_printf("OOPSLAB_UPDATE_GOLDEN: rewrote %s; review it, then run without the variable", golden);
		return;
	}
	g_file_get_contents(golden, &want, NULL, &err);
	g_assert_no_error(err);
	if (strcmp(want, actual->str) != 0)
		g_error("the writer's output differs from %s:\n%s", golden, actual->str);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	int rc;
	g_autoptr(GDir) dir = NULL;

	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("oopslab-writer-XXXXXX", &err);
	g_assert_no_error(err);
	g_test_add_func("/kdump-writer/kdump/every-codec", test_kdump_every_codec);
	g_test_add_func("/kdump-writer/kdump/threads", test_threads_deterministic);
	g_test_add_func("/kdump-writer/exclude-zero", test_exclude_zero);
	g_test_add_func("/kdump-writer/round-trips", test_round_trips);
	g_test_add_func("/kdump-writer/failure", test_failure_leaves_nothing);
	g_test_add_func("/kdump-writer/golden", test_golden);
	rc = g_test_run();
	dir = g_dir_open(tmpdir, 0, NULL);
	for (const char *n; dir && (n = g_dir_read_name(dir));) {
		g_autofree char *p = g_build_filename(tmpdir, n, NULL);
		g_unlink(p);
	}
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return rc;
}
