/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page codecs of kdump-compressed dumps: zlib, LZO1X, snappy and zstd, one
 * page at a time, as makedumpfile, QEMU and crash use them
 * (docs/dump-formats.md, section 5).  Not installed.
 */
#pragma once

#include <glib.h>

#include "dump.h"

/* The page_desc/status flag of CODEC (0 for NONE). */
guint32 ol_codec_kdump_flag(OlDumpCodec codec);
/* The codec of a kdump flags word: exactly one codec bit, or none.  FALSE if
 * several codec bits are set. */
gboolean ol_codec_from_kdump_flags(guint32 flags, OlDumpCodec *codec);

/* Decompress LEN bytes at SRC into DST, which must come out exactly PAGE
 * bytes long.  NULL on success, else why not (newly allocated, for a message
 * the caller prefixes with the page and offset): corrupt data, or a size
 * other than PAGE, which is never accepted.  Thread-safe. */
char *ol_codec_decompress(OlDumpCodec codec, const guint8 *src, gsize len, guint8 *dst, gsize page);

/* Compression state for one thread. */
typedef struct OlCodecCtx OlCodecCtx;
OlCodecCtx *ol_codec_ctx_new(OlDumpCodec codec);
void ol_codec_ctx_free(OlCodecCtx *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlCodecCtx, ol_codec_ctx_free)
/* Room ol_codec_compress() needs for a PAGE-byte input. */
gsize ol_codec_bound(OlDumpCodec codec, gsize page);
/* Compress PAGE bytes at SRC into DST (CAP >= ol_codec_bound()).  The
 * compressed size, or 0 if the codec failed or did not make the page
 * smaller: the page is then stored raw, as every writer does.  Same
 * settings as makedumpfile and QEMU: zlib level 1 (Z_BEST_SPEED), LZO1X-1,
 * snappy, zstd level 1. */
gsize ol_codec_compress(OlCodecCtx *ctx, const guint8 *src, gsize page, guint8 *dst, gsize cap);
