/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `task PID` (as the gdb command that prints the task_struct),
 * `bt -a` as a summary, and `log` with -T and -m. */
#pragma once
#include <glib.h>

#include "kmem.h"

char *ol_cmd_task(OlKmem *t, const char *args, GError **error);
char *ol_cmd_bt(OlKmem *t, const char *args, GError **error);
char *ol_cmd_log(OlKmem *t, const char *args, GError **error);
