/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static GError *sys_error(const char *what, const char *where)
{
	return g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "%s %s: %s", what, where,
			   g_strerror(errno));
}

GError *rsp_listen_tcp(const char *spec, int *out, char **where)
{
	g_autofree char *host = NULL;
	const char *port, *colon = strrchr(spec, ':');
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *res = NULL;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	char hbuf[NI_MAXHOST], pbuf[NI_MAXSERV];
	int fd, one = 1, rc;

	if (colon) {
		host = g_strndup(spec, colon - spec);
		port = colon + 1;
		/* [::1]:1234 */
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			memmove(host, host + 1, strlen(host) - 2);
			host[strlen(host) - 2] = '\0';
		}
	} else {
		host = g_strdup("127.0.0.1"); /* loopback unless told otherwise */
		port = spec;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--listen %s: expected [HOST:]PORT", spec);
	rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (rc)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--listen %s: %s", spec,
				   gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd < 0) {
		freeaddrinfo(res);
		return sys_error("socket for", spec);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1) < 0) {
		GError *err = sys_error("cannot listen on", spec);

		freeaddrinfo(res);
		close(fd);
		return err;
	}
	freeaddrinfo(res);
	getsockname(fd, (struct sockaddr *)&bound, &blen);
	getnameinfo((struct sockaddr *)&bound, blen, hbuf, sizeof(hbuf), pbuf, sizeof(pbuf),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	*where = g_strdup_printf(strchr(hbuf, ':') ? "[%s]:%s" : "%s:%s", hbuf, pbuf);
	*out = fd;
	return NULL;
}

GError *rsp_listen_unix(const char *path, int *out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--unix %s: path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sys_error("socket for", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		GError *err = sys_error("cannot listen on", path);

		close(fd);
		return err;
	}
	*out = fd;
	return NULL;
}

GError *rsp_accept(int listen_fd, int *conn_fd)
{
	int fd, one = 1;

	do
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return sys_error("accept", "failed");
	/* Small request/reply packets: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*conn_fd = fd;
	return NULL;
}

/* stderr is a socket of its own: not the connection itself, as it is for an
 * inetd-style service whose three descriptors are the one client socket. */
static gboolean stderr_is_socket(void)
{
	struct stat err, out;

	if (fstat(STDERR_FILENO, &err) != 0 || !S_ISSOCK(err.st_mode))
		return FALSE;
	return fstat(STDOUT_FILENO, &out) != 0 || out.st_dev != err.st_dev || out.st_ino != err.st_ino;
}

GError *rsp_log_open(const char *log_path, gboolean use_stdio, int *fd)
{
	*fd = -1;
	if (log_path) {
		*fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (*fd < 0)
			return sys_error("--log: cannot open", log_path);
	} else if (use_stdio && stderr_is_socket()) {
		/* gdb's socketpair: nobody reads what comes after the start */
		*fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (*fd < 0)
			return sys_error("cannot open", "/dev/null");
	}
	return NULL;
}

/*
 * gdb 13's `target remote | CMD` (ser-pipe.c) gives CMD a socketpair as
 * stderr, and ser-base.c's generic_readchar() tries a read() of it after
 * every byte it takes from the connection, until that read() returns end of
 * file: 64 MiB of memory in hex cost 128 M failed syscalls (0.9 MB/s).
 * Closing our descriptor is not enough: the `sh -c` gdb starts us from
 * (dash does not exec its last command) holds a copy. shutdown() ends the
 * stream for every holder, and what was written before it is still read
 * and printed by gdb.
 */
void rsp_log_take_stderr(int log_fd)
{
	if (log_fd < 0)
		return;
	fflush(stderr);
	if (stderr_is_socket())
		shutdown(STDERR_FILENO, SHUT_WR);
	dup2(log_fd, STDERR_FILENO);
	close(log_fd);
}

GError *rsp_write_all(int fd, const char *data, gsize len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "write to gdb: %s",
					   n < 0 ? g_strerror(errno) : "closed");
		data += n;
		len -= (gsize)n;
	}
	return NULL;
}
