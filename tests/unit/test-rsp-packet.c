/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RSP framing: checksums, escaping, split packets, bad input. */
#include <glib.h>
#include <string.h>

#include "packet.h"

/* Feed TEXT byte by byte; return the events seen (one letter each). */
static char *feed(RspReader *r, const char *text, gsize len, GPtrArray *payloads)
{
	GString *ev = g_string_new(NULL);

	for (gsize i = 0; i < len; i++) {
		switch (rsp_reader_feed(r, (guint8)text[i])) {
		case RSP_EV_NONE:
			break;
		case RSP_EV_PACKET:
			g_string_append_c(ev, 'P');
			if (payloads)
				g_ptr_array_add(payloads,
						g_strndup((char *)r->payload->data, r->payload->len));
			break;
		case RSP_EV_BAD_CHECKSUM:
			g_string_append_c(ev, 'B');
			break;
		case RSP_EV_TOO_LONG:
			g_string_append_c(ev, 'L');
			break;
		case RSP_EV_ACK:
			g_string_append_c(ev, '+');
			break;
		case RSP_EV_NAK:
			g_string_append_c(ev, '-');
			break;
		case RSP_EV_INTERRUPT:
			g_string_append_c(ev, 'I');
			break;
		}
	}
	return g_string_free(ev, FALSE);
}

static void test_frame_checksum(void)
{
	g_autoptr(GString) out = g_string_new(NULL);

	rsp_frame(out, "OK", 2);
	g_assert_cmpstr(out->str, ==, "$OK#9a");
	g_string_truncate(out, 0);
	rsp_frame(out, "", 0);
	g_assert_cmpstr(out->str, ==, "$#00");
	g_string_truncate(out, 0);
	/* gdb's own first packet after connecting */
	rsp_frame(out, "vMustReplyEmpty", 15);
	g_assert_cmpstr(out->str, ==, "$vMustReplyEmpty#3a");
}

static void test_reader_split_and_noise(void)
{
	RspReader r;
	g_autoptr(GPtrArray) p = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *ev1 = NULL, *ev2 = NULL, *ev3 = NULL;
	const char *wire = "junk+$qSupported:x+#14-\x03$g#67";

	rsp_reader_init(&r, 4096);
	/* one packet split over three reads, in the middle of the checksum */
	ev1 = feed(&r, "+$?", 3, p);
	ev2 = feed(&r, "#3", 2, p);
	ev3 = feed(&r, "f", 1, p);
	g_assert_cmpstr(ev1, ==, "+");
	g_assert_cmpstr(ev2, ==, "");
	g_assert_cmpstr(ev3, ==, "P");
	g_assert_cmpstr(p->pdata[0], ==, "?");
	{
		/* noise before packets, acks, naks and an interrupt between them */
		g_autofree char *ev = feed(&r, wire, strlen(wire), p);
		guint8 sum = 0;

		for (const char *c = "qSupported:x+"; *c; c++)
			sum += (guint8)*c;
		/* the test's own checksum must be right for 'P' */
		g_assert_cmphex(sum, ==, 0x14);
		g_assert_cmpstr(ev, ==, "+P-IP");
		g_assert_cmpstr(p->pdata[1], ==, "qSupported:x+");
		g_assert_cmpstr(p->pdata[2], ==, "g");
	}
	rsp_reader_clear(&r);
}

static void test_reader_bad_input(void)
{
	RspReader r;
	g_autofree char *bad = NULL, *nonhex = NULL, *restart = NULL, *lng = NULL;
	g_autoptr(GString) big = g_string_new("$");
	g_autoptr(GString) framed = g_string_new(NULL);
	g_autoptr(GPtrArray) p = g_ptr_array_new_with_free_func(g_free);

	rsp_reader_init(&r, 16);
	bad = feed(&r, "$OK#00", 6, NULL);
	g_assert_cmpstr(bad, ==, "B");
	nonhex = feed(&r, "$OK#zz$OK#9a", 12, p);
	g_assert_cmpstr(nonhex, ==, "BP"); /* recovers at the next packet */
	/* a '$' inside a packet starts over: the cut-short one is dropped */
	restart = feed(&r, "$gar$OK#9a", 10, p);
	g_assert_cmpstr(restart, ==, "P");
	g_assert_cmpstr(p->pdata[1], ==, "OK");
	/* longer than the limit: consumed whole, reported, not delivered */
	for (int i = 0; i < 40; i++)
		g_string_append_c(big, 'm');
	rsp_frame(framed, big->str + 1, big->len - 1);
	lng = feed(&r, framed->str, framed->len, p);
	g_assert_cmpstr(lng, ==, "L");
	g_assert_cmpuint(p->len, ==, 2);
	rsp_reader_clear(&r);
}

static void test_binary_escaping(void)
{
	const guint8 data[] = {'a', '$', '#', '}', '*', 0x00, 0xff, 'z'};
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree guint8 *copy = NULL;
	gsize n;

	rsp_append_binary(out, data, sizeof(data));
	g_assert_cmpmem(out->str, out->len, "a}\x04}\x03}]}\x0a\x00\xffz", 12);
	copy = g_memdup2(out->str, out->len);
	n = rsp_unescape(copy, out->len);
	g_assert_cmpmem(copy, n, data, sizeof(data));
}

static void test_hex(void)
{
	const char *p = "ffffffff81000000,40";
	guint64 v;
	g_autoptr(GByteArray) bytes = g_byte_array_new();
	g_autoptr(GString) hex = g_string_new(NULL);
	g_autofree char *safe = rsp_text_safe("a*b#c$d}e\nf");

	g_assert_true(rsp_parse_hex(&p, &v));
	g_assert_cmphex(v, ==, 0xffffffff81000000);
	g_assert_cmpint(*p, ==, ',');
	p++;
	g_assert_true(rsp_parse_hex(&p, &v));
	g_assert_cmphex(v, ==, 0x40);
	p = "00000000000000000001"; /* leading zeros do not overflow */
	g_assert_true(rsp_parse_hex(&p, &v));
	g_assert_cmphex(v, ==, 1);
	p = "10000000000000000"; /* 65 bits */
	g_assert_false(rsp_parse_hex(&p, &v));
	p = ",";
	g_assert_false(rsp_parse_hex(&p, &v));

	g_assert_true(rsp_decode_hex("4f4b", 4, bytes));
	g_assert_cmpmem(bytes->data, bytes->len, "OK", 2);
	g_assert_false(rsp_decode_hex("4f4", 3, bytes));
	g_assert_false(rsp_decode_hex("zz", 2, bytes));
	rsp_append_hex(hex, "\x01\xab", 2);
	g_assert_cmpstr(hex->str, ==, "01ab");
	g_assert_cmpstr(safe, ==, "a?b?c?d?e?f");
}

/* The word-at-a-time encoder and the block checksum against the plain
 * definitions: every byte value, at every alignment and tail length. */
static void test_hex_and_sum_wide(void)
{
	guint8 data[300];

	for (guint i = 0; i < sizeof(data); i++)
		data[i] = (guint8)(i * 151 + 7);
	for (guint i = 0; i < 256; i++)
		data[i] = (guint8)i;
	for (gsize start = 0; start < 5; start++) {
		for (gsize len = 0; len + start <= sizeof(data); len += len < 40 ? 1 : 37) {
			g_autoptr(GString) hex = g_string_new("m");
			g_autoptr(GString) framed = g_string_new(NULL);
			g_autofree char *want = g_malloc(2 * len + 2);
			guint8 sum = 0;

			want[0] = 'm';
			for (gsize i = 0; i < len; i++)
				g_snprintf(want + 1 + 2 * i, 3, "%02x", data[start + i]);
			want[1 + 2 * len] = '\0';
			rsp_append_hex(hex, data + start, len);
			g_assert_cmpstr(hex->str, ==, want);
			for (gsize i = 0; i < hex->len; i++)
				sum += (guint8)hex->str[i];
			rsp_frame(framed, hex->str, hex->len);
			g_assert_cmpuint(framed->len, ==, hex->len + 4);
			g_assert_cmpint(framed->str[framed->len - 3], ==, '#');
			g_assert_cmpuint(strtoul(framed->str + framed->len - 2, NULL, 16), ==, sum);
		}
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/rsp/frame-checksum", test_frame_checksum);
	g_test_add_func("/rsp/reader-split-noise", test_reader_split_and_noise);
	g_test_add_func("/rsp/reader-bad-input", test_reader_bad_input);
	g_test_add_func("/rsp/binary-escaping", test_binary_escaping);
	g_test_add_func("/rsp/hex", test_hex);
	g_test_add_func("/rsp/hex-and-sum-wide", test_hex_and_sum_wide);
	return g_test_run();
}
