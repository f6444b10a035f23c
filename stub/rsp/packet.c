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

void rsp_frame(GString *out, const char *payload, gsize len)
{
	guint8 sum = 0;

	g_string_append_c(out, '$');
	for (gsize i = 0; i < len; i++) {
		g_warn_if_fail(payload[i] != '$' && payload[i] != '#' && payload[i] != '*');
		sum += (guint8)payload[i];
	}
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

void rsp_append_hex(GString *out, const void *data, gsize len)
{
	static const char digits[] = "0123456789abcdef";
	const guint8 *p = data;
	gsize at = out->len;

	g_string_set_size(out, at + 2 * len);
	for (gsize i = 0; i < len; i++) {
		out->str[at + 2 * i] = digits[p[i] >> 4];
		out->str[at + 2 * i + 1] = digits[p[i] & 15];
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
