#include "transport.h"

#include <errno.h>
#include <gio/gio.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static GError *sys_error(const char *what, const char *where)
{
	return g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "%s %s: %s", what, where, g_strerror(errno));
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
		return g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--listen %s: %s", spec, gai_strerror(rc));
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
