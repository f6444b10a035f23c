/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The RSP server: one gdb session over a pair of file descriptors. */
#pragma once
#include <glib.h>

#include "target.h"

/* Serve one session until gdb detaches or kills, or the connection closes.
 * Returns NULL at a clean end, an error for an I/O failure. */
GError *rsp_serve(OlTarget *t, int in_fd, int out_fd) G_GNUC_WARN_UNUSED_RESULT;

/* The same packet handlers without the loop, for the live proxy
 * (live-proxy.c), which answers what is not about run control from the
 * kernel model like a dump: threads, task registers, libraries, vFile,
 * monitor.  Console output (`O` packets) is written to OUT_FD directly. */
typedef struct RspDumpHandler RspDumpHandler;
RspDumpHandler *rsp_dump_handler_new(OlTarget *t, int out_fd);
void rsp_dump_handler_free(RspDumpHandler *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RspDumpHandler, rsp_dump_handler_free)
/* The unframed reply to PACKET (owned by H, valid until the next call);
 * *io_error is set if writing console output to gdb failed. */
const GString *rsp_dump_handler_handle(RspDumpHandler *h, const char *packet, GError **io_error);
