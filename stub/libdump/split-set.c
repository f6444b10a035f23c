/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A makedumpfile --split set as one dump.
 *
 * Each file of a set is a whole kdump-compressed file: its own headers, the
 * notes, and bitmaps of the whole machine (makedumpfile 1.7.2 sets the bits
 * of every PFN in both bitmaps of every file), with page_descs only for the
 * PFNs in its [start_pfn_64, end_pfn_64).  kdump.c reads one file and
 * serves its range; here the files' ranges are put side by side and each
 * read goes to the file that holds the PFN, as crash does with several
 * dump files.  The files must come from the same dump (same max_mapnr and
 * VMCOREINFO) and their ranges must not overlap; gaps between them are
 * holes.  CPUs, VMCOREINFO and notes are the first file's (all hold the
 * same).
 */
#include "dump-private.h"

typedef struct {
	OlDump *d;
	guint64 start, end; /* PFNs it holds */
} Part;

typedef struct {
	Part *parts; /* sorted by start */
	guint n;
} SplitSet;

/* The part holding PFN, or NULL. */
static const Part *part_of(const SplitSet *s, guint64 pfn)
{
	guint lo = 0, hi = s->n;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (s->parts[mid].start <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pfn >= s->parts[lo - 1].end)
		return NULL;
	return &s->parts[lo - 1];
}

static GError *split_read_phys(OlDump *d, guint64 paddr, void *buf, gsize len, gboolean strict)
{
	const SplitSet *s = d->priv;
	guint8 *dst = buf;
	while (len > 0) {
		const Part *p = part_of(s, paddr >> OL_PAGE_SHIFT);
		guint64 until;
		gsize n;
		GError *err;

		if (!p)
			return ol_dump_error(d, OL_DUMP_ERROR_NOT_PRESENT,
					     "physical address " X64 " is in none of the %u files of the --split set",
					     paddr, s->n);
		until = p->end << OL_PAGE_SHIFT;
		n = (gsize)MIN((guint64)len, until - paddr);
		err = p->d->ops->read_phys(p->d, paddr, dst, n, strict);
		if (err)
			return err;
		paddr += n;
		dst += n;
		len -= n;
	}
	return NULL;
}

static const void *split_phys_ptr(OlDump *d, guint64 paddr, gsize *avail)
{
	const SplitSet *s = d->priv;
	const Part *p = part_of(s, paddr >> OL_PAGE_SHIFT);
	if (!p || !p->d->ops->phys_ptr)
		return NULL;
	return p->d->ops->phys_ptr(p->d, paddr, avail);
}

static OlPageState split_page_state(OlDump *d, guint64 pfn)
{
	const Part *p = part_of(d->priv, pfn);
	return p ? ol_dump_page_state(p->d, pfn) : OL_PAGE_HOLE;
}

static GError *split_page_counts(OlDump *d, OlDumpPageCounts *out)
{
	const SplitSet *s = d->priv;
	OlDumpPageCounts sum = { 0 };
	for (guint i = 0; i < s->n; i++) {
		OlDumpPageCounts c;
		GError *err = ol_dump_page_counts(s->parts[i].d, &c);
		if (err)
			return err;
		sum.ram += c.ram;
		sum.present += c.present;
		sum.excluded += c.excluded;
		sum.missing += c.missing;
		sum.zero += c.zero;
	}
	*out = sum;
	return NULL;
}

static void split_close(OlDump *d)
{
	SplitSet *s = d->priv;
	if (!s)
		return;
	for (guint i = 0; i < s->n; i++)
		ol_dump_free(s->parts[i].d);
	g_free(s->parts);
	g_free(s);
	d->priv = NULL;
}

static const struct ol_dump_ops split_ops = {
	.read_phys = split_read_phys,
	.phys_ptr = split_phys_ptr,
	.close = split_close,
	.page_state = split_page_state,
	.page_counts = split_page_counts,
};

gboolean ol_split_get_info(const OlDump *d, OlDumpKdumpInfo *out)
{
	const SplitSet *s;

	if (d->ops != &split_ops)
		return FALSE;
	s = d->priv;
	if (!ol_kdump_get_info(s->parts[0].d, out))
		return FALSE;
	out->split_start_pfn = s->parts[0].start;
	out->split_end_pfn = s->parts[s->n - 1].end;
	for (guint i = 0; i < s->n; i++) {
		OlDumpKdumpInfo k;
		ol_kdump_get_info(s->parts[i].d, &k);
		out->incomplete |= k.incomplete;
	}
	return TRUE;
}

static gint cmp_part(gconstpointer a, gconstpointer b)
{
	const Part *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Check the parts (sorted) form one dump. */
static GError *check_parts(OlDump *d, const SplitSet *s)
{
	OlDumpKdumpInfo k0;
	gsize len0;
	const char *v0;

	ol_kdump_get_info(s->parts[0].d, &k0);
	v0 = ol_dump_vmcoreinfo(s->parts[0].d, &len0);
	for (guint i = 0; i < s->n; i++) {
		const Part *p = &s->parts[i];
		OlDumpKdumpInfo k;
		gsize len;
		const char *v;

		ol_kdump_get_info(p->d, &k);
		if (k.max_mapnr != k0.max_mapnr)
			return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
					     "%s has max_mapnr " X64 " and %s " X64 ": not files of one --split set",
					     ol_dump_path(p->d), k.max_mapnr, ol_dump_path(s->parts[0].d),
					     k0.max_mapnr);
		v = ol_dump_vmcoreinfo(p->d, &len);
		if ((v == NULL) != (v0 == NULL) || (v && (len != len0 || memcmp(v, v0, len) != 0)))
			return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
					     "%s and %s hold different VMCOREINFO: not files of one --split set",
					     ol_dump_path(p->d), ol_dump_path(s->parts[0].d));
		if (i > 0 && p->start < s->parts[i - 1].end)
			return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
					     "%s (pfns " X64 "-" X64 ") overlaps %s (pfns " X64 "-" X64 ")",
					     ol_dump_path(p->d), p->start, p->end,
					     ol_dump_path(s->parts[i - 1].d),
					     s->parts[i - 1].start, s->parts[i - 1].end);
	}
	return NULL;
}

/* d->ranges: every part's ranges, which lie in its own PFN range. */
static void build_ranges(OlDump *d, const SplitSet *s)
{
	g_autoptr(GArray) r = g_array_new(FALSE, FALSE, sizeof(struct ol_range));
	for (guint i = 0; i < s->n; i++) {
		const OlDump *p = s->parts[i].d;
		for (guint j = 0; j < p->n_ranges; j++) {
			struct ol_range x = { .start = p->ranges[j].start, .size = p->ranges[j].size };
			struct ol_range *last = r->len ? &g_array_index(r, struct ol_range, r->len - 1)
						       : NULL;
			if (last && last->start + last->size == x.start)
				last->size += x.size; /* a run split between two files */
			else
				g_array_append_val(r, x);
		}
	}
	d->n_ranges = r->len;
	d->ranges = (struct ol_range *)(void *)g_array_free(g_steal_pointer(&r), FALSE);
}

GError *ol_dump_open_split(const char *const *paths, guint n, OlDumpOpenFlags flags, OlDump **out)
{
	g_autoptr(OlDump) d = NULL;
	SplitSet *s;
	OlDump *first;
	GError *err;

	g_return_val_if_fail(paths && n > 0 && out, NULL);
	if (n == 1)
		return ol_dump_open_flags(paths[0], flags, out);

	d = g_new0(OlDump, 1);
	d->path = g_strdup(paths[0]);
	d->cpus = g_array_new(FALSE, TRUE, sizeof(OlCpuNote));
	d->strict = (flags & OL_DUMP_OPEN_STRICT) != 0;
	d->vmcoreinfo_desc = G_MAXSIZE;
	s = g_new0(SplitSet, 1);
	s->parts = g_new0(Part, n);
	d->priv = s;
	d->ops = &split_ops;
	d->format = OL_DUMP_FORMAT_KDUMP;

	for (guint i = 0; i < n; i++) {
		OlDump *p = NULL;
		OlDumpKdumpInfo k;

		err = ol_dump_open_flags(paths[i], flags, &p);
		if (err)
			return err;
		s->parts[s->n++].d = p;
		if (!ol_kdump_get_info(p, &k) || !k.split)
			return ol_dump_error(p, OL_DUMP_ERROR_FORMAT,
					     "not a file of a makedumpfile --split set (a %s dump%s)", ol_dump_format_name(p),
					     ol_dump_format(p) == OL_DUMP_FORMAT_KDUMP_FLAT ? "; --split sets are plain files"
											    : " without the split flag");
		s->parts[i].start = k.split_start_pfn;
		s->parts[i].end = k.split_end_pfn;
		d->size += ol_dump_file_size(p);
	}
	qsort(s->parts, s->n, sizeof(Part), (int (*)(const void *, const void *))cmp_part);
	err = check_parts(d, s);
	if (err)
		return err;

	first = s->parts[0].d;
	g_array_append_vals(d->cpus, first->cpus->data, first->cpus->len);
	d->cpu_order_known = first->cpu_order_known;
	if (first->vmcoreinfo) {
		d->vmcoreinfo = g_strndup(first->vmcoreinfo, first->vmcoreinfo_len);
		d->vmcoreinfo_len = first->vmcoreinfo_len;
	}
	if (first->note_blob) {
		d->note_blob = g_byte_array_new();
		g_byte_array_append(d->note_blob, first->note_blob->data, first->note_blob->len);
		d->vmcoreinfo_desc = first->vmcoreinfo_desc;
	}
	d->codec = first->codec;
	build_ranges(d, s);
	for (guint i = 0; i < s->n; i++) /* a cut part: its own warning (it names the file) */
		if (s->parts[i].d->warning && !d->warning)
			d->warning = g_strdup(s->parts[i].d->warning);
	*out = g_steal_pointer(&d);
	return NULL;
}
