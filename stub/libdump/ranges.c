/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest-physical memory map: building it, looking addresses up, and
 * reading from ranges that are plain bytes in the mapping. */
#include <stdlib.h>

#include "dump-private.h"

static int cmp_segment(const void *pa, const void *pb)
{
	const struct ol_segment *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	/* Equal starts: keep header order so the result does not depend on qsort. */
	return a->index < b->index ? -1 : a->index > b->index;
}

GError *ol_ranges_build(OlDump *d, struct ol_segment *segs, guint n)
{
	g_autofree struct ol_range *out = NULL;
	g_autofree guint *owner = NULL;
	guint nout;

	if (n > 1) /* segs may be NULL when n == 0 */
		qsort(segs, n, sizeof(*segs), cmp_segment);

	out = g_new(struct ol_range, MAX(n, 1));
	owner = g_new(guint, MAX(n, 1)); /* first segment of each range */
	nout = 0;
	for (guint i = 0; i < n; i++) {
		const struct ol_segment *s = &segs[i];
		g_assert(s->size > 0 && s->start + s->size > s->start && s->file_size <= s->size);

		if (nout > 0) {
			struct ol_range *r = &out[nout - 1];
			if (s->start - r->start < r->size) {
				/* Overlap.  Fine only if both describe the same file
				 * bytes (QEMU paging=true writes one PT_LOAD per
				 * virtual mapping, several may share physical pages)
				 * and the file part stays contiguous. */
				guint64 rel = s->start - r->start;
				gboolean same = s->file_offset >= r->file_offset &&
						s->file_offset - r->file_offset == rel &&
						rel <= r->file_size;
				if (!same) {
					const struct ol_segment *o = &segs[owner[nout - 1]];
					return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
							     "PT_LOAD %u (program header at offset " X64
							     ") overlaps PT_LOAD %u (program header at offset " X64
							     ") at physical address " X64 " with different file data",
							     s->index, s->header_offset, o->index,
							     o->header_offset, s->start);
				}
				r->file_size = MAX(r->file_size, rel + s->file_size);
				r->size = MAX(r->size, rel + s->size);
				continue;
			}
		}
		owner[nout] = i;
		out[nout++] = (struct ol_range){
			.start = s->start,
			.size = s->size,
			.file_offset = s->file_offset,
			.file_size = s->file_size,
		};
	}
	for (guint i = 0; i < nout; i++) {
		/* what the file holds of each range's data (ELF: d->map) */
		struct ol_range *r = &out[i];
		r->file_have = !d->map ? r->file_size
			       : r->file_offset >= d->size ? 0 : MIN(r->file_size, d->size - r->file_offset);
	}

	g_free(d->ranges);
	d->ranges = g_steal_pointer(&out);
	d->n_ranges = nout;
	return NULL;
}

const struct ol_range *ol_ranges_find(const OlDump *d, guint64 paddr)
{
	/* Last range starting at or below paddr. */
	guint lo = 0, hi = d->n_ranges;
	const struct ol_range *r;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (d->ranges[mid].start <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	r = &d->ranges[lo - 1];
	return paddr - r->start < r->size ? r : NULL;
}

gboolean ol_ranges_cover(const OlDump *d, guint64 start, guint64 size)
{
	while (size > 0) {
		const struct ol_range *r = ol_ranges_find(d, start);
		guint64 n;

		if (!r)
			return FALSE;
		n = MIN(size, r->size - (start - r->start));
		start += n;
		size -= n;
	}
	return TRUE;
}

static GError *cut_off(OlDump *d, const struct ol_range *r, guint64 paddr)
{
	return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
			     "physical address " X64 " is unavailable: the file was cut off at %" G_GSIZE_FORMAT
			     " bytes, before its data at offset " X64,
			     paddr, d->size, r->file_offset + (paddr - r->start));
}

static GError *mapped_read_phys(OlDump *d, guint64 paddr, void *buf, gsize len, gboolean strict)
{
	guint8 *dst = buf;
	while (len > 0) {
		const struct ol_range *r = ol_ranges_find(d, paddr);
		guint64 rel;
		gsize n;
		gsize from_file;

		if (!r)
			return ol_dump_error(d, OL_DUMP_ERROR_NOT_PRESENT,
					     "physical address " X64 " is not in the dump", paddr);
		rel = paddr - r->start;
		n = (gsize)MIN((guint64)len, r->size - rel);
		from_file = 0;
		if (rel < r->file_size) {
			from_file = (gsize)MIN((guint64)n, r->file_size - rel);
			if (rel + from_file > r->file_have)
				return cut_off(d, r, MAX(paddr, r->start + r->file_have));
			memcpy(dst, d->map + r->file_offset + rel, from_file);
		}
		/* p_memsz beyond p_filesz: the writer left those bytes out
		 * (makedumpfile -E excluded pages, QEMU clamping); zeros. */
		if (strict && from_file < n)
			return ol_dump_error(d, OL_DUMP_ERROR_EXCLUDED,
					     "physical address " X64 " was left out of the dump (past p_filesz of its PT_LOAD; strict mode)",
					     paddr + from_file);
		memset(dst + from_file, 0, n - from_file);
		/* Ranges never end past 2^64 - 1, so this cannot wrap. */
		paddr += n;
		dst += n;
		len -= n;
	}
	return NULL;
}

static const void *mapped_phys_ptr(OlDump *d, guint64 paddr, gsize *avail)
{
	const struct ol_range *r = ol_ranges_find(d, paddr);
	guint64 rel;

	if (!r || paddr - r->start >= r->file_have)
		return NULL;
	rel = paddr - r->start;
	*avail = (gsize)(r->file_have - rel);
	return d->map + r->file_offset + rel;
}

const struct ol_dump_ops ol_mapped_ops = {
	.read_phys = mapped_read_phys,
	.phys_ptr = mapped_phys_ptr,
	.close = NULL,
};
