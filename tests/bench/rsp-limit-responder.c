/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rsp-limit-responder: the fastest RSP memory server there can be, to
 * measure what gdb itself can take (tests/bench/stub-read-speed); not a test.
 *
 *   rsp-limit-responder --listen PORT     one gdb session at a time on 127.0.0.1
 *   rsp-limit-responder --stdio           one session on stdin/stdout
 *
 * Every `m ADDR,LEN` is answered at once from one buffer hex-encoded when
 * the program starts. The byte at address A is PATTERN(A) = (7 * A + 3) mod
 * 256, which depends on A mod 4096 only, so the reply for any address is a
 * slice of the buffer that begins at ADDR mod 4096. The checksums are prefix
 * sums over that buffer, so a reply costs one writev() and no encoding.
 * PacketSize is the stub's (RSP_PACKET_SIZE), so gdb sends the same requests.
 * Nothing else is modelled: `g` is all zeros, `?` is S05, the rest empty.
 *
 * Exit status: 0 after gdb detaches or kills (--stdio), 1 on an I/O error,
 * 2 on usage.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "packet.h" /* RSP_PACKET_SIZE */

#define MAX_DATA ((RSP_PACKET_SIZE - 16) / 2) /* bytes per reply, as the stub */
#define PAGE 4096
/* The byte at address A: depends on A mod 4096 only. */
#define PATTERN(a) ((unsigned char)(((a) * 7 + 3) & 0xff))

static char *hex;            /* 2 * (MAX_DATA + PAGE) digits */
static unsigned char *csum;  /* csum[i] = sum of hex[0..i) mod 256 */

static void encode(void)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 2 * (size_t)(MAX_DATA + PAGE);

	hex = malloc(n);
	csum = malloc(n + 1);
	if (!hex || !csum)
		exit(1);
	for (size_t i = 0; i < MAX_DATA + PAGE; i++) {
		unsigned char b = PATTERN(i);

		hex[2 * i] = digits[b >> 4];
		hex[2 * i + 1] = digits[b & 15];
	}
	csum[0] = 0;
	for (size_t i = 0; i < n; i++)
		csum[i + 1] = (unsigned char)(csum[i] + (unsigned char)hex[i]);
}

static int write_iov(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static int send_text(int fd, const char *text)
{
	unsigned char sum = 0;
	char tail[4];
	struct iovec iov[3] = {{"$", 1}, {(void *)text, strlen(text)}, {tail, 3}};

	for (const char *p = text; *p; p++)
		sum += (unsigned char)*p;
	snprintf(tail, sizeof(tail), "#%02x", sum);
	return write_iov(fd, iov, 3);
}

static int send_memory(int fd, const char *args)
{
	char *end;
	unsigned long long addr = strtoull(args, &end, 16), len;
	size_t at, n;
	char tail[4];
	struct iovec iov[3];

	if (*end != ',')
		return send_text(fd, "E01");
	len = strtoull(end + 1, NULL, 16);
	if (len > MAX_DATA)
		len = MAX_DATA;
	at = 2 * (size_t)(addr % PAGE);
	n = 2 * (size_t)len;
	snprintf(tail, sizeof(tail), "#%02x", (unsigned char)(csum[at + n] - csum[at]));
	iov[0] = (struct iovec){"$", 1};
	iov[1] = (struct iovec){hex + at, n};
	iov[2] = (struct iovec){tail, 3};
	return write_iov(fd, iov, 3);
}

/* One packet's payload (NUL-terminated): 1 to end the session, -1 on error. */
static int answer(int fd, const char *p, int *no_ack)
{
	/* amd64 without a target description: 536 bytes, ending at mxcsr */
	static char regs[2 * 536 + 1];

	if (!*no_ack && write(fd, "+", 1) != 1)
		return -1;
	switch (p[0]) {
	case 'm':
		return send_memory(fd, p + 1);
	case 'g':
		memset(regs, '0', sizeof(regs) - 1);
		return send_text(fd, regs);
	case '?':
		return send_text(fd, "S05");
	case 'D':
		return send_text(fd, "OK") ? -1 : 1;
	case 'k':
		return 1;
	}
	if (!strncmp(p, "qSupported", 10)) {
		char text[64];

		snprintf(text, sizeof(text), "PacketSize=%x;QStartNoAckMode+", RSP_PACKET_SIZE);
		return send_text(fd, text);
	}
	if (!strcmp(p, "QStartNoAckMode")) {
		int rc = send_text(fd, "OK");

		*no_ack = 1;
		return rc;
	}
	return send_text(fd, "");
}

static int serve(int in, int out)
{
	static char buf[65536], pkt[RSP_PACKET_SIZE + 1];
	size_t len = 0;
	int state = 0, no_ack = 0, rc; /* 0 idle, 1 payload, 2 and 3 checksum digits */

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (state == 0 && c == '$') {
				state = 1;
				len = 0;
			} else if (state == 1 && c == '#') {
				state = 2;
			} else if (state == 1) {
				if (len < RSP_PACKET_SIZE)
					pkt[len++] = c;
			} else if (state == 2) {
				state = 3;
			} else if (state == 3) {
				/* gdb's checksums are right: not checked, this is a bench */
				state = 0;
				pkt[len] = '\0';
				if ((rc = answer(out, pkt, &no_ack)))
					return rc < 0 ? -1 : 0;
			}
		}
	}
}

static int listen_on(const char *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	socklen_t slen = sizeof(sa);

	sa.sin_port = htons((unsigned short)atoi(port));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		perror("rsp-limit-responder: listen");
		return 1;
	}
	getsockname(fd, (struct sockaddr *)&sa, &slen);
	fprintf(stderr, "rsp-limit-responder: listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			return 1;
		/* as the stub (transport.c) */
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(c, c);
		close(c);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--listen")) {
		encode();
		return listen_on(argv[2]);
	}
	if (argc == 2 && !strcmp(argv[1], "--stdio")) {
		encode();
		/* gdb's `target remote |` polls our stderr until it ends (as the stub) */
		shutdown(STDERR_FILENO, SHUT_WR);
		return serve(0, 1) ? 1 : 0;
	}
	fprintf(stderr, "usage: rsp-limit-responder --listen PORT | --stdio\n");
	return 2;
}
