/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * makedumpfile's flattened stream (makedumpfile -F; QEMU's kdump-zlib, -lzo
 * and -snappy, which is what virsh dump gives with QEMU before 8.2): a 4 KiB
 * header, then records { be64 offset; be64 size; data } that each say where
 * their bytes go in the "rearranged" file, ended by { -1, -1 }.
 *
 * We index the records once at open and read the rearranged file through the
 * index, never writing it out (makedumpfile -R would).  Rules, matching what
 * makedumpfile -R produces:
 *  - Records may come in any order and may overlap; where they do, the later
 *    record wins (QEMU writes bitmap blocks twice; makedumpfile's cyclic mode
 *    rewrites headers).  crash instead binary-searches an array sorted by
 *    offset, which only gets exact overwrites right.
 *  - Bytes no record covers, below the end of the furthest record, are holes
 *    of the rearranged file: zeros.
 *  - A stream without its end marker was cut short: an error, not a guess.
 *
 * Resolution of overlaps is "latest first": records are taken from the last
 * to the first, and each only fills what no later record already covers, in
 * a balanced tree of the pieces so far; O(n log n).  The common case (QEMU,
 * makedumpfile) of records in order and disjoint skips the tree.
 */
#include "dump-private.h"
#include "kdump-format.h"

typedef struct {
	guint64 off;      /* in the rearranged file */
	guint64 len;
	guint64 file_off; /* in the flattened file */
} Piece;

struct OlFlatIndex {
	const guint8 *map;
	Piece *pieces;    /* sorted by off, disjoint */
	guint64 n_pieces;
	guint64 n_records;
	guint64 size;
	gboolean cut;     /* the stream ended without its end marker */
};

static guint64 be64(const guint8 *p)
{
	guint64 v;
	memcpy(&v, p, sizeof(v));
	return GUINT64_FROM_BE(v);
}

gboolean ol_flat_match(const guint8 *map, gsize size)
{
	/* crash compares the 12 characters and the NUL after them. */
	return size >= sizeof(FLAT_SIGNATURE) && memcmp(map, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)) == 0;
}

static gint cmp_piece(gconstpointer a, gconstpointer b, gpointer unused)
{
	const Piece *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

static gboolean collect_piece(gpointer key, gpointer value, gpointer data)
{
	g_array_append_val((GArray *)data, *(const Piece *)key);
	return FALSE;
}

/* Add to TREE the parts of R that no piece in it covers yet. */
static void fill_gaps(GTree *tree, const Piece *r)
{
	guint64 end = r->off + r->len;
	/* Start at the last piece beginning at or before r->off, if any. */
	Piece probe = { .off = r->off };
	GTreeNode *node = g_tree_upper_bound(tree, &probe);
	g_autoptr(GArray) gaps = NULL;
	guint64 cur;

	node = node ? g_tree_node_previous(node) : g_tree_node_last(tree);
	if (!node)
		node = g_tree_node_first(tree);

	gaps = g_array_new(FALSE, FALSE, sizeof(Piece));
	cur = r->off;
	for (; node && cur < end; node = g_tree_node_next(node)) {
		const Piece *p = g_tree_node_key(node);
		if (p->off >= end)
			break;
		if (p->off + p->len <= cur)
			continue;
		if (p->off > cur) {
			Piece g = { cur, p->off - cur, r->file_off + (cur - r->off) };
			g_array_append_val(gaps, g);
		}
		cur = MAX(cur, p->off + p->len);
	}
	if (cur < end) {
		Piece g = { cur, end - cur, r->file_off + (cur - r->off) };
		g_array_append_val(gaps, g);
	}
	for (guint i = 0; i < gaps->len; i++) {
		Piece *p = g_memdup2(&g_array_index(gaps, Piece, i), sizeof(Piece));
		g_tree_insert(tree, p, p);
	}
}

static void resolve_overlaps(GArray *recs)
{
	g_autoptr(GTree) tree = g_tree_new_full(cmp_piece, NULL, g_free, NULL);
	for (guint i = recs->len; i-- > 0;)
		fill_gaps(tree, &g_array_index(recs, Piece, i));
	g_array_set_size(recs, 0);
	g_tree_foreach(tree, collect_piece, recs);
}

static GError *check_flat_header(OlDump *d)
{
	guint64 type;

	if (d->size < FLAT_HEADER_SIZE)
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "truncated makedumpfile flattened header at offset 0x0 (file is %" G_GSIZE_FORMAT " bytes, the header needs %u)",
				     d->size, FLAT_HEADER_SIZE);
	type = be64(d->map + FLAT_H_TYPE);
	if (type != FLAT_TYPE_FLAT_HEADER)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "makedumpfile header type %" G_GINT64_FORMAT " at offset 0x%x is not %d (flattened)",
				     (gint64)type, FLAT_H_TYPE, FLAT_TYPE_FLAT_HEADER);
	return NULL;
}

GError *ol_flat_index_build(OlDump *d, OlFlatIndex **out)
{
	GError *err;
	g_autoptr(GArray) recs = NULL;
	gboolean ordered;
	guint64 size, n_records, prev_end;
	guint64 pos;
	OlFlatIndex *idx;

	err = check_flat_header(d);
	if (err)
		return err;

	recs = g_array_new(FALSE, FALSE, sizeof(Piece));
	ordered = TRUE;
	size = 0;
	n_records = 0;
	prev_end = 0;
	pos = FLAT_HEADER_SIZE;
	/* A stream cut short (a full disk, a broken pipe) ends where the file
	 * does: the records up to there, the last one in part; the kdump
	 * reader then says which pages that leaves out. */
	for (;;) {
		gint64 off;
		gint64 len;
		guint64 data;
		gboolean cut;

		if (!ol_in_file(pos, FLAT_RECORD_HEADER_SIZE, d->size)) {
			ol_dump_set_warning(d, "truncated: the flattened stream is cut short at offset " X64
					    " (no record header or end marker there)", pos);
			break;
		}
		off = (gint64)be64(d->map + pos);
		len = (gint64)be64(d->map + pos + 8);
		if (off == FLAT_END_FLAG && len == FLAT_END_FLAG)
			break;
		if (off < 0 || len < 0)
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
					     "flattened record header at offset " X64 " has offset %" G_GINT64_FORMAT " and size %" G_GINT64_FORMAT " (negative, and not the end marker -1, -1)",
					     pos, off, len);
		if ((guint64)off + (guint64)len < (guint64)off ||
		    (guint64)off + (guint64)len > (guint64)G_MAXINT64)
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
					     "flattened record header at offset " X64 " has offset " X64 " + size " X64 " past 2^63",
					     pos, (guint64)off, (guint64)len);
		data = pos + FLAT_RECORD_HEADER_SIZE;
		cut = !ol_in_file(data, (guint64)len, d->size);
		if (cut) {
			ol_dump_set_warning(d, "truncated: the flattened record at offset " X64 " holds " X64
					    " bytes but the file ends at " X64, pos, (guint64)len, (guint64)d->size);
			len = (gint64)(d->size - data);
		}
		n_records++;
		if (len > 0) {
			Piece r = { (guint64)off, (guint64)len, data };
			if ((guint64)off < prev_end)
				ordered = FALSE;
			prev_end = r.off + r.len;
			size = MAX(size, prev_end);
			g_array_append_val(recs, r);
		}
		pos = data + (guint64)len;
		if (cut)
			break;
	}
	if (!ordered)
		resolve_overlaps(recs);

	idx = g_new0(OlFlatIndex, 1);
	idx->map = d->map;
	idx->n_pieces = recs->len;
	idx->pieces = (Piece *)(void *)g_array_free(g_steal_pointer(&recs), FALSE);
	idx->n_records = n_records;
	idx->size = size;
	idx->cut = d->warning != NULL;
	*out = idx;
	return NULL;
}

void ol_flat_index_free(OlFlatIndex *idx)
{
	if (!idx)
		return;
	g_free(idx->pieces);
	g_free(idx);
}

guint64 ol_flat_size(const OlFlatIndex *idx)
{
	return idx->size;
}

guint64 ol_flat_n_records(const OlFlatIndex *idx)
{
	return idx->n_records;
}

/* Index of the last piece starting at or before OFF, or n_pieces if none. */
static guint64 find(const OlFlatIndex *idx, guint64 off)
{
	guint64 lo = 0, hi = idx->n_pieces;
	while (lo < hi) {
		guint64 mid = lo + (hi - lo) / 2;
		if (idx->pieces[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? idx->n_pieces : lo - 1;
}

const guint8 *ol_flat_ptr(const OlFlatIndex *idx, guint64 off, guint64 len)
{
	guint64 i = find(idx, off);
	const Piece *p;

	if (i == idx->n_pieces)
		return NULL;
	p = &idx->pieces[i];
	if (off - p->off >= p->len || len > p->len - (off - p->off))
		return NULL;
	return idx->map + p->file_off + (off - p->off);
}

gboolean ol_flat_cut(const OlFlatIndex *idx)
{
	return idx->cut;
}

gboolean ol_flat_covered(const OlFlatIndex *idx, guint64 off, guint64 len)
{
	/* pieces are sorted and disjoint: walk the ones that touch each other */
	for (guint64 i = find(idx, off); i < idx->n_pieces && len > 0; i++) {
		const Piece *p = &idx->pieces[i];
		guint64 n;

		if (off < p->off || off - p->off >= p->len)
			return FALSE;
		n = MIN(len, p->len - (off - p->off));
		off += n;
		len -= n;
	}
	return len == 0;
}

guint64 ol_flat_file_offset(const OlFlatIndex *idx, guint64 off)
{
	guint64 i = find(idx, off);
	if (i == idx->n_pieces || off - idx->pieces[i].off >= idx->pieces[i].len)
		return G_MAXUINT64;
	return idx->pieces[i].file_off + (off - idx->pieces[i].off);
}

GError *ol_flat_read(OlDump *d, const OlFlatIndex *idx, guint64 off, void *buf, guint64 len)
{
	guint8 *dst = buf;
	guint64 i;

	if (off > idx->size || len > idx->size - off)
		return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
				     "offset " X64 " size " X64 " of the rearranged kdump file is past its end at " X64 " (the last byte any flattened record writes)",
				     off, len, idx->size);
	i = find(idx, off);
	if (i == idx->n_pieces)
		i = 0; /* OFF is before the first piece: start with a hole */
	while (len > 0) {
		const Piece *p = i < idx->n_pieces ? &idx->pieces[i] : NULL;
		guint64 n;
		if (!p) {
			memset(dst, 0, len); /* cannot happen: size is the end of a piece */
			break;
		}
		if (off >= p->off && off - p->off < p->len) {
			n = MIN(len, p->len - (off - p->off));
			memcpy(dst, idx->map + p->file_off + (off - p->off), n);
			i++;
		} else if (off < p->off) {
			n = MIN(len, p->off - off); /* a hole before piece i */
			memset(dst, 0, n);
		} else {
			i++; /* piece i ends before OFF */
			continue;
		}
		off += n;
		dst += n;
		len -= n;
	}
	return NULL;
}
