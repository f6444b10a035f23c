/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86_64 virtual-to-physical translation over a dump's page tables
 * (docs/page-walk.md).
 *
 * The kernel half is shared by every page table, so one root serves all
 * kernel addresses: swapper_pg_dir from VMCOREINFO, else a CPU's CR3 from the
 * QEMU note.  User addresses need the task's own pgd and are not handled.
 *
 * An OlXlat borrows its OlDump (which must outlive it) and keeps a small
 * translation cache, so it is not thread-safe: use one per thread.
 *
 * Conventions as in dump.h: GError * returns (NULL = success), out-params
 * written only on success unless said otherwise, one-line messages that start
 * with the dump's path.  Every "not mapped" condition is
 * OL_DUMP_ERROR_NOT_PRESENT.
 */
#pragma once

#include <glib.h>

#include "dump.h"

G_BEGIN_DECLS

/* x86_64 __START_KERNEL_map and the default link-time _text
 * (CONFIG_PHYSICAL_START 16 MiB, CONFIG_PHYSICAL_ALIGN 2 MiB). */
#define OL_XLAT_START_KERNEL_MAP G_GUINT64_CONSTANT(0xffffffff80000000)
#define OL_XLAT_DEFAULT_LINK_TEXT G_GUINT64_CONSTANT(0xffffffff81000000)

typedef struct OlXlat OlXlat;

/* Kernel page-table root, in this order:
 *  1. VMCOREINFO: pgd = SYMBOL(swapper_pg_dir) (or SYMBOL(init_top_pgt))
 *     - 0xffffffff80000000 + NUMBER(phys_base) (signed, added modulo 2^64);
 *     5-level iff NUMBER(pgtable_l5_enabled) is nonzero.
 *  2. else the QEMU note of the first CPU (in ol_dump_cpu order) with paging
 *     on (CR0.PG): CR3 with bits 11..0 (PCID/PCD/PWT) and bit 12 (the PTI
 *     user copy) cleared; 5-level iff CR4.LA57.  Exception: bit 12 is kept
 *     when the page it would select maps no kernel text, since kernels
 *     without CONFIG_PAGE_TABLE_ISOLATION (the lab kernel among them) have
 *     4 KiB-aligned PGDs where bit 12 is an address bit.
 * A candidate whose root page is not in the dump is skipped.  Error
 * (NOT_PRESENT) if no candidate is usable; the message says why.
 * NUMBER(sme_mask), if VMCOREINFO has it, is cleared from every entry and
 * from the CR3 root.  When VMCOREINFO lacks KERNELOFFSET or phys_base, the
 * kernel text is looked for in the page tables here (see
 * ol_xlat_kaslr_offset); that search failing is not an error. */
GError *ol_xlat_new(OlDump *dump, OlXlat **out) G_GNUC_WARN_UNUSED_RESULT;
void ol_xlat_free(OlXlat *x);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlXlat, ol_xlat_free)

/* VA to PA.  *page_size is the size of the page that maps VA (4 KiB, 2 MiB or
 * 1 GiB): PA stays contiguous for page_size - (va & (page_size - 1)) bytes.
 * A non-canonical VA, a not-present entry or a page-table page missing from
 * the dump give OL_DUMP_ERROR_NOT_PRESENT naming the VA and the level, e.g.
 * "virtual address 0x... not mapped (PMD entry not present, entry at
 * physical 0x...)".  The PA itself need not be in the dump. */
GError *ol_xlat_translate(OlXlat *x, guint64 va, guint64 *pa, guint64 *page_size) G_GNUC_WARN_UNUSED_RESULT;

/* Copy up to LEN bytes of virtual memory at VA into BUF, stopping at the
 * first byte that cannot be translated or is not in the dump.  *done (always
 * written) is the number of bytes copied.  NULL if *done == LEN, else the
 * error for the first failing byte, so a caller can answer a partial read.
 * No allocation unless it fails. */
GError *ol_xlat_read(OlXlat *x, guint64 va, void *buf, gsize len, gsize *done) G_GNUC_WARN_UNUSED_RESULT;

/* KASLR text offset (runtime _text - link-time _text), modulo 2^64:
 * VMCOREINFO KERNELOFFSET (hex) if present, else derived as crash does: the
 * first mapped VA in [0xffffffff80000000, 0xffffffffc0000000), rounded down
 * to 2 MiB, minus the link-time _text (default 0xffffffff81000000, or what
 * ol_xlat_set_link_text() gave).  FALSE if unknown. */
gboolean ol_xlat_kaslr_offset(OlXlat *x, guint64 *offset);
/* The link-time _text from vmlinux, for the derived offset only. */
void ol_xlat_set_link_text(OlXlat *x, guint64 link_text);
/* NUMBER(phys_base) from VMCOREINFO, else derived from the kernel text
 * mapping: PA - (VA - 0xffffffff80000000).  0 if neither is known. */
gint64 ol_xlat_phys_base(OlXlat *x);

/* The root table's physical address and the paging depth (4 or 5). */
guint64 ol_xlat_root(const OlXlat *x);
int ol_xlat_levels(const OlXlat *x);
/* Human text: "VMCOREINFO swapper_pg_dir" (or "VMCOREINFO init_top_pgt"),
 * "CPU 0 CR3". */
const char *ol_xlat_root_source(const OlXlat *x);
/* "VMCOREINFO KERNELOFFSET", "page tables", or "unknown" when
 * ol_xlat_kaslr_offset() returns FALSE. */
const char *ol_xlat_kaslr_source(const OlXlat *x);

/* The same translation through another page-table root (physical
 * address: a task's mm->pgd, a CPU's CR3), for user addresses; KERNEL's
 * depth, SME mask and KASLR facts are kept. NOT_PRESENT if the root page
 * is not in the dump. SOURCE names it in errors ("pid 42's mm->pgd"). */
GError *ol_xlat_new_root(const OlXlat *kernel, guint64 root, const char *source,
			  OlXlat **out) G_GNUC_WARN_UNUSED_RESULT;

/* Extra, for checking VMCOREINFO against the page tables: run the kernel
 * text search now, whatever VMCOREINFO says.  *va is the start of the first
 * present leaf in [0xffffffff80000000, 0xffffffffc0000000), *pa where it
 * maps.  NOT_PRESENT if nothing there is mapped. */
GError *ol_xlat_find_kernel_text(OlXlat *x, guint64 *va, guint64 *pa) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

/* Read LEN bytes at kernel address VA whole: TRUE, or FALSE (nothing to free). */
gboolean ol_xlat_try_read(OlXlat *x, guint64 va, void *buf, gsize len);
