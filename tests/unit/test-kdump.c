/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kdump-compressed and flattened readers against synthetic dumps
 * (kdumpgen): every codec and header version, against golden descriptions;
 * the flattened layout with records in order, shuffled, overwritten and with
 * holes; excluded pages (zeros vs strict); incomplete dumps; --split files;
 * the page_desc index across sections; the page cache; and damaged files:
 * a one-line error naming the offset, never a crash, and a page that
 * decompresses to the wrong size is an error.
 *
 * Golden file: golden/kdump-reader.txt.  OOPSLAB_UPDATE_GOLDEN=1 rewrites it
 * (then review the diff: it was first written from dumps whose contents the
 * other tests check byte by byte).
 */
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

#include "dump.h"
#include "dumpgen.h"
#include "kdumpgen.h"
#include "page-cache.h"

#define MAX_MAPNR 5000 /* more than one 4096-PFN section */
#define PAGE 4096u

static const OlDumpCodec codecs[] = {
	OL_DUMP_CODEC_NONE, OL_DUMP_CODEC_ZLIB, OL_DUMP_CODEC_LZO, OL_DUMP_CODEC_SNAPPY, OL_DUMP_CODEC_ZSTD,
};

static const char vmcoreinfo[] =
	"OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff82a0a000\nNUMBER(phys_base)=16777216\n";

/* RAM [0, 160) [200, 240) [4090, 4990); excluded [20, 25) [4100, 4103);
 * zero pages 3 50 4095 4096 4200; two CPUs with QEMU notes. */
static KdumpGen *standard(int version, OlDumpCodec codec)
{
	KdumpGen *g = kdumpgen_new(MAX_MAPNR);
	static const guint64 zero[] = { 3, 50, 4095, 4096, 4200 };

	kdumpgen_set_version(g, version);
	kdumpgen_set_codec(g, codec);
	kdumpgen_add_ram(g, 0, 160);
	kdumpgen_add_ram(g, 200, 40);
	kdumpgen_add_ram(g, 4090, 900);
	kdumpgen_exclude(g, 20, 5);
	kdumpgen_exclude(g, 4100, 3);
	for (guint i = 0; i < G_N_ELEMENTS(zero); i++)
		kdumpgen_set_zero(g, zero[i]);
	kdumpgen_add_cpu(g, 2, 0x2000, TRUE);
	kdumpgen_add_cpu(g, 1, 0x1000, TRUE);
	kdumpgen_set_vmcoreinfo(g, vmcoreinfo);
	return g;
}

static gboolean standard_ram(guint64 pfn)
{
	return pfn < 160 || (pfn >= 200 && pfn < 240) || (pfn >= 4090 && pfn < 4990);
}

static gboolean standard_excluded(guint64 pfn)
{
	return (pfn >= 20 && pfn < 25) || (pfn >= 4100 && pfn < 4103);
}

/* ---- helpers ---------------------------------------------------------- */

static OlDump *open_bytes(const void *data, gsize len, OlDumpOpenFlags flags, GError **err)
{
	g_autofree char *path = dumpgen_write_temp_data(data, len);
	OlDump *d = NULL;
	*err = ol_dump_open_flags(path, flags, &d);
	g_unlink(path); /* the mapping keeps the data */
	return d;
}

static OlDump *open_ok(const GByteArray *b, OlDumpOpenFlags flags)
{
	g_autoptr(GError) err = NULL;
	OlDump *d = open_bytes(b->data, b->len, flags, &err);
	g_assert_no_error(err);
	g_assert_nonnull(d);
	return d;
}

/* The error is CODE, one line, starts with a path, and contains each of the
 * NULL-terminated strings. */
static void check_error(const GError *err, OlDumpError code, va_list ap)
{
	g_assert_nonnull(err);
	if (!g_error_matches(err, OL_DUMP_ERROR, code))
		g_error("expected code %d, got %d: %s", code, err->code, err->message);
	g_assert_null(strchr(err->message, '\n'));
	g_assert_true(err->message[0] == '/');
	for (const char *s; (s = va_arg(ap, const char *));)
		if (!strstr(err->message, s))
			g_error("error message \"%s\" lacks \"%s\"", err->message, s);
	g_test_message("%s", err->message);
}

static void expect_open_error(const GByteArray *b, gsize len, OlDumpError code, ...)
{
	g_autoptr(GError) err = NULL;
	OlDump *d = open_bytes(b->data, len, 0, &err);
	va_list ap;

	g_assert_null(d);
	va_start(ap, code);
	check_error(err, code, ap);
	va_end(ap);
}

static void expect_read_error(OlDump *d, guint64 paddr, gsize len, OlDumpError code, ...)
{
	g_autofree guint8 *buf = g_malloc(len);
	g_autoptr(GError) err = ol_dump_read_phys(d, paddr, buf, len);
	va_list ap;
	va_start(ap, code);
	check_error(err, code, ap);
	va_end(ap);
}

/* Read every page of the standard layout and check it. */
static void check_standard_pages(OlDump *d, const KdumpGen *g, gboolean split, guint64 s0, guint64 s1)
{
	guint8 page[PAGE];
	for (guint64 pfn = 0; pfn < MAX_MAPNR + 2; pfn++) {
		g_autoptr(GError) err = ol_dump_read_phys(d, pfn * PAGE, page, PAGE);
		if (!standard_ram(pfn) || (split && (pfn < s0 || pfn >= s1))) {
			g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
			continue;
		}
		g_assert_no_error(err);
		for (guint i = 0; i < PAGE; i++) {
			guint8 want = standard_excluded(pfn) ? 0 : kdumpgen_byte(g, pfn * PAGE + i);
			if (page[i] != want)
				g_error("pfn " X64 " byte %u: got 0x%02x, expected 0x%02x", pfn, i, page[i], want);
		}
	}
}

/* A description of what the reader makes of a dump, for the golden file:
 * everything but the path. */
static char *describe(OlDump *d)
{
	GString *s = g_string_new(NULL);
	OlDumpKdumpInfo k;
	OlDumpPageCounts c;
	g_autoptr(GError) err = NULL;
	g_autoptr(GChecksum) sum = NULL;
	gsize vlen;
	const char *v;

	g_string_append_printf(s, "format %s codec %s\n", ol_dump_format_name(d), ol_dump_codec_name(ol_dump_codec(d)));
	if (ol_dump_kdump_info(d, &k))
		g_string_append_printf(s, "header version %d status 0x%x dump_level %u max_mapnr " X64 " phys_base " X64
				       " incomplete %d split %d " X64 "-" X64 "\n",
				       k.header_version, k.status, k.dump_level, k.max_mapnr, k.phys_base,
				       k.incomplete, k.split, k.split_start_pfn, k.split_end_pfn);
	err = ol_dump_page_counts(d, &c);
	g_assert_no_error(err);
	g_string_append_printf(s, "pages ram %" G_GUINT64_FORMAT " present %" G_GUINT64_FORMAT " zero %" G_GUINT64_FORMAT
			       " excluded %" G_GUINT64_FORMAT " missing %" G_GUINT64_FORMAT "\n",
			       c.ram, c.present, c.zero, c.excluded, c.missing);
	g_string_append(s, "ranges");
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	for (guint i = 0; i < ol_dump_n_ranges(d); i++) {
		guint64 start, size;
		g_autofree guint8 *buf = NULL;
		g_autoptr(GError) e2 = NULL;

		ol_dump_range(d, i, &start, &size);
		g_string_append_printf(s, " " X64 "+" X64, start, size);
		buf = g_malloc(size);
		e2 = ol_dump_read_phys(d, start, buf, size);
		g_assert_no_error(e2);
		g_checksum_update(sum, buf, size);
	}
	g_string_append_printf(s, "\nmemory sha256 %s\n", g_checksum_get_string(sum));
	g_string_append_printf(s, "cpus %u order-known %d", ol_dump_n_cpus(d), ol_dump_cpu_order_known(d));
	for (guint i = 0; i < ol_dump_n_cpus(d); i++) {
		const OlCpuNote *cpu = ol_dump_cpu(d, i);
		g_string_append_printf(s, " [pid %u rip " X64 " qemu %d]", cpu->pr_pid, cpu->regs[OL_REG_RIP],
				       cpu->has_qemu);
	}
	v = ol_dump_vmcoreinfo(d, &vlen);
	g_string_append_printf(s, "\nvmcoreinfo %" G_GSIZE_FORMAT "%s\n", v ? vlen : 0,
			       v && strstr(v, "OSRELEASE=6.1.0-test") ? " OSRELEASE=6.1.0-test" : "");
	return g_string_free(s, FALSE);
}

static void golden_add(GString *out, const char *title, const GByteArray *b)
{
	g_autoptr(OlDump) d = open_ok(b, 0);
	g_autofree char *text = describe(d);
	g_string_append_printf(out, "[%s]\n%s\n", title, text);
}

/* What the reader makes of each kind of file, against golden/kdump-reader.txt:
 * every header version and codec, the flattened layouts, an incomplete dump
 * and a --split file. */
static void test_golden(void)
{
	static const struct {
		const char *title;
		KdumpGenFlat opt;
	} flats[] = {
		{ "flattened in order", { .record_size = 1 << 20 } },
		{ "flattened shuffled", { .record_size = 1000, .shuffle = TRUE, .seed = 1 } },
		{ "flattened holes", { .record_size = 333, .skip_zero = TRUE, .seed = 2 } },
		{ "flattened overwritten", { .record_size = 777, .shuffle = TRUE, .overwrite = TRUE, .seed = 3 } },
	};
	g_autoptr(GString) actual = g_string_new(NULL);
	g_autoptr(KdumpGen) g6 = NULL;
	g_autoptr(GByteArray) plain = NULL;
	g_autoptr(KdumpGen) gi = NULL;
	g_autoptr(GByteArray) bi = NULL;
	g_autoptr(KdumpGen) gs = NULL;
	g_autoptr(GByteArray) bs = NULL;
	g_autofree char *path = NULL;
	g_autofree char *want = NULL;
	g_autoptr(GError) err = NULL;

	for (int v = 1; v <= 6; v++) {
		for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
			g_autoptr(KdumpGen) g = standard(v, codecs[i]);
			g_autoptr(GByteArray) b = kdumpgen_build(g, NULL);
			g_autofree char *title = g_strdup_printf("v%d %s", v, ol_dump_codec_name(codecs[i]));
			golden_add(actual, title, b);
		}
	}
	g6 = standard(6, OL_DUMP_CODEC_ZLIB);
	plain = kdumpgen_build(g6, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(flats); i++) {
		g_autoptr(GByteArray) f = kdumpgen_flatten(plain, &flats[i].opt);
		golden_add(actual, flats[i].title, f);
	}
	gi = standard(6, OL_DUMP_CODEC_ZSTD);
	kdumpgen_set_incomplete(gi, 10);
	bi = kdumpgen_build(gi, NULL);
	golden_add(actual, "incomplete", bi);
	gs = standard(6, OL_DUMP_CODEC_SNAPPY);
	kdumpgen_set_split(gs, 100, 4200);
	bs = kdumpgen_build(gs, NULL);
	golden_add(actual, "split", bs);

	path = g_test_build_filename(G_TEST_DIST, "golden", "kdump-reader.txt", NULL);
	if (g_getenv("OOPSLAB_UPDATE_GOLDEN")) {
		g_file_set_contents(path, actual->str, -1, &err);
		g_assert_no_error(err);
		/* Updating is not testing: fail so no one mistakes it for a pass. */
		g_test_fail_printf("OOPSLAB_UPDATE_GOLDEN: rewrote %s; review it, then run without the variable", path);
		return;
	}
	g_file_get_contents(path, &want, NULL, &err);
	g_assert_no_error(err);
	if (strcmp(want, actual->str) != 0) {
		g_autofree char *got = g_build_filename(g_get_tmp_dir(), "kdump-reader.txt.actual", NULL);
		g_file_set_contents(got, actual->str, -1, NULL);
		g_error("the reader's descriptions differ from %s (actual output in %s)", path, got);
	}
}

/* ---- every codec and header version ------------------------------------ */

typedef struct {
	int version;
	OlDumpCodec codec;
} Combo;

static void test_combo(gconstpointer data)
{
	const Combo *c = data;
	g_autoptr(KdumpGen) g = standard(c->version, c->codec);
	g_autoptr(GByteArray) b = kdumpgen_build(g, NULL);
	g_autoptr(OlDump) d = open_ok(b, 0);
	gsize len;
	const char *v;
	OlDumpPageCounts pc;
	g_autoptr(GError) err = NULL;

	g_assert_cmpint(ol_dump_format(d), ==, OL_DUMP_FORMAT_KDUMP);
	g_assert_cmpint(ol_dump_codec(d), ==, c->codec);
	check_standard_pages(d, g, FALSE, 0, 0);

	/* Notes from version 4, VMCOREINFO from version 3. */
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, c->version >= 4 ? 2 : 0);
	if (c->version >= 4) {
		/* QEMU notes: sorted by pr_pid = cpu + 1. */
		g_assert_true(ol_dump_cpu_order_known(d));
		g_assert_cmpuint(ol_dump_cpu(d, 0)->pr_pid, ==, 1);
		g_assert_cmphex(ol_dump_cpu(d, 0)->regs[OL_REG_RIP], ==, 0x1000 + OL_REG_RIP);
		g_assert_true(ol_dump_cpu(d, 1)->has_qemu);
		g_assert_cmphex(ol_dump_cpu(d, 1)->qemu.cr[3], ==, 0x2000 + 0x3000 + 3);
	}
	v = ol_dump_vmcoreinfo(d, &len);
	if (c->version >= 3) {
		g_assert_nonnull(v);
		g_assert_cmpstr(v, ==, vmcoreinfo);
	} else {
		g_assert_null(v);
	}
	err = ol_dump_page_counts(d, &pc);
	g_assert_no_error(err);
	g_assert_cmpuint(pc.ram, ==, 160 + 40 + 900);
	g_assert_cmpuint(pc.excluded, ==, 8);
	g_assert_cmpuint(pc.present, ==, 1100 - 8);
	g_assert_cmpuint(pc.zero, ==, 5);

}

/* Zero pages each compressed on their own (makedumpfile without -d 1). */
static void test_zero_each(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
		g_autoptr(KdumpGen) g = standard(6, codecs[i]);
		g_autoptr(GByteArray) b = NULL;
		g_autoptr(OlDump) d = NULL;
		OlDumpPageCounts pc;
		g_autoptr(GError) err = NULL;

		kdumpgen_set_shared_zero(g, FALSE);
		b = kdumpgen_build(g, NULL);
		d = open_ok(b, 0);
		check_standard_pages(d, g, FALSE, 0, 0);
		err = ol_dump_page_counts(d, &pc);
		g_assert_no_error(err);
		g_assert_cmpuint(pc.zero, ==, 5);
	}
}

/* ---- flattened ---------------------------------------------------------- */

static void check_flat(const GByteArray *plain, const KdumpGenFlat *opt)
{
	g_autoptr(GByteArray) flat = kdumpgen_flatten(plain, opt);
	g_autoptr(OlDump) a = open_ok(plain, 0);
	g_autoptr(OlDump) f = open_ok(flat, 0);
	g_autofree char *da = NULL;
	g_autofree char *df = NULL;
	OlDumpKdumpInfo k;

	g_assert_cmpint(ol_dump_format(f), ==, OL_DUMP_FORMAT_KDUMP_FLAT);
	da = describe(a);
	df = describe(f);
	/* Everything the same but the format line. */
	g_assert_cmpstr(strchr(da, '\n'), ==, strchr(df, '\n'));
	g_assert_true(ol_dump_kdump_info(f, &k));
	g_assert_cmpuint(k.n_flat_records, >, 0);
}

static void test_flat_layouts(void)
{
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZLIB);
	g_autoptr(GByteArray) plain = kdumpgen_build(g, NULL);
	check_flat(plain, &(KdumpGenFlat){ .record_size = 1 << 20 });
	check_flat(plain, &(KdumpGenFlat){ .record_size = 4096 });
	check_flat(plain, &(KdumpGenFlat){ .record_size = 1000, .shuffle = TRUE, .seed = 1 });
	check_flat(plain, &(KdumpGenFlat){ .record_size = 333, .skip_zero = TRUE, .seed = 2 });
	for (guint32 seed = 3; seed < 13; seed++)
		check_flat(plain,
			   &(KdumpGenFlat){ .record_size = 777, .shuffle = TRUE, .overwrite = TRUE,
					    .seed = seed });
	/* Every codec through a shuffled, overwritten stream. */
	for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
		g_autoptr(KdumpGen) g2 = standard(6, codecs[i]);
		g_autoptr(GByteArray) p2 = kdumpgen_build(g2, NULL);
		check_flat(p2,
			   &(KdumpGenFlat){ .record_size = 512, .shuffle = TRUE, .overwrite = TRUE,
					    .seed = 99 });
	}
}

static void append_be64(GByteArray *b, guint64 v)
{
	v = GUINT64_TO_BE(v);
	g_byte_array_append(b, (const guint8 *)&v, 8);
}

static GByteArray *flat_header(guint64 type)
{
	GByteArray *b = g_byte_array_new();
	guint8 h[4096] = { 0 };
	guint64 t, v;

	memcpy(h, "makedumpfile", 12);
	g_byte_array_append(b, h, sizeof(h));
	t = GUINT64_TO_BE(type);
	v = GUINT64_TO_BE(1);
	memcpy(b->data + 16, &t, 8);
	memcpy(b->data + 24, &v, 8);
	return b;
}

static void test_flat_damaged(void)
{
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZLIB);
	g_autoptr(GByteArray) plain = kdumpgen_build(g, NULL);
	g_autoptr(GByteArray) flat = kdumpgen_flatten(plain, &(KdumpGenFlat){ .record_size = 2048 });
	g_autoptr(GByteArray) bad = NULL;
	g_autoptr(GByteArray) neg = NULL;
	g_autoptr(GByteArray) elf = NULL;
	g_autoptr(GByteArray) far = NULL;
	guint8 one;
	guint8 ehdr[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	g_autoptr(OlDump) far_d = NULL;

	/* No end marker: a stream cut short, which opens with a warning. */
	{
		g_autoptr(GError) err = NULL;
		g_autoptr(OlDump) d = open_bytes(flat->data, flat->len - 16, 0, &err);
		g_assert_no_error(err);
		g_assert_nonnull(strstr(ol_dump_warning(d), "no record header or end marker there"));
	}
	/* Cut inside the first record's data: what it holds is not a whole
	 * kdump header. */
	expect_open_error(flat, 4096 + 16 + 100, OL_DUMP_ERROR_TRUNCATED, "disk_dump_header", "rearranged", NULL);
	/* Header only. */
	expect_open_error(flat, 4000, OL_DUMP_ERROR_TRUNCATED, "flattened header at offset 0x0", NULL);

	bad = flat_header(2);
	expect_open_error(bad, bad->len, OL_DUMP_ERROR_FORMAT, "header type 2 at offset 0x10", NULL);

	/* A negative offset that is not the end marker. */
	neg = flat_header(1);
	append_be64(neg, (guint64)-5);
	append_be64(neg, 16);
	expect_open_error(neg, neg->len, OL_DUMP_ERROR_CORRUPT, "record header at offset 0x1000", "-5", NULL);

	/* Records that do not make a kdump file. */
	elf = flat_header(1);
	append_be64(elf, 0);
	append_be64(elf, 64);
	g_byte_array_append(elf, ehdr, sizeof(ehdr));
	append_be64(elf, (guint64)-1);
	append_be64(elf, (guint64)-1);
	expect_open_error(elf, elf->len, OL_DUMP_ERROR_FORMAT, "flattened ELF", "makedumpfile -R", NULL);

	/* A record far past the others: the rearranged file is that long,
	 * with a hole; its headers are still checked. */
	far = g_byte_array_new();
	g_byte_array_append(far, flat->data, flat->len - 16);
	append_be64(far, G_GUINT64_CONSTANT(1) << 40);
	append_be64(far, 1);
	one = 1;
	g_byte_array_append(far, &one, 1);
	append_be64(far, (guint64)-1);
	append_be64(far, (guint64)-1);
	far_d = open_ok(far, 0);
	check_standard_pages(far_d, g, FALSE, 0, 0);
}

/* ---- excluded, incomplete, split ---------------------------------------- */

static void test_excluded_strict(void)
{
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_LZO);
	g_autoptr(GByteArray) b = kdumpgen_build(g, NULL);
	g_autoptr(OlDump) d = open_ok(b, OL_DUMP_OPEN_STRICT);
	guint8 buf[16];
	g_autoptr(GError) err = NULL;
	gsize avail;

	g_assert_true(ol_dump_strict(d));
	expect_read_error(d, 21 * PAGE + 5, 10, OL_DUMP_ERROR_EXCLUDED, "0x15005", "excluded", "strict", NULL);
	/* A read that starts in a dumped page and runs into an excluded one. */
	expect_read_error(d, 20 * PAGE - 8, 16, OL_DUMP_ERROR_EXCLUDED, "0x14000", NULL);
	err = ol_dump_read_phys(d, 20 * PAGE - 16, buf, 16);
	g_assert_no_error(err);
	/* phys_ptr never offers an excluded page. */
	avail = 99;
	g_assert_null(ol_dump_phys_ptr(d, 21 * PAGE, &avail));
	g_assert_cmpuint(avail, ==, 0);

	ol_dump_set_strict(d, FALSE);
	memset(buf, 0xaa, sizeof(buf));
	err = ol_dump_read_phys(d, 21 * PAGE, buf, 16);
	g_assert_no_error(err);
	for (guint i = 0; i < 16; i++)
		g_assert_cmpuint(buf[i], ==, 0);
	/* Holes are errors either way. */
	expect_read_error(d, 170 * PAGE, 1, OL_DUMP_ERROR_NOT_PRESENT, "0xaa000", "not RAM in the 1st bitmap", NULL);
	expect_read_error(d, (guint64)MAX_MAPNR * PAGE, 1, OL_DUMP_ERROR_NOT_PRESENT, "max_mapnr", NULL);
}

/* A kdump file cut short without the incomplete flag, plain and
 * flattened: it opens with a warning naming what is missing; the pages
 * before the cut read, the ones after are errors saying they were cut off
 * (strict or not), never zeros; page counts count them missing.  With the
 * flag, or not cut, no warning. */
static void test_truncated(void)
{
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZLIB);
	KdumpGenLayout lay;
	g_autoptr(GByteArray) b = kdumpgen_build(g, &lay);
	g_autoptr(GByteArray) flat = kdumpgen_flatten(b, &(KdumpGenFlat){ .record_size = 3000 });
	g_autoptr(OlDump) whole = NULL;
	g_autoptr(GByteArray) inc = NULL;
	g_autoptr(OlDump) flagged = NULL;

	for (int f = 0; f < 2; f++) {
		GByteArray *src = f ? flat : b;
		gsize cut = (gsize)(f ? src->len - 5000 : lay.data_off + (b->len - lay.data_off) / 2);
		g_autoptr(GError) err = NULL;
		g_autoptr(OlDump) d = open_bytes(src->data, cut, 0, &err);
		const char *w;
		OlDumpPageCounts pc;
		g_autofree char *n = NULL;

		g_assert_no_error(err);
		w = ol_dump_warning(d);
		g_assert_nonnull(w);
		g_test_message("%s", w);
		g_assert_true(g_str_has_prefix(w, ol_dump_path(d)));
		g_assert_null(strchr(w, '\n'));
		g_assert_nonnull(strstr(w, "truncated"));
		g_assert_nonnull(strstr(w, "dumped pages are unavailable"));
		for (int strict = 0; strict < 2; strict++) {
			guint8 x;
			g_autoptr(GError) e2 = NULL;

			ol_dump_set_strict(d, strict);
			expect_read_error(d, 4989 * PAGE, 8, OL_DUMP_ERROR_TRUNCATED, "page data of pfn 0x137d",
					  "the file was cut off", NULL);
			e2 = ol_dump_read_phys(d, 5 * PAGE, &x, 1);
			g_assert_no_error(e2);
			g_assert_cmpuint(x, ==, dumpgen_byte(5 * PAGE));
		}
		err = ol_dump_page_counts(d, &pc);
		g_assert_no_error(err);
		n = g_strdup_printf(" %" G_GUINT64_FORMAT " of ", pc.missing);
		g_assert_cmpuint(pc.missing, >, 0);
		g_assert_nonnull(strstr(w, n)); /* the warning's count is the missing pages' */
		g_assert_cmpuint(pc.present + pc.excluded, ==, pc.ram);
	}
	whole = open_ok(b, 0);
	g_assert_null(ol_dump_warning(whole));
	kdumpgen_set_incomplete(g, 10);
	inc = kdumpgen_build(g, NULL);
	flagged = open_ok(inc, 0);
	g_assert_null(ol_dump_warning(flagged));
}

static void test_incomplete(void)
{
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZSTD);
	KdumpGenLayout lay;
	g_autoptr(GByteArray) b = NULL;
	gsize cut;

	kdumpgen_set_incomplete(g, 10); /* the last ten dumped pages: 4980..4989 */
	b = kdumpgen_build(g, &lay);
	{
		g_autoptr(OlDump) d = open_ok(b, 0);
		OlDumpKdumpInfo k;
		guint8 page[PAGE];
		g_autoptr(GError) err = NULL;
		OlDumpPageCounts pc;

		g_assert_true(ol_dump_kdump_info(d, &k));
		g_assert_true(k.incomplete);
		err = ol_dump_read_phys(d, 4985 * PAGE, page, PAGE);
		g_assert_no_error(err);
		for (guint i = 0; i < PAGE; i++)
			g_assert_cmpuint(page[i], ==, 0);
		err = ol_dump_read_phys(d, 4979 * PAGE, page, PAGE);
		g_assert_no_error(err);
		g_assert_cmpuint(page[1], ==, dumpgen_byte(4979 * PAGE + 1));
		err = ol_dump_page_counts(d, &pc);
		g_assert_no_error(err);
		g_assert_cmpuint(pc.missing, ==, 10);
		g_assert_cmpuint(pc.excluded, ==, 18);
		ol_dump_set_strict(d, TRUE);
		expect_read_error(d, 4985 * PAGE, 8, OL_DUMP_ERROR_EXCLUDED, "incomplete", NULL);
	}
	/* The file cut inside the desc array: with the flag, missing pages. */
	cut = (gsize)(lay.desc_off + 24 * (lay.n_descs - 30));
	{
		g_autoptr(GError) err = NULL;
		g_autoptr(OlDump) d = open_bytes(b->data, cut, 0, &err);
		guint8 page[PAGE];

		g_assert_no_error(err);
		err = ol_dump_read_phys(d, 4975 * PAGE, page, PAGE);
		g_assert_no_error(err);
		g_assert_cmpuint(page[7], ==, 0);
	}
	/* Without the flag: the same cut is a truncated file, named at the
	 * desc; cut in the data instead, what is there still reads. */
	dumpgen_patch32(b, 424, 0x20);
	{
		g_autoptr(GError) err = NULL;
		g_autoptr(OlDump) d = open_bytes(b->data, cut, 0, &err);
		g_autofree char *at = NULL;

		g_assert_no_error(err);
		/* pfn 4975 has desc n - 15 (4975..4989 are the last 15). */
		at = g_strdup_printf("offset " X64, lay.desc_off + 24 * (lay.n_descs - 15));
		expect_read_error(d, 4975 * PAGE, 8, OL_DUMP_ERROR_TRUNCATED, "page descriptor", at, "past the end", NULL);
	}
	{
		g_autoptr(GError) err = NULL;
		g_autoptr(OlDump) d = open_bytes(b->data, (gsize)(lay.data_off + (b->len - lay.data_off) / 2),
						 0, &err);
		guint8 x;

		g_assert_no_error(err);
		expect_read_error(d, 4975 * PAGE, 8, OL_DUMP_ERROR_TRUNCATED, "page data of pfn 0x136f", "past the end", NULL);
		err = ol_dump_read_phys(d, 5 * PAGE, &x, 1);
		g_assert_no_error(err);
		g_assert_cmpuint(x, ==, dumpgen_byte(5 * PAGE));
	}
	/* A zeroed desc without the flag is corruption. */
	{
		g_autoptr(GError) err = NULL;
		g_autoptr(OlDump) d = open_bytes(b->data, b->len, 0, &err);
		g_assert_no_error(err);
		expect_read_error(d, 4985 * PAGE, 8, OL_DUMP_ERROR_CORRUPT, "data offset 0", "incomplete", NULL);
	}
}

static void test_split(void)
{
	for (int version = 2; version <= 6; version++) {
		g_autoptr(KdumpGen) g = standard(version, OL_DUMP_CODEC_SNAPPY);
		g_autoptr(GByteArray) b = NULL;
		g_autoptr(OlDump) d = NULL;
		OlDumpKdumpInfo k;

		kdumpgen_set_split(g, 100, 4200);
		b = kdumpgen_build(g, NULL);
		d = open_ok(b, 0);
		g_assert_true(ol_dump_kdump_info(d, &k));
		g_assert_true(k.split);
		g_assert_cmpuint(k.split_start_pfn, ==, 100);
		check_standard_pages(d, g, TRUE, 100, 4200);
		expect_read_error(d, 50 * PAGE, 1, OL_DUMP_ERROR_NOT_PRESENT, "--split", NULL);
	}
}

static char *write_temp(const GByteArray *b)
{
	return dumpgen_write_temp(b);
}

/* A whole --split set opened as one dump; sets that are not one. */
/* Overlap, a file of another dump, a file that is no split file: refused. */
static void split_set_refused(GPtrArray *paths)
{
	g_autoptr(OlDump) d = NULL;
	const char *twice[] = { paths->pdata[1], paths->pdata[1] };
	g_autoptr(GError) err = ol_dump_open_split(twice, 2, 0, &d);
	g_autoptr(KdumpGen) other = NULL;
	g_autoptr(GByteArray) ob = NULL;
	g_autofree char *op = NULL;
	g_autoptr(KdumpGen) whole = NULL;
	g_autoptr(GByteArray) wb = NULL;
	g_autofree char *wp = NULL;
	const char *mixed[2];
	const char *nosplit[2];

	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT);
	g_assert_nonnull(strstr(err->message, "overlaps"));
	g_assert_null(d);

	other = standard(6, OL_DUMP_CODEC_ZSTD);
	kdumpgen_set_split(other, 4500, MAX_MAPNR);
	kdumpgen_set_vmcoreinfo(other, "OSRELEASE=5.0\n");
	ob = kdumpgen_build(other, NULL);
	op = write_temp(ob);
	mixed[0] = paths->pdata[3];
	mixed[1] = op;
	g_clear_error(&err);
	err = ol_dump_open_split(mixed, 2, 0, &d);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT);
	g_assert_nonnull(strstr(err->message, "different VMCOREINFO"));

	whole = standard(6, OL_DUMP_CODEC_ZSTD);
	wb = kdumpgen_build(whole, NULL);
	wp = write_temp(wb);
	nosplit[0] = paths->pdata[0];
	nosplit[1] = wp;
	g_clear_error(&err);
	err = ol_dump_open_split(nosplit, 2, 0, &d);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT);
	g_assert_nonnull(strstr(err->message, "not a file of a makedumpfile --split set"));
	g_unlink(op);
	g_unlink(wp);
}

static void test_split_set(void)
{
	static const guint64 cuts[] = { 0, 150, 4095, 4500, MAX_MAPNR };
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(KdumpGen) ref = NULL;

	for (guint i = G_N_ELEMENTS(cuts) - 1; i > 0; i--) { /* given in reverse order */
		g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZSTD);
		g_autoptr(GByteArray) b = NULL;

		kdumpgen_set_split(g, cuts[i - 1], cuts[i]);
		b = kdumpgen_build(g, NULL);
		g_ptr_array_add(paths, write_temp(b));
	}
	ref = standard(6, OL_DUMP_CODEC_ZSTD);
	{
		g_autoptr(OlDump) d = NULL;
		g_autoptr(GError) err = ol_dump_open_split((const char *const *)paths->pdata, paths->len, 0,
							   &d);
		OlDumpPageCounts pc;
		OlDumpKdumpInfo k;

		g_assert_no_error(err);
		check_standard_pages(d, ref, FALSE, 0, 0);
		g_assert_cmpuint(ol_dump_n_cpus(d), ==, 2);
		g_assert_nonnull(ol_dump_vmcoreinfo(d, NULL));
		err = ol_dump_page_counts(d, &pc);
		g_assert_no_error(err);
		g_assert_cmpuint(pc.ram, ==, 1100);
		g_assert_cmpuint(pc.excluded, ==, 8);
		/* The runs split between files are whole again. */
		g_assert_cmpuint(ol_dump_n_ranges(d), ==, 3);
		g_assert_true(ol_dump_kdump_info(d, &k));
		g_assert_cmpuint(k.split_end_pfn, ==, MAX_MAPNR);
		ol_dump_set_strict(d, TRUE);
		expect_read_error(d, 4101 * PAGE, 1, OL_DUMP_ERROR_EXCLUDED, NULL);
	}
	/* A missing file leaves a hole. */
	{
		g_autoptr(OlDump) d = NULL;
		const char *some[] = { paths->pdata[0], paths->pdata[2] };
		g_autoptr(GError) err = ol_dump_open_split(some, 2, 0, &d);
		g_assert_no_error(err);
		expect_read_error(d, 4200 * PAGE, 1, OL_DUMP_ERROR_NOT_PRESENT, "none of the 2 files", NULL);
	}
	split_set_refused(paths);
	for (guint i = 0; i < paths->len; i++)
		g_unlink(paths->pdata[i]);
}

/* A sparse, larger bitmap: the desc index against a naive count. */
static void test_index(void)
{
	const guint64 max = 70000;
	g_autoptr(KdumpGen) g = kdumpgen_new(max);
	GRand *r;
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(OlDump) d = NULL;

	kdumpgen_set_codec(g, OL_DUMP_CODEC_NONE);
	r = g_rand_new_with_seed(7);
	for (guint64 pfn = 0; pfn < max;) {
		guint64 n = (guint64)g_rand_int_range(r, 1, 300);
		if (g_rand_boolean(r))
			kdumpgen_add_ram(g, pfn, MIN(n, max - pfn));
		pfn += n;
	}
	for (guint i = 0; i < 500; i++)
		kdumpgen_exclude(g, (guint64)g_rand_int_range(r, 0, (gint32)max), 1);
	b = kdumpgen_build(g, NULL);
	d = open_ok(b, OL_DUMP_OPEN_STRICT);
	for (guint i = 0; i < 3000; i++) {
		guint64 pfn = (guint64)g_rand_int_range(r, 0, (gint32)max);
		guint64 x;
		g_autoptr(GError) err = ol_dump_read_phys(d, pfn * PAGE + 64, &x, 8);
		guint64 want;

		if (err)
			continue; /* hole or excluded */
		want = 0;
		for (guint k = 0; k < 8; k++)
			want |= (guint64)dumpgen_byte(pfn * PAGE + 64 + k) << (8 * k);
		g_assert_cmphex(GUINT64_FROM_LE(x), ==, want);
	}
	g_rand_free(r);
}

static void test_page_cache(void)
{
	g_autoptr(OlPageCache) c = ol_page_cache_new(3, 16);
	guint8 page[16], out[4];
	guint64 hits, misses, evictions;

	for (guint64 k = 1; k <= 3; k++) {
		memset(page, (int)k, sizeof(page));
		ol_page_cache_put(c, k, page);
	}
	g_assert_true(ol_page_cache_read(c, 1, 4, out, 4)); /* 1 is now the most recent */
	g_assert_cmpuint(out[0], ==, 1);
	memset(page, 4, sizeof(page));
	ol_page_cache_put(c, 4, page); /* evicts 2 */
	g_assert_false(ol_page_cache_read(c, 2, 0, out, 1));
	g_assert_true(ol_page_cache_read(c, 3, 0, out, 1));
	g_assert_true(ol_page_cache_read(c, 4, 15, out, 1));
	g_assert_cmpuint(out[0], ==, 4);
	memset(page, 9, sizeof(page));
	ol_page_cache_put(c, 3, page); /* replace in place */
	g_assert_true(ol_page_cache_read(c, 3, 0, out, 1));
	g_assert_cmpuint(out[0], ==, 9);
	ol_page_cache_stats(c, &hits, &misses, &evictions);
	g_assert_cmpuint(hits, ==, 4);
	g_assert_cmpuint(misses, ==, 1);
	g_assert_cmpuint(evictions, ==, 1);
}

/* The dump reader's cache under threads (run under TSan/ASan to mean much). */
static gpointer reader_thread(gpointer data)
{
	OlDump *d = data;
	guint8 page[PAGE];
	for (guint i = 0; i < 2000; i++) {
		guint64 pfn = 4103 + (i * 7919) % 880;
		g_autoptr(GError) err = ol_dump_read_phys(d, pfn * PAGE, page, PAGE);
		g_assert_no_error(err);
		if (page[100] != dumpgen_byte(pfn * PAGE + 100) && pfn != 4200)
			g_error("thread read the wrong page " X64, pfn);
	}
	return NULL;
}

static void test_threads(void)
{
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZSTD);
	g_autoptr(GByteArray) b = kdumpgen_build(g, NULL);
	g_autoptr(OlDump) d = open_ok(b, 0);
	GThread *t[4];
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		t[i] = g_thread_new("reader", reader_thread, d);
	for (guint i = 0; i < G_N_ELEMENTS(t); i++)
		g_thread_join(t[i]);
}

/* ---- damage ------------------------------------------------------------- */

static void test_bad_headers(void)
{
	KdumpGenLayout lay;
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZLIB);
	g_autoptr(GByteArray) b = kdumpgen_build(g, &lay);
	g_autoptr(GByteArray) c = g_byte_array_new();
#define RESET() (g_byte_array_set_size(c, 0), g_byte_array_append(c, b->data, b->len))

	RESET();
	memcpy(c->data, "DISKDUMP", 8);
	expect_open_error(c, c->len, OL_DUMP_ERROR_FORMAT, "DISKDUMP", "offset 0x0", NULL);
	for (guint32 v = 0; v <= 7; v += 7) {
		g_autofree char *ver = NULL;

		RESET();
		dumpgen_patch32(c, 8, v);
		ver = g_strdup_printf("header_version %u at offset 0x8", v);
		expect_open_error(c, c->len, OL_DUMP_ERROR_FORMAT, ver, NULL);
	}
	RESET();
	dumpgen_patch32(c, 428, 8192);
	expect_open_error(c, c->len, OL_DUMP_ERROR_FORMAT, "block_size 8192 at offset 0x1ac", NULL);
	RESET();
	memcpy(c->data + 12 + 4 * 65, "aarch64", 8);
	expect_open_error(c, c->len, OL_DUMP_ERROR_FORMAT, "aarch64", "offset 0x110", NULL);
	RESET(); /* found by fuzz-dump: the file's newlines made the error several lines */
	memcpy(c->data + 12 + 4 * 65, "a\nb\r\x01", 6);
	expect_open_error(c, c->len, OL_DUMP_ERROR_FORMAT, "\"a\\nb\\r\\001\"", "offset 0x110", NULL);
	RESET();
	dumpgen_patch32(c, 432, 0);
	expect_open_error(c, c->len, OL_DUMP_ERROR_CORRUPT, "sub_hdr_size 0 at offset 0x1b0", NULL);
	RESET();
	dumpgen_patch32(c, 424, 0x3);
	expect_open_error(c, c->len, OL_DUMP_ERROR_CORRUPT, "status 0x3 at offset 0x1a8", "several codecs", NULL);
	RESET();
	dumpgen_patch64(c, 4096 + 96, 1 << 20); /* max_mapnr_64 larger than the bitmaps */
	expect_open_error(c, c->len, OL_DUMP_ERROR_CORRUPT, "bitmap_blocks 2 at offset 0x1b4", "max_mapnr 1048576", NULL);
	RESET();
	dumpgen_patch64(c, 4096 + 96, G_GUINT64_CONSTANT(1) << 60);
	expect_open_error(c, c->len, OL_DUMP_ERROR_CORRUPT, "max_mapnr", "offset 0x1060", NULL);
	RESET();
	dumpgen_patch64(c, 4096 + 56, c->len); /* size_note past the end */
	expect_open_error(c, c->len, OL_DUMP_ERROR_TRUNCATED, "ELF note blob", "offset 0x1068", NULL);
	RESET();
	dumpgen_patch64(c, 4096 + 56, G_GUINT64_CONSTANT(1) << 30); /* size_note past its 64 MiB bound */
	expect_open_error(c, c->len, OL_DUMP_ERROR_CORRUPT, "kdump size_note 1073741824 at offset 0x1038",
			  "implausibly large", NULL);
	RESET();
	dumpgen_patch32(c, 4096 + 12, 1); /* split with an end past max_mapnr */
	dumpgen_patch64(c, 4096 + 80, 0);
	dumpgen_patch64(c, 4096 + 88, 99999);
	expect_open_error(c, c->len, OL_DUMP_ERROR_CORRUPT, "--split range", "offset 0x1050", NULL);
	RESET();
	dumpgen_patch32(c, 436, 200); /* bitmaps past the end of the file */
	expect_open_error(c, (gsize)lay.bitmap_off + 100, OL_DUMP_ERROR_TRUNCATED, "bitmaps", "offset 0x2000", NULL);
#undef RESET
}

static void test_bad_pages(void)
{
	KdumpGenLayout lay;
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZLIB);
	g_autoptr(GByteArray) b = kdumpgen_build(g, &lay);
	/* Desc 10 is pfn 10 (nothing excluded below 20). */
	guint64 pd = lay.desc_off + 10 * 24;
	g_autoptr(GByteArray) c = g_byte_array_new();
#define RESET() (g_byte_array_set_size(c, 0), g_byte_array_append(c, b->data, b->len))
	g_autofree char *at = g_strdup_printf("offset " X64, pd);
	guint64 data;

	RESET();
	dumpgen_patch32(c, pd + 8, 0);
	{
		g_autoptr(OlDump) d = open_ok(c, 0);
		expect_read_error(d, 10 * PAGE, 1, OL_DUMP_ERROR_CORRUPT, "size 0", at, NULL);
	}
	RESET();
	dumpgen_patch32(c, pd + 8, 5000);
	{
		g_autoptr(OlDump) d = open_ok(c, 0);
		expect_read_error(d, 10 * PAGE, 1, OL_DUMP_ERROR_CORRUPT, "size 5000", at, NULL);
	}
	RESET();
	dumpgen_patch32(c, pd + 12, 0); /* compressed bytes declared raw */
	{
		g_autoptr(OlDump) d = open_ok(c, 0);
		expect_read_error(d, 10 * PAGE, 1, OL_DUMP_ERROR_CORRUPT, "raw page", at, NULL);
	}
	RESET();
	dumpgen_patch32(c, pd + 12, 0x21);
	{
		g_autoptr(OlDump) d = open_ok(c, 0);
		expect_read_error(d, 10 * PAGE, 1, OL_DUMP_ERROR_CORRUPT, "several codecs", at, NULL);
	}
	RESET();
	dumpgen_patch64(c, pd, c->len - 2);
	{
		g_autoptr(OlDump) d = open_ok(c, 0);
		expect_read_error(d, 10 * PAGE, 1, OL_DUMP_ERROR_TRUNCATED, "page data of pfn 0xa", "past the end", NULL);
	}
	RESET();
	data = dumpgen_get64(c, pd);
	c->data[data + 5] ^= 0xff;
	c->data[data + 6] ^= 0x55;
	{
		g_autoptr(OlDump) d = open_ok(c, 0);
		g_autofree char *dat = g_strdup_printf("offset " X64, data);
		guint8 x;
		g_autoptr(GError) err = NULL;

		expect_read_error(d, 10 * PAGE + 7, 1, OL_DUMP_ERROR_CORRUPT, "pfn 0xa", dat, "zlib", NULL);
		/* Its neighbours are fine. */
		err = ol_dump_read_phys(d, 11 * PAGE, &x, 1);
		g_assert_no_error(err);
	}
#undef RESET
}

/* A page that decompresses to 4095 or 8192 bytes is an error with every codec. */
static void test_size_mismatch(void)
{
	static const gsize lens[] = { 4095, 8192, 2048 };
	for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
		for (guint j = 0; j < G_N_ELEMENTS(lens); j++) {
			g_autoptr(KdumpGen) g = NULL;
			g_autoptr(GByteArray) b = NULL;
			g_autoptr(OlDump) d = NULL;
			g_autofree guint8 *buf = NULL;
			g_autoptr(GError) err = NULL;
			gsize avail;

			if (codecs[i] == OL_DUMP_CODEC_NONE && lens[j] > PAGE)
				continue; /* a raw page longer than a page is the desc-size check */
			g = standard(6, codecs[i]);
			kdumpgen_set_bad_length(g, 30, lens[j]);
			b = kdumpgen_build(g, NULL);
			d = open_ok(b, 0);
			buf = g_malloc(PAGE);
			err = ol_dump_read_phys(d, 30 * PAGE, buf, PAGE);
			g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT);
			g_assert_true(strstr(err->message, "pfn 0x1e") != NULL);
			g_test_message("%s %" G_GSIZE_FORMAT ": %s", ol_dump_codec_name(codecs[i]), lens[j],
				       err->message);
			if (codecs[i] != OL_DUMP_CODEC_NONE)
				g_assert_true(strstr(err->message, "page") != NULL);
			/* Never served: not by phys_ptr either. */
			g_assert_null(ol_dump_phys_ptr(d, 30 * PAGE, &avail));
			g_clear_error(&err);
			err = ol_dump_read_phys(d, 31 * PAGE, buf, PAGE);
			g_assert_no_error(err);
		}
	}
}

/* Every truncation of the headers, notes and bitmaps: an error, never a
 * crash; and past that, the file opens. */
static void test_every_truncation(void)
{
	KdumpGenLayout lay;
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_ZLIB);
	g_autoptr(GByteArray) b = kdumpgen_build(g, &lay);
	guint64 need = lay.bitmap_off + 2 * lay.bitmap_half;
	for (guint64 len = 0; len < need; len += (len < 4200 ? 1 : 97)) {
		g_autoptr(GError) err = NULL;
		OlDump *d = open_bytes(b->data, (gsize)len, 0, &err);
		g_assert_null(d);
		g_assert_nonnull(err);
		g_assert_null(strchr(err->message, '\n'));
		g_assert_true(strstr(err->message, "offset") != NULL || strstr(err->message, "empty file") != NULL);
	}
	for (guint64 len = need; len <= b->len; len += 501) {
		g_autoptr(GError) err = NULL;
		g_autoptr(OlDump) d = open_bytes(b->data, (gsize)len, 0, &err);
		g_assert_no_error(err);
		/* Every page either reads or names where the file ends. */
		for (guint64 pfn = 4090; pfn < 4990; pfn += 13) {
			guint8 x;
			g_autoptr(GError) e2 = ol_dump_read_phys(d, pfn * PAGE, &x, 1);
			if (e2)
				g_assert_true(g_error_matches(e2, OL_DUMP_ERROR, OL_DUMP_ERROR_TRUNCATED));
		}
	}
}

/* Random damage, plain and flattened: no crash (ASan), one-line errors. */
static void test_random_damage(void)
{
	KdumpGenLayout lay;
	g_autoptr(KdumpGen) g = standard(6, OL_DUMP_CODEC_LZO);
	g_autoptr(GByteArray) plain = NULL;
	g_autoptr(GByteArray) flat = NULL;
	const GByteArray *src[2];

	kdumpgen_add_ram(g, 4990, 10);
	plain = kdumpgen_build(g, &lay);
	flat = kdumpgen_flatten(plain, &(KdumpGenFlat){ .record_size = 3000, .shuffle = TRUE, .seed = 5 });
	src[0] = plain;
	src[1] = flat;
	for (guint s = 0; s < 2; s++) {
		g_autoptr(GByteArray) c = g_byte_array_new();
		guint64 span;

		g_byte_array_append(c, src[s]->data, src[s]->len);
		span = s == 0 ? lay.data_off + 4096 : 4096 + 16 * 40 + lay.data_off;
		span = MIN(span, c->len);
		for (guint iter = 0; iter < 400; iter++) {
			guint flips;
			g_autoptr(GError) err = NULL;
			g_autoptr(OlDump) d = NULL;
			OlDumpPageCounts pc;
			g_autoptr(GError) e3 = NULL;
			guint8 page[PAGE];

			memcpy(c->data, src[s]->data, src[s]->len);
			flips = (guint)g_test_rand_int_range(1, 6);
			for (guint k = 0; k < flips; k++) {
				guint pos = (guint)g_test_rand_int_range(0, (gint32)span);
				static const guint8 values[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0x40 };
				c->data[pos] = g_test_rand_bit()
					       ? values[g_test_rand_int_range(0, G_N_ELEMENTS(values))]
					       : (guint8)g_test_rand_int();
			}
			d = open_bytes(c->data, c->len, 0, &err);
			if (err) {
				g_assert_null(strchr(err->message, '\n'));
				continue;
			}
			e3 = ol_dump_page_counts(d, &pc);
			if (e3)
				g_assert_null(strchr(e3->message, '\n'));
			for (guint64 pfn = 0; pfn < MAX_MAPNR; pfn += 41) {
				g_autoptr(GError) e2 = ol_dump_read_phys(d, pfn * PAGE, page, PAGE);
				gsize avail;
				const guint8 *p;

				if (e2)
					g_assert_null(strchr(e2->message, '\n'));
				p = ol_dump_phys_ptr(d, pfn * PAGE, &avail);
				if (p)
					g_assert_cmpuint(p[avail - 1], <=, 0xff);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static Combo combos[6 * G_N_ELEMENTS(codecs)];
	guint n;

	g_test_init(&argc, &argv, NULL);
	n = 0;
	for (int v = 1; v <= 6; v++) {
		for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
			g_autofree char *name = NULL;

			combos[n] = (Combo){ v, codecs[i] };
			name = g_strdup_printf("/kdump/read/v%d/%s", v, ol_dump_codec_name(codecs[i]));
			g_test_add_data_func(name, &combos[n], test_combo);
			n++;
		}
	}
	g_test_add_func("/kdump/read/zero-each", test_zero_each);
	g_test_add_func("/kdump/flat/layouts", test_flat_layouts);
	g_test_add_func("/kdump/flat/damaged", test_flat_damaged);
	g_test_add_func("/kdump/excluded/strict", test_excluded_strict);
	g_test_add_func("/kdump/incomplete", test_incomplete);
	g_test_add_func("/kdump/split", test_split);
	g_test_add_func("/kdump/split-set", test_split_set);
	g_test_add_func("/kdump/index", test_index);
	g_test_add_func("/kdump/cache/lru", test_page_cache);
	g_test_add_func("/kdump/cache/threads", test_threads);
	g_test_add_func("/kdump/bad/headers", test_bad_headers);
	g_test_add_func("/kdump/bad/pages", test_bad_pages);
	g_test_add_func("/kdump/bad/size-mismatch", test_size_mismatch);
	g_test_add_func("/kdump/truncated", test_truncated);
	g_test_add_func("/kdump/bad/every-truncation", test_every_truncation);
	g_test_add_func("/kdump/bad/random-damage", test_random_damage);
	g_test_add_func("/kdump/golden", test_golden);
	return g_test_run();
}
