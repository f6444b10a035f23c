/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "server.h"
#include "transport.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "oopslab-config.h"
#include "packet.h"
#include "registers.h"
#include "monitor.h"

/* Text of one `O` console-output packet: gdb prints each as it comes. */
#define MONITOR_CHUNK 2048

typedef struct {
	OlTarget *t;
	int in_fd, out_fd;
	RspReader reader;
	gboolean no_ack;
	gboolean ack_pending_noack; /* QStartNoAckMode answered: switch after it */
	gboolean done;
	guint64 g_tid;     /* thread of `g`, `p` (Hg) */
	GString *reply;    /* payload being built */
	GString *wire;     /* framed bytes to send */
	GString *last;     /* last framed reply, resent on `-` */
	GError *io_error;
	GBytes *files[16]; /* vFile descriptors (MAX_OPEN_FILES) */
	gboolean file_is_exec[16]; /* that descriptor is the exec file we named */
	GHashTable *told_user;     /* tids whose user-memory failure was explained */
} Session;

typedef void (*Handler)(Session *s, const char *args);

static void write_all(Session *s, const char *data, gsize len)
{
	if (!s->io_error)
		s->io_error = rsp_write_all(s->out_fd, data, len);
}

/* Frame and send a text payload. */
static void send_packet(Session *s, const char *payload, gsize len)
{
	GString *sent;

	g_string_truncate(s->wire, 0);
	rsp_frame(s->wire, payload, len);
	write_all(s, s->wire->str, s->wire->len);
	/* Kept for a `-` (a swap, not a copy); in no-ack mode nothing asks again. */
	sent = s->wire;
	s->wire = s->last;
	s->last = sent;
	if (s->no_ack)
		g_string_truncate(s->last, 0);
}

static void reply_str(Session *s, const char *text)
{
	g_string_assign(s->reply, text);
}

static void reply_error(Session *s, int code)
{
	g_string_printf(s->reply, "E%02x", code & 0xff);
}

static void console_output(Session *s, const char *text)
{
	gsize len = strlen(text);

	for (gsize off = 0; off < len; off += MONITOR_CHUNK) {
		g_autoptr(GString) p = g_string_new("O");

		rsp_append_hex(p, text + off, MIN(MONITOR_CHUNK, len - off));
		send_packet(s, p->str, p->len);
	}
}

static const OlThread *current_thread(Session *s)
{
	const OlThread *th = s->g_tid ? ol_target_find_thread(s->t, s->g_tid) : NULL;

	return th ? th : ol_target_stop_thread(s->t);
}

static void stop_reply(Session *s)
{
	const OlThread *th = ol_target_stop_thread(s->t);

	/* SIGTRAP: gdb takes the initial stop as a plain stop and prints nothing. */
	g_string_printf(s->reply, "T05thread:%" G_GINT64_MODIFIER "x;", th->tid);
	if (th->cpu >= 0)
		g_string_append_printf(s->reply, "core:%x;", th->cpu);
}

static void h_stop(Session *s, const char *args)
{
	stop_reply(s);
}

static void h_read_registers(Session *s, const char *args)
{
	const OlThread *th = current_thread(s);

	g_string_truncate(s->reply, 0);
	for (guint n = 0; n < OL_GDB_NREGS; n++)
		rsp_append_reg_hex(s->reply, &th->regs, n);
}

static void h_read_register(Session *s, const char *args)
{
	guint64 n;

	if (!rsp_parse_hex(&args, &n) || *args)
		return reply_error(s, 1);
	if (n >= OL_GDB_NREGS) {
		/* gdb probes registers it does not know about: not an error */
		g_string_assign(s->reply, "");
		return;
	}
	g_string_truncate(s->reply, 0);
	rsp_append_reg_hex(s->reply, &current_thread(s)->regs, (guint)n);
}

static void h_read_memory(Session *s, const char *args)
{
	guint64 addr, len;
	gsize done = 0;
	g_autofree guint8 *buf = NULL;
	g_autoptr(GError) err = NULL;

	if (!rsp_parse_hex(&args, &addr) || *args++ != ',' || !rsp_parse_hex(&args, &len) || *args)
		return reply_error(s, 1);
	/* Two hex digits per byte must fit a reply packet. */
	len = MIN(len, (RSP_PACKET_SIZE - 16) / 2);
	buf = g_malloc(len ? len : 1);
	err = ol_target_read_as(s->t, current_thread(s), addr, buf, len, &done);
	/* gdb shows only "Cannot access memory": why a user address is not
	 * readable (a kernel thread, no page tables) goes to the stub's
	 * diagnostics (stderr, or --log), once per thread */
	if (err && done == 0 && addr < G_GUINT64_CONSTANT(0x8000000000000000) &&
	    g_hash_table_add(s->told_user, g_memdup2(&current_thread(s)->tid, sizeof(guint64))))
		fprintf(stderr, "oopslab-stub: user memory at 0x%" G_GINT64_MODIFIER "x: %s\n", addr, err->message);
	if (done == 0 && len > 0)
		return reply_error(s, 14); /* EFAULT: gdb says "Cannot access memory" */
	g_string_truncate(s->reply, 0);
	rsp_append_hex(s->reply, buf, done); /* a short reply is a partial read */
}

static void h_read_only(Session *s, const char *args)
{
	/* Writes of memory or registers: gdb reports "Cannot access memory". */
	reply_error(s, 1);
}

static void h_no_breakpoints(Session *s, const char *args)
{
	/* An error, not "unsupported": gdb would fall back to writing int3
	 * into memory, fail there too, and carry on without a word. */
	reply_error(s, 1);
}

static void h_resume(Session *s, const char *args)
{
	console_output(s, "oopslab-stub: this target is a crash dump: it cannot run, step or stop at a breakpoint; "
			  "it stays where it stopped.\n");
	/* SIGINT: gdb stops whatever it was doing (a `step` does not retry) and
	 * says the thread received it. */
	g_string_printf(s->reply, "T02thread:%" G_GINT64_MODIFIER "x;", ol_target_stop_thread(s->t)->tid);
}

static void h_supported(Session *s, const char *args)
{
	g_string_printf(s->reply, "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;qXfer:libraries:read+;qXfer:exec-file:read+",
			RSP_PACKET_SIZE);
}

static void h_no_ack(Session *s, const char *args)
{
	reply_str(s, "OK");
	s->ack_pending_noack = TRUE;
}

static void h_empty(Session *s, const char *args)
{
	g_string_truncate(s->reply, 0);
}

static void h_ok(Session *s, const char *args)
{
	reply_str(s, "OK");
}

/* Hg<tid>, Hc<tid>: -1 and 0 mean all/any thread. */
static void h_set_thread(Session *s, const char *args)
{
	char op = *args++;
	guint64 tid = 0;

	if (g_str_equal(args, "-1") || g_str_equal(args, "0")) {
		tid = 0;
	} else if (!rsp_parse_hex(&args, &tid) || *args || !ol_target_find_thread(s->t, tid)) {
		return reply_error(s, 2);
	}
	if (op == 'g')
		s->g_tid = tid;
	reply_str(s, "OK");
}

static void h_thread_alive(Session *s, const char *args)
{
	guint64 tid;

	if (rsp_parse_hex(&args, &tid) && !*args && ol_target_find_thread(s->t, tid))
		reply_str(s, "OK");
	else
		reply_error(s, 2);
}

static void h_current_thread(Session *s, const char *args)
{
	if (*args) /* qCRC and friends: not supported */
		return h_empty(s, args);
	g_string_printf(s->reply, "QC%" G_GINT64_MODIFIER "x", ol_target_stop_thread(s->t)->tid);
}

static void h_attached(Session *s, const char *args)
{
	/* Attached: gdb's `quit` detaches instead of killing. */
	reply_str(s, "1");
}

static void h_first_thread(Session *s, const char *args)
{
	g_string_assign(s->reply, "m");
	for (guint i = 0; i < ol_target_n_threads(s->t); i++)
		g_string_append_printf(s->reply, "%s%" G_GINT64_MODIFIER "x", i ? "," : "",
				       ol_target_thread(s->t, i)->tid);
}

static void h_next_thread(Session *s, const char *args)
{
	reply_str(s, "l");
}

static void h_thread_extra(Session *s, const char *args)
{
	guint64 tid;
	const OlThread *th;

	if (!rsp_parse_hex(&args, &tid) || !(th = ol_target_find_thread(s->t, tid)))
		return reply_error(s, 2);
	g_string_truncate(s->reply, 0);
	rsp_append_hex(s->reply, th->extra, strlen(th->extra));
}

/* qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH over a whole document. */
static void xfer_reply(Session *s, const char *doc, const char *args)
{
	guint64 off, len;
	gsize size = strlen(doc);

	if (!rsp_parse_hex(&args, &off) || *args++ != ',' || !rsp_parse_hex(&args, &len) || *args)
		return reply_error(s, 1);
	if (off > size)
		return reply_error(s, 1);
	len = MIN(len, size - off);
	/* Escaping can double the size: stay within the packet. */
	len = MIN(len, (RSP_PACKET_SIZE - 16) / 2);
	g_string_assign(s->reply, off + len < size ? "m" : "l");
	rsp_append_binary(s->reply, doc + off, len);
}

static void h_xfer_features(Session *s, const char *args)
{
	if (!g_str_has_prefix(args, "target.xml:"))
		return reply_error(s, 0);
	xfer_reply(s, rsp_target_xml(), args + strlen("target.xml:"));
}

static char *threads_xml(OlTarget *t)
{
	GString *x = g_string_new("<?xml version=\"1.0\"?>\n<threads>\n");

	for (guint i = 0; i < ol_target_n_threads(t); i++) {
		const OlThread *th = ol_target_thread(t, i);
		g_autofree char *name = g_markup_escape_text(th->name, -1);
		g_autofree char *extra = g_markup_escape_text(th->extra, -1);

		g_string_append_printf(x, "<thread id=\"%" G_GINT64_MODIFIER "x\" name=\"%s\"", th->tid, name);
		if (th->cpu >= 0)
			g_string_append_printf(x, " core=\"%d\"", th->cpu);
		g_string_append_printf(x, ">%s</thread>\n", extra);
	}
	g_string_append(x, "</threads>\n");
	return g_string_free(x, FALSE);
}

static void h_xfer_libraries(Session *s, const char *args)
{
	g_autofree char *xml = ol_target_libraries_xml(s->t);

	if (*args++ != ':')
		return reply_error(s, 0);
	xfer_reply(s, xml ? xml : "<library-list version=\"1.0\"/>\n", args);
}

/* ---- host I/O (vFile): gdb reads the files of the library list through us ---- */

/* gdb's File-I/O errno values */
#define FILEIO_ENOENT 2
#define FILEIO_EBADF 9
#define FILEIO_EINVAL 22
#define FILEIO_EROFS 30
/* Open files per session; gdb opens a library at a time. */
#define MAX_OPEN_FILES 16

static void vfile_error(Session *s, int err)
{
	g_string_printf(s->reply, "F-1,%x", err);
}

static GBytes *vfile_get(Session *s, const char **args)
{
	guint64 fd;

	if (!rsp_parse_hex(args, &fd) || fd >= MAX_OPEN_FILES)
		return NULL;
	return s->files[fd];
}

static void h_vfile_setfs(Session *s, const char *args)
{
	reply_str(s, "F0");
}

static void h_vfile_open(Session *s, const char *args)
{
	const char *comma = strchr(args, ',');
	g_autoptr(GByteArray) name = g_byte_array_new();
	GBytes *file;

	if (!comma || !rsp_decode_hex(args, comma - args, name))
		return vfile_error(s, FILEIO_EINVAL);
	g_byte_array_append(name, (const guint8 *)"", 1);
	/* Only what the library list names: never the stub host's own files. */
	file = ol_target_file(s->t, (const char *)name->data);
	if (!file)
		return vfile_error(s, FILEIO_ENOENT);
	for (guint fd = 0; fd < MAX_OPEN_FILES; fd++) {
		if (!s->files[fd]) {
			const char *exec = ol_target_exec_file(s->t);

			s->files[fd] = file;
			s->file_is_exec[fd] = exec && g_str_equal(exec, (const char *)name->data);
			g_string_printf(s->reply, "F%x", fd);
			return;
		}
	}
	g_bytes_unref(file);
	vfile_error(s, FILEIO_EINVAL);
}

static void h_vfile_pread(Session *s, const char *args)
{
	GBytes *file = vfile_get(s, &args);
	guint64 count, offset;
	gsize size;
	const guint8 *data;

	if (!file)
		return vfile_error(s, FILEIO_EBADF);
	if (*args++ != ',' || !rsp_parse_hex(&args, &count) || *args++ != ',' || !rsp_parse_hex(&args,
												&offset))
		return vfile_error(s, FILEIO_EINVAL);
	data = g_bytes_get_data(file, &size);
	offset = MIN(offset, size);
	/* Escaping can double the data: stay within the packet. */
	count = MIN(MIN(count, size - offset), (RSP_PACKET_SIZE - 32) / 2);
	g_string_printf(s->reply, "F%" G_GINT64_MODIFIER "x;", count);
	rsp_append_binary(s->reply, data + offset, count);
}

static void h_vfile_fstat(Session *s, const char *args)
{
	GBytes *file = vfile_get(s, &args);
	guint8 st[64] = {0};
	guint32 mode = GUINT32_TO_BE(0100444); /* regular file, read-only */
	guint64 size;

	if (!file)
		return vfile_error(s, FILEIO_EBADF);
	/* gdb's struct fio_stat: big-endian, st_mode at 8, st_size at 28 */
	size = GUINT64_TO_BE(g_bytes_get_size(file));
	memcpy(st + 8, &mode, 4);
	memcpy(st + 28, &size, 8);
	g_string_assign(s->reply, "F40;");
	rsp_append_binary(s->reply, st, sizeof(st));
}

static void h_vfile_close(Session *s, const char *args)
{
	guint64 fd;

	if (!rsp_parse_hex(&args, &fd) || fd >= MAX_OPEN_FILES || !s->files[fd])
		return vfile_error(s, FILEIO_EBADF);
	g_clear_pointer(&s->files[fd], g_bytes_unref);
	reply_str(s, "F0");
}

static void h_vfile_other(Session *s, const char *args)
{
	/* pwrite, unlink, readlink: nothing here can be written or linked */
	vfile_error(s, FILEIO_EROFS);
}

static void h_xfer_threads(Session *s, const char *args)
{
	g_autofree char *xml = NULL;

	if (*args++ != ':')
		return reply_error(s, 0);
	xml = threads_xml(s->t);
	xfer_reply(s, xml, args);
}

static void h_monitor(Session *s, const char *args)
{
	g_autoptr(GByteArray) raw = g_byte_array_new();
	g_autofree char *cmd = NULL, *out = NULL;

	if (!rsp_decode_hex(args, strlen(args), raw))
		return reply_error(s, 1);
	cmd = g_strndup((const char *)raw->data, raw->len);
	out = ol_monitor_run(s->t, cmd);
	console_output(s, out);
	reply_str(s, "OK");
}

/* gdb has a symbol file: the exec file we served (the entry CFI: moved by
 * the KASLR offset), or its own vmlinux, which cannot be moved from here
 * (qOffsets moves only .text, .data and .bss, which would leave .rodata
 * and the rest wrong): the stub said so when it started
 * (ol_target_kaslr_note). */
static void h_offsets(Session *s, const char *args)
{
	guint64 off;
	gboolean exec_open = FALSE;

	for (guint fd = 0; fd < MAX_OPEN_FILES; fd++)
		exec_open |= s->files[fd] && s->file_is_exec[fd];
	off = ol_target_exec_text_offset(s->t);
	if (!exec_open) {
		g_string_truncate(s->reply, 0);
		return;
	}
	ol_target_use_exec_file(s->t);
	g_string_printf(s->reply, "Text=%" G_GINT64_MODIFIER "x;Data=%" G_GINT64_MODIFIER "x;Bss=%" G_GINT64_MODIFIER "x",
			off, off, off);
}

static void h_xfer_exec_file(Session *s, const char *args)
{
	const char *colon = strchr(args, ':');
	const char *name = ol_target_exec_file(s->t);

	if (!colon || !name)
		return reply_error(s, 0);
	xfer_reply(s, name, colon + 1);
}

static void h_detach(Session *s, const char *args)
{
	reply_str(s, "OK");
	s->done = TRUE;
}

static void h_kill(Session *s, const char *args)
{
	/* No reply: gdb closes the connection. */
	s->done = TRUE;
	g_string_truncate(s->reply, 0);
}

/* Longest prefixes first where they share a start. */
static const struct {
	const char *prefix;
	Handler fn;
} handlers[] = {
	{"?", h_stop},
	{"g", h_read_registers},
	{"p", h_read_register},
	{"m", h_read_memory},
	{"M", h_read_only},
	{"X", h_read_only},
	{"G", h_read_only},
	{"P", h_read_only},
	{"c", h_resume},
	{"C", h_resume},
	{"s", h_resume},
	{"S", h_resume},
	{"vCont;", h_resume},
	{"Z", h_no_breakpoints},
	{"z", h_ok},
	{"vMustReplyEmpty", h_empty},
	{"qSupported", h_supported},
	{"QStartNoAckMode", h_no_ack},
	{"H", h_set_thread},
	{"T", h_thread_alive},
	{"qC", h_current_thread},
	{"qAttached", h_attached},
	{"qfThreadInfo", h_first_thread},
	{"qsThreadInfo", h_next_thread},
	{"qThreadExtraInfo,", h_thread_extra},
	{"qXfer:features:read:", h_xfer_features},
	{"qXfer:threads:read:", h_xfer_threads},
	{"qXfer:libraries:read:", h_xfer_libraries},
	{"qXfer:exec-file:read:", h_xfer_exec_file},
	{"vFile:setfs:", h_vfile_setfs},
	{"vFile:open:", h_vfile_open},
	{"vFile:pread:", h_vfile_pread},
	{"vFile:fstat:", h_vfile_fstat},
	{"vFile:close:", h_vfile_close},
	{"vFile:", h_vfile_other},
	{"qRcmd,", h_monitor},
	{"qSymbol:", h_ok},
	{"qOffsets", h_offsets},
	{"D", h_detach},
	{"k", h_kill},
};

static void handle(Session *s, const char *packet)
{
	g_string_truncate(s->reply, 0);
	for (guint i = 0; i < G_N_ELEMENTS(handlers); i++) {
		if (g_str_has_prefix(packet, handlers[i].prefix)) {
			handlers[i].fn(s, packet + strlen(handlers[i].prefix));
			return;
		}
	}
	/* Anything else: "not supported" (an empty reply). */
}

static void dispatch(Session *s, const char *packet)
{
	handle(s, packet);
	if (packet[0] == 'k')
		return;
	send_packet(s, s->reply->str, s->reply->len);
	if (s->ack_pending_noack) {
		s->no_ack = TRUE;
		s->ack_pending_noack = FALSE;
	}
}

static void log_bad_packet(Session *s, const char *why)
{
	g_autofree char *text = g_strndup((const char *)s->reader.payload->data, MIN(s->reader.payload->len,
										     40));
	g_autofree char *safe = g_strescape(text, NULL);

	fprintf(stderr, "oopslab-stub: %s: packet \"%s%s\"\n", why, safe, s->reader.payload->len > 40 ? "..." : "");
}

GError *rsp_serve(OlTarget *t, int in_fd, int out_fd)
{
	Session s = {.t = t, .in_fd = in_fd, .out_fd = out_fd};
	guint8 buf[65536];

	rsp_reader_init(&s.reader, RSP_PACKET_SIZE);
	s.reply = g_string_new(NULL);
	s.wire = g_string_new(NULL);
	s.last = g_string_new(NULL);
	s.told_user = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	while (!s.done && !s.io_error) {
		ssize_t n = read(in_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s.io_error = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "read from gdb: %s",
						 g_strerror(errno));
			break;
		}
		if (n == 0)
			break; /* gdb went away */
		for (ssize_t i = 0; i < n && !s.done && !s.io_error; i++) {
			switch (rsp_reader_feed(&s.reader, buf[i])) {
			case RSP_EV_PACKET:
				if (!s.no_ack)
					write_all(&s, "+", 1);
				dispatch(&s, (const char *)s.reader.payload->data);
				break;
			case RSP_EV_BAD_CHECKSUM:
				log_bad_packet(&s, "bad checksum");
				if (!s.no_ack)
					write_all(&s, "-", 1);
				break;
			case RSP_EV_TOO_LONG:
				log_bad_packet(&s, "packet longer than PacketSize");
				if (!s.no_ack)
					write_all(&s, "+", 1);
				send_packet(&s, "E01", 3);
				break;
			case RSP_EV_NAK:
				if (!s.no_ack && s.last->len)
					write_all(&s, s.last->str, s.last->len);
				break;
			case RSP_EV_INTERRUPT:
				/* Nothing runs: answer with the stop. */
				stop_reply(&s);
				send_packet(&s, s.reply->str, s.reply->len);
				break;
			case RSP_EV_ACK:
			case RSP_EV_NONE:
				break;
			}
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(s.files); i++)
		g_clear_pointer(&s.files[i], g_bytes_unref);
	rsp_reader_clear(&s.reader);
	g_string_free(s.reply, TRUE);
	g_string_free(s.wire, TRUE);
	g_string_free(s.last, TRUE);
	g_hash_table_unref(s.told_user);
	return s.io_error;
}

/* ---- the same handlers for another front end (live-proxy.c) ---- */

struct RspDumpHandler {
	Session s;
};

RspDumpHandler *rsp_dump_handler_new(OlTarget *t, int out_fd)
{
	RspDumpHandler *h = g_new0(RspDumpHandler, 1);

	h->s.t = t;
	h->s.in_fd = -1;
	h->s.out_fd = out_fd;
	h->s.reply = g_string_new(NULL);
	h->s.wire = g_string_new(NULL);
	h->s.last = g_string_new(NULL);
	return h;
}

void rsp_dump_handler_free(RspDumpHandler *h)
{
	if (!h)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(h->s.files); i++)
		g_clear_pointer(&h->s.files[i], g_bytes_unref);
	g_string_free(h->s.reply, TRUE);
	g_string_free(h->s.wire, TRUE);
	g_string_free(h->s.last, TRUE);
	g_clear_error(&h->s.io_error);
	g_free(h);
}

const GString *rsp_dump_handler_handle(RspDumpHandler *h, const char *packet, GError **io_error)
{
	handle(&h->s, packet);
	if (h->s.io_error)
		*io_error = g_steal_pointer(&h->s.io_error);
	return h->s.reply;
}
