/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `vm PID`: the mm, its page-table root, RSS and size, then every
 * VMA (the maple tree of 6.1 and later, or the mmap list before). */
#pragma once
#include <glib.h>

#include "kmem.h"
#include "tasks.h"

char *ol_cmd_vm(OlKmem *t, const char *args, GError **error);
GError *ol_cmd_vm_task(OlKmem *t, const OlTask *task, GString *out) G_GNUC_WARN_UNUSED_RESULT;
/* The VMAs of mm MM (guint64 addresses) in address order. */
GError *ol_cmd_vmas(OlKmem *t, guint64 mm, GArray **out) G_GNUC_WARN_UNUSED_RESULT;
