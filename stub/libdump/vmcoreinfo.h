/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VMCOREINFO text: "KEY=VALUE\n" lines, as the kernel's vmcoreinfo_append_str
 * writes them.  These helpers take the text and its length (it need not be
 * NUL-terminated) so they work on ol_dump_vmcoreinfo() output and on raw
 * note bytes alike.
 *
 * Number bases, checked against linux 6.1 include/linux/crash_core.h and
 * arch/x86/kernel/crash_core_64.c:
 *   SYMBOL(x)=%lx, KERNELOFFSET=%lx             -> hex, no 0x prefix
 *   NUMBER(x)=%ld                               -> signed decimal
 *   SIZE(x)=%lu, OFFSET(x.y)=%lu, LENGTH(x)=%lu -> decimal
 *   PAGESIZE=%ld, CRASHTIME=%lld                -> decimal
 *   NUMBER(pgtable_l5_enabled)=%d               -> decimal
 * Newer kernels print NUMBER(VMALLOC_START) as 0x%lx (docs/dump-formats.md,
 * section 9; not in 6.1), so decimal keys also accept a 0x prefix.  Plain base-0
 * strtoll is not used: it would read a leading 0 as octal.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The value of KEY (whole key, e.g. "SYMBOL(swapper_pg_dir)"): a pointer into
 * INFO and its length up to the end of the line, or NULL if KEY is absent.
 * The first line with that key wins. */
const char *ol_vmcoreinfo_lookup(const char *info, gsize len, const char *key,
				 gsize *value_len);

/* The value of KEY as a new string, or NULL if KEY is absent. */
char *ol_vmcoreinfo_dup(const char *info, gsize len, const char *key);

/* True if KEY's value is written in hex without 0x: SYMBOL(...) and
 * KERNELOFFSET.  Every other numeric key is decimal. */
gboolean ol_vmcoreinfo_key_is_hex(const char *key);

/* KEY's value as an unsigned number, in the base its key implies (above).
 * OL_DUMP_ERROR_NOT_PRESENT if absent, OL_DUMP_ERROR_CORRUPT if not a number,
 * negative, or out of range. */
GError *ol_vmcoreinfo_get_u64(const char *info, gsize len, const char *key,
			      guint64 *out) G_GNUC_WARN_UNUSED_RESULT;

/* KEY's value as a signed number (for NUMBER(...), printed with %ld).  Hex
 * values must fit in 63 bits. */
GError *ol_vmcoreinfo_get_s64(const char *info, gsize len, const char *key,
			      gint64 *out) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

/* KEY's value when it is there and a number; FALSE otherwise (for callers
 * that only ask whether it is there). */
gboolean ol_vmcoreinfo_try_u64(const char *info, gsize len, const char *key, guint64 *v);
