/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the format readers.  Not installed. */
#ifndef OL_DUMP_PRIVATE_H
#define OL_DUMP_PRIVATE_H

#include <string.h>

#include "dump.h"

/* A present guest-physical range.  [start, start + size) is readable; of
 * that, [start, start + file_size) is stored at file_offset and the rest
 * reads as zeros.  Readers whose data is not plain bytes (kdump-compressed)
 * leave file_offset/file_size to their own meaning and provide their own ops. */
struct ol_range {
	guint64 start;
	guint64 size;
	guint64 file_offset;
	guint64 file_size;
};

/* What differs between formats once a dump is open. */
struct ol_dump_ops {
	GError *(*read_phys)(OlDump *d, guint64 paddr, void *buf, gsize len);
	const void *(*phys_ptr)(OlDump *d, guint64 paddr, gsize *avail); /* may be NULL */
	void (*close)(OlDump *d); /* frees d->priv; may be NULL */
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

	struct ol_range *ranges; /* sorted, disjoint */
	guint n_ranges;
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

/* True if [off, off + len) lies inside a file of SIZE bytes, without
 * overflowing. */
static inline gboolean ol_in_file(guint64 off, guint64 len, guint64 size)
{
	return off <= size && len <= size - off;
}

/* An OL_DUMP_ERROR prefixed with the dump's path. */
GError *ol_dump_error(const OlDump *d, OlDumpError code, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

/* ELF (elf.c) */
gboolean ol_elf_match(const guint8 *map, gsize size);
GError *ol_elf_open(OlDump *d);

/* Notes (notes.c): parse one note segment into d->cpus / d->vmcoreinfo.
 * FILE_OFFSET is where P starts in the file, for messages.  ALIGN is the
 * note alignment, 4 or 8. */
typedef struct {
	guint n_prstatus;
	guint n_qemu;
	GArray *qemu; /* OlQemuCpuState, in note order */
} OlNoteState;
void ol_note_state_clear(OlNoteState *st);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OlNoteState, ol_note_state_clear)
GError *ol_notes_parse(OlDump *d, OlNoteState *st, guint64 file_offset,
		       const guint8 *p, guint64 len, guint align);
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
GError *ol_ranges_build(OlDump *d, struct ol_segment *segs, guint n);
/* The range containing PADDR, or NULL.  Binary search. */
const struct ol_range *ol_ranges_find(const OlDump *d, guint64 paddr);
/* True if every byte of [start, start + size) is in some range. */
gboolean ol_ranges_cover(const OlDump *d, guint64 start, guint64 size);
/* ops for formats whose ranges are plain bytes in the mapping (ELF). */
extern const struct ol_dump_ops ol_mapped_ops;

#endif /* OL_DUMP_PRIVATE_H */
