/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a plain kdump-compressed file from a write plan (dump-writer.c),
 * laid out as makedumpfile's write_kdump_header() and
 * write_kdump_pages_and_bitmap_cyclic() do, so that crash and makedumpfile
 * both read it:
 *
 *   block 0          disk_dump_header, header_version 6
 *   block 1          kdump_sub_header, then the ELF notes (offset_note =
 *                    block_size + 104; offset_vmcoreinfo inside them)
 *   1 + sub_hdr_size the 1st bitmap, then the 2nd, each a whole number of
 *                    blocks, bitmap_blocks counting both
 *   then             one page_desc per stored page
 *   then             page data: the shared zero page first, then each page
 *                    that is not all zeros, compressed, or raw when
 *                    compressing does not make it smaller
 *
 * Pages are compressed by a pool of threads (2 by default: "both cores") in
 * batches of BATCH_PAGES; the main thread writes finished batches in order,
 * so the output does not depend on thread timing.  At most IN_FLIGHT batches
 * are held, which bounds memory to about IN_FLIGHT x BATCH_PAGES x 4 KiB.
 */
#include "codecs.h"
#include "kdump-format.h"
#include "writer-private.h"

#define BATCH_PAGES 512
#define IN_FLIGHT 8

typedef struct Writer Writer;

typedef struct {
	Writer *w;
	guint64 pfns[BATCH_PAGES];
	guint n;
	guint8 *data;              /* n x bound bytes; page i's output at i * bound */
	guint32 size[BATCH_PAGES]; /* 0: all-zero page */
	guint32 flags[BATCH_PAGES];
	GError *err;
	gboolean done;
} Batch;

struct Writer {
	OlDump *in;
	OlDumpCodec codec;
	gsize bound;
	GMutex lock;
	GCond cond;
};

static void compress_batch(gpointer data, gpointer user_data)
{
	static const guint8 zeros[OL_PAGE_SIZE];
	Batch *b = data;
	Writer *w = b->w;
	g_autoptr(OlCodecCtx) ctx = ol_codec_ctx_new(w->codec);
	GError *err = NULL;
	guint8 page[OL_PAGE_SIZE];

	for (guint i = 0; i < b->n && !err; i++) {
		guint8 *out;
		gsize n = 0;

		if ((err = ol_dump_read_page(w->in, b->pfns[i], page)))
			break;
		out = b->data + (gsize)i * w->bound;
		if (memcmp(page, zeros, OL_PAGE_SIZE) == 0) {
			b->size[i] = 0;
			continue;
		}
		if (w->codec != OL_DUMP_CODEC_NONE)
			n = ol_codec_compress(ctx, page, OL_PAGE_SIZE, out, w->bound);
		if (n == 0) {
			memcpy(out, page, OL_PAGE_SIZE);
			b->size[i] = OL_PAGE_SIZE;
			b->flags[i] = 0;
		} else {
			b->size[i] = (guint32)n;
			b->flags[i] = ol_codec_kdump_flag(w->codec);
		}
	}
	g_mutex_lock(&w->lock);
	b->err = err;
	b->done = TRUE;
	g_cond_broadcast(&w->cond);
	g_mutex_unlock(&w->lock);
}

/* The next stored PFN at or after *pfn, or FALSE at the end. */
static gboolean next_stored(const OlWritePlan *plan, guint64 *pfn)
{
	for (guint64 p = *pfn; p < plan->max_mapnr; p++) {
		if ((p & 7) == 0 && plan->stored[p >> 3] == 0) {
			p += 7;
			continue;
		}
		if (ol_plan_bit(plan->stored, p)) {
			*pfn = p;
			return TRUE;
		}
	}
	return FALSE;
}

static guint fill_batch(Batch *b, const OlWritePlan *plan, guint64 *cursor)
{
	b->n = 0;
	b->done = FALSE;
	b->err = NULL;
	while (b->n < BATCH_PAGES && next_stored(plan, cursor)) {
		b->pfns[b->n++] = *cursor;
		(*cursor)++;
	}
	return b->n;
}

static void write_header(guint8 *h, const OlWritePlan *plan, const OlWriteHeaderInfo *ki, guint32 status,
			 guint32 sub_hdr_size, guint32 bitmap_blocks, guint32 nr_cpus)
{
	const char *uts[] = { ki->sysname, ki->nodename, ki->release, ki->version, ki->machine,
			      ki->domainname };

	memcpy(h, KDUMP_SIGNATURE, KDUMP_SIG_LEN);
	put32(h + KDUMP_H_VERSION, 6);
	for (guint i = 0; i < G_N_ELEMENTS(uts); i++)
		memcpy(h + KDUMP_H_UTSNAME + i * KDUMP_UTS_LEN, uts[i], strnlen(uts[i], KDUMP_UTS_LEN - 1));
	put64(h + KDUMP_H_TV_SEC, ki->crash_time);
	put32(h + KDUMP_H_STATUS, status);
	put32(h + KDUMP_H_BLOCK_SIZE, OL_PAGE_SIZE);
	put32(h + KDUMP_H_SUB_HDR_SIZE, sub_hdr_size);
	put32(h + KDUMP_H_BITMAP_BLOCKS, bitmap_blocks);
	put32(h + KDUMP_H_MAX_MAPNR, (guint32)MIN(plan->max_mapnr, G_MAXUINT32));
	put32(h + KDUMP_H_NR_CPUS, nr_cpus);
}

/* A compressed batch's page descriptors into DESCS and its stored pages into
 * OUT (written at DATA_OFF): how many bytes of OUT. */
static gsize batch_descs(const Batch *b, gsize bound, guint64 zero_off, guint64 data_off, guint8 *descs,
			 guint8 *out, OlDumpWriteStats *stats)
{
	gsize out_len = 0;

	for (guint i = 0; i < b->n; i++) {
		guint8 *pd = descs + (gsize)i * KDUMP_PD_LEN;

		memset(pd, 0, KDUMP_PD_LEN);
		if (b->size[i] == 0) {
			/* All zeros: the shared zero page. */
			put64(pd + KDUMP_PD_OFFSET, zero_off);
			put32(pd + KDUMP_PD_SIZE, OL_PAGE_SIZE);
			stats->zero_pages++;
			continue;
		}
		put64(pd + KDUMP_PD_OFFSET, data_off + out_len);
		put32(pd + KDUMP_PD_SIZE, b->size[i]);
		put32(pd + KDUMP_PD_FLAGS, b->flags[i]);
		memcpy(out + out_len, b->data + (gsize)i * bound, b->size[i]);
		out_len += b->size[i];
		stats->compressed_pages += b->flags[i] != 0;
	}
	stats->stored_pages += b->n;
	return out_len;
}

/* Compress and write the pages: descs from DESC_OFF, data from DATA_OFF. */
static GError *write_pages(OlDump *in, OlOutFile *o, const OlWritePlan *plan, const OlDumpWriteOptions *opt,
			   guint64 desc_off, guint64 data_off, OlDumpWriteStats *stats)
{
	static const guint8 zeros[OL_PAGE_SIZE];
	Writer w = { .in = in, .codec = opt->codec,
		     .bound = MAX(ol_codec_bound(opt->codec, OL_PAGE_SIZE), OL_PAGE_SIZE) };
	guint64 zero_off = data_off;
	GError *err;
	Batch *batches;
	GThreadPool *pool;
	guint64 cursor = 0;
	guint submitted = 0;
	guint8 *descs, *out;
	guint64 desc_index = 0;

	g_mutex_init(&w.lock);
	g_cond_init(&w.cond);
	/* The shared zero page, first, as QEMU and makedumpfile -d 1 write it. */
	err = ol_out_pwrite(o, data_off, zeros, OL_PAGE_SIZE);
	data_off += OL_PAGE_SIZE;

	batches = g_new0(Batch, IN_FLIGHT);
	for (guint i = 0; i < IN_FLIGHT; i++) {
		batches[i].w = &w;
		batches[i].data = g_malloc((gsize)BATCH_PAGES * w.bound);
	}
	pool = g_thread_pool_new(compress_batch, NULL, opt->threads ? (gint)opt->threads : 2, TRUE, NULL);
	for (; submitted < IN_FLIGHT && !err; submitted++) {
		if (!fill_batch(&batches[submitted], plan, &cursor))
			break;
		g_thread_pool_push(pool, &batches[submitted], NULL);
	}

	descs = g_malloc((gsize)BATCH_PAGES * KDUMP_PD_LEN);
	out = g_malloc((gsize)BATCH_PAGES * OL_PAGE_SIZE);
	for (guint next = 0; next < submitted; next++) {
		Batch *b = &batches[next % IN_FLIGHT];
		gsize out_len;

		g_mutex_lock(&w.lock);
		while (!b->done)
			g_cond_wait(&w.cond, &w.lock);
		g_mutex_unlock(&w.lock);
		if (b->err && !err)
			err = g_steal_pointer(&b->err);
		g_clear_error(&b->err);
		if (err)
			continue; /* let the batches in flight finish, write nothing */

		out_len = batch_descs(b, w.bound, zero_off, data_off, descs, out, stats);
		err = ol_out_pwrite(o, desc_off + desc_index * KDUMP_PD_LEN, descs,
				    (gsize)b->n * KDUMP_PD_LEN);
		if (!err && out_len)
			err = ol_out_pwrite(o, data_off, out, out_len);
		desc_index += b->n;
		data_off += out_len;

		/* Reuse this slot for the next batch. */
		if (!err && fill_batch(b, plan, &cursor)) {
			g_thread_pool_push(pool, b, NULL);
			submitted++;
		}
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	for (guint i = 0; i < IN_FLIGHT; i++) {
		g_free(batches[i].data);
		g_clear_error(&batches[i].err);
	}
	g_free(batches);
	g_free(descs);
	g_free(out);
	g_mutex_clear(&w.lock);
	g_cond_clear(&w.cond);
	if (!err && desc_index != plan->n_stored)
		err = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO,
				  "%s: wrote %" G_GUINT64_FORMAT " pages, planned %" G_GUINT64_FORMAT,
				  o->path, desc_index, plan->n_stored);
	return err;
}

GError *ol_kdump_write(OlDump *in, OlOutFile *o, const OlWritePlan *plan, const OlDumpWriteOptions *opt,
		       OlDumpWriteStats *stats)
{
	OlWriteHeaderInfo ki;
	gsize note_len, vmci_desc;
	const guint8 *notes;
	guint64 bs = OL_PAGE_SIZE;
	guint32 sub_hdr_size;
	guint64 half_blocks, bitmap_blocks, bitmap_off, half, desc_off, data_off;
	OlDumpKdumpInfo kinfo;
	guint32 dump_level, status;
	guint8 block[OL_PAGE_SIZE] = { 0 };
	guint8 sub[KDUMP_SUB_HEADER_SIZE] = { 0 };
	guint64 note_off = bs + KDUMP_SUB_HEADER_SIZE;
	GError *err;

	ol_write_header_info(in, &ki);
	notes = ol_dump_note_blob(in, &note_len, &vmci_desc);

	sub_hdr_size = (guint32)((KDUMP_SUB_HEADER_SIZE + note_len + bs - 1) / bs);
	half_blocks = (plan->bitmap_bytes + bs - 1) / bs; /* per bitmap */
	bitmap_blocks = 2 * MAX(half_blocks, 1);
	if (bitmap_blocks > G_MAXUINT32)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "%s: %" G_GUINT64_FORMAT " pages is too many for a kdump file",
				   o->path, plan->max_mapnr);
	bitmap_off = (1 + sub_hdr_size) * bs;
	half = bitmap_blocks / 2 * bs;
	desc_off = bitmap_off + bitmap_blocks * bs;
	data_off = desc_off + plan->n_stored * KDUMP_PD_LEN;

	dump_level = ol_dump_kdump_info(in, &kinfo) ? kinfo.dump_level : 0;
	if (opt->exclude_zero)
		dump_level |= 1;
	if (opt->exclude_free)
		dump_level |= 16;
	if (opt->exclude_lru)
		dump_level |= 2 | 4; /* page cache; user pages stay (mem-sections.c) */
	status = ol_codec_kdump_flag(opt->codec);

	write_header(block, plan, &ki, status, sub_hdr_size, (guint32)bitmap_blocks,
		     MAX(ol_dump_n_cpus(in), 1));
	err = ol_out_pwrite(o, 0, block, OL_PAGE_SIZE);
	if (err)
		return err;

	put64(sub + KDUMP_S_PHYS_BASE, ki.phys_base);
	put32(sub + KDUMP_S_DUMP_LEVEL, dump_level);
	if (vmci_desc != G_MAXSIZE) {
		gsize vlen;

		ol_dump_vmcoreinfo(in, &vlen);
		put64(sub + KDUMP_S_OFFSET_VMCOREINFO, note_off + vmci_desc);
		put64(sub + KDUMP_S_SIZE_VMCOREINFO, vlen);
	}
	if (note_len) {
		put64(sub + KDUMP_S_OFFSET_NOTE, note_off);
		put64(sub + KDUMP_S_SIZE_NOTE, note_len);
	}
	put64(sub + KDUMP_S_MAX_MAPNR_64, plan->max_mapnr);
	if ((err = ol_out_pwrite(o, bs, sub, sizeof(sub))))
		return err;
	if (note_len && (err = ol_out_pwrite(o, note_off, notes, note_len)))
		return err;

	/* Bitmaps: whole blocks, zero past max_mapnr. */
	for (guint i = 0; i < 2; i++) {
		const guint8 *bm = i == 0 ? plan->ram : plan->stored;
		guint64 off = bitmap_off + i * half;
		guint64 tail = half - plan->bitmap_bytes;
		g_autofree guint8 *zeros = NULL;

		if (plan->bitmap_bytes && (err = ol_out_pwrite(o, off, bm, plan->bitmap_bytes)))
			return err;
		zeros = g_malloc0(MAX(tail, 1));
		if (tail && (err = ol_out_pwrite(o, off + plan->bitmap_bytes, zeros, tail)))
			return err;
	}
	return write_pages(in, o, plan, opt, desc_off, data_off, stats);
}
