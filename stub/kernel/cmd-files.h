/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `files PID` and `mount`, as monitor commands (the MonitorFn
 * signature of monitor.c). */
#pragma once
#include <glib.h>

#include "kmem.h"
#include "tasks.h"

char *ol_cmd_files(OlKmem *t, const char *args, GError **error);
char *ol_cmd_mount(OlKmem *t, const char *args, GError **error);
/* files of one task appended to OUT (for foreach) */
GError *ol_cmd_files_task(OlKmem *t, const OlTask *task, GString *out) G_GNUC_WARN_UNUSED_RESULT;
