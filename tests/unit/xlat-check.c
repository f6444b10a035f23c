/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xlat-check: look at a real dump through the translation layer, for manual
 * checks against vmlinux (not run by the test suite).
 *
 *   xlat-check DUMP                      root, KASLR offset, phys_base, and
 *                                        the page-table KASLR search compared
 *                                        with VMCOREINFO KERNELOFFSET
 *   xlat-check DUMP --xlat-check VA      translate VA, show 64 bytes there
 *   xlat-check DUMP --compare VA,PA,LEN  VA read == physical read?
 *   xlat-check DUMP --bench VA           ol_xlat_read speed over 64 MiB at VA
 *
 * Exit status: 0 ok, 1 error or mismatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "xlat.h"

static char *opt_va, *opt_compare, *opt_bench, *opt_link_text;

static const GOptionEntry entries[] = {
	{ "xlat-check", 0, 0, G_OPTION_ARG_STRING, &opt_va, "Translate VA and dump 64 bytes", "VA" },
	{ "compare", 0, 0, G_OPTION_ARG_STRING, &opt_compare, "Compare a virtual and a physical read", "VA,PA,LEN" },
	{ "bench", 0, 0, G_OPTION_ARG_STRING, &opt_bench, "Time ol_xlat_read over 64 MiB at VA", "VA" },
	{ "link-text", 0, 0, G_OPTION_ARG_STRING, &opt_link_text, "Link-time _text from vmlinux", "ADDR" },
	{ NULL },
};

static guint64 num(const char *s)
{
	char *end;
	guint64 v = g_ascii_strtoull(s, &end, 0);
	if (end == s || *end)
		g_error("not a number: %s", s);
	return v;
}

static int check_fail(GError *err)
{
	fprintf(stderr, "xlat-check: %s\n", err->message);
	g_error_free(err);
	return 1;
}

static int summary(OlDump *d, OlXlat *x)
{
	guint64 off;
	guint64 va, pa;
	GError *err;
	guint64 link;
	guint64 derived;
	gint64 derived_pb;
	int rc;
	gsize len;
	const char *info;

	printf("root:         " X64 " (%s, %d-level)\n", ol_xlat_root(x), ol_xlat_root_source(x),
	       ol_xlat_levels(x));
	if (ol_xlat_kaslr_offset(x, &off))
		printf("kaslr offset: " X64 " (%s)\n", off, ol_xlat_kaslr_source(x));
	else
		printf("kaslr offset: unknown\n");
	printf("phys_base:    %" G_GINT64_FORMAT " (" X64 ")\n", ol_xlat_phys_base(x),
	       (guint64)ol_xlat_phys_base(x));

	err = ol_xlat_find_kernel_text(x, &va, &pa);
	if (err)
		return check_fail(err);
	link = opt_link_text ? num(opt_link_text) : OL_XLAT_DEFAULT_LINK_TEXT;
	derived = (va & ~G_GUINT64_CONSTANT(0x1fffff)) - link;
	derived_pb = (gint64)(pa - (va - OL_XLAT_START_KERNEL_MAP));
	printf("page tables:  first kernel-text VA " X64 " -> PA " X64 ": kaslr offset " X64
	       ", phys_base %" G_GINT64_FORMAT "\n", va, pa, derived, derived_pb);
	rc = 0;
	if (g_str_equal(ol_xlat_kaslr_source(x), "VMCOREINFO KERNELOFFSET")) {
		gboolean same = derived == off;
		printf("check:        page-table offset %s VMCOREINFO KERNELOFFSET\n",
		       same ? "==" : "!=");
		rc |= !same;
	}
	info = ol_dump_vmcoreinfo(d, &len);
	if (info && strstr(info, "NUMBER(phys_base)=")) {
		gboolean same = derived_pb == ol_xlat_phys_base(x);
		printf("check:        page-table phys_base %s VMCOREINFO NUMBER(phys_base)\n",
		       same ? "==" : "!=");
		rc |= !same;
	}
	return rc;
}

static int show(OlXlat *x, guint64 va)
{
	guint64 pa, size;
	GError *err = ol_xlat_translate(x, va, &pa, &size);
	guint8 buf[64];
	gsize done;

	if (err)
		return check_fail(err);
	printf("va " X64 " -> pa " X64 " (page size " X64 ")\n", va, pa, size);
	err = ol_xlat_read(x, va, buf, sizeof(buf), &done);
	for (gsize i = 0; i < done; i++)
		printf("%02x%s", buf[i], i % 16 == 15 ? "\n" : " ");
	printf("text: \"");
	for (gsize i = 0; i < done && buf[i]; i++)
		putchar(g_ascii_isprint(buf[i]) ? buf[i] : '.');
	printf("\"\n");
	return err ? check_fail(err) : 0;
}

static int compare(OlDump *d, OlXlat *x, const char *spec)
{
	g_auto(GStrv) f = g_strsplit(spec, ",", 3);
	guint64 va, pa;
	gsize len;
	g_autofree guint8 *a = NULL, *b = NULL;
	gsize done;
	GError *err;
	gboolean same;

	if (g_strv_length(f) != 3)
		g_error("--compare wants VA,PA,LEN");
	va = num(f[0]);
	pa = num(f[1]);
	len = (gsize)num(f[2]);
	a = g_malloc(len);
	b = g_malloc(len);
	err = ol_xlat_read(x, va, a, len, &done);
	if (err)
		return check_fail(err);
	err = ol_dump_read_phys(d, pa, b, len);
	if (err)
		return check_fail(err);
	same = memcmp(a, b, len) == 0;
	printf("compare:      %" G_GSIZE_FORMAT " bytes at va " X64 " %s physical " X64 "\n", len, va,
	       same ? "==" : "!=", pa);
	return !same;
}

/* Sequential 4 KiB reads of TOTAL bytes at VA, with a translator of its
 * own so that the cache starts cold; the bytes are added to *SUM. */
static int bench_sequential(OlDump *d, guint64 va, gsize total, guint64 *sum)
{
	guint8 buf[4096];
	gsize done;
	g_autoptr(OlXlat) x1 = NULL;
	GError *err = ol_xlat_new(d, &x1);
	gint64 t0;
	gint64 t1;

	if (err)
		return check_fail(err);
	t0 = g_get_monotonic_time();
	for (gsize off = 0; off < total; off += sizeof(buf)) {
		err = ol_xlat_read(x1, va + off, buf, sizeof(buf), &done);
		if (err)
			return check_fail(err);
		*sum += buf[off % sizeof(buf)];
	}
	t1 = g_get_monotonic_time();
	printf("bench:        sequential 4 KiB reads of 64 MiB at " X64 ": %.0f MB/s (%.1f ms)\n", va,
	       (double)total / (double)(t1 - t0), (double)(t1 - t0) / 1000.0);
	return 0;
}

static int bench(OlDump *d, OlXlat *x, guint64 va)
{
	const gsize total = 64 << 20;
	gsize done;
	guint64 sum = 0;
	GError *err;
	gint64 t0;
	gint64 t1;
	g_autoptr(OlXlat) x2 = NULL;
	g_autoptr(GRand) r = NULL;
	g_autofree guint64 *offs = NULL;
	guint64 pa0, psize;
	const guint n = 2000000;

	if (bench_sequential(d, va, total, &sum))
		return 1;
	/* Fresh translator each time so the cache starts cold. */
	err = ol_xlat_new(d, &x2);
	if (err)
		return check_fail(err);
	r = g_rand_new_with_seed(1);
	offs = g_new(guint64, n);
	for (guint i = 0; i < n; i++)
		offs[i] = (guint64)g_rand_int_range(r, 0, (gint32)(total / 8)) * 8;
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < n; i++) {
		guint64 v;
		err = ol_xlat_read(x2, va + offs[i], &v, sizeof(v), &done);
		if (err)
			return check_fail(err);
		sum += v;
	}
	t1 = g_get_monotonic_time();
	printf("bench:        random 8-byte reads in those 64 MiB: %.2f M reads/s (%.0f ns each)\n",
	       (double)n / (double)(t1 - t0), (double)(t1 - t0) * 1000.0 / n);

	/* Baseline: the same random reads of physical memory, no translation. */
	err = ol_xlat_translate(x2, va, &pa0, &psize);
	if (err)
		return check_fail(err);
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < n; i++) {
		guint64 v;
		err = ol_dump_read_phys(d, pa0 + offs[i], &v, sizeof(v));
		if (err)
			return check_fail(err);
		sum += v;
	}
	t1 = g_get_monotonic_time();
	printf("bench:        baseline, ol_dump_read_phys of the same bytes: %.2f M reads/s (%.0f ns each)\n",
	       (double)n / (double)(t1 - t0), (double)(t1 - t0) * 1000.0 / n);

	/* With a warm cache: a small working set (512 KiB). */
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < n; i++) {
		guint64 v;
		err = ol_xlat_read(x2, va + offs[i] % (512 << 10), &v, sizeof(v), &done);
		if (err)
			return check_fail(err);
		sum += v;
	}
	t1 = g_get_monotonic_time();
	printf("bench:        random 8-byte reads in 512 KiB: %.2f M reads/s (%.0f ns each)\n",
	       (double)n / (double)(t1 - t0), (double)(t1 - t0) * 1000.0 / n);
	(void)x;
	printf("(checksum %" G_GUINT64_FORMAT ")\n", sum);
	return 0;
}

int main(int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("DUMP");
	g_autoptr(GError) err = NULL;
	g_autoptr(OlDump) d = NULL;
	GError *e;
	g_autoptr(OlXlat) x = NULL;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2) {
		fprintf(stderr, "usage: xlat-check DUMP [--xlat-check VA] [--compare VA,PA,LEN] [--bench VA]\n");
		return 1;
	}
	e = ol_dump_open(argv[1], &d);
	if (e)
		return check_fail(e);
	e = ol_xlat_new(d, &x);
	if (e)
		return check_fail(e);
	if (opt_link_text)
		ol_xlat_set_link_text(x, num(opt_link_text));

	rc = 0;
	if (opt_va)
		rc |= show(x, num(opt_va));
	else if (opt_compare)
		rc |= compare(d, x, opt_compare);
	else if (opt_bench)
		rc |= bench(d, x, num(opt_bench));
	else
		rc |= summary(d, x);
	return rc;
}
