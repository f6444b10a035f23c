/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Choosing the accelerator: real KVM when the host has it, TCG otherwise. */
#pragma once
#include <glib.h>

typedef enum { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG } Accel;

GError *accel_parse(const char *s, Accel *out) G_GNUC_WARN_UNUSED_RESULT;
const char *accel_name(Accel a);

/* Resolve AUTO for the local host; *reason says why, for run.json. Explicit
 * choices are kept (their reason says "requested"). */
Accel accel_resolve(Accel requested, gboolean remote, char **reason);
