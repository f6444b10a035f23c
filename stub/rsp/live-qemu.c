/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "live-qemu.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "packet.h"

/* Target description documents we fetch (target.xml and its includes). */
#define MAX_XML_DOCS 16
#define MAX_QEMU_REGS 512
/* vCPUs listed by qfThreadInfo/qsThreadInfo at most (QEMU's x86 limit). */
#define MAX_VCPUS 8192

typedef struct {
	char *name;
	guint bits;
	int ours; /* OlGdbReg with the same name, or -1 */
} QemuReg;

struct LiveQemu {
	char *path;
	int fd;
	RspReader reader;
	GArray *regs;       /* QemuReg, by QEMU register number */
	int phys_mode;      /* Qqemu.PhyMemMode as last set: -1 unknown */
	gboolean multiprocess; /* QEMU said multiprocess+: thread ids are pPID.TID */
	guint64 pid;        /* the vCPUs' process id (1) */
	guint64 mem_tid;    /* Hg thread last set for memory, 0 none */
};

/* OOPSLAB_LIVE_TRACE=FILE: every packet to and from QEMU and gdb, one a
 * line with the time, for a session that hangs (gdb's `set debug remote`
 * shows only gdb's side). */
void live_trace(const char *who, const char *data, gsize len)
{
	static FILE *out;
	static gboolean opened;

	if (!opened) {
		const char *path = g_getenv("OOPSLAB_LIVE_TRACE");

		opened = TRUE;
		out = path ? fopen(path, "ae") : NULL;
	}
	if (!out)
		return;
	fprintf(out, "%.6f %s %.*s\n", g_get_monotonic_time() / 1e6, who, (int)MIN(len, 200), data);
	fflush(out);
}

static GError *q_error(LiveQemu *q, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static GError *q_error(LiveQemu *q, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "QEMU gdbstub %s: %s", q->path, msg);
}

static void reg_clear(gpointer p)
{
	g_free(((QemuReg *)p)->name);
}

void live_qemu_free(LiveQemu *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	rsp_reader_clear(&q->reader);
	if (q->regs)
		g_array_unref(q->regs);
	g_free(q->path);
	g_free(q);
}

int live_qemu_fd(const LiveQemu *q)
{
	return q->fd;
}

static GError *write_all(LiveQemu *q, const char *data, gsize len)
{
	while (len) {
		ssize_t n = write(q->fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return q_error(q, "write: %s", n < 0 ? g_strerror(errno) : "closed");
		data += n;
		len -= (gsize)n;
	}
	return NULL;
}

GError *live_qemu_send(LiveQemu *q, const char *packet)
{
	g_autoptr(GString) wire = g_string_new(NULL);

	rsp_frame(wire, packet, strlen(packet));
	live_trace("stub>qemu", packet, strlen(packet));
	return write_all(q, wire->str, wire->len);
}

GError *live_qemu_interrupt(LiveQemu *q)
{
	live_trace("stub>qemu", "^C", 2);
	return write_all(q, "\003", 1);
}

/* QEMU's replies may use run-length encoding (`X*n`): expand it. */
static void expand_rle(const GByteArray *in, GString *out)
{
	g_string_truncate(out, 0);
	for (guint i = 0; i < in->len; i++) {
		if (in->data[i] == '*' && i > 0 && i + 1 < in->len && out->len) {
			int n = in->data[++i] - 29;
			char c = out->str[out->len - 1];

			for (int k = 0; k < n; k++)
				g_string_append_c(out, c);
		} else {
			g_string_append_c(out, (char)in->data[i]);
		}
	}
}

/* Feed one byte; TRUE with REPLY set when a non-`O` packet completed. */
static GError *feed(LiveQemu *q, guint8 c, GString *reply, GString *console, gboolean *got)
{
	GError *err;

	switch (rsp_reader_feed(&q->reader, c)) {
	case RSP_EV_PACKET:
		if ((err = write_all(q, "+", 1)))
			return err;
		if (q->reader.overflow)
			return q_error(q, "reply longer than %u bytes", LIVE_QEMU_MAX_PACKET);
		expand_rle(q->reader.payload, reply);
		live_trace("qemu>stub", reply->str, reply->len);
		/* `O` + hex is console output; "OK" is a reply. */
		if (reply->str[0] == 'O' && reply->len > 1 && reply->len % 2 == 1 &&
		    strcmp(reply->str, "OK") != 0) {
			g_autoptr(GByteArray) text = g_byte_array_new();

			if (console && rsp_decode_hex(reply->str + 1, reply->len - 1, text))
				g_string_append_len(console, (const char *)text->data, text->len);
			return NULL;
		}
		*got = TRUE;
		return NULL;
	case RSP_EV_BAD_CHECKSUM:
		return write_all(q, "-", 1);
	default:
		return NULL;
	}
}

GError *live_qemu_poll_packet(LiveQemu *q, GString *reply, GString *console, gboolean *got)
{
	guint8 buf[4096];
	ssize_t n;
	GError *err;

	*got = FALSE;
	do
		n = read(q->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return NULL;
	if (n <= 0)
		return q_error(q, "read: %s", n < 0 ? g_strerror(errno) : "connection closed (QEMU exited?)");
	for (ssize_t i = 0; i < n; i++) {
		if ((err = feed(q, buf[i], reply, console, got)))
			return err;
		/* One packet per call: QEMU sends nothing after a reply
		 * until it is asked again, so nothing is left over. */
	}
	return NULL;
}

GError *live_qemu_request(LiveQemu *q, const char *packet, GString *reply, GString *console)
{
	gboolean got = FALSE;
	GError *err;

	if ((err = live_qemu_send(q, packet)))
		return err;
	while (!got) {
		struct pollfd p = {.fd = q->fd, .events = POLLIN};

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return q_error(q, "poll: %s", g_strerror(errno));
		if ((err = live_qemu_poll_packet(q, reply, console, &got)))
			return err;
		/* QEMU pauses the guest when we connect and may say so with a
		 * stop packet nobody asked for: only `?` is answered by one. */
		if (got && (reply->str[0] == 'T' || reply->str[0] == 'S') && !g_str_equal(packet, "?"))
			got = FALSE;
	}
	return NULL;
}

/* ---- registers ---- */

static int our_reg(const char *name)
{
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
		"r15", "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
	};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_str_equal(name, names[i]))
			return (int)i;
	if (g_str_equal(name, "fs_base"))
		return OL_GDB_FS_BASE;
	if (g_str_equal(name, "gs_base"))
		return OL_GDB_GS_BASE;
	if (g_str_equal(name, "k_gs_base"))
		return OL_GDB_K_GS_BASE;
	if (g_str_equal(name, "cr0"))
		return OL_GDB_CR0;
	if (g_str_equal(name, "cr2"))
		return OL_GDB_CR2;
	if (g_str_equal(name, "cr3"))
		return OL_GDB_CR3;
	if (g_str_equal(name, "cr4"))
		return OL_GDB_CR4;
	return -1;
}

static GError *fetch_doc(LiveQemu *q, const char *annex, GString *doc)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	GError *err;

	g_string_truncate(doc, 0);
	/* Bounded: each round trip adds at least one byte, up to 1 MiB. */
	while (doc->len < (1u << 20)) {
		g_autofree char *req = g_strdup_printf("qXfer:features:read:%s:%zx,%x", annex, doc->len, 0xf00);

		if ((err = live_qemu_request(q, req, reply, NULL)))
			return err;
		if (reply->str[0] != 'm' && reply->str[0] != 'l')
			return q_error(q, "cannot read its target description %s (reply \"%.20s\")", annex, reply->str);
		g_string_append_len(doc, reply->str + 1, reply->len - 1);
		if (reply->str[0] == 'l' || reply->len == 1)
			return NULL;
	}
	return q_error(q, "target description %s longer than 1 MiB", annex);
}

static char *xml_attr(const char *elem, const char *name)
{
	g_autofree char *pat = g_strdup_printf("\\s%s=\"([^\"]*)\"", name);
	g_autoptr(GRegex) re = g_regex_new(pat, 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	return g_regex_match(re, elem, 0, &m) ? g_match_info_fetch(m, 1) : NULL;
}

static void add_regs(LiveQemu *q, const char *with_comments)
{
	g_autoptr(GRegex) re = g_regex_new("<reg\\s[^>]*>", 0, 0, NULL);
	/* QEMU's description keeps registers it does not send in comments */
	g_autoptr(GRegex) comment = g_regex_new("<!--.*?-->", G_REGEX_DOTALL, 0, NULL);
	g_autofree char *doc = g_regex_replace_literal(comment, with_comments, -1, 0, "", 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;

	for (g_regex_match(re, doc, 0, &m); g_match_info_matches(m) && q->regs->len < MAX_QEMU_REGS;
	     g_match_info_next(m, NULL)) {
		g_autofree char *elem = g_match_info_fetch(m, 0);
		g_autofree char *num = xml_attr(elem, "regnum");
		g_autofree char *bits = xml_attr(elem, "bitsize");
		QemuReg r = {.name = xml_attr(elem, "name")};
		guint64 n = num ? g_ascii_strtoull(num, NULL, 10) : q->regs->len;

		r.bits = bits ? (guint)g_ascii_strtoull(bits, NULL, 10) : 0;
		if (!r.name || n >= MAX_QEMU_REGS || r.bits == 0 || r.bits % 8) {
			g_free(r.name);
			continue;
		}
		r.ours = our_reg(r.name);
		if (n > q->regs->len)
			g_array_set_size(q->regs, (guint)n);
		g_array_append_val(q->regs, r);
	}
}

static GError *read_target_xml(LiveQemu *q)
{
	g_autoptr(GString) top = g_string_new(NULL), doc = g_string_new(NULL);
	g_autoptr(GRegex) inc = g_regex_new("<xi:include\\s+href=\"([^\"]+)\"", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	guint docs = 0;
	GError *err;

	if ((err = fetch_doc(q, "target.xml", top)))
		return err;
	add_regs(q, top->str);
	for (g_regex_match(inc, top->str, 0, &m); g_match_info_matches(m) && docs++ < MAX_XML_DOCS;
	     g_match_info_next(m, NULL)) {
		g_autofree char *href = g_match_info_fetch(m, 1);

		if ((err = fetch_doc(q, href, doc)))
			return err;
		add_regs(q, doc->str);
	}
	if (g_getenv("OOPSLAB_LIVE_DEBUG"))
		for (guint i = 0; i < q->regs->len; i++)
			fprintf(stderr, "qemu reg %u %s %u -> %d\n", i, g_array_index(q->regs, QemuReg, i).name,
				g_array_index(q->regs, QemuReg, i).bits,
				g_array_index(q->regs, QemuReg, i).ours);
	if (q->regs->len == 0)
		return q_error(q, "its target description names no registers");
	return NULL;
}

guint live_qemu_n_regs(const LiveQemu *q)
{
	return q->regs->len;
}

char *live_qemu_tid(const LiveQemu *q, guint64 tid)
{
	if (q->multiprocess)
		return g_strdup_printf("p%" G_GINT64_MODIFIER "x.%" G_GINT64_MODIFIER "x", q->pid, tid);
	return g_strdup_printf("%" G_GINT64_MODIFIER "x", tid);
}

gboolean live_qemu_parse_tid(LiveQemu *q, const char **p, guint64 *tid)
{
	guint64 pid;

	if (**p != 'p')
		return rsp_parse_hex(p, tid);
	(*p)++;
	if (!rsp_parse_hex(p, &pid) || *(*p)++ != '.' || !rsp_parse_hex(p, tid))
		return FALSE;
	q->pid = pid;
	return TRUE;
}

void live_qemu_plain_stop(LiveQemu *q, GString *reply)
{
	char *th = strstr(reply->str, "thread:");
	const char *p;
	guint64 tid;

	if (!th || th[7] != 'p')
		return;
	p = th + 7;
	if (!live_qemu_parse_tid(q, &p, &tid))
		return;
	{
		g_autofree char *rest = g_strdup(p);
		gsize at = (gsize)(th - reply->str) + 7;

		g_string_truncate(reply, at);
		g_string_append_printf(reply, "%" G_GINT64_MODIFIER "x%s", tid, rest);
	}
}

static GError *set_thread(LiveQemu *q, char op, guint64 tid)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autofree char *id = live_qemu_tid(q, tid);
	g_autofree char *req = g_strdup_printf("H%c%s", op, id);
	GError *err;

	if ((err = live_qemu_request(q, req, reply, NULL)))
		return err;
	if (!g_str_equal(reply->str, "OK"))
		return q_error(q, "%s: %s", req, reply->str);
	return NULL;
}

GError *live_qemu_read_regs(LiveQemu *q, guint64 tid, OlRegs *regs)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autoptr(GByteArray) bytes = g_byte_array_new();
	gsize off = 0;
	GError *err;

	q->mem_tid = 0;
	if ((err = set_thread(q, 'g', tid)) || (err = live_qemu_request(q, "g", reply, NULL)))
		return err;
	if (!rsp_decode_hex(reply->str, reply->len, bytes))
		return q_error(q, "g for thread %" G_GINT64_MODIFIER "x: bad reply \"%.20s\"", tid, reply->str);
	memset(regs, 0, sizeof(*regs));
	for (guint i = 0; i < q->regs->len; i++) {
		const QemuReg *r = &g_array_index(q->regs, QemuReg, i);
		gsize size = r->bits / 8;
		guint64 v = 0;

		if (!r->name || off + size > bytes->len)
			break;
		if (r->ours >= 0 && size <= 8) {
			memcpy(&v, bytes->data + off, size);
			ol_regs_set(regs, (OlGdbReg)r->ours, GUINT64_FROM_LE(v));
		}
		off += size;
	}
	if (!regs->valid[OL_GDB_RIP])
		return q_error(q, "g for thread %" G_GINT64_MODIFIER "x: no rip in %u bytes", tid, bytes->len);
	return NULL;
}

GError *live_qemu_write_reg(LiveQemu *q, guint64 tid, guint n, const char *hex_value)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autofree char *req = NULL;
	GError *err;

	for (guint i = 0; i < q->regs->len; i++) {
		const QemuReg *r = &g_array_index(q->regs, QemuReg, i);

		if (r->name && r->ours == (int)n && r->bits / 8 == rsp_reg_size(n)) {
			q->mem_tid = 0;
			if ((err = set_thread(q, 'g', tid)))
				return err;
			req = g_strdup_printf("P%x=%s", i, hex_value);
			if ((err = live_qemu_request(q, req, reply, NULL)))
				return err;
			return g_str_equal(reply->str, "OK") ? NULL : q_error(q, "%s: %s", req, reply->str);
		}
	}
	return q_error(q, "has no register matching our register %u", n);
}

GError *live_qemu_threads(LiveQemu *q, GArray **out)
{
	g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autoptr(GString) reply = g_string_new(NULL);
	const char *req = "qfThreadInfo";
	GError *err;

	while (tids->len < MAX_VCPUS) {
		const char *p;

		if ((err = live_qemu_request(q, req, reply, NULL)))
			return err;
		if (reply->str[0] == 'l')
			break;
		if (reply->str[0] != 'm')
			return q_error(q, "%s: bad reply \"%.20s\"", req, reply->str);
		for (p = reply->str + 1; *p;) {
			guint64 tid;

			if (!live_qemu_parse_tid(q, &p, &tid) || (*p && *p++ != ','))
				return q_error(q, "%s: bad thread list \"%.40s\"", req, reply->str);
			g_array_append_val(tids, tid);
		}
		req = "qsThreadInfo";
	}
	if (tids->len == 0)
		return q_error(q, "lists no vCPU threads");
	*out = g_steal_pointer(&tids);
	return NULL;
}

/* ---- memory ---- */

static GError *set_phys_mode(LiveQemu *q, int on)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	GError *err;

	if (q->phys_mode == on)
		return NULL;
	if ((err = live_qemu_request(q, on ? "Qqemu.PhyMemMode:1" : "Qqemu.PhyMemMode:0", reply, NULL)))
		return err;
	if (!g_str_equal(reply->str, "OK"))
		return q_error(q, "Qqemu.PhyMemMode:%d: \"%s\" (QEMU too old?)", on, reply->str);
	q->phys_mode = on;
	return NULL;
}

/* `m` in pieces QEMU's packet size allows; stops at the first failure. */
static GError *read_mem(LiveQemu *q, guint64 addr, guint8 *buf, gsize len, gsize *done)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autoptr(GByteArray) bytes = g_byte_array_new();
	GError *err;

	*done = 0;
	while (*done < len) {
		/* QEMU 7.2's PacketSize is 0x1000: two hex digits a byte */
		gsize n = MIN(len - *done, 0x7f0);
		g_autofree char *req = g_strdup_printf("m%" G_GINT64_MODIFIER "x,%zx", addr + *done, n);

		if ((err = live_qemu_request(q, req, reply, NULL)))
			return err;
		g_byte_array_set_size(bytes, 0);
		if (reply->str[0] == 'E' || !rsp_decode_hex(reply->str, reply->len, bytes) || bytes->len == 0)
			return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
					   "QEMU cannot read address " X64 " (%s)", addr + *done, reply->str);
		n = MIN(n, bytes->len);
		memcpy(buf + *done, bytes->data, n);
		*done += n;
	}
	return NULL;
}

GError *live_qemu_read_phys(void *ctx, guint64 paddr, void *buf, gsize len)
{
	LiveQemu *q = ctx;
	gsize done;
	GError *err;

	if ((err = set_phys_mode(q, 1)))
		return err;
	return read_mem(q, paddr, buf, len, &done);
}

GError *live_qemu_read_virt(LiveQemu *q, guint64 tid, guint64 addr, void *buf, gsize len, gsize *done)
{
	GError *err;

	*done = 0;
	if ((err = set_phys_mode(q, 0)))
		return err;
	if (q->mem_tid != tid) {
		if ((err = set_thread(q, 'g', tid)))
			return err;
		q->mem_tid = tid;
	}
	return read_mem(q, addr, buf, len, done);
}

/* ---- single-step ---- */

/* QEMU's SSTEP_* bits (qqemu.sstepbits names them the same in every
 * version that has them). */
#define SSTEP_ENABLE 0x1
#define SSTEP_NOIRQ 0x2
#define SSTEP_NOTIMER 0x4

/* The setting as QEMU prints it ("0x7"); *KNOWN FALSE if it did not say. */
static GError *sstep_flags(LiveQemu *q, guint64 *flags, gboolean *known)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	const char *p;
	GError *err;

	*known = FALSE;
	if ((err = live_qemu_request(q, "qqemu.sstep", reply, NULL)))
		return err;
	p = reply->str;
	if (g_str_has_prefix(p, "0x"))
		p += 2;
	*known = rsp_parse_hex(&p, flags) && !*p;
	return NULL;
}

GError *live_qemu_mask_irqs_in_steps(LiveQemu *q, gboolean *masked)
{
	static const guint64 wanted[] = {
		SSTEP_ENABLE | SSTEP_NOIRQ | SSTEP_NOTIMER,
		SSTEP_ENABLE | SSTEP_NOIRQ,
	};
	g_autoptr(GString) reply = g_string_new(NULL);
	guint64 flags = 0;
	gboolean known;
	GError *err;

	*masked = FALSE;
	if ((err = sstep_flags(q, &flags, &known)) || !known)
		return err; /* !known: a QEMU without the setting, nothing to do */
	if ((flags & (SSTEP_ENABLE | SSTEP_NOIRQ)) == (SSTEP_ENABLE | SSTEP_NOIRQ)) {
		*masked = TRUE;
		return NULL;
	}
	/* QEMU refuses bits its accelerator cannot do (E22): KVM without
	 * KVM_GUESTDBG_BLOCKIRQ masks nothing. */
	for (guint i = 0; i < G_N_ELEMENTS(wanted) && !*masked; i++) {
		g_autofree char *req = g_strdup_printf("Qqemu.sstep=0x%" G_GINT64_MODIFIER "x", wanted[i]);

		if ((err = live_qemu_request(q, req, reply, NULL)))
			return err;
		*masked = g_str_equal(reply->str, "OK");
	}
	return NULL;
}

GError *live_qemu_detach(LiveQemu *q)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	/* In multiprocess mode QEMU 7.2 answers a bare `D` with E22 and keeps
	 * the guest stopped: it wants the process. */
	g_autofree char *req = q->multiprocess ? g_strdup_printf("D;%" G_GINT64_MODIFIER "x", q->pid)
					       : g_strdup("D");
	GError *err;

	/* QEMU keeps the mode for the next debugger, which would read
	 * physical memory at its virtual addresses. */
	if ((q->phys_mode == 1 && (err = set_phys_mode(q, 0))) ||
	    (err = live_qemu_request(q, req, reply, NULL)))
		return err;
	if (!g_str_equal(reply->str, "OK"))
		return q_error(q, "%s: \"%.20s\" (the guest may stay stopped)", req, reply->str);
	return NULL;
}

/* ---- connecting ---- */

static GError *handshake(LiveQemu *q)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	GError *err;

	/* multiprocess+: QEMU 7.2 keeps that mode once any debugger asked
	 * for it, so we always ask and speak pPID.TID to it; gdb sees the
	 * plain TID (vCPU index + 1, as in the dump mode). */
	if ((err = live_qemu_request(q, "qSupported:multiprocess+;vContSupported+;xmlRegisters=i386", reply, NULL)))
		return err;
	q->multiprocess = strstr(reply->str, "multiprocess+") != NULL;
	q->pid = 1;
	if (!strstr(reply->str, "qXfer:features:read+"))
		return q_error(q, "does not give its target description (qSupported: %s)", reply->str);
	return read_target_xml(q);
}

GError *live_qemu_connect(const char *socket_path, LiveQemu **out)
{
	g_autoptr(LiveQemu) q = g_new0(LiveQemu, 1);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	GError *err;

	q->path = g_strdup(socket_path);
	q->phys_mode = -1;
	q->regs = g_array_new(FALSE, TRUE, sizeof(QemuReg));
	g_array_set_clear_func(q->regs, reg_clear);
	rsp_reader_init(&q->reader, LIVE_QEMU_MAX_PACKET);
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return q_error(q, "socket path longer than %zu bytes", sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, socket_path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return q_error(q, "cannot connect: %s", g_strerror(errno));
	if ((err = handshake(q)))
		return err;
	*out = g_steal_pointer(&q);
	return NULL;
}

/* ---- memory map ---- */

GError *live_mtree_parse(const char *text, const char *region, GArray **out)
{
	/* "  0000000000100000-000000001fffffff (prio 0, ram): pc.ram @0000000000100000" */
	g_autoptr(GRegex) re = g_regex_new("^\\s*([0-9a-f]+)-([0-9a-f]+) \\(prio -?\\d+, (?:ram|rom)\\): (\\S+)"
					   "(?: @([0-9a-f]+))?", G_REGEX_MULTILINE, 0, NULL);
	g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(OlLiveRange));
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) total = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GMatchInfo) m = NULL;
	g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(OlLiveRange));
	const char *best = region;
	guint64 best_size = 0;
	const char *fv = strstr(text, "AS \"memory\"");
	const char *end;

	/* Only the flat view of the system address space ("memory"). */
	if (!fv)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "info mtree -f: no flat view of address space \"memory\"");
	end = strstr(fv, "\nFlatView");
	{
		g_autofree char *view = end ? g_strndup(fv, end - fv) : g_strdup(fv);

		for (g_regex_match(re, view, 0, &m); g_match_info_matches(m) && all->len < OL_LIVE_MAX_RANGES;
		     g_match_info_next(m, NULL)) {
			g_autofree char *a = g_match_info_fetch(m, 1), *b = g_match_info_fetch(m, 2);
			g_autofree char *off = g_match_info_fetch(m, 4);
			OlLiveRange r = {.gpa = g_ascii_strtoull(a, NULL, 16)};
			char *name = g_match_info_fetch(m, 3);
			gsize sum;

			r.size = g_ascii_strtoull(b, NULL, 16) - r.gpa + 1;
			r.offset = off && *off ? g_ascii_strtoull(off, NULL, 16) : 0;
			g_array_append_val(all, r);
			g_ptr_array_add(names, name);
			sum = GPOINTER_TO_SIZE(g_hash_table_lookup(total, name)) + r.size;
			g_hash_table_insert(total, name, GSIZE_TO_POINTER(sum));
		}
	}
	if (!best) {
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, total);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (GPOINTER_TO_SIZE(v) > best_size) {
				best_size = GPOINTER_TO_SIZE(v);
				best = k;
			}
	}
	for (guint i = 0; best && i < all->len; i++)
		if (g_str_equal(names->pdata[i], best))
			g_array_append_val(ranges, g_array_index(all, OlLiveRange, i));
	if (ranges->len == 0)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "info mtree -f: no RAM region %s", region ? region : "at all");
	*out = g_steal_pointer(&ranges);
	return NULL;
}

GError *live_qemu_ram_layout(LiveQemu *q, const char *region, GArray **ranges)
{
	g_autoptr(GString) reply = g_string_new(NULL), console = g_string_new(NULL);
	GString *cmd = g_string_new("qRcmd,");
	GError *err;

	rsp_append_hex(cmd, "info mtree -f", strlen("info mtree -f"));
	err = live_qemu_request(q, cmd->str, reply, console);
	g_string_free(cmd, TRUE);
	if (err)
		return err;
	if ((err = live_mtree_parse(console->str, region, ranges)))
		g_prefix_error(&err, "QEMU gdbstub %s: ", q->path);
	return err;
}
