/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "packet.h"

#include <string.h>

enum { ST_IDLE, ST_PAYLOAD, ST_CSUM1, ST_CSUM2 };

void rsp_reader_init(RspReader *r, gsize limit)
{
	memset(r, 0, sizeof(*r));
	r->payload = g_byte_array_new();
	r->limit = limit;
}

void rsp_reader_clear(RspReader *r)
{
	if (r->payload)
		g_byte_array_unref(r->payload);
	r->payload = NULL;
}

static int hexval(guint8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

RspEvent rsp_reader_feed(RspReader *r, guint8 c)
{
	int v;

	switch (r->state) {
	case ST_IDLE:
		/* Anything else between packets is line noise: skip it. */
		if (c == '$') {
			g_byte_array_set_size(r->payload, 0);
			r->sum = 0;
			r->overflow = FALSE;
			r->state = ST_PAYLOAD;
		} else if (c == '+') {
			return RSP_EV_ACK;
		} else if (c == '-') {
			return RSP_EV_NAK;
		} else if (c == 0x03) {
			return RSP_EV_INTERRUPT;
		}
		return RSP_EV_NONE;
	case ST_PAYLOAD:
		if (c == '#') {
			r->state = ST_CSUM1;
		} else if (c == '$') {
			/* A new start inside a packet: the old one was cut short. */
			g_byte_array_set_size(r->payload, 0);
			r->sum = 0;
			r->overflow = FALSE;
		} else {
			r->sum += c;
			if (r->payload->len < r->limit)
				g_byte_array_append(r->payload, &c, 1);
			else
				r->overflow = TRUE;
		}
		return RSP_EV_NONE;
	case ST_CSUM1:
		v = hexval(c);
		r->csum = (guint8)((v < 0 ? 0 : v) << 4);
		r->state = v < 0 ? ST_IDLE : ST_CSUM2;
		return v < 0 ? RSP_EV_BAD_CHECKSUM : RSP_EV_NONE;
	case ST_CSUM2:
		v = hexval(c);
		r->state = ST_IDLE;
		if (v < 0)
			return RSP_EV_BAD_CHECKSUM;
		r->csum |= (guint8)v;
		if (r->csum != r->sum)
			return RSP_EV_BAD_CHECKSUM;
		if (r->overflow)
			return RSP_EV_TOO_LONG;
		g_byte_array_append(r->payload, (const guint8 *)"", 1);
		g_byte_array_set_size(r->payload, r->payload->len - 1);
		return RSP_EV_PACKET;
	}
	g_assert_not_reached();
}

/* The modulo-256 sum of LEN bytes, and whether any is `$`, `#` or `*`. In
 * blocks of 32 byte lanes, which wrap modulo 256 as the checksum does: the
 * compiler makes vector adds of them (replies carry up to 128 KiB). */
static guint8 text_sum(const guint8 *p, gsize len, gboolean *bad)
{
	guint8 lanes[32] = {0}, hits[32] = {0}, sum = 0;
	gsize i = 0;

	for (; i + 32 <= len; i += 32) {
		for (guint k = 0; k < 32; k++) {
			lanes[k] += p[i + k];
			hits[k] |= (p[i + k] == '$') | (p[i + k] == '#') | (p[i + k] == '*');
		}
	}
	for (guint k = 0; k < 32; k++) {
		sum += lanes[k];
		*bad |= hits[k];
	}
	for (; i < len; i++) {
		sum += p[i];
		*bad |= p[i] == '$' || p[i] == '#' || p[i] == '*';
	}
	return sum;
}

void rsp_frame(GString *out, const char *payload, gsize len)
{
	gboolean bad = FALSE;
	guint8 sum = text_sum((const guint8 *)payload, len, &bad);

	g_warn_if_fail(!bad);
	g_string_append_c(out, '$');
	g_string_append_len(out, payload, len);
	g_string_append_printf(out, "#%02x", sum);
}

void rsp_append_binary(GString *payload, const void *data, gsize len)
{
	const guint8 *p = data;

	for (gsize i = 0; i < len; i++) {
		if (p[i] == '$' || p[i] == '#' || p[i] == '}' || p[i] == '*') {
			g_string_append_c(payload, '}');
			g_string_append_c(payload, (char)(p[i] ^ 0x20));
		} else {
			g_string_append_c(payload, (char)p[i]);
		}
	}
}

gsize rsp_unescape(guint8 *data, gsize len)
{
	gsize o = 0;

	for (gsize i = 0; i < len; i++) {
		if (data[i] == '}' && i + 1 < len)
			data[o++] = data[++i] ^ 0x20;
		else
			data[o++] = data[i];
	}
	return o;
}

static inline char hex_digit(guint8 n)
{
	return (char)(n + (n > 9 ? 'a' - 10 : '0'));
}

/* Four bytes to their eight hex digits, in a 64-bit word: the nibbles are
 * spread one per byte (high nibble first), then made digits all at once. */
static inline guint64 hex4(guint32 x)
{
	guint64 t = x, nib;

	t = (t | t << 16) & G_GUINT64_CONSTANT(0x0000ffff0000ffff);
	t = (t | t << 8) & G_GUINT64_CONSTANT(0x00ff00ff00ff00ff);
	nib = (t >> 4 & G_GUINT64_CONSTANT(0x000f000f000f000f)) |
	      (t & G_GUINT64_CONSTANT(0x000f000f000f000f)) << 8;
	/* 1 in the bytes that hold 10..15 */
	t = (nib + G_GUINT64_CONSTANT(0x0606060606060606)) >> 4 & G_GUINT64_CONSTANT(0x0101010101010101);
	return nib + G_GUINT64_CONSTANT(0x3030303030303030) + t * ('a' - '0' - 10);
}

void rsp_append_hex(GString *out, const void *data, gsize len)
{
	const guint8 *p = data;
	char *o;
	gsize i = 0;

	g_string_set_size(out, out->len + 2 * len);
	/* `m` replies are up to 64 KiB: four bytes at a time, through a local
	 * pointer (stores through out->str would reload it every time) */
	o = out->str + out->len - 2 * len;
	for (; i + 4 <= len; i += 4) {
		guint32 x;
		guint64 digits;

		memcpy(&x, p + i, 4);
		digits = GUINT64_TO_LE(hex4(GUINT32_FROM_LE(x)));
		memcpy(o + 2 * i, &digits, 8);
	}
	for (; i < len; i++) {
		o[2 * i] = hex_digit(p[i] >> 4);
		o[2 * i + 1] = hex_digit(p[i] & 15);
	}
}

gboolean rsp_decode_hex(const char *hex, gsize hexlen, GByteArray *out)
{
	if (hexlen % 2)
		return FALSE;
	for (gsize i = 0; i < hexlen; i += 2) {
		int hi = hexval((guint8)hex[i]), lo = hexval((guint8)hex[i + 1]);
		guint8 b;

		if (hi < 0 || lo < 0)
			return FALSE;
		b = (guint8)(hi << 4 | lo);
		g_byte_array_append(out, &b, 1);
	}
	return TRUE;
}

gboolean rsp_parse_hex(const char **p, guint64 *value)
{
	guint64 v = 0;
	const char *s = *p;
	int d, n = 0;

	while ((d = hexval((guint8)*s)) >= 0) {
		if (n == 16)
			return FALSE; /* more than 64 bits */
		v = v << 4 | (guint64)d;
		s++;
		/* leading zeros do not count toward the 64-bit limit */
		if (v)
			n++;
	}
	if (s == *p)
		return FALSE;
	*p = s;
	*value = v;
	return TRUE;
}

char *rsp_text_safe(const char *s)
{
	char *t = g_strdup(s);

	for (char *p = t; *p; p++)
		if (*p == '$' || *p == '#' || *p == '*' || *p == '}' || (guint8)*p < 0x20)
			*p = '?';
	return t;
}
