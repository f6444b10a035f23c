/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab run`: boot a lab guest, wait for its panic, capture memory. */
#pragma once
#include <glib.h>

int cmd_run(int argc, char **argv);
