/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where gdb connects: a TCP port (loopback unless a host is given), a Unix
 * socket, or the stub's own stdin/stdout (gdb's `target remote | ...`). */
#pragma once
#include <glib.h>

/* "[HOST:]PORT" (HOST defaults to 127.0.0.1; "[v6addr]:PORT" for IPv6).
 * Port 0 picks a free port; *where says what was bound. */
GError *rsp_listen_tcp(const char *spec, int *fd, char **where) G_GNUC_WARN_UNUSED_RESULT;
GError *rsp_listen_unix(const char *path, int *fd) G_GNUC_WARN_UNUSED_RESULT;
/* Accept one connection (blocking). */
GError *rsp_accept(int listen_fd, int *conn_fd) G_GNUC_WARN_UNUSED_RESULT;

/* Open where diagnostics go once a session has started: LOG_PATH (appended
 * to), or NULL for none given. Call before serving, so a bad path fails
 * before gdb connects. *fd is -1 when stderr is to stay as it is. */
GError *rsp_log_open(const char *log_path, gboolean use_stdio, int *fd) G_GNUC_WARN_UNUSED_RESULT;
/* Point stderr at LOG_FD (from rsp_log_open; -1: do nothing). When stderr is
 * the socket gdb's `target remote |` reads, its stream is ended first, so
 * that gdb stops polling it (see transport.c). */
void rsp_log_take_stderr(int log_fd);

/* Write all of DATA to FD (the connection to gdb), across short writes
 * and EINTR; an error says the write failed or gdb closed the connection. */
GError *rsp_write_all(int fd, const char *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;
