/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-compressed dumps (docs/dump-formats.md, section 4), plain or
 * read through a flattened index (flattened.c).
 *
 * Layout: disk_dump_header (block 0), kdump_sub_header and the ELF notes
 * (block 1 on), the 1st bitmap (RAM) and the 2nd bitmap (dumped pages), one
 * page_desc per dumped page, then page data.  A PFN's page_desc is the one
 * numbered by how many dumped pages come before it.
 *
 * Choices:
 *  - Header versions 1 to 6: each version's fields are read only if the
 *    version has them.  block_size must be 4096 (x86_64 pages).
 *  - The 2nd bitmap starts half-way through bitmap_blocks, as both writers
 *    lay it out and as makedumpfile reads it.  A bitmap too short for
 *    max_mapnr is corrupt (crash would guess a single bitmap; no writer of
 *    "KDUMP   " files makes one).
 *  - The page_desc index is precomputed: cumulative dumped-page counts per
 *    4096-PFN section (crash and makedumpfile use the same sections), so a
 *    lookup is one table entry plus at most 64 word popcounts.
 *  - Excluded pages (RAM, not dumped) read as zeros, or are errors in strict
 *    mode.  A page_desc with offset 0 is missing data when the header says
 *    the dump is incomplete (makedumpfile ran out of space), and treated like
 *    an excluded page; without that flag it is corruption.  A desc or data
 *    past the end of the file is missing in an incomplete dump and truncation
 *    otherwise.  Open checks what every read needs (headers, notes,
 *    bitmaps); the descs and data of a truncated file give errors only when
 *    a read reaches them, so what is there stays readable.
 *  - A decompression that does not give exactly one page is an error, never
 *    a short or padded page.
 *  - Decompressed pages go into an LRU cache of CACHE_PAGES pages.
 *  - --split: one file of a set serves the PFNs in its [start_pfn_64,
 *    end_pfn_64) and counts descs from start_pfn_64, as crash does (its
 *    bitmaps describe the whole machine); other PFNs are "not in this
 *    file".  split-set.c opens a whole set as one dump.
 */
#include <stdarg.h>

#include "codecs.h"
#include "dump-private.h"
#include "kdump-format.h"
#include "page-cache.h"

/*
 * 256 pages (1 MiB).  A gdb session reads memory in small pieces (registers'
 * stacks, 8-byte pointers, page-table entries: every kernel VA translation
 * touches 4 table pages, and those are shared by all addresses nearby), so
 * the same few pages are read over and over: a backtrace of every CPU plus
 * the page-table pages behind it is on the order of 100 pages.  crash gets
 * by with 16 pages but rereads descs and decompresses far more often; 1 MiB
 * is negligible next to the dump and keeps the working set of a session
 * (bt, info threads, x/s, list) in memory.  Sequential reads (gdb's dump
 * binary memory, the writer) gain nothing from any size.
 */
#define CACHE_PAGES 256
/* A page that compresses to more than this cannot be all zeros with any of
 * the four codecs (a zero page is 12 to 200 bytes): page counting only
 * decompresses smaller ones. */
#define MAX_ZERO_PAGE_COMPRESSED 512
#define SECT_BYTES (KDUMP_BITMAP_SECT_LEN / 8)

typedef struct {
	OlFlatIndex *flat;       /* NULL: plain file, read from the mapping */
	guint64 size;            /* of the (rearranged) file */
	gint32 version;
	guint32 status, dump_level, bitmap_blocks, nr_cpus;
	guint64 block_size;
	guint64 sub_hdr_size;
	gboolean incomplete;
	gboolean split;
	guint64 start_pfn, end_pfn; /* served PFNs: [0, max_mapnr), or the split range */
	guint64 max_mapnr;
	guint64 phys_base;
	guint64 bitmap_off, bitmap_half;
	const guint8 *bm1, *bm2; /* ceil(max_mapnr / 8) bytes at least, sections rounded */
	guint8 *bm_owned;
	guint64 *cum;            /* dumped pages before each section */
	guint64 n_sections;
	guint64 n_dumpable;
	guint64 desc_off;
	OlDumpCodec codec;
	OlPageCache *cache;
} Kdump;

/* ---- reading the (rearranged) file ---- */

/* "offset X", plus where it is in a flattened file, for messages. */
static char *where(const Kdump *k, guint64 off)
{
	guint64 f;

	if (!k->flat)
		return g_strdup_printf("offset " X64, off);
	f = ol_flat_file_offset(k->flat, off);
	if (f == G_MAXUINT64)
		return g_strdup_printf("offset " X64 " of the rearranged file (in no flattened record)", off);
	return g_strdup_printf("offset " X64 " of the rearranged file (flattened file offset " X64 ")", off, f);
}

static gboolean src_has(const Kdump *k, guint64 off, guint64 len)
{
	/* a cut flattened stream: what no record holds never came */
	if (k->flat && ol_flat_cut(k->flat) && len && !ol_flat_covered(k->flat, off, len))
		return FALSE;
	return ol_in_file(off, len, k->size);
}

/* TRUNCATED: [off, off + len), which WHAT (a printf format) describes, is
 * past the end of the file. */
static GError *past_end(OlDump *d, const Kdump *k, guint64 off, guint64 len, const char *what, ...)
	G_GNUC_PRINTF(5, 6);
static GError *past_end(OlDump *d, const Kdump *k, guint64 off, guint64 len, const char *what, ...)
{
	va_list ap;
	g_autofree char *w = NULL;
	g_autofree char *at = NULL;

	va_start(ap, what);
	w = g_strdup_vprintf(what, ap);
	va_end(ap);
	at = where(k, off);
	return ol_dump_error(d, OL_DUMP_ERROR_TRUNCATED,
			     "%s at %s, " U64 " bytes, is past the end of the %sfile (" U64 " bytes)",
			     w, at, len, k->flat ? "rearranged " : "", k->size);
}

/* Bytes [off, off + len), which the caller checked with src_has(): a pointer
 * into the mapping when they are stored contiguously (plain file, or inside
 * one flattened record), else copied into SCRATCH (len bytes). */
static const guint8 *src_get(OlDump *d, const Kdump *k, guint64 off, guint64 len, guint8 *scratch)
{
	const guint8 *p;
	g_autoptr(GError) err = NULL;

	if (!k->flat)
		return d->map + off;
	p = ol_flat_ptr(k->flat, off, len);
	if (p)
		return p;
	err = ol_flat_read(d, k->flat, off, scratch, len);
	g_assert(err == NULL); /* src_has() said it is inside the file */
	return scratch;
}

/* A page's desc or data past the end of a file that does not say it is
 * incomplete: the file was cut short.  The page is unavailable. */
static GError *cut_off(GError *err)
{
	g_autofree char *msg = err->message;
	err->message = g_strconcat(msg, ": the file was cut off, the page is unavailable", NULL);
	return err;
}

/* ---- bitmaps and the page_desc index ---- */

static inline gboolean bit(const guint8 *bm, guint64 pfn)
{
	return (bm[pfn >> 3] >> (pfn & 7)) & 1;
}

/* Set bits of BM in [from, to). */
static guint64 popcount_range(const guint8 *bm, guint64 from, guint64 to)
{
	guint64 n = 0;
	while (from < to && (from & 63)) {
		n += bit(bm, from);
		from++;
	}
	for (; from + 64 <= to; from += 64) {
		guint64 w;
		memcpy(&w, bm + (from >> 3), 8);
		n += (guint64)__builtin_popcountll(GUINT64_FROM_LE(w));
	}
	for (; from < to; from++)
		n += bit(bm, from);
	return n;
}

static void build_index(Kdump *k)
{
	guint64 total;

	k->n_sections = (k->max_mapnr + KDUMP_BITMAP_SECT_LEN - 1) / KDUMP_BITMAP_SECT_LEN;
	k->cum = g_new(guint64, k->n_sections + 1);
	total = 0;
	for (guint64 s = 0; s < k->n_sections; s++) {
		guint64 from;

		k->cum[s] = total;
		from = s * KDUMP_BITMAP_SECT_LEN;
		total += popcount_range(k->bm2, from, MIN(from + KDUMP_BITMAP_SECT_LEN, k->max_mapnr));
	}
	k->cum[k->n_sections] = total;
	k->n_dumpable = total;
}

/* Number of the page_desc of dumped PFN. */
static guint64 desc_index(const Kdump *k, guint64 pfn)
{
	guint64 s = pfn / KDUMP_BITMAP_SECT_LEN;
	return k->cum[s] + popcount_range(k->bm2, s * KDUMP_BITMAP_SECT_LEN, pfn);
}

/* ---- page descriptors ---- */

typedef struct {
	guint64 desc_at;  /* where the page_desc is */
	guint64 offset;
	guint32 size, flags;
} Desc;

typedef enum { DESC_OK, DESC_MISSING } DescState;

/* Read and check dumped PFN's page_desc.  DESC_MISSING (no error) for data
 * an incomplete dump never wrote. */
static GError *read_desc(OlDump *d, const Kdump *k, guint64 pfn, Desc *out, DescState *state)
{
	guint64 idx = desc_index(k, pfn);
	guint64 at = k->desc_off + idx * KDUMP_PD_LEN;
	guint8 scratch[KDUMP_PD_LEN];
	const guint8 *p;
	g_autofree char *w = NULL;
	OlDumpCodec codec;

	*state = DESC_OK;
	if (!src_has(k, at, KDUMP_PD_LEN) && k->incomplete) {
		*state = DESC_MISSING;
		return NULL;
	}
	if (!src_has(k, at, KDUMP_PD_LEN))
		return cut_off(past_end(d, k, at, KDUMP_PD_LEN, "page descriptor " U64 " (pfn " X64 ")", idx, pfn));
	p = src_get(d, k, at, KDUMP_PD_LEN, scratch);
	*out = (Desc){
		.desc_at = at,
		.offset = ol_le64(p + KDUMP_PD_OFFSET),
		.size = ol_le32(p + KDUMP_PD_SIZE),
		.flags = ol_le32(p + KDUMP_PD_FLAGS),
	};
	if (out->offset == 0) {
		if (k->incomplete) {
			*state = DESC_MISSING;
			return NULL;
		}
		w = where(k, at);
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "page descriptor for pfn " X64 " at %s has data offset 0 and the header does not say the dump is incomplete",
				     pfn, w);
	}
	if (out->size == 0 || out->size > k->block_size) {
		w = where(k, at);
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "page descriptor for pfn " X64 " at %s has size %u, not between 1 and the block size " U64,
				     pfn, w, out->size, k->block_size);
	}
	if (!ol_codec_from_kdump_flags(out->flags, &codec)) {
		w = where(k, at);
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "page descriptor for pfn " X64 " at %s has flags 0x%x naming several codecs",
				     pfn, w, out->flags);
	}
	if (codec == OL_DUMP_CODEC_NONE && out->size != k->block_size) {
		w = where(k, at);
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "page descriptor for pfn " X64 " at %s stores a raw page (flags 0) of %u bytes, not %" G_GUINT64_FORMAT,
				     pfn, w, out->size, k->block_size);
	}
	if (!src_has(k, out->offset, out->size) && k->incomplete) {
		*state = DESC_MISSING;
		return NULL;
	}
	return NULL;
}

/* Where a PFN stands in this file. */
typedef enum { PFN_HOLE, PFN_OTHER_SPLIT, PFN_EXCLUDED, PFN_DUMPED } PfnClass;

static PfnClass classify(const Kdump *k, guint64 pfn)
{
	if (pfn >= k->max_mapnr)
		return PFN_HOLE;
	if (pfn < k->start_pfn || pfn >= k->end_pfn)
		return PFN_OTHER_SPLIT;
	if (!bit(k->bm1, pfn))
		return PFN_HOLE;
	return bit(k->bm2, pfn) ? PFN_DUMPED : PFN_EXCLUDED;
}

static GError *not_present(OlDump *d, const Kdump *k, guint64 paddr, PfnClass c)
{
	guint64 pfn = paddr >> OL_PAGE_SHIFT;
	if (c == PFN_OTHER_SPLIT)
		return ol_dump_error(d, OL_DUMP_ERROR_NOT_PRESENT,
				     "physical address " X64 " is not in this file: it is one of a makedumpfile --split set and holds pfns " X64 "-" X64,
				     paddr, k->start_pfn, k->end_pfn - 1);
	if (pfn >= k->max_mapnr)
		return ol_dump_error(d, OL_DUMP_ERROR_NOT_PRESENT,
				     "physical address " X64 " is not in the dump (pfn " X64 " is past max_mapnr " X64 ")",
				     paddr, pfn, k->max_mapnr);
	return ol_dump_error(d, OL_DUMP_ERROR_NOT_PRESENT,
			     "physical address " X64 " is not in the dump (pfn " X64 " is not RAM in the 1st bitmap)",
			     paddr, pfn);
}

/* ---- reading pages ---- */

/* Decompress dumped PFN's page (desc D) into PAGE. */
static GError *load_page(OlDump *d, const Kdump *k, guint64 pfn, const Desc *desc, guint8 *page)
{
	guint8 scratch[OL_PAGE_SIZE];
	const guint8 *src;
	OlDumpCodec codec;
	g_autofree char *why = NULL;

	if (!src_has(k, desc->offset, desc->size))
		return cut_off(past_end(d, k, desc->offset, desc->size,
					"page data of pfn " X64 " (page descriptor at offset " X64 ")", pfn, desc->desc_at));
	src = src_get(d, k, desc->offset, desc->size, scratch);
	codec = OL_DUMP_CODEC_NONE;
	ol_codec_from_kdump_flags(desc->flags, &codec);
	why = ol_codec_decompress(codec, src, desc->size, page, k->block_size);
	if (why) {
		g_autofree char *w = where(k, desc->offset);
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "page data of pfn " X64 " at %s (%u bytes, page descriptor at offset " X64 "): %s",
				     pfn, w, desc->size, desc->desc_at, why);
	}
	return NULL;
}

static GError *excluded(OlDump *d, guint64 paddr, gboolean missing)
{
	if (missing)
		return ol_dump_error(d, OL_DUMP_ERROR_EXCLUDED,
				     "physical address " X64 " is missing: the dump is incomplete and its page was never written (strict mode)",
				     paddr);
	return ol_dump_error(d, OL_DUMP_ERROR_EXCLUDED,
			     "physical address " X64 " was excluded from the dump (clear in the 2nd bitmap; strict mode)",
			     paddr);
}

/* Copy N bytes at OFF of page PFN (one page) into DST. */
static GError *read_in_page(OlDump *d, Kdump *k, guint64 pfn, gsize off, guint8 *dst, gsize n,
			    gboolean strict)
{
	guint64 paddr = (pfn << OL_PAGE_SHIFT) + off;
	PfnClass c = classify(k, pfn);
	Desc desc;
	DescState state;
	GError *err;
	guint8 page[OL_PAGE_SIZE];

	if (c == PFN_HOLE || c == PFN_OTHER_SPLIT)
		return not_present(d, k, paddr, c);
	if (c == PFN_EXCLUDED) {
		if (strict)
			return excluded(d, paddr, FALSE);
		memset(dst, 0, n);
		return NULL;
	}
	if (ol_page_cache_read(k->cache, pfn, off, dst, n))
		return NULL;

	err = read_desc(d, k, pfn, &desc, &state);
	if (err)
		return err;
	if (state == DESC_MISSING) {
		if (strict)
			return excluded(d, paddr, TRUE);
		memset(dst, 0, n);
		return NULL;
	}
	if ((err = load_page(d, k, pfn, &desc, page)))
		return err;
	ol_page_cache_put(k->cache, pfn, page);
	memcpy(dst, page + off, n);
	return NULL;
}

static GError *kdump_read_phys(OlDump *d, guint64 paddr, void *buf, gsize len, gboolean strict)
{
	Kdump *k = d->priv;
	guint8 *dst = buf;
	while (len > 0) {
		gsize off = (gsize)(paddr & (OL_PAGE_SIZE - 1));
		gsize n = MIN(len, OL_PAGE_SIZE - off);
		GError *err = read_in_page(d, k, paddr >> OL_PAGE_SHIFT, off, dst, n, strict);
		if (err)
			return err;
		if (paddr + n < paddr && len > n)
			return ol_dump_error(d, OL_DUMP_ERROR_NOT_PRESENT,
					     "read past physical address 0xffffffffffffffff");
		paddr += n;
		dst += n;
		len -= n;
	}
	return NULL;
}

/* Raw (uncompressed) pages are plain bytes in the mapping: page-table walks
 * read them in place. */
static const void *kdump_phys_ptr(OlDump *d, guint64 paddr, gsize *avail)
{
	Kdump *k = d->priv;
	guint64 pfn = paddr >> OL_PAGE_SHIFT;
	Desc desc;
	DescState state;
	g_autoptr(GError) err = NULL;
	const guint8 *p;
	gsize off;

	if (classify(k, pfn) != PFN_DUMPED)
		return NULL;
	err = read_desc(d, k, pfn, &desc, &state);
	if (err || state != DESC_OK || desc.flags & KDUMP_CODEC_MASK)
		return NULL;
	p = NULL;
	if (!k->flat)
		p = src_has(k, desc.offset, desc.size) ? d->map + desc.offset : NULL;
	else
		p = ol_flat_ptr(k->flat, desc.offset, desc.size);
	if (!p)
		return NULL;
	off = (gsize)(paddr & (OL_PAGE_SIZE - 1));
	*avail = OL_PAGE_SIZE - off;
	return p + off;
}

static OlPageState kdump_page_state(OlDump *d, guint64 pfn)
{
	Kdump *k = d->priv;
	Desc desc;
	DescState state;
	g_autoptr(GError) err = NULL;

	switch (classify(k, pfn)) {
	case PFN_HOLE:
	case PFN_OTHER_SPLIT:
		return OL_PAGE_HOLE;
	case PFN_EXCLUDED:
		return OL_PAGE_EXCLUDED;
	case PFN_DUMPED:
		break;
	}
	err = read_desc(d, k, pfn, &desc, &state);
	/* A damaged desc is "present": reading it reports the damage.  Cut
	 * off by truncation: missing, as in an incomplete dump. */
	if (err)
		return g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_TRUNCATED) ? OL_PAGE_MISSING
										    : OL_PAGE_PRESENT;
	if (state == DESC_MISSING || !src_has(k, desc.offset, desc.size))
		return OL_PAGE_MISSING;
	return OL_PAGE_PRESENT;
}

/* Is the stored page all zeros?  Only raw pages and small compressed ones
 * are looked at (see MAX_ZERO_PAGE_COMPRESSED). */
static gboolean try_stored_zero(OlDump *d, const Kdump *k, guint64 pfn, const Desc *desc)
{
	static const guint8 zeros[OL_PAGE_SIZE];
	guint8 page[OL_PAGE_SIZE];
	g_autoptr(GError) err = NULL;

	if ((desc->flags & KDUMP_CODEC_MASK) && desc->size > MAX_ZERO_PAGE_COMPRESSED)
		return FALSE;
	err = load_page(d, k, pfn, desc, page);
	return !err && memcmp(page, zeros, OL_PAGE_SIZE) == 0;
}

static GError *kdump_page_counts(OlDump *d, OlDumpPageCounts *out)
{
	Kdump *k = d->priv;
	OlDumpPageCounts c = { 0 };
	/* Writers point every zero page at one shared copy: remember the
	 * verdict on the last offset seen so that copy is checked once. */
	guint64 last_off = 0;
	gboolean last_zero = FALSE;
	for (guint64 pfn = k->start_pfn; pfn < k->end_pfn; pfn++) {
		Desc desc;
		DescState state;
		g_autoptr(GError) err = NULL;
		gboolean cut;

		if ((pfn & 7) == 0 && pfn + 8 <= k->end_pfn && k->bm1[pfn >> 3] == 0) {
			pfn += 7; /* eight holes */
			continue;
		}
		if (!bit(k->bm1, pfn))
			continue;
		c.ram++;
		if (!bit(k->bm2, pfn)) {
			c.excluded++;
			continue;
		}
		err = read_desc(d, k, pfn, &desc, &state);
		cut = err ? g_error_matches(err, OL_DUMP_ERROR, OL_DUMP_ERROR_TRUNCATED)
			  : !src_has(k, desc.offset, desc.size);
		if (cut || (!err && state == DESC_MISSING)) {
			c.excluded++;
			c.missing++;
			continue;
		}
		c.present++;
		if (err)
			continue;
		if (desc.offset != last_off) {
			last_off = desc.offset;
			last_zero = try_stored_zero(d, k, pfn, &desc);
		}
		c.zero += last_zero;
	}
	*out = c;
	return NULL;
}

static void kdump_close(OlDump *d)
{
	Kdump *k = d->priv;
	if (!k)
		return;
	ol_flat_index_free(k->flat);
	g_free(k->bm_owned);
	g_free(k->cum);
	ol_page_cache_free(k->cache);
	g_free(k);
	d->priv = NULL;
}

static const struct ol_dump_ops kdump_ops = {
	.read_phys = kdump_read_phys,
	.phys_ptr = kdump_phys_ptr,
	.close = kdump_close,
	.page_state = kdump_page_state,
	.page_counts = kdump_page_counts,
};

/* ---- opening ---- */

gboolean ol_kdump_match(const guint8 *map, gsize size)
{
	return size >= KDUMP_SIG_LEN &&
	       (memcmp(map, KDUMP_SIGNATURE, KDUMP_SIG_LEN) == 0 ||
		memcmp(map, KDUMP_OLD_SIGNATURE, KDUMP_SIG_LEN) == 0);
}

static GError *check_header(OlDump *d, Kdump *k, const guint8 *h)
{
	char machine[KDUMP_UTS_LEN + 1] = { 0 };

	if (memcmp(h, KDUMP_SIGNATURE, KDUMP_SIG_LEN) != 0) {
		if (memcmp(h, KDUMP_OLD_SIGNATURE, KDUMP_SIG_LEN) == 0)
			return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
					     "signature \"DISKDUMP\" at offset 0x0: the old diskdump format is not supported, only kdump-compressed (\"KDUMP   \")");
		if (k->flat && memcmp(h, "\177ELF", 4) == 0)
			return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
					     "flattened ELF dump (makedumpfile -E -F) is not supported: turn it into a plain ELF file with makedumpfile -R");
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "the flattened stream does not hold a kdump-compressed file (no \"KDUMP   \" signature at offset 0x0 of the rearranged file)");
	}
	k->version = (gint32)ol_le32(h + KDUMP_H_VERSION);
	if (k->version < 1 || k->version > KDUMP_MAX_VERSION)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "kdump header_version %d at offset 0x%x is not supported (1 to %d)",
				     k->version, KDUMP_H_VERSION, KDUMP_MAX_VERSION);
	k->block_size = ol_le32(h + KDUMP_H_BLOCK_SIZE);
	if (k->block_size != OL_PAGE_SIZE)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "kdump block_size " U64 " at offset 0x%x is not %u (x86_64 pages)",
				     k->block_size, KDUMP_H_BLOCK_SIZE, OL_PAGE_SIZE);
	memcpy(machine, h + KDUMP_H_UTS_MACHINE, KDUMP_UTS_LEN);
	if (machine[0] && strcmp(machine, "x86_64") != 0) {
		/* escaped: the file's bytes may hold newlines, and errors are one line */
		g_autofree char *safe = g_strescape(machine, NULL);
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT, "kdump utsname.machine \"%s\" at offset 0x%x is not x86_64",
				     safe, KDUMP_H_UTS_MACHINE);
	}
	k->sub_hdr_size = ol_le32(h + KDUMP_H_SUB_HDR_SIZE);
	if (k->sub_hdr_size == 0 || (gint32)k->sub_hdr_size < 0)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "kdump sub_hdr_size %d at offset 0x%x must be at least 1 block (the sub-header's)",
				     (gint32)k->sub_hdr_size, KDUMP_H_SUB_HDR_SIZE);
	k->status = ol_le32(h + KDUMP_H_STATUS);
	k->incomplete = (k->status & KDUMP_INCOMPLETE) != 0;
	if (!ol_codec_from_kdump_flags(k->status, &k->codec))
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "kdump status 0x%x at offset 0x%x names several codecs",
				     k->status, KDUMP_H_STATUS);
	k->bitmap_blocks = ol_le32(h + KDUMP_H_BITMAP_BLOCKS);
	k->max_mapnr = ol_le32(h + KDUMP_H_MAX_MAPNR);
	k->nr_cpus = ol_le32(h + KDUMP_H_NR_CPUS);
	return NULL;
}

/* Bytes of the sub-header that header version V has. */
static guint sub_header_len(gint32 v)
{
	static const guint len[] = { 8, 12, 32, 48, 64, 80, KDUMP_SUB_HEADER_SIZE };
	return len[v];
}

static GError *read_sub_header(OlDump *d, Kdump *k, guint64 *note_off, guint64 *note_size,
			       guint64 *vmci_off, guint64 *vmci_size)
{
	guint len = sub_header_len(k->version);
	guint8 scratch[KDUMP_SUB_HEADER_SIZE];
	const guint8 *s;
	guint64 base;

	if (!src_has(k, k->block_size, len))
		return past_end(d, k, k->block_size, len, "kdump_sub_header (header_version %d)", k->version);
	s = src_get(d, k, k->block_size, len, scratch);
	base = k->block_size;
	k->phys_base = ol_le64(s + KDUMP_S_PHYS_BASE);
	if (k->version >= 1)
		k->dump_level = ol_le32(s + KDUMP_S_DUMP_LEVEL);
	if (k->version >= 2 && ol_le32(s + KDUMP_S_SPLIT)) {
		k->split = TRUE;
		k->start_pfn = ol_le64(s + KDUMP_S_START_PFN);
		k->end_pfn = ol_le64(s + KDUMP_S_END_PFN);
	}
	if (k->version >= 3) {
		*vmci_off = ol_le64(s + KDUMP_S_OFFSET_VMCOREINFO);
		*vmci_size = ol_le64(s + KDUMP_S_SIZE_VMCOREINFO);
	}
	if (k->version >= 4) {
		*note_off = ol_le64(s + KDUMP_S_OFFSET_NOTE);
		*note_size = ol_le64(s + KDUMP_S_SIZE_NOTE);
	}
	if (k->version >= 6) {
		if (k->split) {
			k->start_pfn = ol_le64(s + KDUMP_S_START_PFN_64);
			k->end_pfn = ol_le64(s + KDUMP_S_END_PFN_64);
		}
		k->max_mapnr = ol_le64(s + KDUMP_S_MAX_MAPNR_64);
	}
	if (k->max_mapnr > (G_GUINT64_CONSTANT(1) << 52))
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "kdump max_mapnr " X64 " (at offset " X64 ") is past 2^52 pages",
				     k->max_mapnr,
				     k->version >= 6 ? base + KDUMP_S_MAX_MAPNR_64 : KDUMP_H_MAX_MAPNR);
	if (!k->split) {
		k->start_pfn = 0;
		k->end_pfn = k->max_mapnr;
	} else if (k->start_pfn > k->end_pfn || k->end_pfn > k->max_mapnr) {
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "kdump --split range pfn " X64 "-" X64 " at offset " X64 " is not inside max_mapnr " X64,
				     k->start_pfn, k->end_pfn,
				     base + (k->version >= 6 ? KDUMP_S_START_PFN_64 : KDUMP_S_START_PFN),
				     k->max_mapnr);
	}
	return NULL;
}

/* SIZE bytes at OFF of the kdump file, in *OUT (*SCRATCH holds them if
 * they are not in one piece): corrupt past LIMIT, as the sub-header's
 * FIELD (at FIELD_OFF in its block) says, and truncated past the end. */
static GError *get_blob(OlDump *d, const Kdump *k, guint64 off, guint64 size, guint64 limit,
			const char *field, guint64 field_off, const char *what, guint8 **scratch,
			const guint8 **out)
{
	if (size > limit)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "kdump %s " U64 " at offset " X64 " is implausibly large",
				     field, size, k->block_size + field_off);
	if (!src_has(k, off, size))
		return past_end(d, k, off, size, "%s", what);
	*scratch = g_malloc(size);
	*out = src_get(d, k, off, size, *scratch);
	return NULL;
}

static GError *read_notes(OlDump *d, Kdump *k, guint64 note_off, guint64 note_size,
			  guint64 vmci_off, guint64 vmci_size)
{
	g_auto(OlNoteState) st = { 0 };
	GError *err = NULL;
	if (note_off && note_size) {
		g_autofree guint8 *scratch = NULL;
		const guint8 *p;

		if ((err = get_blob(d, k, note_off, note_size, 64 * 1024 * 1024, "size_note",
				    KDUMP_S_SIZE_NOTE, "ELF note blob (offset_note, size_note)", &scratch, &p)))
			return err;
		if ((err = ol_notes_parse(d, &st, note_off, p, note_size, 4)))
			return err;
	}
	if (!d->vmcoreinfo && vmci_off && vmci_size) {
		g_autofree guint8 *scratch = NULL;
		const guint8 *p;

		if ((err = get_blob(d, k, vmci_off, vmci_size, 16 * 1024 * 1024, "size_vmcoreinfo",
				    KDUMP_S_SIZE_VMCOREINFO, "VMCOREINFO (offset_vmcoreinfo, size_vmcoreinfo)",
				    &scratch, &p)))
			return err;
		ol_notes_add_vmcoreinfo(d, (const char *)p, vmci_size);
	}
	ol_notes_finish(d, &st, st.n_qemu > 0);
	return NULL;
}

/* Point bm1/bm2 at the bitmaps: in the mapping when possible, else copies.
 * Copies are made for flattened files and for --split files, whose PFNs
 * outside their range are cleared so the desc count starts at start_pfn. */
static GError *load_bitmaps(OlDump *d, Kdump *k)
{
	guint64 need;
	guint64 have;

	k->bitmap_off = (1 + k->sub_hdr_size) * k->block_size;
	k->bitmap_half = (guint64)k->bitmap_blocks * k->block_size / 2;
	if (k->bitmap_half * 8 < k->max_mapnr)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "kdump bitmap_blocks %u at offset 0x%x gives bitmaps of " U64 " pages each, fewer than max_mapnr " U64,
				     k->bitmap_blocks, KDUMP_H_BITMAP_BLOCKS, k->bitmap_half * 8,
				     k->max_mapnr);
	if (!src_has(k, k->bitmap_off, 2 * k->bitmap_half))
		return past_end(d, k, k->bitmap_off, 2 * k->bitmap_half, "the two kdump bitmaps (bitmap_blocks %u)",
				k->bitmap_blocks);
	/* Whole sections, so popcounts never read past the copy. */
	need = (k->max_mapnr + KDUMP_BITMAP_SECT_LEN - 1) / KDUMP_BITMAP_SECT_LEN * SECT_BYTES;
	have = MIN(need, k->bitmap_half);
	if (!k->flat && !k->split && need <= k->bitmap_half) {
		k->bm1 = d->map + k->bitmap_off;
		k->bm2 = d->map + k->bitmap_off + k->bitmap_half;
		return NULL;
	}
	k->bm_owned = g_try_malloc0(2 * MAX(need, 1));
	if (!k->bm_owned)
		return ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot allocate 2 x " U64 " bytes for the bitmaps", need);
	for (guint i = 0; i < 2; i++) {
		guint8 *dst = k->bm_owned + i * need;
		guint64 off = k->bitmap_off + i * k->bitmap_half;
		GError *err = k->flat ? ol_flat_read(d, k->flat, off, dst, have) : NULL;
		if (!k->flat)
			memcpy(dst, d->map + off, have);
		if (err)
			return err;
		/* Outside [start_pfn, end_pfn): not ours. */
		for (guint64 pfn = 0; pfn < k->start_pfn; pfn++)
			dst[pfn >> 3] &= (guint8)~(1u << (pfn & 7));
		for (guint64 pfn = k->end_pfn; pfn < need * 8; pfn++)
			dst[pfn >> 3] &= (guint8)~(1u << (pfn & 7));
	}
	k->bm1 = k->bm_owned;
	k->bm2 = k->bm_owned + need;
	return NULL;
}

/* d->ranges: the runs of the 1st bitmap. */
static void build_ranges(OlDump *d, const Kdump *k)
{
	g_autoptr(GArray) r = g_array_new(FALSE, FALSE, sizeof(struct ol_range));
	guint64 pfn = k->start_pfn;
	while (pfn < k->end_pfn) {
		guint64 start;
		struct ol_range range;

		if ((pfn & 7) == 0 && pfn + 8 <= k->end_pfn && k->bm1[pfn >> 3] == 0) {
			pfn += 8;
			continue;
		}
		if (!bit(k->bm1, pfn)) {
			pfn++;
			continue;
		}
		start = pfn;
		while (pfn < k->end_pfn) {
			if ((pfn & 7) == 0 && pfn + 8 <= k->end_pfn && k->bm1[pfn >> 3] == 0xff)
				pfn += 8;
			else if (bit(k->bm1, pfn))
				pfn++;
			else
				break;
		}
		range = (struct ol_range){ .start = start << OL_PAGE_SHIFT,
					   .size = (pfn - start) << OL_PAGE_SHIFT };
		g_array_append_val(r, range);
	}
	g_free(d->ranges);
	d->n_ranges = r->len;
	d->ranges = (struct ol_range *)(void *)g_array_free(g_steal_pointer(&r), FALSE);
}

/* A file cut short without the incomplete flag (a full disk under QEMU, a
 * broken connection) opens with a warning naming how much is missing.  One
 * look at every desc the file holds: bounded by its size. */
static void check_truncation(OlDump *d, Kdump *k)
{
	guint64 table_end, need;
	guint64 cut, i;
	g_autofree char *missing = NULL;

	if (k->incomplete)
		return; /* the writer said so: its missing pages are expected */
	table_end = k->desc_off + k->n_dumpable * KDUMP_PD_LEN;
	need = MAX(table_end, k->size);
	cut = 0;
	i = 0;
	for (; i < k->n_dumpable; i++) {
		guint64 at = k->desc_off + i * KDUMP_PD_LEN;
		guint8 scratch[KDUMP_PD_LEN];
		const guint8 *p;
		guint64 off, size;

		if (!src_has(k, at, KDUMP_PD_LEN))
			break;
		p = src_get(d, k, at, KDUMP_PD_LEN, scratch);
		off = ol_le64(p + KDUMP_PD_OFFSET);
		size = ol_le32(p + KDUMP_PD_SIZE);
		if (off != 0 && size <= k->block_size && !src_has(k, off, size)) {
			cut++;
			if (off + size > off)
				need = MAX(need, off + size);
		}
	}
	cut += k->n_dumpable - i;
	if (!cut)
		return;
	if (k->flat) { /* where the records that never came would have gone is unknown */
		ol_dump_set_warning(d, "truncated: the flattened stream is cut short (the file is %" G_GSIZE_FORMAT
				    " bytes): " U64 " of " U64 " dumped pages are unavailable", d->size, cut, k->n_dumpable);
		return;
	}
	missing = ol_dump_format_bytes(need - k->size);
	ol_dump_set_warning(d, "truncated: the file is " U64 " bytes, its pages need %s" U64 ": %s%s are missing, "
			    U64 " of " U64 " dumped pages are unavailable",
			    k->size, i < k->n_dumpable ? "at least " : "", need, i < k->n_dumpable ? "at least " : "",
			    missing, cut, k->n_dumpable);
}

GError *ol_kdump_open(OlDump *d, OlFlatIndex *flat)
{
	Kdump *k = g_new0(Kdump, 1);
	guint8 scratch[KDUMP_HEADER_SIZE];
	GError *err;
	const guint8 *h;
	guint64 note_off, note_size, vmci_off, vmci_size;

	/* From here d owns k (and k the index): ol_dump_free cleans up. */
	d->priv = k;
	d->ops = &kdump_ops;
	k->flat = flat;
	k->size = flat ? ol_flat_size(flat) : d->size;
	d->format = flat ? OL_DUMP_FORMAT_KDUMP_FLAT : OL_DUMP_FORMAT_KDUMP;

	err = NULL;
	if (!src_has(k, 0, KDUMP_HEADER_SIZE)) {
		/* Say what it is first if the signature is there but wrong. */
		guint8 sig[KDUMP_SIG_LEN];
		if (src_has(k, 0, KDUMP_SIG_LEN) &&
		    memcmp(src_get(d, k, 0, KDUMP_SIG_LEN, sig), KDUMP_SIGNATURE, KDUMP_SIG_LEN) != 0)
			return check_header(d, k, src_get(d, k, 0, KDUMP_SIG_LEN, sig));
		return past_end(d, k, 0, KDUMP_HEADER_SIZE, "disk_dump_header");
	}
	h = src_get(d, k, 0, KDUMP_HEADER_SIZE, scratch);
	if ((err = check_header(d, k, h)))
		return err;

	note_off = 0;
	note_size = 0;
	vmci_off = 0;
	vmci_size = 0;
	if ((err = read_sub_header(d, k, &note_off, &note_size, &vmci_off, &vmci_size)))
		return err;
	if ((err = load_bitmaps(d, k)))
		return err;
	if ((err = read_notes(d, k, note_off, note_size, vmci_off, vmci_size)))
		return err;
	build_index(k);
	k->desc_off = (1 + k->sub_hdr_size + k->bitmap_blocks) * k->block_size;
	d->codec = k->codec;
	build_ranges(d, k);
	check_truncation(d, k);
	k->cache = ol_page_cache_new(CACHE_PAGES, OL_PAGE_SIZE);
	return NULL;
}

gboolean ol_kdump_get_info(const OlDump *d, OlDumpKdumpInfo *out)
{
	const Kdump *k;

	if (d->ops != &kdump_ops)
		return FALSE;
	k = d->priv;
	*out = (OlDumpKdumpInfo){
		.header_version = k->version,
		.status = k->status,
		.dump_level = k->dump_level,
		.max_mapnr = k->max_mapnr,
		.phys_base = k->phys_base,
		.incomplete = k->incomplete,
		.split = k->split,
		.split_start_pfn = k->split ? k->start_pfn : 0,
		.split_end_pfn = k->split ? k->end_pfn : 0,
		.n_flat_records = k->flat ? ol_flat_n_records(k->flat) : 0,
	};
	return TRUE;
}
