/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash's `runq` (each CPU's current task, RT and CFS queues), `irq` (the
 * interrupt descriptors and their actions) and `timer` (each CPU's timer
 * wheel, soonest first). */
#pragma once
#include <glib.h>

#include "target.h"

char *ol_cmd_runq(OlTarget *t, const char *args, GError **error);
char *ol_cmd_irq(OlTarget *t, const char *args, GError **error);
char *ol_cmd_timer(OlTarget *t, const char *args, GError **error);
/* crash's `net`: network devices and their IPv4 addresses. */
char *ol_cmd_net(OlTarget *t, const char *args, GError **error);
