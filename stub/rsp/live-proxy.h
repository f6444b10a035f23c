/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live proxy: oopslab-stub in front of QEMU's gdbstub, kernel-aware.
 *
 * Run control (registers of the vCPUs, continue, step, vCont, Ctrl-C,
 * breakpoints, watchpoints) goes to QEMU. At every stop the kernel model
 * (the same as for dumps) is rebuilt over the live guest's memory: tasks
 * become threads (read-only registers from their switch frames), modules
 * are re-read and announced to gdb as libraries, the monitor commands and
 * the entry code's CFI work as on a dump. Memory comes from guest RAM
 * mapped read-only (--ram) or through QEMU's gdbstub.
 */
#pragma once
#include <glib.h>

#include "target.h"

typedef struct {
	const char *qemu_socket;   /* QEMU's gdbstub (-gdb unix:PATH,server) */
	const char *ram_file;      /* guest RAM (memory-backend-file share=on), or NULL */
	const char *ram_region;    /* its memory region in `info mtree -f`, or NULL: the largest */
	OlTargetOptions target;    /* vmlinux, module directories; no_kernel_library: never serve
				    * vmlinux, even after a KASLR boot */
	gboolean allow_writes;     /* forward memory writes */
	gboolean serve_vmlinux;    /* serve it even if the kernel did not move (gdb has no file) */
	int log_fd;                /* once attached, stderr goes here (rsp_log_take_stderr); -1: stays */
} LiveOptions;

/* One gdb session over IN_FD/OUT_FD: connects to QEMU (which pauses the
 * guest), serves until gdb detaches or goes away, then detaches from QEMU
 * (which resumes it). */
GError *live_serve(const LiveOptions *opt, int in_fd, int out_fd) G_GNUC_WARN_UNUSED_RESULT;
