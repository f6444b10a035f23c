/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `runq` (each CPU's current task, RT and CFS queues), `irq` (the
 * interrupt descriptors and their actions) and `timer` (each CPU's timer
 * wheel, soonest first). */
#pragma once
#include <glib.h>

#include "kmem.h"

char *ol_cmd_runq(OlKmem *t, const char *args, GError **error);
char *ol_cmd_irq(OlKmem *t, const char *args, GError **error);
char *ol_cmd_timer(OlKmem *t, const char *args, GError **error);
/* crash's `net`: network devices and their IPv4 addresses. */
char *ol_cmd_net(OlKmem *t, const char *args, GError **error);
