/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `kmem -i`: the memory summary, from the kernel's own counters. */
#pragma once
#include <glib.h>

#include "kmem.h"

char *ol_cmd_kmem(OlKmem *t, const char *args, GError **error);
