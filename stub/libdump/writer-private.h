/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the dump writers.  Not installed. */
#pragma once

#include <string.h>

#include "dump-private.h"
#include "dump-writer.h"

/* ---- the output file (out-file.c) ---- */

typedef struct {
	char *path;     /* final name */
	char *tmp_path; /* named temporary file, or NULL with O_TMPFILE */
	int fd;
	guint64 size;   /* highest offset written */
} OlOutFile;

/* Create the unnamed (or temporary) output file beside PATH. */
GError *ol_out_open(OlOutFile *o, const char *path) G_GNUC_WARN_UNUSED_RESULT;
/* Write LEN bytes at OFF; an error names the path and the offset. */
GError *ol_out_pwrite(OlOutFile *o, guint64 off, const void *buf, gsize len) G_GNUC_WARN_UNUSED_RESULT;
/* Flush to disk and give the file its name. */
GError *ol_out_commit(OlOutFile *o) G_GNUC_WARN_UNUSED_RESULT;
/* Close the file and free O. Before a commit this drops it (nothing is left
 * at PATH or beside it); after one it only closes. Safe on a zeroed struct. */
void ol_out_close(OlOutFile *o);

/* ---- which pages go where (dump-writer.c) ---- */

typedef struct {
	guint64 max_mapnr;   /* PFNs [0, max_mapnr) */
	guint8 *ram;         /* bitmap: memory (kdump's 1st bitmap) */
	guint8 *stored;      /* bitmap: pages whose data is written (2nd bitmap) */
	gsize bitmap_bytes;  /* of each, ceil(max_mapnr / 8) */
	guint64 n_stored;
	OlDumpWriteStats stats;
} OlWritePlan;

/* Little-endian fields of the headers both writers write. */
static inline void put16(guint8 *p, guint16 v)
{
	v = GUINT16_TO_LE(v);
	memcpy(p, &v, 2);
}

static inline void put32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, 4);
}

static inline void put64(guint8 *p, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(p, &v, 8);
}

static inline gboolean ol_plan_bit(const guint8 *bm, guint64 pfn)
{
	return (bm[pfn >> 3] >> (pfn & 7)) & 1;
}

/* What a written dump's header records about the dumped machine, via
 * VMCOREINFO and the page tables: uts name fields (empty if unknown),
 * phys_base and the crash time. */
typedef struct {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
	guint64 phys_base;
	guint64 crash_time; /* VMCOREINFO CRASHTIME, 0 if none */
} OlWriteHeaderInfo;
void ol_write_header_info(OlDump *in, OlWriteHeaderInfo *out);

GError *ol_kdump_write(OlDump *in, OlOutFile *o, const OlWritePlan *plan, const OlDumpWriteOptions *opt,
		       OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_elf_write(OlDump *in, OlOutFile *o, const OlWritePlan *plan,
		     OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;
