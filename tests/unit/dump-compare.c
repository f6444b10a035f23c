/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump-compare: do two dumps of the same machine hold the same bytes?  For
 * the system tests (tests/system/test_kdump_*.py), which check converted and
 * QEMU kdump files against the ELF original.
 *
 *   dump-compare [--samples N] [--seed S] [--text-mib M] [--all] [--absent-ok] ORIG OTHER
 *
 * Through each dump's own page tables (xlat): the kernel text from
 * VMCOREINFO's SYMBOL(_stext), M MiB (default 8), and N random direct-map
 * pages (default 1000) at page_offset + PA for PAs in ORIG's memory.  With
 * --all, also every page of OTHER physically.  OTHER is opened strict: a page
 * it left out (excluded) is counted, not compared, and so is a page it does
 * not describe at all with --absent-ok; any other difference or read error
 * is a failure.
 *
 * Exit status: 0 same, 1 different or error, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "vmcoreinfo.h"
#include "xlat.h"

#define PAGE 4096u
#define DIRECT_MAP G_GUINT64_CONSTANT(0xffff888000000000) /* page_offset_base without KASLR */

static gint opt_samples = 1000, opt_text_mib = 8;
static gint64 opt_seed = 1;
static gboolean opt_all, opt_absent_ok;
static char *opt_page_offset;

typedef struct {
	guint64 equal, left_out, absent, failed;
} Tally;

static void fail(Tally *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fail(Tally *t, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (t->failed++ < 20)
		fprintf(stderr, "dump-compare: %s\n", msg);
}

/* Compare one page read by the two callbacks' results. */
static void compare(Tally *t, const char *what, guint64 addr, GError *ea, const guint8 *a, GError *eb,
		    const guint8 *b)
{
	if (ea) {
		fail(t, "%s " X64 ": the original cannot be read: %s", what, addr, ea->message);
	} else if (eb && g_error_matches(eb, OL_DUMP_ERROR, OL_DUMP_ERROR_EXCLUDED)) {
		t->left_out++;
	} else if (eb && opt_absent_ok && g_error_matches(eb, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT)) {
		t->absent++;
	} else if (eb) {
		fail(t, "%s " X64 ": %s", what, addr, eb->message);
	} else if (memcmp(a, b, PAGE) != 0) {
		guint i = 0;
		while (a[i] == b[i])
			i++;
		fail(t, "%s " X64 ": byte %u differs (0x%02x in the original, 0x%02x)", what, addr, i, a[i], b[i]);
	} else {
		t->equal++;
	}
	if (ea)
		g_error_free(ea);
	if (eb)
		g_error_free(eb);
}

static GError *vread(OlXlat *x, guint64 va, guint8 *buf)
{
	gsize done;
	return ol_xlat_read(x, va, buf, PAGE, &done);
}

static void print_tally(const char *what, const Tally *t)
{
	printf("%-12s %" G_GUINT64_FORMAT " pages equal, %" G_GUINT64_FORMAT " excluded by the other dump, %"
	       G_GUINT64_FORMAT " not in it, %" G_GUINT64_FORMAT " different or unreadable\n", what, t->equal,
	       t->left_out, t->absent, t->failed);
}

/* Kernel text from _stext on, by virtual address: TRUE if it differs. */
static gboolean compare_text(OlXlat *xa, OlXlat *xb, guint64 stext)
{
	Tally text = { 0 };
	guint8 pa_buf[PAGE], pb_buf[PAGE];

	for (guint64 va = stext & ~(guint64)(PAGE - 1); va < stext + (guint64)opt_text_mib * 1024 * 1024;
	     va += PAGE) {
		GError *ea = vread(xa, va, pa_buf);
		if (ea && g_error_matches(ea, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT) && text.equal > 0) {
			g_error_free(ea); /* past the end of the kernel image */
			break;
		}
		compare(&text, "kernel text VA", va, ea, pa_buf, vread(xb, va, pb_buf), pb_buf);
	}
	print_tally("kernel text:", &text);
	return text.failed > 0 || text.equal == 0;
}

/* Random direct-map pages (--samples of them): TRUE if they differ. */
static gboolean compare_direct_map(OlDump *a, OlDump *b, OlXlat *xa, OlXlat *xb)
{
	guint8 pa_buf[PAGE], pb_buf[PAGE];
	guint64 base;
	guint64 total;
	GRand *rnd;
	Tally dmap = { 0 };

	base = opt_page_offset ? g_ascii_strtoull(opt_page_offset, NULL, 0) : DIRECT_MAP;
	total = 0;
	for (guint i = 0; i < ol_dump_n_ranges(a); i++) {
		guint64 start, size;
		ol_dump_range(a, i, &start, &size);
		total += size / PAGE;
	}
	rnd = g_rand_new_with_seed((guint32)opt_seed);
	for (gint s = 0; s < opt_samples && total; s++) {
		guint64 k = (guint64)(g_rand_double(rnd) * (double)total);
		guint64 pa = 0;
		guint64 va, got, psize;
		GError *terr;

		for (guint i = 0; i < ol_dump_n_ranges(a); i++) {
			guint64 start, size;
			ol_dump_range(a, i, &start, &size);
			if (k < size / PAGE) {
				pa = (start + k * PAGE) & ~(guint64)(PAGE - 1);
				break;
			}
			k -= size / PAGE;
		}
		va = base + pa;
		terr = ol_xlat_translate(xa, va, &got, &psize);
		if (terr || got != pa) {
			/* Not in the direct map (firmware above the kernel's
			 * memory): compare it physically. */
			g_clear_error(&terr);
			compare(&dmap, "physical", pa, ol_dump_read_phys(a, pa, pa_buf, PAGE), pa_buf,
				ol_dump_read_phys(b, pa, pb_buf, PAGE), pb_buf);
			continue;
		}
		compare(&dmap, "direct-map VA", va, vread(xa, va, pa_buf), pa_buf, vread(xb, va, pb_buf),
			pb_buf);
	}
	g_rand_free(rnd);
	print_tally("direct map:", &dmap);
	return dmap.failed > 0 || (opt_samples > 0 && dmap.equal == 0);
}

/* Every page OTHER holds, physically (--all): TRUE if they differ. */
static gboolean compare_all(OlDump *a, OlDump *b)
{
	guint8 pa_buf[PAGE], pb_buf[PAGE];
	Tally all = { 0 };

	for (guint i = 0; i < ol_dump_n_ranges(b); i++) {
		guint64 start, size;
		ol_dump_range(b, i, &start, &size);
		for (guint64 pa = start; pa + PAGE <= start + size; pa += PAGE)
			compare(&all, "physical", pa, ol_dump_read_phys(a, pa, pa_buf, PAGE), pa_buf,
				ol_dump_read_phys(b, pa, pb_buf, PAGE), pb_buf);
	}
	print_tally("physical:", &all);
	return all.failed > 0 || all.equal == 0;
}

int main(int argc, char **argv)
{
	const GOptionEntry entries[] = {
		{ "samples", 0, 0, G_OPTION_ARG_INT, &opt_samples, "Random direct-map pages (default 1000)", "N" },
		{ "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed, "Random seed (default 1)", "S" },
		{ "text-mib", 0, 0, G_OPTION_ARG_INT, &opt_text_mib, "MiB of kernel text from _stext (default 8)", "M" },
		{ "page-offset", 0, 0, G_OPTION_ARG_STRING, &opt_page_offset, "Direct-map base (default 0xffff888000000000)", "VA" },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &opt_all, "Also compare every page of OTHER physically", NULL },
		{ "absent-ok", 0, 0, G_OPTION_ARG_NONE, &opt_absent_ok,
		  "Pages OTHER does not describe at all are counted, not failures (oopslab convert leaves firmware out)", NULL },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("ORIG OTHER");
	g_autoptr(GError) err = NULL;
	g_autoptr(OlDump) a = NULL, b = NULL;
	g_autoptr(OlXlat) xa = NULL, xb = NULL;
	gboolean bad;
	gsize len;
	const char *info;
	guint64 stext;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 3) {
		fprintf(stderr, "dump-compare: %s\n", err ? err->message : "give ORIG and OTHER");
		return 2;
	}
	if ((err = ol_dump_open(argv[1], &a)) ||
	    (err = ol_dump_open_flags(argv[2], OL_DUMP_OPEN_STRICT, &b)) ||
	    (err = ol_xlat_new(a, &xa)) || (err = ol_xlat_new(b, &xb))) {
		fprintf(stderr, "dump-compare: %s\n", err->message);
		return 1;
	}
	printf("original:    %s (%s)\nother:       %s (%s, %s)\n", argv[1], ol_dump_format_name(a), argv[2],
	       ol_dump_format_name(b), ol_dump_codec_name(ol_dump_codec(b)));
	bad = FALSE;

	/* Kernel text. */
	info = ol_dump_vmcoreinfo(a, &len);
	stext = 0;
	if (!info || (err = ol_vmcoreinfo_get_u64(info, len, "SYMBOL(_stext)", &stext))) {
		fprintf(stderr, "dump-compare: no SYMBOL(_stext) in the original's VMCOREINFO\n");
		return 1;
	}
	bad |= compare_text(xa, xb, stext);

	/* Random direct-map pages. */
	bad |= compare_direct_map(a, b, xa, xb);

	if (opt_all)
		bad |= compare_all(a, b);
	printf("result:      %s\n", bad ? "DIFFERENT" : "same");
	return bad ? 1 : 0;
}
