/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The symbols of a vmlinux (ELF .symtab), at link-time addresses. */
#pragma once
#include <glib.h>

typedef struct OlVmlinux OlVmlinux;

GError *ol_vmlinux_open(const char *path, OlVmlinux **out) G_GNUC_WARN_UNUSED_RESULT;
void ol_vmlinux_free(OlVmlinux *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlVmlinux, ol_vmlinux_free)

const char *ol_vmlinux_path(const OlVmlinux *v);
/* Link-time address of a symbol; FALSE if vmlinux has no such symbol. */
gboolean ol_vmlinux_symbol(const OlVmlinux *v, const char *name, guint64 *addr);
/* Symbol size from the symbol table (0 for asm labels without one): then
 * the distance to the next text symbol. FALSE if there is no such symbol. */
gboolean ol_vmlinux_symbol_extent(const OlVmlinux *v, const char *name, guint64 *addr, guint64 *size);
/* Every named symbol; stops early if FN returns FALSE. */
void ol_vmlinux_foreach(const OlVmlinux *v, gboolean (*fn)(const char *name, guint64 addr, gpointer data),
			gpointer data);
/* The NUL-terminated string vmlinux holds at a link-time address (in an
 * allocated PROGBITS section), e.g. linux_banner; NULL if none. */
char *ol_vmlinux_string(const OlVmlinux *v, guint64 addr, gsize max);
