/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmlinux handed to gdb as a "shared library" (qXfer:libraries) at the
 * dump's KASLR offset: one <section> address per allocated section, in the
 * file's order (what gdb's solib-target expects), each moved by the offset
 * except .data..percpu, which stays at 0 because per-CPU symbols are
 * offsets. gdb then has the kernel's symbols where the kernel really was,
 * with no add-symbol-file.
 */
#pragma once
#include <glib.h>

typedef struct OlKernelLibrary OlKernelLibrary;

GError *ol_kernel_library_new(const char *vmlinux, guint64 kaslr_offset,
			      OlKernelLibrary **out) G_GNUC_WARN_UNUSED_RESULT;
void ol_kernel_library_free(OlKernelLibrary *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlKernelLibrary, ol_kernel_library_free)

/* Its <library> element. */
void ol_kernel_library_append_xml(const OlKernelLibrary *k, GString *xml);
const char *ol_kernel_library_name(const OlKernelLibrary *k);
/* The file, mapped (gdb reads it through vFile). */
GBytes *ol_kernel_library_file(OlKernelLibrary *k);

/* The same by hand, for a gdb that has no vmlinux yet (`monitor kaslr`,
 * `oopslab gdb`): "add-symbol-file VMLINUX -o OFFSET -s .data..percpu 0".
 * symbol-file -o would also move .data..percpu. */
char *ol_kernel_library_add_symbol_file(const char *vmlinux, guint64 kaslr_offset);
