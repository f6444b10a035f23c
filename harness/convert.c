/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `oopslab convert IN [IN...] OUT --format FORMAT [--exclude zero] [--threads N]`:
 * read any dump the dump library reads (QEMU ELF, kdump /proc/vmcore ELF,
 * kdump-compressed plain or flattened; several INs: the files of a
 * makedumpfile --split set) and write it as a plain kdump-compressed file or
 * a QEMU-style ELF core, keeping VMCOREINFO and the CPU notes
 * (stub/libdump/dump-writer.h).  OUT appears only when complete.
 *
 * Exit status: 0 written, 1 error (one line on stderr), 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "dump-writer.h"
#include "dump.h"

static const struct {
	const char *name;
	OlDumpWriteFormat format;
	OlDumpCodec codec;
} formats[] = {
	{ "kdump-zstd", OL_DUMP_WRITE_KDUMP, OL_DUMP_CODEC_ZSTD },
	{ "kdump-zlib", OL_DUMP_WRITE_KDUMP, OL_DUMP_CODEC_ZLIB },
	{ "kdump-lzo", OL_DUMP_WRITE_KDUMP, OL_DUMP_CODEC_LZO },
	{ "kdump-snappy", OL_DUMP_WRITE_KDUMP, OL_DUMP_CODEC_SNAPPY },
	{ "kdump-raw", OL_DUMP_WRITE_KDUMP, OL_DUMP_CODEC_NONE },
	{ "elf", OL_DUMP_WRITE_ELF, OL_DUMP_CODEC_NONE },
};

gboolean convert_format_lookup(const char *format, OlDumpWriteFormat *out, OlDumpCodec *codec)
{
	for (gsize i = 0; i < G_N_ELEMENTS(formats); i++)
		if (strcmp(format, formats[i].name) == 0) {
			*out = formats[i].format;
			*codec = formats[i].codec;
			return TRUE;
		}
	return FALSE;
}

char *convert_format_names(void)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(formats); i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", formats[i].name);
	return g_string_free(s, FALSE);
}

gboolean convert_format_known(const char *format)
{
	for (gsize i = 0; i < G_N_ELEMENTS(formats); i++)
		if (strcmp(format, formats[i].name) == 0)
			return TRUE;
	return FALSE;
}

GError *convert_dump(const char *in_path, const char *out, const char *format, OlDumpWriteStats *stats)
{
	OlDumpWriteOptions opt = {0};
	g_autoptr(OlDump) in = NULL;
	GError *err;

	convert_format_lookup(format, &opt.format, &opt.codec);
	if ((err = ol_dump_open(in_path, &in)))
		return err;
	return ol_dump_write(in, out, &opt, stats);
}

gboolean convert_parse_exclude(const char *list, gboolean *zero, gboolean *free_pages, gboolean *lru)
{
	g_auto(GStrv) words = g_strsplit(list, ",", -1);

	*zero = *free_pages = *lru = FALSE;
	for (char **w = words; *w; w++) {
		if (strcmp(*w, "zero") == 0)
			*zero = TRUE;
		else if (strcmp(*w, "free") == 0)
			*free_pages = TRUE;
		else if (strcmp(*w, "lru") == 0)
			*lru = TRUE;
		else if (strcmp(*w, "none") != 0 || words[1])
			return FALSE;
	}
	return words[0] != NULL;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "oopslab convert: %s\n", msg);
	return 2;
}

static GOptionContext *convert_context(char **format, char **exclude, gint *threads, const char *format_help)
{
	GOptionContext *ctx = g_option_context_new("IN [IN...] OUT - rewrite a dump as kdump-compressed or ELF");
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, format, format_help, "FORMAT" },
		{ "exclude", 0, 0, G_OPTION_ARG_STRING, exclude,
		  "zero: all-zero pages (elf: left out, as p_memsz tails; kdump: as makedumpfile -d 1, one shared "
		  "copy and dump_level 1, which crash reads without --zero_excluded); free (kdump only): the pages "
		  "the kernel's buddy allocator holds free, left out as makedumpfile -d 16 does (crash reads them "
		  "only with --zero_excluded; oopslab-stub reads them as zeros); lru (kdump only): the page cache on "
		  "the kernel's LRU lists, as makedumpfile -d 6 (user memory stays; read as free pages are); a "
		  "comma-separated list, e.g. zero,free,lru", "LIST" },
		{ "threads", 0, 0, G_OPTION_ARG_INT, threads, "Compression threads (default 2)", "N" },
		G_OPTION_ENTRY_NULL
	};

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Reads any dump oopslab-stub reads (QEMU ELF, kdump ELF, kdump-compressed, flattened) and writes a plain\n"
		"kdump-compressed file (readable by crash and makedumpfile) or a QEMU-style ELF core, with the same CPU\n"
		"notes and VMCOREINFO. Several INs are the files of a makedumpfile --split set, merged into one. OUT is\n"
		"written under a temporary name and renamed when complete.");
	return ctx;
}

/* Read the INs (argv[1 .. argc-2]), write OUT, say what was written. */
static int convert_files(int argc, char **argv, const char *format, const OlDumpWriteOptions *opt)
{
	const char *in_path = argv[1], *out_path = argv[argc - 1];
	g_autoptr(OlDump) in = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *human = NULL;
	gint64 t0 = g_get_monotonic_time();
	OlDumpWriteStats st;
	double secs;

	if ((err = ol_dump_open_split((const char *const *)argv + 1, (guint)argc - 2, OL_DUMP_OPEN_DEFAULT,
				      &in)) ||
	    (err = ol_dump_write(in, out_path, opt, &st))) {
		fprintf(stderr, "oopslab convert: %s\n", err->message);
		return 1;
	}
	secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	human = g_format_size(st.bytes);
	printf("%s: %s from %s (%s): %" G_GUINT64_FORMAT " pages of memory, %" G_GUINT64_FORMAT " stored"
	       " (%" G_GUINT64_FORMAT " compressed, %" G_GUINT64_FORMAT " all zeros), %" G_GUINT64_FORMAT " left out"
	       " (%" G_GUINT64_FORMAT " free or LRU); %s in %.2f s\n",
	       out_path, format, in_path, ol_dump_format_name(in), st.ram_pages, st.stored_pages,
	       st.compressed_pages, st.zero_pages, st.excluded_pages, st.unneeded_pages, human, secs);
	if (st.dropped_pages)
		printf("%s: %" G_GUINT64_FORMAT " pages from pfn 0x%" G_GINT64_MODIFIER "x on were left out: they lie past the "
		       "kernel's last memory section (firmware, e.g. QEMU's BIOS ROM), and makedumpfile cannot read a "
		       "kdump file that describes them\n",
		       out_path, st.dropped_pages, st.dropped_from_pfn);
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	g_autofree char *format = NULL, *exclude = NULL;
	g_autofree char *names = convert_format_names();
	g_autofree char *format_help = g_strdup_printf("%s (kdump-raw: uncompressed pages)", names);
	g_autofree char *msg = NULL;
	gint threads = 2;
	g_autoptr(GOptionContext) ctx = convert_context(&format, &exclude, &threads, format_help);
	g_autoptr(GError) err = NULL;
	gboolean ex_zero = FALSE, ex_free = FALSE, ex_lru = FALSE;
	OlDumpWriteOptions opt = {0};

	if (!g_option_context_parse(ctx, &argc, &argv, &err))
		return usage_error(err->message);
	if (argc < 3)
		return usage_error("give IN and OUT (see --help)");
	if (!format)
		return usage_error((msg = g_strdup_printf("--format is required: %s", names)));
	if (exclude && !convert_parse_exclude(exclude, &ex_zero, &ex_free, &ex_lru))
		return usage_error("--exclude: give a list of zero, free and lru, or none");
	if (threads < 1 || threads > 64)
		return usage_error("--threads: give 1 to 64");
	opt = (OlDumpWriteOptions){.exclude_zero = ex_zero, .exclude_free = ex_free, .exclude_lru = ex_lru,
				   .threads = (guint)threads};
	if (!convert_format_lookup(format, &opt.format, &opt.codec))
		return usage_error((msg = g_strdup_printf("--format: '%s' is not one of %s", format, names)));
	return convert_files(argc, argv, format, &opt);
}
