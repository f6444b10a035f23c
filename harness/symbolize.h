/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `fct+off` to `file:line`, with the chain of inlined functions, from the
 * DWARF of vmlinux and of module .ko files (libdwfl), as the kernel's
 * decode_stacktrace.sh does with addr2line. Symbol-relative, so KASLR and
 * module load addresses do not matter.
 */
#pragma once
#include <glib.h>

#include "oops.h"

typedef struct Symbolizer Symbolizer;

GError *symbolizer_new(const char *vmlinux, Symbolizer **out) G_GNUC_WARN_UNUSED_RESULT;
void symbolizer_free(Symbolizer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Symbolizer, symbolizer_free)
/* Make module NAME's symbols available from KO_PATH. */
GError *symbolizer_add_module(Symbolizer *s, const char *name, const char *ko_path) G_GNUC_WARN_UNUSED_RESULT;
/* Fill F->file, F->line and F->inlined; FALSE if F cannot be resolved. A
 * frame that is a return address (not F->exact) is looked up one byte
 * back, at the call instruction. */
gboolean symbolizer_frame(Symbolizer *s, OopsFrame *f);
/* Symbolize the RIP and every frame of the trace, allocation and free stacks. */
void symbolizer_oops(Symbolizer *s, Oops *o);
