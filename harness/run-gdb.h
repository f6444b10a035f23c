/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `oopslab run --gdb`: the guest stops before the trigger with gdb attached
 * through oopslab-stub --live (in front of QEMU's gdbstub, guest RAM mapped
 * from libvirt's shared memory backend); the user's `continue` triggers
 * the lab; after the panic the dump is captured as usual, and the guest
 * stays until gdb is done with it.
 *
 * How QEMU gets its gdbstub: the domain XML's QEMU namespace
 * (<qemu:commandline> -gdb unix:...), not monitor passthrough
 * (virDomainQemuMonitorCommand "gdbserver"): the stub is then there from
 * QEMU's start, with no window where the guest runs without it, and the
 * harness needs no libvirt-qemu library nor a monitor round trip. Both
 * mark the domain "tainted" for libvirt; that is the price of either.
 */
#pragma once
#include <glib.h>

#include "run-internal.h"

/* Before the domain is defined: the sockets' directory and names (run_gdb_*
 * accessors for the domain XML). */
GError *run_gdb_prepare(Run *r) G_GNUC_WARN_UNUSED_RESULT;
const char *run_gdb_qemu_socket(const Run *r);
const char *run_gdb_wait_socket(const Run *r);
/* After the guest started: wait for /init's wait stage, start the stub
 * (and gdb, unless listen:PORT), and let the guest go once a debugger is
 * attached (the go line waits in ttyS1 until the user continues). */
GError *run_gdb_attach(Run *r, Vm *vm) G_GNUC_WARN_UNUSED_RESULT;
/* After the capture: wait until gdb is done (it exits, or with listen:PORT
 * the debugger detaches), then stop the stub and clean up. */
void run_gdb_finish(Run *r);
void run_gdb_free(struct RunGdb *g);
