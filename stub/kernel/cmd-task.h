/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `task PID` (as the gdb command that prints the task_struct),
 * `bt -a` as a summary, and `log` with -T and -m. */
#pragma once
#include <glib.h>

#include "target.h"

char *ol_cmd_task(OlTarget *t, const char *args, GError **error);
char *ol_cmd_bt(OlTarget *t, const char *args, GError **error);
char *ol_cmd_log(OlTarget *t, const char *args, GError **error);
