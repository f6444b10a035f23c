/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `foreach [PID|COMM|STATE|kernel|user|active ...] bt|files|vm|task`:
 * one command over every task, or those selected. */
#pragma once
#include <glib.h>

#include "kmem.h"

char *ol_cmd_foreach(OlKmem *t, const char *args, GError **error);
