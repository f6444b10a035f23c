/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the dump readers (ELF, kdump-compressed, flattened, --split
 * sets) and address translation.  Input: one mode byte, then the file.
 * Mode bit 0: strict; bit 1: a --split set of two files, the first two
 * bytes after the mode byte (little-endian) say where the first one ends;
 * bit 2: also convert it (bit 3: to ELF, else kdump-zstd) when it describes
 * at most 64 MiB, reopen the copy and check that every page that read from
 * the input reads the same from the copy.
 */
#include <stdint.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "dump-writer.h"
#include "dump.h"
#include "fuzz-kernel.h"
#include "vmcoreinfo.h"
#include "xlat.h"

static void read_some(OlDump *d)
{
	static guint8 buf[8192];
	guint n = MIN(ol_dump_n_ranges(d), 64);

	for (guint i = 0; i < n; i++) {
		guint64 start, size;
		gsize avail;
		gsize len;
		GError *err;
		const guint8 *p;

		if (!ol_dump_range(d, i, &start, &size))
			continue;
		len = (gsize)MIN(size, sizeof(buf));
		err = ol_dump_read_phys(d, start, buf, len);
		g_clear_error(&err);
		err = ol_dump_read_phys(d, start + size - len, buf, len);
		g_clear_error(&err);
		p = ol_dump_phys_ptr(d, start, &avail);
		if (p && avail)
			buf[0] = p[avail - 1]; /* every byte it offers must be there */
	}
}

static void translate_some(OlDump *d)
{
	g_autoptr(OlXlat) x = NULL;
	GError *err = ol_xlat_new(d, &x);
	guint64 vas[8] = { G_GUINT64_CONSTANT(0xffffffff81000000), FK_DMAP, FK_DMAP + 0x1000,
			   G_GUINT64_CONSTANT(0xffffffffff600000) };
	guint n = 4;
	static guint8 buf[4096];
	guint64 off, text_va, text_pa;

	if (err) {
		g_clear_error(&err);
		return;
	}
	for (guint i = 0; i < MIN(ol_dump_n_cpus(d), 2); i++) {
		vas[n++] = ol_dump_cpu(d, i)->regs[OL_REG_RIP];
		vas[n++] = ol_dump_cpu(d, i)->regs[OL_REG_RSP];
	}
	for (guint i = 0; i < n; i++) {
		guint64 pa, ps;
		gsize done;

		err = ol_xlat_translate(x, vas[i], &pa, &ps);
		g_clear_error(&err);
		err = ol_xlat_read(x, vas[i] - 100, buf, sizeof(buf), &done);
		g_clear_error(&err);
	}
	(void)ol_xlat_kaslr_offset(x, &off);
	err = ol_xlat_find_kernel_text(x, &text_va, &text_pa);
	g_clear_error(&err);
}

static char *scratch;

/* What a copy would cover: the bytes described, or past 64 MiB when the
 * highest address would make the copy's bitmaps large (a copy writes a bit
 * per page frame up to there: fuzzing stays fast, the limit is tested too). */
static guint64 described(OlDump *d)
{
	guint64 total = 0, start, size;
	for (guint i = 0; ol_dump_range(d, i, &start, &size); i++) {
		if (start + size > (1ull << 36) && start + size <= (OL_WRITE_MAX_PFN << 12))
			return G_MAXUINT64;
		total += size > (1u << 26) ? (1u << 27) : size;
	}
	return total;
}

static void convert_and_compare(OlDump *d, gboolean elf)
{
	static guint8 a[4096], b[4096];
	OlDumpWriteOptions opt = { .format = elf ? OL_DUMP_WRITE_ELF : OL_DUMP_WRITE_KDUMP,
				   .codec = OL_DUMP_CODEC_ZSTD, .threads = 1 };
	g_autofree char *out = g_build_filename(scratch, "copy", NULL);
	g_autoptr(OlDump) c = NULL;
	guint64 start, size;
	GError *err;

	if (described(d) > (1u << 26))
		return;
	if ((err = ol_dump_write(d, out, &opt, NULL))) {
		g_assert(strchr(err->message, '\n') == NULL);
		g_clear_error(&err);
		return;
	}
	if ((err = ol_dump_open(out, &c)))
		g_error("the copy does not open: %s", err->message);
	for (guint i = 0; ol_dump_range(d, i, &start, &size); i++) {
		for (guint64 pa = start & ~4095ull; pa < start + size; pa += 4096) {
			GError *ea = ol_dump_read_phys(d, MAX(pa, start), a,
						       (gsize)MIN(4096, start + size - MAX(pa, start)));
			gsize n;
			GError *eb;

			if (ea) {
				g_clear_error(&ea);
				continue;
			}
			n = (gsize)MIN(4096, start + size - MAX(pa, start));
			eb = ol_dump_read_phys(c, MAX(pa, start), b, n);
			if (eb)
				g_error("physical 0x%" G_GINT64_MODIFIER "x reads from the input, not from the copy: %s",
					MAX(pa, start), eb->message);
			if (memcmp(a, b, n) != 0)
				g_error("physical 0x%" G_GINT64_MODIFIER "x differs in the copy", MAX(pa, start));
		}
	}
	g_clear_pointer(&c, ol_dump_free);
	g_unlink(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	scratch = g_dir_make_tmp("oopslab-fuzz-dump-XXXXXX", NULL);
	g_assert(scratch);
	return 0;
}

static void exercise(OlDump *d)
{
	OlDumpKdumpInfo k;
	OlDumpPageCounts pc;
	gsize len;
	const char *info;
	GError *err;

	(void)ol_dump_warning(d);
	(void)ol_dump_format_name(d);
	(void)ol_dump_codec_name(ol_dump_codec(d));
	(void)ol_dump_kdump_info(d, &k);
	for (guint i = 0; i < ol_dump_n_cpus(d); i++)
		g_assert(ol_dump_cpu(d, i) != NULL);
	info = ol_dump_vmcoreinfo(d, &len);
	if (info) {
		g_free(ol_vmcoreinfo_dup(info, len, "OSRELEASE"));
		g_assert(strlen(info) == len);
	}
	err = ol_dump_page_counts(d, &pc);
	g_clear_error(&err);
	read_some(d);
	translate_some(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	OlDumpOpenFlags flags;
	g_autoptr(OlDump) d = NULL;
	char *paths[2] = { NULL, NULL };
	int fds[2] = { -1, -1 };
	GError *err;

	if (size < 1)
		return 0;
	flags = (data[0] & 1) ? OL_DUMP_OPEN_STRICT : OL_DUMP_OPEN_DEFAULT;
	if ((data[0] & 2) && size >= 3) {
		gsize rest = size - 3, cut = (data[1] | (gsize)data[2] << 8);

		cut = rest ? cut % (rest + 1) : 0;
		fds[0] = fk_memfd(data + 3, cut, &paths[0]);
		fds[1] = fk_memfd(data + 3 + cut, rest - cut, &paths[1]);
		err = ol_dump_open_split((const char *const *)paths, 2, flags, &d);
	} else {
		fds[0] = fk_memfd(data + 1, size - 1, &paths[0]);
		err = ol_dump_open_flags(paths[0], flags, &d);
	}
	if (err)
		g_assert(strchr(err->message, '\n') == NULL); /* one line */
	else
		exercise(d);
	if (!err && (data[0] & 4) && !(data[0] & 1)) /* strict mode makes excluded pages errors: not comparable */
		convert_and_compare(d, (data[0] & 8) != 0);
	g_clear_error(&err);
	g_clear_pointer(&d, ol_dump_free); /* before the files go */
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		g_free(paths[i]);
	}
	return 0;
}
