/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Struct layouts from vmlinux's DWARF (libdw): member offsets and sizes,
 * found on demand and cached. This is what lets the stub walk tasks, modules
 * and the printk ring on any build of the kernel, not one whose offsets were
 * written down.
 */
#pragma once
#include <glib.h>

typedef struct OlDwarf OlDwarf;

GError *ol_dwarf_open(const char *vmlinux, OlDwarf **out) G_GNUC_WARN_UNUSED_RESULT;
void ol_dwarf_free(OlDwarf *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlDwarf, ol_dwarf_free)

/* Offset and size of MEMBER of struct STRUCT_NAME. MEMBER may be a dotted
 * path through nested structs ("thread.sp", "core_layout.base"); members of
 * anonymous structs and unions are found as if they were direct members.
 * SIZE may be NULL. */
GError *ol_dwarf_member(OlDwarf *d, const char *struct_name, const char *member, guint64 *offset,
			guint64 *size) G_GNUC_WARN_UNUSED_RESULT;
/* sizeof(struct STRUCT_NAME) */
GError *ol_dwarf_sizeof(OlDwarf *d, const char *struct_name, guint64 *size) G_GNUC_WARN_UNUSED_RESULT;
/* The value of an enumerator (e.g. "TASK_COMM_LEN" is a macro, but
 * "PIDTYPE_PID" is an enumerator). */
GError *ol_dwarf_enumerator(OlDwarf *d, const char *name, gint64 *value) G_GNUC_WARN_UNUSED_RESULT;
