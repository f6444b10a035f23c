/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the format readers.  Not installed. */
#pragma once

#include <string.h>

#include "dump.h"

/* A present guest-physical range.  [start, start + size) is readable; of
 * that, [start, start + file_size) is stored at file_offset and the rest
 * reads as zeros.  Readers whose data is not plain bytes (kdump-compressed)
 * leave file_offset/file_size to their own meaning and provide their own ops.
 * file_have <= file_size is how much of that the file really holds: less when
 * the file was cut short (a full disk, a broken connection); the rest is
 * unavailable, never zeros. */
struct ol_range {
	guint64 start;
	guint64 size;
	guint64 file_offset;
	guint64 file_size;
	guint64 file_have;
};

/* Where a page stands, for counting and for the writers. */
typedef enum {
	OL_PAGE_HOLE,     /* not memory: no range covers any byte of it */
	OL_PAGE_EXCLUDED, /* memory the dump left out (reads as zeros unless strict) */
	OL_PAGE_MISSING,  /* like EXCLUDED, from an incomplete kdump dump */
	OL_PAGE_PRESENT,  /* stored */
} OlPageState;

/* What differs between formats once a dump is open. */
struct ol_dump_ops {
	/* STRICT: excluded bytes are OL_DUMP_ERROR_EXCLUDED, not zeros. */
	GError *(*read_phys)(OlDump *d, guint64 paddr, void *buf, gsize len, gboolean strict);
	const void *(*phys_ptr)(OlDump *d, guint64 paddr, gsize *avail); /* may be NULL */
	void (*close)(OlDump *d); /* frees d->priv; may be NULL */
	/* The state of page PFN (4 KiB).  NULL: derived from d->ranges. */
	OlPageState (*page_state)(OlDump *d, guint64 pfn);
	/* Fill *out (ol_dump_page_counts).  NULL: derived from d->ranges. */
	GError *(*page_counts)(OlDump *d, OlDumpPageCounts *out);
};

struct OlDump {
	char *path;
	const guint8 *map; /* the whole file, PROT_READ */
	gsize size;
	OlDumpFormat format;
	const struct ol_dump_ops *ops;
	void *priv;

	GArray *cpus;     /* OlCpuNote */
	char *vmcoreinfo; /* NUL-terminated copy, or NULL */
	gsize vmcoreinfo_len;
	gboolean cpu_order_known; /* QEMU notes: the CPUs are sorted by pr_pid */
	/* Every note the dump holds, re-encoded with 4-byte alignment and
	 * without kdump's empty terminators, in file order: what a writer
	 * copies into its own dump.  vmcoreinfo_desc is the offset of the
	 * VMCOREINFO note's desc in it (G_MAXSIZE if none). */
	GByteArray *note_blob;
	gsize vmcoreinfo_desc;

	gint strict;      /* OL_DUMP_OPEN_STRICT, atomic */
	OlDumpCodec codec;
	gboolean have_counts;
	OlDumpPageCounts counts;

	struct ol_range *ranges; /* sorted, disjoint */
	guint n_ranges;
	char *warning; /* one line, or NULL: what is wrong with a dump that opened (truncation) */
};

/* Little-endian loads from possibly unaligned bytes.  Callers bounds-check. */
static inline guint16 ol_le16(const guint8 *p)
{
	guint16 v;
	memcpy(&v, p, sizeof(v));
	return GUINT16_FROM_LE(v);
}

static inline guint32 ol_le32(const guint8 *p)
{
	guint32 v;
	memcpy(&v, p, sizeof(v));
	return GUINT32_FROM_LE(v);
}

static inline guint64 ol_le64(const guint8 *p)
{
	guint64 v;
	memcpy(&v, p, sizeof(v));
	return GUINT64_FROM_LE(v);
}

/* Little-endian stores into possibly unaligned bytes: the other way. */
static inline void ol_put_le16(guint8 *p, guint16 v)
{
	v = GUINT16_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}

static inline void ol_put_le32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}

static inline void ol_put_le64(guint8 *p, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}

/* True if [off, off + len) lies inside a file of SIZE bytes, without
 * overflowing. */
static inline gboolean ol_in_file(guint64 off, guint64 len, guint64 size)
{
	return off <= size && len <= size - off;
}

#define OL_PAGE_SIZE 4096u
#define OL_PAGE_SHIFT 12

static inline gboolean ol_dump_is_strict(const OlDump *d)
{
	return g_atomic_int_get(&d->strict) != 0;
}

/* An OL_DUMP_ERROR prefixed with the dump's path. */
GError *ol_dump_error(const OlDump *d, OlDumpError code, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4) G_GNUC_WARN_UNUSED_RESULT;

/* ELF (elf.c) */
gboolean ol_elf_match(const guint8 *map, gsize size);
GError *ol_elf_open(OlDump *d) G_GNUC_WARN_UNUSED_RESULT;

/* kdump-compressed (kdump.c), plain or through a flattened index. */
typedef struct OlFlatIndex OlFlatIndex;
gboolean ol_kdump_match(const guint8 *map, gsize size);
GError *ol_kdump_open(OlDump *d, OlFlatIndex *flat) G_GNUC_WARN_UNUSED_RESULT; /* takes FLAT (may be NULL) */
gboolean ol_kdump_get_info(const OlDump *d, OlDumpKdumpInfo *out);
/* A --split set opened as one (split-set.c): the first file's header, the
 * set's PFN span.  FALSE if D is not a set. */
gboolean ol_split_get_info(const OlDump *d, OlDumpKdumpInfo *out);

/* makedumpfile flattened stream (flattened.c): an index of the data records,
 * built once, that reads the rearranged file without writing it.  Later
 * records win where they overlap; bytes no record wrote read as zeros (they
 * are holes in the rearranged file); bytes past the last record do not
 * exist. */
gboolean ol_flat_match(const guint8 *map, gsize size);
GError *ol_flat_index_build(OlDump *d, OlFlatIndex **out) G_GNUC_WARN_UNUSED_RESULT;
void ol_flat_index_free(OlFlatIndex *idx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlFlatIndex, ol_flat_index_free)
/* Size of the rearranged file: the end of the furthest record. */
guint64 ol_flat_size(const OlFlatIndex *idx);
guint64 ol_flat_n_records(const OlFlatIndex *idx);
/* Pointer to [off, off + len) of the rearranged file if one record holds all
 * of it, else NULL. */
const guint8 *ol_flat_ptr(const OlFlatIndex *idx, guint64 off, guint64 len);
/* Copy [off, off + len) of the rearranged file; TRUNCATED past its end. */
GError *ol_flat_read(OlDump *d, const OlFlatIndex *idx, guint64 off, void *buf,
		     guint64 len) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE if the stream was cut short (no end marker): its holes may then be
 * records that never came, not zeros. */
gboolean ol_flat_cut(const OlFlatIndex *idx);
/* TRUE if records hold every byte of [off, off + len). */
gboolean ol_flat_covered(const OlFlatIndex *idx, guint64 off, guint64 len);
/* Where rearranged offset OFF is in the flattened file, for messages;
 * G_MAXUINT64 if no record holds it. */
guint64 ol_flat_file_offset(const OlFlatIndex *idx, guint64 off);

/* Set d->warning (one line, prefixed with the path). */
void ol_dump_set_warning(OlDump *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Byte counts for messages: "123 bytes (1.2 MiB)". */
char *ol_dump_format_bytes(guint64 n);

/* Generic page helpers (dump.c). */
OlPageState ol_dump_page_state(OlDump *d, guint64 pfn);
/* The 4 KiB page PFN, with bytes the dump does not hold (holes, excluded
 * pages, partial ELF pages) as zeros: what the writers store.  Errors only
 * for damage (corrupt or truncated data). */
GError *ol_dump_read_page(OlDump *d, guint64 pfn, guint8 *page) G_GNUC_WARN_UNUSED_RESULT;
/* The notes as a writer should copy them (see OlDump.note_blob). */
const guint8 *ol_dump_note_blob(const OlDump *d, gsize *len, gsize *vmcoreinfo_desc);

/* Notes (notes.c): parse one note segment into d->cpus / d->vmcoreinfo.
 * FILE_OFFSET is where P starts in the file, for messages.  ALIGN is the
 * note alignment, 4 or 8. */
typedef struct {
	guint n_prstatus;
	guint n_qemu;
	GArray *qemu; /* OlQemuCpuState, in note order */
} OlNoteState;
/* Each parsed note is also appended to d->note_blob (4-byte aligned). */
void ol_note_state_clear(OlNoteState *st);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OlNoteState, ol_note_state_clear)
GError *ol_notes_parse(OlDump *d, OlNoteState *st, guint64 file_offset,
		       const guint8 *p, guint64 len, guint align) G_GNUC_WARN_UNUSED_RESULT;
/* A VMCOREINFO text found outside any note (kdump header_version 3 has
 * offset_vmcoreinfo but no note blob): set d->vmcoreinfo and append it to
 * d->note_blob as a VMCOREINFO note. */
void ol_notes_add_vmcoreinfo(OlDump *d, const char *text, gsize len);
/* After all note segments: attach QEMU states to CPUs (both in CPU order)
 * and, if ORDER_BY_PID, sort CPUs by pr_pid. */
void ol_notes_finish(OlDump *d, OlNoteState *st, gboolean order_by_pid);

/* Ranges (ranges.c) */
struct ol_segment {
	guint64 start, size;             /* guest-physical, size > 0 */
	guint64 file_offset, file_size;  /* file_size <= size */
	guint index;                     /* e.g. phdr number, for messages */
	guint64 header_offset;           /* where it is described, for messages */
};
/* Sort SEGS (modified) and turn them into d->ranges.  Overlaps are merged
 * when they map the same physical bytes to the same file bytes; any other
 * overlap is OL_DUMP_ERROR_CORRUPT. */
GError *ol_ranges_build(OlDump *d, struct ol_segment *segs, guint n) G_GNUC_WARN_UNUSED_RESULT;
/* The range containing PADDR, or NULL.  Binary search. */
const struct ol_range *ol_ranges_find(const OlDump *d, guint64 paddr);
/* True if every byte of [start, start + size) is in some range. */
gboolean ol_ranges_cover(const OlDump *d, guint64 start, guint64 size);
/* ops for formats whose ranges are plain bytes in the mapping (ELF). */
extern const struct ol_dump_ops ol_mapped_ops;
