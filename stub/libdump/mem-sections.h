/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's memory sections and free pages (mem-sections.c).  Not installed. */
#pragma once

#include "dump-private.h"
#include "xlat.h"

typedef struct {
	guint64 nr;  /* section number: its first pfn is nr << section_shift */
	guint64 map; /* mem_section.section_mem_map as the kernel keeps it */
} OlMemSection;

/* The present sections, in order, and pfns per section as a shift.  FALSE
 * when VMCOREINFO does not describe them or they cannot be read. */
gboolean ol_mem_sections(OlDump *in, OlXlat *x, GArray **sections, guint *section_shift);
/* Pages a dump can leave out, as makedumpfile's dump levels find them. */
enum {
	OL_UNNEEDED_FREE = 1 << 0, /* held free by the buddy allocator (-d 16) */
	OL_UNNEEDED_LRU = 1 << 1,  /* page cache on the LRU lists (-d 2|4); user memory stays */
};
typedef struct {
	guint64 free, lru;
} OlUnneeded;
/* Set the bit of every pfn below MAX_PFN of the KINDS asked for: a free
 * block's head page has PageBuddy and its order in page.private; an LRU page
 * has PG_lru (and not PG_slab) in page.flags.  FALSE when VMCOREINFO lacks
 * what that needs (nothing is marked then). */
gboolean ol_unneeded_pages(OlDump *in, OlXlat *x, guint64 max_pfn, guint kinds, guint8 *bitmap,
			   OlUnneeded *counts);

