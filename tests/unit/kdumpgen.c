/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Builds synthetic kdump-compressed dumps and flattened streams.  See kdumpgen.h. */
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "dumpgen.h"
#include "kdumpgen.h"

#define BS 4096u

struct KdumpGen {
	guint64 max_mapnr;
	int version;
	OlDumpCodec codec;
	guint8 *ram, *dumped;         /* bitmaps, max_mapnr bits */
	GHashTable *zero;             /* pfn set */
	GHashTable *bad_len;          /* pfn -> len */
	gboolean shared_zero;
	guint64 n_missing;
	gboolean split;
	guint64 start, end;
	guint32 dump_level;
	DumpGen *notes;               /* CPUs and VMCOREINFO, for the note blob */
	char *vmcoreinfo;
};

static void put32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, 4);
}

static void put64(guint8 *p, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(p, &v, 8);
}

static void put_be64(guint8 *p, guint64 v)
{
	v = GUINT64_TO_BE(v);
	memcpy(p, &v, 8);
}

static gboolean bit(const guint8 *bm, guint64 pfn)
{
	return (bm[pfn / 8] >> (pfn % 8)) & 1;
}

static void set_bit(guint8 *bm, guint64 pfn, gboolean on)
{
	if (on)
		bm[pfn / 8] |= (guint8)(1u << (pfn % 8));
	else
		bm[pfn / 8] &= (guint8)~(1u << (pfn % 8));
}

KdumpGen *kdumpgen_new(guint64 max_mapnr)
{
	KdumpGen *g = g_new0(KdumpGen, 1);
	g->max_mapnr = max_mapnr;
	g->version = 6;
	g->codec = OL_DUMP_CODEC_ZLIB;
	g->ram = g_malloc0(max_mapnr / 8 + 1);
	g->dumped = g_malloc0(max_mapnr / 8 + 1);
	g->zero = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g->bad_len = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g->shared_zero = TRUE;
	g->notes = dumpgen_new(DUMPGEN_QEMU);
	return g;
}

void kdumpgen_free(KdumpGen *g)
{
	if (!g)
		return;
	g_free(g->ram);
	g_free(g->dumped);
	g_hash_table_unref(g->zero);
	g_hash_table_unref(g->bad_len);
	dumpgen_free(g->notes);
	g_free(g->vmcoreinfo);
	g_free(g);
}

void kdumpgen_set_version(KdumpGen *g, int version)
{
	g_assert(version >= 1 && version <= 6);
	g->version = version;
}

void kdumpgen_set_codec(KdumpGen *g, OlDumpCodec codec)
{
	g->codec = codec;
}

void kdumpgen_add_ram(KdumpGen *g, guint64 pfn, guint64 n)
{
	g_assert(pfn + n <= g->max_mapnr);
	for (guint64 i = pfn; i < pfn + n; i++) {
		set_bit(g->ram, i, TRUE);
		set_bit(g->dumped, i, TRUE);
	}
}

void kdumpgen_exclude(KdumpGen *g, guint64 pfn, guint64 n)
{
	for (guint64 i = pfn; i < pfn + n; i++)
		set_bit(g->dumped, i, FALSE);
}

void kdumpgen_set_zero(KdumpGen *g, guint64 pfn)
{
	g_hash_table_add(g->zero, g_memdup2(&pfn, sizeof(pfn)));
}

void kdumpgen_set_shared_zero(KdumpGen *g, gboolean on)
{
	g->shared_zero = on;
}

void kdumpgen_set_bad_length(KdumpGen *g, guint64 pfn, gsize len)
{
	g_hash_table_insert(g->bad_len, g_memdup2(&pfn, sizeof(pfn)), GSIZE_TO_POINTER(len));
}

void kdumpgen_set_incomplete(KdumpGen *g, guint64 n_missing)
{
	g->n_missing = n_missing;
}

void kdumpgen_set_split(KdumpGen *g, guint64 start, guint64 end)
{
	g->split = TRUE;
	g->start = start;
	g->end = end;
}

void kdumpgen_set_dump_level(KdumpGen *g, guint32 level)
{
	g->dump_level = level;
}

void kdumpgen_add_cpu(KdumpGen *g, guint32 pid, guint64 regs_base, gboolean qemu_note)
{
	dumpgen_add_cpu(g->notes, pid, regs_base, qemu_note, 440);
}

void kdumpgen_set_vmcoreinfo(KdumpGen *g, const char *text)
{
	g_free(g->vmcoreinfo);
	g->vmcoreinfo = g_strdup(text);
	dumpgen_set_vmcoreinfo(g->notes, text);
}

static gboolean is_zero(const KdumpGen *g, guint64 pfn)
{
	return g_hash_table_contains(g->zero, &pfn);
}

guint8 kdumpgen_byte(const KdumpGen *g, guint64 paddr)
{
	return is_zero(g, paddr / BS) ? 0 : dumpgen_byte(paddr);
}

/* The notes: a QEMU-style ELF core from dumpgen, its PT_NOTE cut out. */
static GByteArray *note_blob(KdumpGen *g, guint64 *vmci_in_blob)
{
	DumpGenLayout l;
	g_autoptr(GByteArray) elf = dumpgen_build(g->notes, &l);
	GByteArray *blob = g_byte_array_new();
	if (l.notes_size)
		g_byte_array_append(blob, elf->data + l.first_note, (guint)l.notes_size);
	*vmci_in_blob = 0;
	/* Find the VMCOREINFO desc: notes are 4-aligned, name padded to 4. */
	for (gsize pos = 0; pos + 12 <= blob->len;) {
		guint32 namesz, descsz;
		gsize desc;

		memcpy(&namesz, blob->data + pos, 4);
		memcpy(&descsz, blob->data + pos + 4, 4);
		namesz = GUINT32_FROM_LE(namesz);
		descsz = GUINT32_FROM_LE(descsz);
		desc = pos + 12 + ((namesz + 3) & ~3u);
		if (namesz == 11 && memcmp(blob->data + pos + 12, "VMCOREINFO", 11) == 0)
			*vmci_in_blob = desc;
		pos = desc + ((descsz + 3) & ~3u);
	}
	return blob;
}

/* Compress IN (LEN bytes) with CODEC into OUT; 0 if not smaller than a page. */
static gsize compress_page(OlDumpCodec codec, const guint8 *in, gsize len, guint8 *out, gsize cap)
{
	gsize n = 0;
	switch (codec) {
	case OL_DUMP_CODEC_ZLIB: {
		uLongf o = cap;
		g_assert(compress2(out, &o, in, len, 1) == Z_OK);
		n = o;
		break;
	}
	case OL_DUMP_CODEC_LZO: {
		static guint8 work[LZO1X_1_MEM_COMPRESS];
		lzo_uint o = cap;
		g_assert(lzo_init() == LZO_E_OK);
		g_assert(lzo1x_1_compress(in, len, out, &o, work) == LZO_E_OK);
		n = o;
		break;
	}
	case OL_DUMP_CODEC_SNAPPY: {
		size_t o = cap;
		g_assert(snappy_compress((const char *)in, len, (char *)out, &o) == SNAPPY_OK);
		n = o;
		break;
	}
	case OL_DUMP_CODEC_ZSTD:
		n = ZSTD_compress(out, cap, in, len, 1);
		g_assert(!ZSTD_isError(n));
		break;
	case OL_DUMP_CODEC_NONE:
		return 0;
	}
	return n < BS ? n : 0;
}

static guint32 codec_flag(OlDumpCodec c)
{
	static const guint32 f[] = { 0, 0x1, 0x2, 0x4, 0x20 };
	return f[c];
}

/* The disk_dump_header at H. */
static void write_header(const KdumpGen *g, guint8 *h, guint32 sub_hdr_size, guint32 bitmap_blocks)
{
	guint32 status;

	memcpy(h, "KDUMP   ", 8);
	put32(h + 8, (guint32)g->version);
	memcpy(h + 12 + 4 * 65, "x86_64", 6);
	status = codec_flag(g->codec) | (g->n_missing ? 0x8 : 0);
	put32(h + 424, status);
	put32(h + 428, BS);
	put32(h + 432, sub_hdr_size);
	put32(h + 436, bitmap_blocks);
	put32(h + 440, (guint32)MIN(g->max_mapnr, G_MAXUINT32));
	put32(h + 460, 2);
}

/* The kdump_sub_header in block 1 and the note blob (or, in version 3,
 * VMCOREINFO alone) after it: the file offset of VMCOREINFO, or 0. */
static guint64 write_sub_header(const KdumpGen *g, GByteArray *b, const GByteArray *notes, gboolean has_notes,
				gboolean has_vmci, guint64 vmci_in_blob)
{
	guint8 *s;
	guint64 blob_off;
	guint64 vmci_off;

	s = b->data + BS;
	put64(s + 0, 0x1000000);                  /* phys_base */
	if (g->version >= 1)
		put32(s + 8, g->dump_level);
	if (g->version >= 2 && g->split) {
		put32(s + 12, 1);
		put64(s + 16, g->start);
		put64(s + 24, g->end);
	}
	blob_off = BS + 104;
	vmci_off = 0;
	if (has_notes) {
		memcpy(b->data + blob_off, notes->data, notes->len);
		put64(s + 48, blob_off);
		put64(s + 56, notes->len);
		if (vmci_in_blob && has_vmci)
			vmci_off = blob_off + vmci_in_blob;
	} else if (has_vmci) {
		memcpy(b->data + blob_off, g->vmcoreinfo, strlen(g->vmcoreinfo));
		vmci_off = blob_off;
	}
	if (vmci_off) {
		put64(s + 32, vmci_off);
		put64(s + 40, strlen(g->vmcoreinfo));
	}
	if (g->version >= 6) {
		if (g->split) {
			put64(s + 80, g->start);
			put64(s + 88, g->end);
		}
		put64(s + 96, g->max_mapnr);
	}
	return vmci_off;
}

/* Page data after the descs, and the descs at DESC_OFF, for PFNS. */
static void write_pages(const KdumpGen *g, GByteArray *b, const GArray *pfns, guint64 desc_off)
{
	guint64 n = pfns->len;
	guint64 zero_page;
	guint8 page[2 * BS], out[4 * BS];

	zero_page = 0;
	if (g->shared_zero) {
		zero_page = b->len;
		g_byte_array_set_size(b, b->len + BS);
		memset(b->data + zero_page, 0, BS);
	}
	for (guint64 i = 0; i < n; i++) {
		guint64 pfn = g_array_index(pfns, guint64, i);
		guint8 pd[24] = { 0 };
		gpointer badp = g_hash_table_lookup(g->bad_len, &pfn);
		gsize len = badp ? GPOINTER_TO_SIZE(badp) : BS;
		g_assert(len <= sizeof(page));
		for (gsize j = 0; j < len; j++)
			page[j] = kdumpgen_byte(g, pfn * BS + (j % BS));
		if (is_zero(g, pfn) && g->shared_zero && !badp) {
			put64(pd, zero_page);
			put32(pd + 8, BS);
		} else {
			gsize c = compress_page(g->codec, page, len, out, sizeof(out));
			const guint8 *src = c ? out : page;
			gsize size = c ? c : len;
			put64(pd, b->len);
			put32(pd + 8, (guint32)size);
			put32(pd + 12, c ? codec_flag(g->codec) : 0);
			g_byte_array_append(b, src, (guint)size);
		}
		if (i >= n - MIN(n, g->n_missing))
			memset(pd, 0, sizeof(pd)); /* never written */
		memcpy(b->data + desc_off + i * 24, pd, sizeof(pd));
	}
}

GByteArray *kdumpgen_build(KdumpGen *g, KdumpGenLayout *layout)
{
	guint64 vmci_in_blob = 0;
	g_autoptr(GByteArray) notes = note_blob(g, &vmci_in_blob);
	gboolean has_notes = g->version >= 4 && notes->len > 0;
	gboolean has_vmci = g->version >= 3 && g->vmcoreinfo;
	/* Version 3 has no note blob: VMCOREINFO alone after the sub-header. */
	gsize blob_len = has_notes ? notes->len : has_vmci ? strlen(g->vmcoreinfo) : 0;
	guint32 sub_hdr_size = (guint32)((104 + blob_len + BS - 1) / BS);
	guint64 half_blocks = (g->max_mapnr / 8 + BS - 1) / BS;
	guint32 bitmap_blocks;
	guint64 bitmap_off;
	guint64 half;
	guint64 desc_off;
	g_autoptr(GArray) pfns = NULL;
	guint64 n;
	guint64 data_off;
	GByteArray *b;
	guint64 blob_off;
	guint64 vmci_off;

	if (half_blocks == 0)
		half_blocks = 1;
	bitmap_blocks = (guint32)(2 * half_blocks);
	bitmap_off = (guint64)(1 + sub_hdr_size) * BS;
	half = half_blocks * BS;
	desc_off = bitmap_off + 2 * half;

	/* Which PFNs get a desc: dumped ones (inside the split range). */
	pfns = g_array_new(FALSE, FALSE, sizeof(guint64));
	for (guint64 p = 0; p < g->max_mapnr; p++)
		if (bit(g->dumped, p) && (!g->split || (p >= g->start && p < g->end)))
			g_array_append_val(pfns, p);
	n = pfns->len;
	data_off = desc_off + n * 24;

	b = g_byte_array_new();
	g_byte_array_set_size(b, (guint)data_off);
	memset(b->data, 0, b->len);
	write_header(g, b->data, sub_hdr_size, bitmap_blocks);

	blob_off = BS + 104;
	vmci_off = write_sub_header(g, b, notes, has_notes, has_vmci, vmci_in_blob);
	memcpy(b->data + bitmap_off, g->ram, (g->max_mapnr + 7) / 8);
	memcpy(b->data + bitmap_off + half, g->dumped, (g->max_mapnr + 7) / 8);
	/* Bits past max_mapnr stay clear, as writers leave them. */
	for (guint64 p = g->max_mapnr; p < ((g->max_mapnr + 7) / 8) * 8; p++) {
		set_bit(b->data + bitmap_off, p, FALSE);
		set_bit(b->data + bitmap_off + half, p, FALSE);
	}

	write_pages(g, b, pfns, desc_off);

	if (layout) {
		*layout = (KdumpGenLayout){
			.note_off = has_notes ? blob_off : 0,
			.note_size = has_notes ? notes->len : 0,
			.vmcoreinfo_off = vmci_off,
			.bitmap_off = bitmap_off,
			.bitmap_half = half,
			.bitmap_blocks = bitmap_blocks,
			.desc_off = desc_off,
			.n_descs = n,
			.data_off = data_off,
		};
	}
	return b;
}

typedef struct {
	guint64 off, len;
} Rec;

static void add_record(GByteArray *out, guint64 off, const guint8 *data, guint64 len)
{
	guint8 h[16];
	put_be64(h, off);
	put_be64(h + 8, len);
	g_byte_array_append(out, h, 16);
	g_byte_array_append(out, data, (guint)len);
}

static gboolean all_zero(const guint8 *p, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (p[i])
			return FALSE;
	return TRUE;
}

GByteArray *kdumpgen_flatten(const GByteArray *plain, const KdumpGenFlat *opt)
{
	GRand *rnd = g_rand_new_with_seed(opt->seed);
	GByteArray *out = g_byte_array_new();
	guint8 head[4096] = { 0 };
	g_autoptr(GArray) recs = NULL;
	guint8 end[16];

	memcpy(head, "makedumpfile", 12);
	put_be64(head + 16, 1);
	put_be64(head + 24, 1);
	g_byte_array_append(out, head, sizeof(head));

	if (opt->overwrite) {
		/* Garbage over random spans, some overlapping each other and
		 * crossing the real records' boundaries; all rewritten later. */
		g_autofree guint8 *junk = g_malloc(plain->len);
		for (guint i = 0; i < plain->len; i++)
			junk[i] = (guint8)g_rand_int(rnd);
		for (guint i = 0; i < 40; i++) {
			guint64 a = g_rand_int_range(rnd, 0, (gint32)plain->len);
			guint64 l = g_rand_int_range(rnd, 1,
						     (gint32)MIN(plain->len - a, 3 * opt->record_size) + 1);
			add_record(out, a, junk + a, l);
		}
		/* And once over everything, as QEMU writes bitmap blocks twice. */
		add_record(out, 0, junk, plain->len);
	}

	recs = g_array_new(FALSE, FALSE, sizeof(Rec));
	for (guint64 off = 0; off < plain->len; off += opt->record_size) {
		Rec r = { off, MIN(opt->record_size, plain->len - off) };
		if (opt->skip_zero && !opt->overwrite && all_zero(plain->data + r.off, r.len) &&
		    r.off + r.len < plain->len)
			continue; /* a hole; never the last record, which sets the size */
		g_array_append_val(recs, r);
	}
	if (opt->shuffle) {
		for (guint i = recs->len; i > 1; i--) {
			guint j = (guint)g_rand_int_range(rnd, 0, (gint32)i);
			Rec t = g_array_index(recs, Rec, i - 1);
			g_array_index(recs, Rec, i - 1) = g_array_index(recs, Rec, j);
			g_array_index(recs, Rec, j) = t;
		}
	}
	for (guint i = 0; i < recs->len; i++) {
		const Rec *r = &g_array_index(recs, Rec, i);
		add_record(out, r->off, plain->data + r->off, r->len);
	}
	memset(end, 0xff, sizeof(end));
	g_byte_array_append(out, end, sizeof(end));
	g_rand_free(rnd);
	return out;
}
