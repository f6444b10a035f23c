/* The RSP server: one gdb session over a pair of file descriptors. */
#pragma once
#include <glib.h>

#include "target.h"

/* Serve one session until gdb detaches or kills, or the connection closes.
 * Returns NULL at a clean end, an error for an I/O failure. */
GError *rsp_serve(OlTarget *t, int in_fd, int out_fd) G_GNUC_WARN_UNUSED_RESULT;
