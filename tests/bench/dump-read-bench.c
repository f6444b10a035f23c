/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump-read-bench: how fast does the dump library (stub/libdump) read
 * guest-physical memory out of a dump?  For tests/bench/kdump-read-speed,
 * which runs the same reads through libkdumpfile and crash; not a test.
 *
 *   dump-read-bench --list DUMP
 *       every RAM range ("range START SIZE") and then every 4 KiB page in
 *       them ("PA z" all zeros, "PA d" data), for choosing pages to read
 *   dump-read-bench --pages FILE [--hash] DUMP
 *       read the 4 KiB pages at the physical addresses in FILE (one per
 *       line, hex), in that order, with ol_dump_read_phys
 *   dump-read-bench --seq RANGES [--chunk BYTES] [--hash] DUMP
 *       read RANGES ("START:SIZE,START:SIZE...", hex or decimal) in order,
 *       CHUNK bytes (default 1 MiB) per ol_dump_read_phys call
 *
 * Prints "open SECONDS", then "pages N SECONDS SHA256" or
 * "seq BYTES SECONDS SHA256".  Only the reads are timed, on a dump opened
 * by this process (so the library's page cache starts empty; the file is
 * whatever the OS has cached).  With --hash the SHA-256 of the bytes read
 * is computed outside the timed part (pages: over the kept pages; seq: in a
 * second, untimed pass); without it, "-".
 *
 * Exit status: 0 ok, 1 read error, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

#define PAGE 4096u

static gboolean opt_list, opt_hash;
static char *opt_pages, *opt_seq;
static gint64 opt_chunk = 1024 * 1024;

static int fail(GError *err)
{
	fprintf(stderr, "dump-read-bench: %s\n", err->message);
	g_error_free(err);
	return 1;
}

static double now(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static gboolean parse_u64(const char *s, guint64 *out)
{
	char *end;
	guint64 v = g_ascii_strtoull(s, &end, 0);
	if (end == s || (*end && !g_ascii_isspace(*end)))
		return FALSE;
	*out = v;
	return TRUE;
}

static int list(OlDump *d)
{
	guint8 buf[PAGE];
	static const guint8 zeros[PAGE];
	for (guint i = 0; i < ol_dump_n_ranges(d); i++) {
		guint64 start, size;
		ol_dump_range(d, i, &start, &size);
		printf("range " X64 " " X64 "\n", start, size);
	}
	for (guint i = 0; i < ol_dump_n_ranges(d); i++) {
		guint64 start, size;
		ol_dump_range(d, i, &start, &size);
		for (guint64 pa = start; pa + PAGE <= start + size; pa += PAGE) {
			GError *err = ol_dump_read_phys(d, pa, buf, PAGE);
			if (err)
				return fail(err);
			printf(X64 " %c\n", pa, memcmp(buf, zeros, PAGE) ? 'd' : 'z');
		}
	}
	return 0;
}

static int pages(OlDump *d, const char *path)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) addrs = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree guint8 *buf = NULL;
	g_autofree char *sum = NULL;
	double t0, t;

	if (!g_file_get_contents(path, &text, NULL, &err)) {
		fprintf(stderr, "dump-read-bench: %s\n", err->message);
		return 2;
	}
	addrs = g_array_new(FALSE, FALSE, sizeof(guint64));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		guint64 pa;

		if (!*g_strstrip(lines[i]))
			continue;
		if (!parse_u64(lines[i], &pa)) {
			fprintf(stderr, "dump-read-bench: %s:%u: not an address: %s\n", path, i + 1, lines[i]);
			return 2;
		}
		g_array_append_val(addrs, pa);
	}
	/* Every page is kept, so that hashing stays out of the timed loop. */
	buf = g_malloc((gsize)MAX(addrs->len, 1) * PAGE);
	t0 = now();
	for (guint i = 0; i < addrs->len; i++) {
		GError *e = ol_dump_read_phys(d, g_array_index(addrs, guint64, i), buf + (gsize)i * PAGE,
					      PAGE);

		if (e)
			return fail(e);
	}
	t = now() - t0;
	sum = opt_hash ? g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, (gsize)addrs->len * PAGE)
		       : g_strdup("-");
	printf("pages %u %.6f %s\n", addrs->len, t, sum);
	return 0;
}

static int seq(OlDump *d, const char *spec)
{
	g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
	gsize chunk;
	g_autofree guint8 *buf = NULL;
	g_autoptr(GChecksum) sum = NULL;
	guint64 total = 0;
	double t = 0;

	for (guint i = 0; parts[i]; i++) {
		g_auto(GStrv) se = g_strsplit(parts[i], ":", 2);
		guint64 v[2];

		if (!se[0] || !se[1] || !parse_u64(se[0], &v[0]) || !parse_u64(se[1], &v[1])) {
			fprintf(stderr, "dump-read-bench: --seq: not START:SIZE: %s\n", parts[i]);
			return 2;
		}
		g_array_append_vals(ranges, v, 2);
	}
	if (opt_chunk <= 0) {
		fprintf(stderr, "dump-read-bench: --chunk must be positive\n");
		return 2;
	}
	chunk = (gsize)opt_chunk;
	buf = g_malloc(chunk);
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	for (int pass = 0; pass < (opt_hash ? 2 : 1); pass++) {
		double t0 = now();

		for (guint r = 0; r < ranges->len; r += 2) {
			guint64 start = g_array_index(ranges, guint64, r);
			guint64 size = g_array_index(ranges, guint64, r + 1);

			for (guint64 off = 0; off < size; off += chunk) {
				gsize n = (gsize)MIN(chunk, size - off);
				GError *e = ol_dump_read_phys(d, start + off, buf, n);

				if (e)
					return fail(e);
				if (pass == 1)
					g_checksum_update(sum, buf, n);
				else
					total += n;
			}
		}
		if (pass == 0)
			t = now() - t0;
	}
	printf("seq %" G_GUINT64_FORMAT " %.6f %s\n", total, t, opt_hash ? g_checksum_get_string(sum) : "-");
	return 0;
}

int main(int argc, char **argv)
{
	const GOptionEntry entries[] = {
		{ "list", 0, 0, G_OPTION_ARG_NONE, &opt_list, "List RAM ranges and pages (z: all zeros, d: data)", NULL },
		{ "pages", 0, 0, G_OPTION_ARG_FILENAME, &opt_pages, "Read the 4 KiB pages at the physical addresses in FILE", "FILE" },
		{ "seq", 0, 0, G_OPTION_ARG_STRING, &opt_seq, "Read these physical ranges in order", "START:SIZE,..." },
		{ "chunk", 0, 0, G_OPTION_ARG_INT64, &opt_chunk, "Bytes per read with --seq (default 1 MiB)", "BYTES" },
		{ "hash", 0, 0, G_OPTION_ARG_NONE, &opt_hash, "Print the SHA-256 of what was read (computed untimed)", NULL },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("DUMP");
	g_autoptr(GError) err = NULL;
	OlDump *d = NULL;
	double t0, t_open;
	int rc;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 2 ||
	    (opt_list + !!opt_pages + !!opt_seq) != 1) {
		fprintf(stderr, "dump-read-bench: %s\n", err ? err->message : "give one of --list, --pages, --seq and a DUMP");
		return 2;
	}
	t0 = now();
	if ((err = ol_dump_open(argv[1], &d))) {
		fprintf(stderr, "dump-read-bench: %s\n", err->message);
		return 1;
	}
	t_open = now() - t0;
	if (opt_list) {
		rc = list(d);
	} else {
		printf("open %.6f\n", t_open);
		rc = opt_pages ? pages(d, opt_pages) : seq(d, opt_seq);
	}
	ol_dump_free(d);
	return rc;
}
