/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's struct new_utsname (init_uts_ns.name: what uname(2) returns),
 * read from a dump: six char[65] fields, the user-space ABI. VMCOREINFO
 * exports where it is (SYMBOL(init_uts_ns), OFFSET(uts_namespace.name)), so
 * it needs no vmlinux. The dump writers fill their headers from it, and the
 * kernel model's `sys` shows it.
 */
#pragma once
#include <glib.h>

#include "xlat.h"

#define OL_UTS_FIELD 65 /* __NEW_UTS_LEN + 1 */

typedef struct {
	char sysname[OL_UTS_FIELD + 1], nodename[OL_UTS_FIELD + 1], release[OL_UTS_FIELD + 1];
	char version[OL_UTS_FIELD + 1], machine[OL_UTS_FIELD + 1], domainname[OL_UTS_FIELD + 1];
} OlUtsname;

/* Where init_uts_ns.name is, from VMCOREINFO (VI, LEN); FALSE if it does not say. */
gboolean ol_utsname_try_vmcoreinfo_addr(const char *vi, gsize len, guint64 *addr);
/* The struct new_utsname at kernel address ADDR, each field NUL-terminated. */
GError *ol_utsname_read(OlXlat *x, guint64 addr, OlUtsname *out) G_GNUC_WARN_UNUSED_RESULT;
