/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The RSP server end to end over a socketpair, on a synthetic dump. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dumpgen.h"
#include "packet.h"
#include "registers.h"
#include "server.h"
#include "target.h"

#define REGS0 0x1000    /* pr_reg[i] = REGS0 + i for CPU 0 */
#define REGS1 0x2000
#define TEXT_VA G_GUINT64_CONSTANT(0xffffffff81000000)
#define TEXT_PA 0x200000
#define POOL 0x100000

typedef struct {
	OlTarget *t;
	int fd;          /* our end */
	GThread *server;
	gboolean no_ack;
	GString *pending; /* bytes read but not consumed */
	gint served;      /* set when rsp_serve has returned */
} Fixture;

static int server_fd;

static gpointer serve_fd(gpointer data)
{
	Fixture *f = data;
	GError *err = rsp_serve(f->t, server_fd, server_fd);

	g_atomic_int_set(&f->served, 1);
	return err;
}

static void fixture_setup(Fixture *f, gconstpointer unused)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = NULL;
	g_autoptr(GByteArray) bytes = NULL;
	g_autofree char *path = NULL, *vmci = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	g_autoptr(GError) err = NULL;
	int sv[2];

	dumpgen_add_load(g, 0, 0x800000, 0x800000);
	dumpgen_add_cpu(g, 1, REGS0, TRUE, 440);
	dumpgen_add_cpu(g, 2, REGS1, TRUE, 440);
	pt = dumpgen_pt_new(g, 4, POOL, 0x100000);
	dumpgen_pt_map(pt, TEXT_VA, TEXT_PA, 0x200000);
	vmci = g_strdup_printf("OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%" G_GINT64_MODIFIER
			       "x\nNUMBER(phys_base)=0\nKERNELOFFSET=0\n",
			       dumpgen_pt_root(pt) + G_GUINT64_CONSTANT(0xffffffff80000000));
	dumpgen_set_vmcoreinfo(g, vmci);
	bytes = dumpgen_build(g, NULL);
	path = dumpgen_write_temp(bytes);
	err = ol_target_open(path, NULL, &f->t, &warnings);
	g_unlink(path);
	g_assert_no_error(err);
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	f->fd = sv[0];
	server_fd = sv[1];
	f->pending = g_string_new(NULL);
	f->server = g_thread_new("rsp", serve_fd, f);
}

static void fixture_teardown(Fixture *f, gconstpointer unused)
{
	GError *err;

	shutdown(f->fd, SHUT_WR);
	err = g_thread_join(f->server);
	g_assert_no_error(err);
	close(f->fd);
	close(server_fd);
	g_string_free(f->pending, TRUE);
	ol_target_free(f->t);
}

static void send_bytes(Fixture *f, const char *bytes, gsize n)
{
	g_assert_cmpint(write(f->fd, bytes, n), ==, (ssize_t)n);
}

static void send_raw(Fixture *f, const char *bytes)
{
	send_bytes(f, bytes, strlen(bytes));
}

static void send_packet(Fixture *f, const char *payload)
{
	g_autoptr(GString) w = g_string_new(NULL);

	rsp_frame(w, payload, strlen(payload));
	send_raw(f, w->str);
}

static char read_byte(Fixture *f)
{
	char c;

	if (f->pending->len) {
		c = f->pending->str[0];
		g_string_erase(f->pending, 0, 1);
		return c;
	}
	g_assert_cmpint(read(f->fd, &c, 1), ==, 1);
	return c;
}

/* The next packet from the server (acks skipped), payload unescaped only
 * for the caller to check as it likes. */
static char *recv_packet(Fixture *f, char *ack)
{
	GString *p = g_string_new(NULL);
	char c;
	guint8 sum = 0;
	char cs[3] = {0};

	if (ack)
		*ack = 0;
	while ((c = read_byte(f)) != '$') {
		if (ack)
			*ack = c;
	}
	while ((c = read_byte(f)) != '#') {
		g_string_append_c(p, c);
		sum += (guint8)c;
	}
	cs[0] = read_byte(f);
	cs[1] = read_byte(f);
	g_assert_cmpuint(g_ascii_strtoull(cs, NULL, 16), ==, sum);
	return g_string_free(p, FALSE);
}

static char *exchange(Fixture *f, const char *payload)
{
	char ack;
	char *reply;

	send_packet(f, payload);
	reply = recv_packet(f, &ack);
	if (!f->no_ack)
		g_assert_cmpint(ack, ==, '+');
	else
		g_assert_cmpint(ack, ==, 0);
	return reply;
}

/* Send PAYLOAD: the reply is WANT. */
static void expect_reply(Fixture *f, const char *payload, const char *want)
{
	g_autofree char *reply = exchange(f, payload);

	g_assert_cmpstr(reply, ==, want);
}

static void le_hex(GString *s, guint64 v, guint bytes)
{
	for (guint i = 0; i < bytes; i++)
		g_string_append_printf(s, "%02x", (guint)((v >> (8 * i)) & 0xff));
}

static void test_handshake(Fixture *f, gconstpointer u)
{
	g_autofree char *sup = exchange(f, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
	g_autofree char *stop = NULL, *att = NULL;

	g_assert_nonnull(strstr(sup, "PacketSize=20000"));
	g_assert_nonnull(strstr(sup, "QStartNoAckMode+"));
	g_assert_nonnull(strstr(sup, "qXfer:features:read+"));
	g_assert_null(strstr(sup, "multiprocess"));
	expect_reply(f, "vMustReplyEmpty", "");
	expect_reply(f, "QStartNoAckMode", "OK");
	f->no_ack = TRUE;
	stop = exchange(f, "?");
	/* no vmlinux: no CPU is "not halted" readable, so CPU 0 */
	g_assert_cmpstr(stop, ==, "T05thread:1;core:0;");
	expect_reply(f, "qC", "QC1");
	expect_reply(f, "qCRC:0,10", "");
	att = exchange(f, "qAttached");
	g_assert_cmpstr(att, ==, "1");
}

static void test_registers(Fixture *f, gconstpointer u)
{
	g_autofree char *g = exchange(f, "g");
	g_autofree char *rip = exchange(f, "p10");
	g_autofree char *xmm = exchange(f, "p28");
	g_autofree char *cr3 = exchange(f, "p3f");
	g_autofree char *unknown = exchange(f, "p999");
	g_autofree char *bad = exchange(f, "pzz");
	g_autofree char *hg = exchange(f, "Hg2");
	g_autofree char *rip1 = exchange(f, "p10");
	g_autofree char *hgbad = exchange(f, "Hg9");
	g_autoptr(GString) want = g_string_new(NULL);

	/* 17 x 8 + 7 x 4 + 8 x 10 + 8 x 4 + 16 x 16 + 4 + 8 x 8 bytes */
	g_assert_cmpuint(strlen(g), ==, 2 * 600);
	le_hex(want, REGS0 + 10, 8); /* rax = pr_reg[10] */
	g_assert_true(g_str_has_prefix(g, want->str));
	g_string_truncate(want, 0);
	le_hex(want, REGS0 + 16, 8);
	g_assert_cmpstr(rip, ==, want->str);
	g_assert_cmpstr(xmm, ==, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	g_string_truncate(want, 0);
	le_hex(want, REGS0 + 0x3000 + 3, 8); /* QEMU note cr3 */
	g_assert_cmpstr(cr3, ==, want->str);
	g_assert_cmpstr(unknown, ==, "");
	g_assert_cmpstr(bad, ==, "E01");
	g_assert_cmpstr(hg, ==, "OK");
	g_string_truncate(want, 0);
	le_hex(want, REGS1 + 16, 8);
	g_assert_cmpstr(rip1, ==, want->str);
	g_assert_cmpstr(hgbad, ==, "E02");
}

static void test_memory(Fixture *f, gconstpointer u)
{
	g_autofree char *m = exchange(f, "mffffffff81000100,10");
	g_autofree char *partial = exchange(f, "mffffffff811ffff8,10");
	g_autofree char *unmapped = exchange(f, "mffff888000000000,8");
	g_autofree char *malformed = exchange(f, "mffffffff81000100");
	g_autofree char *write = exchange(f, "Mffffffff81000100,1:00");
	g_autofree char *xwrite = exchange(f, "Xffffffff81000100,0:");
	g_autofree char *z0 = exchange(f, "Z0,ffffffff81000100,1");
	g_autofree char *rz0 = exchange(f, "z0,ffffffff81000100,1");
	g_autoptr(GString) want = g_string_new(NULL);

	for (int i = 0; i < 16; i++)
		g_string_append_printf(want, "%02x", dumpgen_byte(TEXT_PA + 0x100 + i));
	g_assert_cmpstr(m, ==, want->str);
	/* 8 bytes mapped, then the end of the 2 MiB page: a short reply */
	g_assert_cmpuint(strlen(partial), ==, 16);
	g_assert_cmpstr(unmapped, ==, "E0e");
	g_assert_cmpstr(malformed, ==, "E01");
	g_assert_cmpstr(write, ==, "E01");
	g_assert_cmpstr(xwrite, ==, "E01");
	g_assert_cmpstr(z0, ==, "E01");
	g_assert_cmpstr(rz0, ==, "OK");
}

static char *xfer_all(Fixture *f, const char *object, guint chunk)
{
	GString *doc = g_string_new(NULL);

	for (;;) {
		g_autofree char *req = g_strdup_printf("%s%x,%x", object, (guint)doc->len, chunk);
		g_autofree char *r = exchange(f, req);
		gsize n;

		g_assert_true(r[0] == 'm' || r[0] == 'l');
		n = rsp_unescape((guint8 *)r + 1, strlen(r + 1));
		g_string_append_len(doc, r + 1, n);
		if (r[0] == 'l')
			break;
	}
	return g_string_free(doc, FALSE);
}

static void test_xfer(Fixture *f, gconstpointer u)
{
	g_autofree char *whole = xfer_all(f, "qXfer:features:read:target.xml:", 0xffff);
	g_autofree char *pieces = xfer_all(f, "qXfer:features:read:target.xml:", 0x33);
	g_autofree char *threads = xfer_all(f, "qXfer:threads:read::", 0x1000);
	g_autofree char *other = exchange(f, "qXfer:features:read:other.xml:0,100");
	g_autoptr(GMarkupParseContext) ctx = NULL;
	GMarkupParser parser = {0};
	g_autoptr(GError) err = NULL;

	g_assert_cmpstr(whole, ==, pieces);
	g_assert_cmpstr(whole, ==, rsp_target_xml());
	ctx = g_markup_parse_context_new(&parser, 0, NULL, NULL);
	/* skip the prolog and DOCTYPE GMarkup does not take */
	g_assert_true(g_markup_parse_context_parse(ctx, strstr(whole, "<target"), -1, &err));
	g_assert_no_error(err);
	g_assert_nonnull(strstr(whole, "<feature name=\"org.gnu.gdb.i386.core\">"));
	g_assert_nonnull(strstr(whole, "<reg name=\"orig_rax\" bitsize=\"64\" type=\"int\" regnum=\"57\""));
	g_assert_nonnull(strstr(threads, "<thread id=\"1\" name=\"CPU 0\" core=\"0\">CPU 0</thread>"));
	g_assert_nonnull(strstr(threads, "<thread id=\"2\" name=\"CPU 1\" core=\"1\">CPU 1</thread>"));
	g_assert_cmpstr(other, ==, "E00");
}

static void test_threads(Fixture *f, gconstpointer u)
{
	g_autofree char *first = exchange(f, "qfThreadInfo");
	g_autofree char *next = exchange(f, "qsThreadInfo");
	g_autofree char *extra = exchange(f, "qThreadExtraInfo,2");
	g_autofree char *alive = exchange(f, "T2");
	g_autofree char *dead = exchange(f, "T9");
	g_autoptr(GString) want = g_string_new(NULL);

	g_assert_cmpstr(first, ==, "m1,2");
	g_assert_cmpstr(next, ==, "l");
	rsp_append_hex(want, "CPU 1", 5);
	g_assert_cmpstr(extra, ==, want->str);
	g_assert_cmpstr(alive, ==, "OK");
	g_assert_cmpstr(dead, ==, "E02");
}

static char *decode_console(const char *o)
{
	g_autoptr(GByteArray) b = g_byte_array_new();

	g_assert_cmpint(o[0], ==, 'O');
	g_assert_true(rsp_decode_hex(o + 1, strlen(o + 1), b));
	return g_strndup((char *)b->data, b->len);
}

/* The console text of a qRcmd reply whose first packet is *FIRST: a long
 * text comes in several O packets (the server's chunk size), then the
 * final reply, returned in *FINAL. Takes *FIRST. */
static char *recv_console(Fixture *f, char **first, char **final)
{
	g_autoptr(GString) all = g_string_new(NULL);
	char *p = *first;

	*first = NULL;
	for (guint n = 0; p && p[0] == 'O' && strcmp(p, "OK") != 0 && n < 1000; n++) {
		g_autofree char *part = decode_console(p);

		g_string_append(all, part);
		g_free(p);
		p = recv_packet(f, NULL);
	}
	*final = p;
	return g_strdup(all->str);
}

static void test_monitor_and_resume(Fixture *f, gconstpointer u)
{
	g_autoptr(GString) cmd = g_string_new("qRcmd,");
	g_autofree char *o = NULL, *text = NULL, *ok = NULL, *o2 = NULL, *stop = NULL, *text2 = NULL;
	g_autofree char *vf = NULL, *nak1 = NULL, *nak2 = NULL, *irq = NULL;
	char ack;

	rsp_append_hex(cmd, "help", 4);
	o = exchange(f, cmd->str);
	text = recv_console(f, &o, &ok);
	g_assert_nonnull(strstr(text, "monitor kaslr"));
	g_assert_cmpstr(ok, ==, "OK");

	o2 = exchange(f, "vCont;c");
	text2 = decode_console(o2);
	g_assert_nonnull(strstr(text2, "cannot run"));
	stop = recv_packet(f, NULL);
	g_assert_cmpstr(stop, ==, "T02thread:1;");

	vf = exchange(f, "vFile:open:2f6574632f706173737764,0,0"); /* /etc/passwd */
	g_assert_cmpstr(vf, ==, "F-1,2");

	/* a corrupted packet is NAKed; a NAK from us gets the reply again */
	send_raw(f, "$qC#00");
	g_assert_cmpint(read_byte(f), ==, '-');
	nak1 = exchange(f, "qC");
	send_raw(f, "-");
	nak2 = recv_packet(f, &ack);
	g_assert_cmpstr(nak1, ==, nak2);
	send_raw(f, "+\x03");
	irq = recv_packet(f, NULL);
	g_assert_cmpstr(irq, ==, "T05thread:1;core:0;");
}

/* A bare `monitor` (empty qRcmd, or one whose argument is a NUL byte) is
 * `monitor help`, and the server lives on. */
static void test_monitor_empty(Fixture *f, gconstpointer u)
{
	static const char nul[] = "$qRcmd,\0#23"; /* '\0' adds nothing to the sum */
	g_autofree char *o = exchange(f, "qRcmd,");
	g_autofree char *ok = NULL;
	g_autofree char *text = recv_console(f, &o, &ok);
	g_autofree char *o2 = NULL, *text2 = NULL, *ok2 = NULL, *qc = NULL;

	g_assert_nonnull(strstr(text, "monitor kaslr"));
	g_assert_cmpstr(ok, ==, "OK");
	send_bytes(f, nul, sizeof(nul) - 1);
	o2 = recv_packet(f, NULL);
	text2 = recv_console(f, &o2, &ok2);
	g_assert_nonnull(strstr(text2, "monitor kaslr"));
	g_assert_cmpstr(ok2, ==, "OK");
	qc = exchange(f, "qC");
	g_assert_cmpstr(qc, ==, "QC1");
}

static void test_detach(Fixture *f, gconstpointer u)
{
	expect_reply(f, "D", "OK");
	/* the server returns by itself, with our end still open */
	for (int i = 0; i < 1000 && !g_atomic_int_get(&f->served); i++)
		g_usleep(10000);
	g_assert_true(g_atomic_int_get(&f->served));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/rsp-server/handshake", test_handshake);
	ADD("/rsp-server/registers", test_registers);
	ADD("/rsp-server/memory", test_memory);
	ADD("/rsp-server/xfer", test_xfer);
	ADD("/rsp-server/threads", test_threads);
	ADD("/rsp-server/monitor-resume-nak", test_monitor_and_resume);
	ADD("/rsp-server/monitor-empty", test_monitor_empty);
	ADD("/rsp-server/detach", test_detach);
	return g_test_run();
}
