/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The console stream: non-blocking, read from libvirt's event loop (a
 * callback on VIR_STREAM_EVENT_READABLE), so no thread of ours sits in a
 * blocking virStreamRecv that destroy would have to interrupt. Every chunk
 * is written to the file at once: the watcher polls the file, and a console
 * must survive a harness that dies before the end of the run.
 */
#include "console-stream.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <unistd.h>

#include <libvirt/virterror.h>

/* The file's end of it: shared with the event callback, which libvirt may
 * still run while the stream is being closed (it drops its ref through the
 * callback's free function). */
typedef struct {
	gint refs;
	int fd;
	gint ended;
	char *path;
	char *why;     /* how the stream ended, set before ended */
} Sink;

struct ConsoleStream {
	virStreamPtr st;
	gboolean has_callback;
	Sink *sink;
};

static void sink_unref(void *p)
{
	Sink *s = p;

	if (!g_atomic_int_dec_and_test(&s->refs))
		return;
	if (s->fd >= 0)
		close(s->fd);
	g_free(s->path);
	g_free(s->why);
	g_free(s);
}

static void write_all(Sink *s, const char *buf, gsize len)
{
	while (len > 0) {
		ssize_t n = write(s->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			g_warning("console stream: cannot write %s: %s", s->path, g_strerror(errno));
			return;
		}
		buf += n;
		len -= n;
	}
}

static void on_event(virStreamPtr st, int events, void *opaque)
{
	Sink *s = opaque;
	char buf[16384];

	if (events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP)) {
		for (;;) {
			int n = virStreamRecv(st, buf, sizeof(buf));

			if (n > 0) {
				write_all(s, buf, n);
				continue;
			}
			if (n == -2) /* nothing more for now */
				return;
			/* 0: the end (the guest is gone); -1: an error */
			if (n < 0 && !s->why) {
				const char *msg = virGetLastErrorMessage();

				s->why = g_strdup_printf("error: %s", msg ? msg : "unknown libvirt error");
			}
			break;
		}
	} else if (!(events & VIR_STREAM_EVENT_ERROR)) {
		return;
	} else if (!s->why) {
		s->why = g_strdup("error event");
	}
	if (!s->why)
		s->why = g_strdup("end of stream");
	/* no more events for a stream that ended; console_stream_free removes
	 * the callback */
	g_atomic_int_set(&s->ended, 1);
	virStreamEventUpdateCallback(st, 0);
}

GError *console_stream_open(virConnectPtr conn, virDomainPtr dom, const char *path, ConsoleStream **out)
{
	g_autoptr(ConsoleStream) cs = g_new0(ConsoleStream, 1);
	const char *msg;

	cs->sink = g_new0(Sink, 1);
	cs->sink->refs = 1;
	cs->sink->path = g_strdup(path);
	cs->sink->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (cs->sink->fd < 0)
		return g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot open %s: %s", path,
				   g_strerror(errno));
	cs->st = virStreamNew(conn, VIR_STREAM_NONBLOCK);
	if (!cs->st)
		goto fail;
	/* FORCE: a console left open by a killed run of ours does not block us */
	if (virDomainOpenConsole(dom, NULL, cs->st, VIR_DOMAIN_CONSOLE_FORCE) < 0)
		goto fail;
	if (virStreamEventAddCallback(cs->st, VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP |
					      VIR_STREAM_EVENT_ERROR,
				      on_event, cs->sink, sink_unref) < 0)
		goto fail;
	g_atomic_int_inc(&cs->sink->refs);
	cs->has_callback = TRUE;
	*out = g_steal_pointer(&cs);
	return NULL;
fail:
	msg = virGetLastErrorMessage();
	return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "cannot open the guest's console through libvirt: %s",
			   msg ? msg : "unknown libvirt error");
}

gboolean console_stream_ended(ConsoleStream *cs)
{
	return g_atomic_int_get(&cs->sink->ended);
}

const char *console_stream_end_reason(ConsoleStream *cs)
{
	return g_atomic_int_get(&cs->sink->ended) ? cs->sink->why : NULL;
}

void console_stream_free(ConsoleStream *cs)
{
	if (!cs)
		return;
	if (cs->st) {
		if (cs->has_callback)
			virStreamEventRemoveCallback(cs->st);
		virStreamAbort(cs->st);
		virStreamFree(cs->st);
	}
	if (cs->sink)
		sink_unref(cs->sink);
	g_free(cs);
}
