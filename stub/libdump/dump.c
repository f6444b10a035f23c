/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening a dump: map the file, recognise the format, hand over to its reader. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codecs.h"
#include "dump-private.h"

G_DEFINE_QUARK(ol-dump-error-quark, ol_dump_error)

GError *ol_dump_error(const OlDump *d, OlDumpError code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_error_new(OL_DUMP_ERROR, code, "%s: %s", d->path, msg);
}

void ol_dump_set_warning(OlDump *d, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_free(d->warning);
	d->warning = g_strdup_printf("%s: %s", d->path, msg);
}

char *ol_dump_format_bytes(guint64 n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v;
	guint u;

	if (n < 1024)
		return g_strdup_printf("%" G_GUINT64_FORMAT " bytes", n);
	/* not g_format_size: it puts a no-break space in, which the C locale cannot print */
	v = (double)n / 1024;
	u = 0;
	while (v >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
		v /= 1024;
		u++;
	}
	return g_strdup_printf("%" G_GUINT64_FORMAT " bytes (%.1f %s)", n, v, units[u]);
}

const char *ol_dump_warning(const OlDump *d)
{
	return d->warning;
}

static GError *map_file(OlDump *d)
{
	int fd = open(d->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	GError *err;

	if (fd < 0)
		return ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot open: %s", g_strerror(errno));

	err = NULL;
	if (fstat(fd, &st) < 0) {
		err = ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot stat: %s", g_strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err = ol_dump_error(d, OL_DUMP_ERROR_IO, "not a regular file");
	} else if (st.st_size == 0) {
		/* mmap cannot map nothing, and nothing is not a dump. */
		err = ol_dump_error(d, OL_DUMP_ERROR_FORMAT, "empty file (0 bytes), not a dump");
	} else if ((guint64)st.st_size > G_MAXSIZE) {
		err = ol_dump_error(d, OL_DUMP_ERROR_IO, "file too large to map");
	} else {
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			err = ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot mmap %jd bytes: %s",
					    (intmax_t)st.st_size, g_strerror(errno));
		} else {
			d->map = map;
			d->size = (gsize)st.st_size;
		}
	}
	close(fd); /* the mapping keeps the file */
	return err;
}

static GError *identify_and_open(OlDump *d)
{
	guint8 magic[4] = { 0 };

	if (ol_elf_match(d->map, d->size))
		return ol_elf_open(d);
	if (ol_kdump_match(d->map, d->size))
		return ol_kdump_open(d, NULL);
	if (ol_flat_match(d->map, d->size)) {
		OlFlatIndex *idx = NULL;
		GError *err = ol_flat_index_build(d, &idx);
		return err ? err : ol_kdump_open(d, idx);
	}

	memcpy(magic, d->map, MIN(d->size, sizeof(magic)));
	return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
			     "unknown dump format at offset 0x0 (magic %02x %02x %02x %02x, file is %" G_GSIZE_FORMAT " bytes)",
			     magic[0], magic[1], magic[2], magic[3], d->size);
}

GError *ol_dump_open(const char *path, OlDump **out)
{
	return ol_dump_open_flags(path, OL_DUMP_OPEN_DEFAULT, out);
}

GError *ol_dump_open_flags(const char *path, OlDumpOpenFlags flags, OlDump **out)
{
	g_autoptr(OlDump) d = NULL;
	GError *err;

	g_return_val_if_fail(path != NULL && out != NULL, NULL);

	d = g_new0(OlDump, 1);
	d->path = g_strdup(path);
	d->cpus = g_array_new(FALSE, TRUE, sizeof(OlCpuNote));
	d->strict = (flags & OL_DUMP_OPEN_STRICT) != 0;
	d->vmcoreinfo_desc = G_MAXSIZE;

	err = map_file(d);
	if (!err)
		err = identify_and_open(d);
	if (err)
		return err;
	*out = g_steal_pointer(&d);
	return NULL;
}

void ol_dump_free(OlDump *d)
{
	if (!d)
		return;
	if (d->ops && d->ops->close)
		d->ops->close(d);
	if (d->map) /* a --split set has none: its files have theirs */
		munmap((void *)d->map, d->size);
	g_free(d->ranges);
	g_free(d->warning);
	g_free(d->vmcoreinfo);
	if (d->note_blob)
		g_byte_array_unref(d->note_blob);
	g_array_unref(d->cpus);
	g_free(d->path);
	g_free(d);
}

OlDumpFormat ol_dump_format(const OlDump *d)
{
	return d->format;
}

const char *ol_dump_format_name(const OlDump *d)
{
	switch (d->format) {
	case OL_DUMP_FORMAT_ELF_QEMU:
		return "qemu-elf";
	case OL_DUMP_FORMAT_ELF_KDUMP:
		return "kdump-elf";
	case OL_DUMP_FORMAT_ELF_OTHER:
		return "elf";
	case OL_DUMP_FORMAT_KDUMP:
		return "kdump-compressed";
	case OL_DUMP_FORMAT_KDUMP_FLAT:
		return "kdump-flattened";
	case OL_DUMP_FORMAT_LIVE:
		return "live";
	}
	return "unknown";
}

OlDumpCodec ol_dump_codec(const OlDump *d)
{
	return d->codec;
}

const char *ol_dump_codec_name(OlDumpCodec codec)
{
	switch (codec) {
	case OL_DUMP_CODEC_NONE:
		return "none";
	case OL_DUMP_CODEC_ZLIB:
		return "zlib";
	case OL_DUMP_CODEC_LZO:
		return "lzo";
	case OL_DUMP_CODEC_SNAPPY:
		return "snappy";
	case OL_DUMP_CODEC_ZSTD:
		return "zstd";
	}
	return "unknown";
}

void ol_dump_set_strict(OlDump *d, gboolean strict)
{
	g_atomic_int_set(&d->strict, strict ? 1 : 0);
}

gboolean ol_dump_strict(const OlDump *d)
{
	return ol_dump_is_strict(d);
}

gboolean ol_dump_kdump_info(const OlDump *d, OlDumpKdumpInfo *out)
{
	return ol_kdump_get_info(d, out) || ol_split_get_info(d, out);
}

gboolean ol_dump_cpu_order_known(const OlDump *d)
{
	return d->cpu_order_known;
}

const guint8 *ol_dump_note_blob(const OlDump *d, gsize *len, gsize *vmcoreinfo_desc)
{
	*len = d->note_blob ? d->note_blob->len : 0;
	if (vmcoreinfo_desc)
		*vmcoreinfo_desc = d->vmcoreinfo ? d->vmcoreinfo_desc : G_MAXSIZE;
	return d->note_blob ? d->note_blob->data : NULL;
}

const char *ol_dump_path(const OlDump *d)
{
	return d->path;
}

guint64 ol_dump_file_size(const OlDump *d)
{
	return d->size;
}

guint ol_dump_n_cpus(const OlDump *d)
{
	return d->cpus->len;
}

const OlCpuNote *ol_dump_cpu(const OlDump *d, guint i)
{
	if (i >= d->cpus->len)
		return NULL;
	return &g_array_index(d->cpus, OlCpuNote, i);
}

const char *ol_dump_vmcoreinfo(const OlDump *d, gsize *len)
{
	if (len)
		*len = d->vmcoreinfo ? d->vmcoreinfo_len : 0;
	return d->vmcoreinfo;
}

GError *ol_dump_read_phys(OlDump *d, guint64 paddr, void *buf, gsize len)
{
	if (len == 0)
		return NULL;
	return d->ops->read_phys(d, paddr, buf, len, ol_dump_is_strict(d));
}

const void *ol_dump_phys_ptr(OlDump *d, guint64 paddr, gsize *avail)
{
	*avail = 0;
	if (!d->ops->phys_ptr)
		return NULL;
	return d->ops->phys_ptr(d, paddr, avail);
}

guint ol_dump_n_ranges(const OlDump *d)
{
	return d->n_ranges;
}

gboolean ol_dump_range(const OlDump *d, guint i, guint64 *start, guint64 *size)
{
	if (i >= d->n_ranges)
		return FALSE;
	if (start)
		*start = d->ranges[i].start;
	if (size)
		*size = d->ranges[i].size;
	return TRUE;
}

/* ---- pages ------------------------------------------------------------ */

/* Index of the first range that ends after ADDR (binary search; ranges are
 * sorted and disjoint), d->n_ranges if none. */
static guint first_range_after(const OlDump *d, guint64 addr)
{
	guint lo = 0, hi = d->n_ranges;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (d->ranges[mid].start + d->ranges[mid].size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The state of a page from d->ranges (ELF): which of its bytes the ranges
 * cover, and whether any of those are stored in the file. */
static OlPageState ranges_page_state(OlDump *d, guint64 pfn)
{
	guint64 start = pfn << OL_PAGE_SHIFT, end = start + OL_PAGE_SIZE;
	gboolean any = FALSE;
	gboolean present = FALSE;
	for (guint i = first_range_after(d, start); i < d->n_ranges && d->ranges[i].start < end; i++) {
		const struct ol_range *r = &d->ranges[i];
		guint64 lo = MAX(start, r->start) - r->start, hi = MIN(end, r->start + r->size) - r->start;
		any = TRUE;
		if (lo >= r->file_size)
			continue;
		/* stored bytes of the page the file was cut before */
		if (MIN(hi, r->file_size) > r->file_have)
			return OL_PAGE_MISSING;
		present = TRUE;
	}
	return present ? OL_PAGE_PRESENT : any ? OL_PAGE_EXCLUDED : OL_PAGE_HOLE;
}

OlPageState ol_dump_page_state(OlDump *d, guint64 pfn)
{
	if (d->ops->page_state)
		return d->ops->page_state(d, pfn);
	return ranges_page_state(d, pfn);
}

GError *ol_dump_read_page(OlDump *d, guint64 pfn, guint8 *page)
{
	guint64 start = pfn << OL_PAGE_SHIFT, end = start + OL_PAGE_SIZE;
	memset(page, 0, OL_PAGE_SIZE);
	/* Each range's part of the page, read without strict mode: what the
	 * dump leaves out is written as zeros. */
	for (guint i = first_range_after(d, start); i < d->n_ranges && d->ranges[i].start < end; i++) {
		const struct ol_range *r = &d->ranges[i];
		guint64 lo = MAX(start, r->start), hi = MIN(end, r->start + r->size);
		GError *err = d->ops->read_phys(d, lo, page + (lo - start), (gsize)(hi - lo), FALSE);
		if (err)
			return err;
	}
	return NULL;
}

static gboolean all_zero(const guint8 *p, gsize n)
{
	static const guint8 zeros[OL_PAGE_SIZE];
	while (n > 0) {
		gsize m = MIN(n, sizeof(zeros));
		if (memcmp(p, zeros, m) != 0)
			return FALSE;
		p += m;
		n -= m;
	}
	return TRUE;
}

/* Count page PFN once (a page two ranges share is seen from both). */
static GError *count_page(OlDump *d, guint64 pfn, guint64 *last_pfn, OlDumpPageCounts *c)
{
	OlPageState st;
	guint8 page[OL_PAGE_SIZE];
	gsize avail;
	const guint8 *p;

	if (pfn == *last_pfn)
		return NULL;
	*last_pfn = pfn;
	st = ol_dump_page_state(d, pfn);
	if (st == OL_PAGE_HOLE)
		return NULL;
	c->ram++;
	if (st != OL_PAGE_PRESENT) {
		c->excluded++;
		c->missing += st == OL_PAGE_MISSING;
		return NULL;
	}
	c->present++;
	avail = 0;
	p = ol_dump_phys_ptr(d, pfn << OL_PAGE_SHIFT, &avail);
	if (!p || avail < OL_PAGE_SIZE) {
		GError *err = ol_dump_read_page(d, pfn, page);
		if (err)
			return err;
		p = page;
	}
	c->zero += all_zero(p, OL_PAGE_SIZE);
	return NULL;
}

/* Pages from PFN on, up to but not including R's LAST page, that lie wholly
 * in R's part past the file's data, all missing (cut off) or all excluded
 * (past p_filesz): counted at once, however large p_memsz is.  0 if PFN is
 * not such a page. */
static guint64 uniform_run(const struct ol_range *r, guint64 pfn, guint64 last, OlPageState *st)
{
	guint64 rel = (pfn << OL_PAGE_SHIFT) - r->start;
	if ((pfn << OL_PAGE_SHIFT) < r->start || pfn >= last)
		return 0; /* the first page (may start before R) or the last */
	if (rel >= r->file_size) {
		*st = OL_PAGE_EXCLUDED;
		return last - pfn;
	}
	if (rel >= r->file_have && rel + OL_PAGE_SIZE <= r->file_size) {
		*st = OL_PAGE_MISSING;
		return MIN(last, (r->start + r->file_size) >> OL_PAGE_SHIFT) - pfn;
	}
	return 0;
}

/* ELF: pages from the ranges; zero pages by looking at every stored page.
 * Work is bounded by the file: pages with data are looked at one by one, the
 * rest (p_memsz and p_filesz may be anything) by runs. */
static GError *ranges_page_counts(OlDump *d, OlDumpPageCounts *out)
{
	OlDumpPageCounts c = { 0 };
	guint64 last_pfn = G_MAXUINT64;
	for (guint i = 0; i < d->n_ranges; i++) {
		const struct ol_range *r = &d->ranges[i];
		guint64 first = r->start >> OL_PAGE_SHIFT;
		guint64 last = (r->start + r->size - 1) >> OL_PAGE_SHIFT;
		for (guint64 pfn = first; pfn <= last;) {
			OlPageState st = OL_PAGE_EXCLUDED;
			guint64 run = uniform_run(r, pfn, last, &st);
			GError *err;

			if (run) {
				c.ram += run;
				c.excluded += run;
				c.missing += st == OL_PAGE_MISSING ? run : 0;
				pfn += run;
				continue;
			}
			err = count_page(d, pfn, &last_pfn, &c);
			if (err)
				return err;
			pfn++;
		}
	}
	*out = c;
	return NULL;
}

GError *ol_dump_page_counts(OlDump *d, OlDumpPageCounts *out)
{
	if (!d->have_counts) {
		GError *err = d->ops->page_counts ? d->ops->page_counts(d, &d->counts)
						  : ranges_page_counts(d, &d->counts);
		if (err)
			return err;
		d->have_counts = TRUE;
	}
	*out = d->counts;
	return NULL;
}
