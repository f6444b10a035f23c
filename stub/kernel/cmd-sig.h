/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `sig PID`: the signal handlers, blocked and pending signals. */
#pragma once
#include <glib.h>

#include "kmem.h"

char *ol_cmd_sig(OlKmem *t, const char *args, GError **error);
