/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The register set oopslab-stub presents to gdb: the target description for
 * the kernel model's register file (kernel/regs.h): gdb's amd64-linux layout
 * (so gdb's own x86-64 Linux support applies), then x86 system registers in
 * a feature of our own; and registers as RSP hex.
 */
#pragma once
#include <glib.h>

#include "regs.h"

/* Size of register N in bytes, 0 if there is no such register. */
guint rsp_reg_size(guint n);
/* The target description document (qXfer:features:read:target.xml). */
const char *rsp_target_xml(void);
/* Append register N as target-order hex, or `xx..` if unavailable. */
void rsp_append_reg_hex(GString *out, const OlRegs *r, guint n);
