/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stub's `monitor` commands (qRcmd): text in, text out. */
#pragma once
#include <glib.h>

#include "target.h"

/* Run one command line; always returns text for gdb's console (an unknown
 * command or a failure is explained in it). */
char *ol_monitor_run(OlTarget *t, const char *line);
