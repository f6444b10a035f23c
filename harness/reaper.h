/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reaper: `oopslab run` and `batch` split into two processes at start,
 * so that QEMU's exit is seen at once.
 *
 * libvirt starts QEMU daemonized (a double fork): QEMU's parent becomes the
 * nearest "child subreaper" ancestor, else PID 1. Destroy waits until the
 * QEMU process is gone, zombie included, so where PID 1 reaps late (a
 * container's PID 1 that is not an init: 1.4 s here) every run waits for it.
 * Reaping in our own process instead races libvirt's waitpid() of the
 * children it forks itself ("unable to wait for process: No child
 * processes"). So the process the user started becomes a subreaper and
 * forks the worker, which does the whole command: every orphaned QEMU below
 * it is reaped by the parent at once, and libvirt keeps its own children.
 *
 * The parent forwards signals sent to it with kill() (a terminal's Ctrl-C
 * reaches both processes already), and exits as the worker did: with its
 * status, or killed by its signal. The worker dies with the parent
 * (SIGKILL), as a single process would.
 */
#pragma once
#include <sys/types.h>

/* Returns in the worker (or, where the split is impossible, in the only
 * process); the parent never returns. Call before any thread starts. */
void reaper_split(void);

/* The pid of the process the user started (the parent), for names that
 * tests and users look up by it. */
pid_t reaper_user_pid(void);
