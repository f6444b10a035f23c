/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic kdump-compressed dumps for the unit tests, written from the
 * layout in docs/dump-formats.md (sections 4 to 6) with its own offsets and
 * its own calls into zlib, LZO, snappy and zstd, so it checks the reader
 * rather than sharing its mistakes: any header_version 1 to 6, any codec,
 * RAM runs and holes, excluded pages, zero pages shared or stored each,
 * incomplete dumps, --split files, pages that decompress to the wrong size,
 * and the makedumpfile flattened stream (records in order, shuffled,
 * overwritten, with holes).
 *
 * Page contents are dumpgen_byte(paddr), except pages set to zeros.
 */
#pragma once

#include <glib.h>

#include "dump.h"

typedef struct KdumpGen KdumpGen;

KdumpGen *kdumpgen_new(guint64 max_mapnr);
void kdumpgen_free(KdumpGen *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KdumpGen, kdumpgen_free)

void kdumpgen_set_version(KdumpGen *g, int version); /* default 6 */
void kdumpgen_set_codec(KdumpGen *g, OlDumpCodec codec); /* default zlib */
/* [pfn, pfn + n) is RAM and dumped (both bitmaps). */
void kdumpgen_add_ram(KdumpGen *g, guint64 pfn, guint64 n);
/* [pfn, pfn + n) is excluded: clear in the 2nd bitmap. */
void kdumpgen_exclude(KdumpGen *g, guint64 pfn, guint64 n);
/* Page PFN holds zeros. */
void kdumpgen_set_zero(KdumpGen *g, guint64 pfn);
/* Zero pages point at one shared raw zero page (QEMU, makedumpfile; the
 * default), or are compressed each on their own. */
void kdumpgen_set_shared_zero(KdumpGen *g, gboolean on);
/* Store page PFN compressed from LEN bytes instead of a page (its desc says
 * its codec as usual): a decompression size mismatch. */
void kdumpgen_set_bad_length(KdumpGen *g, guint64 pfn, gsize len);
/* Mark the dump incomplete and leave the last N page_descs zeroed. */
void kdumpgen_set_incomplete(KdumpGen *g, guint64 n_missing);
/* A makedumpfile --split file for [start, end): only those PFNs get descs. */
void kdumpgen_set_split(KdumpGen *g, guint64 start, guint64 end);
void kdumpgen_set_dump_level(KdumpGen *g, guint32 level);
/* CPUs and VMCOREINFO, as dumpgen_add_cpu() makes them (QEMU note order).
 * Notes go into the note blob (version >= 4); VMCOREINFO also in
 * offset_vmcoreinfo (version >= 3). */
void kdumpgen_add_cpu(KdumpGen *g, guint32 pid, guint64 regs_base, gboolean qemu_note);
void kdumpgen_set_vmcoreinfo(KdumpGen *g, const char *text);

typedef struct {
	guint64 note_off, note_size;
	guint64 vmcoreinfo_off;  /* 0 if none */
	guint64 bitmap_off, bitmap_half;
	guint32 bitmap_blocks;
	guint64 desc_off, n_descs;
	guint64 data_off;        /* first page data byte (the shared zero page if any) */
} KdumpGenLayout;

GByteArray *kdumpgen_build(KdumpGen *g, KdumpGenLayout *layout);

/* The byte the dump holds at PADDR (0 for zero pages); PADDR must be RAM. */
guint8 kdumpgen_byte(const KdumpGen *g, guint64 paddr);

/* A plain kdump file as a flattened stream. */
typedef struct {
	gsize record_size;   /* split the data into records of at most this size */
	gboolean shuffle;    /* records in random order */
	gboolean overwrite;  /* first write garbage over random parts; the real records come later */
	gboolean skip_zero;  /* leave out records that are all zeros (holes read as zeros) */
	guint32 seed;
} KdumpGenFlat;
GByteArray *kdumpgen_flatten(const GByteArray *plain, const KdumpGenFlat *opt);
