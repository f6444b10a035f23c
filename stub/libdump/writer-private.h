/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the dump writers.  Not installed. */
#pragma once

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
/* Drop the file (nothing is left at PATH or beside it).  Safe after commit
 * and on a zeroed struct. */
void ol_out_abort(OlOutFile *o);

/* ---- which pages go where (write-plan.c) ---- */

typedef struct {
	guint64 max_mapnr;   /* PFNs [0, max_mapnr) */
	guint8 *ram;         /* bitmap: memory (kdump's 1st bitmap) */
	guint8 *stored;      /* bitmap: pages whose data is written (2nd bitmap) */
	gsize bitmap_bytes;  /* of each, ceil(max_mapnr / 8) */
	guint64 n_stored;
	OlDumpWriteStats stats;
} OlWritePlan;

static inline gboolean ol_plan_bit(const guint8 *bm, guint64 pfn)
{
	return (bm[pfn >> 3] >> (pfn & 7)) & 1;
}

/* What the kdump writer needs from the kernel, via VMCOREINFO and the page
 * tables: uts name fields (empty if unknown) and phys_base. */
typedef struct {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
	guint64 phys_base;
	guint64 crash_time; /* VMCOREINFO CRASHTIME, 0 if none */
} OlKernelInfo;
void ol_kernel_info(OlDump *in, OlKernelInfo *out);

GError *ol_kdump_write(OlDump *in, OlOutFile *o, const OlWritePlan *plan, const OlDumpWriteOptions *opt,
		       OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_elf_write(OlDump *in, OlOutFile *o, const OlWritePlan *plan,
		     OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;
