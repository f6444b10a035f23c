/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing dumps: any dump the library reads, rewritten as a plain (not
 * flattened) kdump-compressed file or as a QEMU-style ELF core, with the
 * same notes (NT_PRSTATUS, QEMU CPU notes, VMCOREINFO).
 *
 * kdump output is what makedumpfile writes (header_version 6, both bitmaps,
 * one page_desc per stored page, pages compressed one by one or stored raw
 * when that is not smaller), readable by crash and by makedumpfile.  All-zero
 * pages share one stored zero page, as QEMU does and as makedumpfile does
 * with -d 1.  exclude_zero does what makedumpfile -d 1 does to a kdump file:
 * that, and dump_level 1 in the sub-header.  It does not clear zero pages
 * from the 2nd bitmap: crash reads excluded pages as errors unless started
 * with --zero_excluded, so such a file would not open in crash as is, and
 * makedumpfile never writes one.
 *
 * ELF output is what QEMU's dump-guest-memory writes with paging=false: one
 * PT_NOTE, then PT_LOADs with p_vaddr = p_paddr; pages the input left out,
 * and all-zero pages with exclude_zero, become p_memsz > p_filesz tails (as
 * makedumpfile -E -d 1 does).
 *
 * The file appears at PATH only when complete: it is written unnamed
 * (O_TMPFILE) or under a temporary name in the same directory, then renamed,
 * so a failure or a kill leaves nothing behind (with O_TMPFILE, not even a
 * SIGKILL does).  It is created with mode 0600, as QEMU creates dumps: they
 * hold all of the guest's memory.
 */
#pragma once

#include <glib.h>

#include "dump.h"

G_BEGIN_DECLS

/* A copy keeps a bitmap bit per page frame up to the highest address (kdump
 * writes two such bitmaps): physical addresses past 46 bits (64 TiB, the
 * x86-64 4-level limit; 2 GiB per bitmap) are refused rather than allocated. */
#define OL_WRITE_MAX_PHYS_BITS 46
#define OL_WRITE_MAX_PFN (1ull << (OL_WRITE_MAX_PHYS_BITS - 12))

typedef enum {
	OL_DUMP_WRITE_KDUMP,
	OL_DUMP_WRITE_ELF,
} OlDumpWriteFormat;

typedef struct {
	OlDumpWriteFormat format;
	OlDumpCodec codec;      /* kdump: the page codec (NONE: raw pages) */
	gboolean exclude_zero;  /* leave all-zero pages out */
	/* kdump: leave out the pages the kernel's buddy allocator holds free
	 * (makedumpfile -d 16; dump_level gets 16).  crash reads them as errors
	 * unless started with --zero_excluded, oopslab-stub as zeros. */
	gboolean exclude_free;
	/* kdump: leave out the page cache on the kernel's LRU lists; user
	 * memory stays, so gdb reads tasks' stacks (makedumpfile -d 2|4:
	 * dump_level gets 6), read as above. */
	gboolean exclude_lru;
	guint threads;          /* kdump compression threads; 0 = 2 */
} OlDumpWriteOptions;

typedef struct {
	guint64 ram_pages;        /* pages described as memory */
	guint64 stored_pages;     /* pages with data in the file */
	guint64 compressed_pages; /* of those, stored compressed (kdump) */
	guint64 zero_pages;       /* stored pages that were all zeros (kdump: share one copy) */
	guint64 excluded_pages;   /* left out: excluded in the input, zero with exclude_zero, or free */
	guint64 unneeded_pages;   /* of those, free or LRU pages (exclude_free, exclude_lru) */
	/* kdump: pages at and above dropped_from_pfn were left out because the
	 * kernel's memory sections (VMCOREINFO mem_section) end there; see
	 * dump-writer.c.  dropped_from_pfn is G_MAXUINT64 if nothing was. */
	guint64 dropped_pages;
	guint64 dropped_from_pfn;
	guint64 bytes;            /* size of the file written */
} OlDumpWriteStats;

/* Write IN to PATH (replacing it if it exists).  Errors are one line naming
 * PATH, or IN's path and offset for damage in the input; a truncated IN
 * (ol_dump_warning) is refused, nothing written.  STATS may be NULL. */
GError *ol_dump_write(OlDump *in, const char *path, const OlDumpWriteOptions *opt,
		      OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
