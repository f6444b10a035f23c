/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GDB remote serial protocol: framing and encoding.
 *
 * A packet on the wire is `$payload#cc`, cc the modulo-256 sum of the payload
 * bytes as sent, in two hex digits. Outside packets the receiver sees `+`/`-`
 * acknowledgements and the raw 0x03 interrupt byte. Binary payloads (qXfer
 * data) escape `#`, `$`, `}` and `*` as `}` followed by the byte XOR 0x20;
 * text replies must not contain those bytes at all (gdb run-length decodes
 * `*` in every packet).
 */
#pragma once
#include <glib.h>

/* The largest packet we accept, framing included, advertised as PacketSize.
 * gdb sizes its `m` requests from it: 128 KiB of packet carries 64 KiB of
 * memory per round trip, which keeps `dump memory` and `bt` on long stacks
 * well under one round trip per page. */
#define RSP_PACKET_SIZE 0x20000

typedef enum {
	RSP_EV_NONE,         /* byte consumed, nothing complete yet */
	RSP_EV_PACKET,       /* a packet with a good checksum: see reader->payload */
	RSP_EV_BAD_CHECKSUM, /* a complete packet whose checksum did not match */
	RSP_EV_TOO_LONG,     /* a complete packet longer than the limit (dropped) */
	RSP_EV_ACK,          /* + */
	RSP_EV_NAK,          /* - */
	RSP_EV_INTERRUPT,    /* 0x03 outside a packet */
} RspEvent;

typedef struct {
	int state;
	GByteArray *payload; /* NUL-terminated after RSP_EV_PACKET */
	guint8 sum;          /* running checksum of the payload */
	guint8 csum;         /* checksum received */
	gsize limit;         /* payload bytes accepted */
	gboolean overflow;
} RspReader;

void rsp_reader_init(RspReader *r, gsize limit);
void rsp_reader_clear(RspReader *r);
RspEvent rsp_reader_feed(RspReader *r, guint8 byte);

/* Frame a text payload: `$payload#cc` appended to OUT. The payload must not
 * contain `$`, `#`, `*` or `}` (use rsp_append_binary for data). */
void rsp_frame(GString *out, const char *payload, gsize len);
/* Append DATA to a payload under construction, escaped for binary transfer. */
void rsp_append_binary(GString *payload, const void *data, gsize len);
/* Undo binary escaping in place; returns the new length. */
gsize rsp_unescape(guint8 *data, gsize len);

void rsp_append_hex(GString *out, const void *data, gsize len);
/* Hex text to bytes; FALSE on an odd length or a non-hex digit. */
gboolean rsp_decode_hex(const char *hex, gsize hexlen, GByteArray *out);
/* Parse a big-endian hex number at *p (at least one digit); advances *p. */
gboolean rsp_parse_hex(const char **p, guint64 *value);
/* Replace bytes a text reply must not carry (`$#*}` and controls) by '?'. */
char *rsp_text_safe(const char *s);
