/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Page compression and decompression for kdump-compressed dumps.  See codecs.h. */
#include <string.h>

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "codecs.h"
#include "kdump-format.h"

guint32 ol_codec_kdump_flag(OlDumpCodec codec)
{
	switch (codec) {
	case OL_DUMP_CODEC_ZLIB:
		return KDUMP_ZLIB;
	case OL_DUMP_CODEC_LZO:
		return KDUMP_LZO;
	case OL_DUMP_CODEC_SNAPPY:
		return KDUMP_SNAPPY;
	case OL_DUMP_CODEC_ZSTD:
		return KDUMP_ZSTD;
	case OL_DUMP_CODEC_NONE:
		break;
	}
	return 0;
}

gboolean ol_codec_from_kdump_flags(guint32 flags, OlDumpCodec *codec)
{
	switch (flags & KDUMP_CODEC_MASK) {
	case 0:
		*codec = OL_DUMP_CODEC_NONE;
		return TRUE;
	case KDUMP_ZLIB:
		*codec = OL_DUMP_CODEC_ZLIB;
		return TRUE;
	case KDUMP_LZO:
		*codec = OL_DUMP_CODEC_LZO;
		return TRUE;
	case KDUMP_SNAPPY:
		*codec = OL_DUMP_CODEC_SNAPPY;
		return TRUE;
	case KDUMP_ZSTD:
		*codec = OL_DUMP_CODEC_ZSTD;
		return TRUE;
	}
	return FALSE;
}

/* lzo_init() checks the library's ABI once; it must run before any LZO call. */
static gboolean lzo_ready(void)
{
	static gsize once = 0;
	static gboolean ok = FALSE;
	if (g_once_init_enter(&once)) {
		ok = lzo_init() == LZO_E_OK;
		g_once_init_leave(&once, 1);
	}
	return ok;
}

/* inflate by hand rather than uncompress(): uncompress() reports a stream
 * that is too long and one that is cut short with the same Z_BUF_ERROR, and
 * the message should say which. */
static char *zlib_decompress(const guint8 *src, gsize len, guint8 *dst, gsize page)
{
	z_stream z = { 0 };
	int rc;
	gsize out;
	char *why;

	if (inflateInit(&z) != Z_OK)
		return g_strdup("zlib: cannot initialise inflate");
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)len;
	z.next_out = dst;
	z.avail_out = (uInt)page;
	rc = inflate(&z, Z_FINISH);
	out = page - z.avail_out;
	why = NULL;
	if (rc == Z_STREAM_END) {
		if (out != page)
			why = g_strdup_printf("zlib data decompresses to %" G_GSIZE_FORMAT " bytes, not a page (%" G_GSIZE_FORMAT ")",
					      out, page);
	} else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
		why = g_strdup_printf("zlib data is corrupt (%s)", z.msg ? z.msg : "Z_DATA_ERROR");
	} else if (z.avail_out == 0) {
		why = g_strdup_printf("zlib data decompresses to more than a page (%" G_GSIZE_FORMAT " bytes)", page);
	} else {
		why = g_strdup_printf("zlib stream ends early after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes",
				      out, page);
	}
	inflateEnd(&z);
	return why;
}

static char *lzo_decompress(const guint8 *src, gsize len, guint8 *dst, gsize page)
{
	lzo_uint out;
	int rc;

	if (!lzo_ready())
		return g_strdup("LZO: lzo_init() failed");
	out = page;
	rc = lzo1x_decompress_safe(src, len, dst, &out, NULL);
	switch (rc) {
	case LZO_E_OK:
		if (out != page)
			return g_strdup_printf("LZO data decompresses to %lu bytes, not a page (%" G_GSIZE_FORMAT ")",
					       (unsigned long)out, page);
		return NULL;
	case LZO_E_OUTPUT_OVERRUN:
		return g_strdup_printf("LZO data decompresses to more than a page (%" G_GSIZE_FORMAT " bytes)", page);
	case LZO_E_INPUT_OVERRUN:
		return g_strdup("LZO data is cut short");
	case LZO_E_INPUT_NOT_CONSUMED:
		return g_strdup("LZO data has bytes after its end marker");
	default:
		return g_strdup_printf("LZO data is corrupt (lzo error %d)", rc);
	}
}

static char *snappy_decompress(const guint8 *src, gsize len, guint8 *dst, gsize page)
{
	size_t n = 0;
	snappy_status rc;

	if (snappy_uncompressed_length((const char *)src, len, &n) != SNAPPY_OK)
		return g_strdup("snappy data is corrupt (no valid length preamble)");
	if (n != page)
		return g_strdup_printf("snappy data decompresses to %zu bytes, not a page (%" G_GSIZE_FORMAT ")", n, page);
	n = page;
	rc = snappy_uncompress((const char *)src, len, (char *)dst, &n);
	if (rc != SNAPPY_OK)
		return g_strdup_printf("snappy data is corrupt (snappy status %d)", (int)rc);
	if (n != page)
		return g_strdup_printf("snappy data decompresses to %zu bytes, not a page (%" G_GSIZE_FORMAT ")", n, page);
	return NULL;
}

/* One decompression context per thread: ZSTD_decompress() would allocate
 * one (about 100 KiB) for every page. */
static void free_dctx(gpointer p)
{
	ZSTD_freeDCtx(p);
}

static GPrivate zstd_dctx = G_PRIVATE_INIT(free_dctx);

static char *zstd_decompress(const guint8 *src, gsize len, guint8 *dst, gsize page)
{
	ZSTD_DCtx *dctx;
	size_t n;

	unsigned long long claimed = ZSTD_getFrameContentSize(src, len);
	if (claimed == ZSTD_CONTENTSIZE_ERROR)
		return g_strdup("zstd data is corrupt (no valid frame header)");
	if (claimed != ZSTD_CONTENTSIZE_UNKNOWN && claimed != page)
		return g_strdup_printf("zstd frame declares %llu bytes, not a page (%" G_GSIZE_FORMAT ")", claimed, page);
	dctx = g_private_get(&zstd_dctx);
	if (!dctx) {
		dctx = ZSTD_createDCtx();
		if (!dctx)
			return g_strdup("zstd: cannot create a decompression context");
		g_private_set(&zstd_dctx, dctx);
	}
	n = ZSTD_decompressDCtx(dctx, dst, page, src, len);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
			return g_strdup_printf("zstd data decompresses to more than a page (%" G_GSIZE_FORMAT " bytes)", page);
		return g_strdup_printf("zstd data is corrupt (%s)", ZSTD_getErrorName(n));
	}
	if (n != page)
		return g_strdup_printf("zstd data decompresses to %zu bytes, not a page (%" G_GSIZE_FORMAT ")", n, page);
	return NULL;
}

char *ol_codec_decompress(OlDumpCodec codec, const guint8 *src, gsize len, guint8 *dst, gsize page)
{
	switch (codec) {
	case OL_DUMP_CODEC_ZLIB:
		return zlib_decompress(src, len, dst, page);
	case OL_DUMP_CODEC_LZO:
		return lzo_decompress(src, len, dst, page);
	case OL_DUMP_CODEC_SNAPPY:
		return snappy_decompress(src, len, dst, page);
	case OL_DUMP_CODEC_ZSTD:
		return zstd_decompress(src, len, dst, page);
	case OL_DUMP_CODEC_NONE:
		break;
	}
	if (len != page)
		return g_strdup_printf("raw page holds %" G_GSIZE_FORMAT " bytes, not a page (%" G_GSIZE_FORMAT ")", len, page);
	memcpy(dst, src, page);
	return NULL;
}

struct OlCodecCtx {
	OlDumpCodec codec;
	void *lzo_work;   /* LZO1X_1_MEM_COMPRESS bytes */
	ZSTD_CCtx *zstd;
};

OlCodecCtx *ol_codec_ctx_new(OlDumpCodec codec)
{
	OlCodecCtx *ctx = g_new0(OlCodecCtx, 1);
	ctx->codec = codec;
	if (codec == OL_DUMP_CODEC_LZO) {
		lzo_ready();
		ctx->lzo_work = g_malloc(LZO1X_1_MEM_COMPRESS);
	} else if (codec == OL_DUMP_CODEC_ZSTD) {
		ctx->zstd = ZSTD_createCCtx();
		g_assert(ctx->zstd != NULL);
	}
	return ctx;
}

void ol_codec_ctx_free(OlCodecCtx *ctx)
{
	if (!ctx)
		return;
	g_free(ctx->lzo_work);
	ZSTD_freeCCtx(ctx->zstd);
	g_free(ctx);
}

gsize ol_codec_bound(OlDumpCodec codec, gsize page)
{
	switch (codec) {
	case OL_DUMP_CODEC_ZLIB:
		return compressBound(page);
	case OL_DUMP_CODEC_LZO:
		/* The LZO FAQ's worst case for incompressible input. */
		return page + page / 16 + 64 + 3;
	case OL_DUMP_CODEC_SNAPPY:
		return snappy_max_compressed_length(page);
	case OL_DUMP_CODEC_ZSTD:
		return ZSTD_compressBound(page);
	case OL_DUMP_CODEC_NONE:
		break;
	}
	return page;
}

gsize ol_codec_compress(OlCodecCtx *ctx, const guint8 *src, gsize page, guint8 *dst, gsize cap)
{
	gsize n = 0;
	switch (ctx->codec) {
	case OL_DUMP_CODEC_ZLIB: {
		uLongf out = cap;
		if (compress2(dst, &out, src, page, Z_BEST_SPEED) == Z_OK)
			n = out;
		break;
	}
	case OL_DUMP_CODEC_LZO: {
		lzo_uint out = cap;
		if (lzo1x_1_compress(src, page, dst, &out, ctx->lzo_work) == LZO_E_OK)
			n = out;
		break;
	}
	case OL_DUMP_CODEC_SNAPPY: {
		size_t out = cap;
		if (snappy_compress((const char *)src, page, (char *)dst, &out) == SNAPPY_OK)
			n = out;
		break;
	}
	case OL_DUMP_CODEC_ZSTD: {
		size_t out = ZSTD_compressCCtx(ctx->zstd, dst, cap, src, page, 1);
		if (!ZSTD_isError(out))
			n = out;
		break;
	}
	case OL_DUMP_CODEC_NONE:
		break;
	}
	return n < page ? n : 0;
}
