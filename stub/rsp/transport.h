/* Where gdb connects: a TCP port (loopback unless a host is given) or a Unix socket. */
#pragma once
#include <glib.h>

/* "[HOST:]PORT" (HOST defaults to 127.0.0.1; "[v6addr]:PORT" for IPv6).
 * Port 0 picks a free port; *where says what was bound. */
GError *rsp_listen_tcp(const char *spec, int *fd, char **where) G_GNUC_WARN_UNUSED_RESULT;
GError *rsp_listen_unix(const char *path, int *fd) G_GNUC_WARN_UNUSED_RESULT;
/* Accept one connection (blocking). */
GError *rsp_accept(int listen_fd, int *conn_fd) G_GNUC_WARN_UNUSED_RESULT;
