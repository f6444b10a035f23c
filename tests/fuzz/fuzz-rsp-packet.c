/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the RSP packet reader and the encoders/decoders around it.
 * Checks, besides not crashing: whatever bytes are escaped and framed, the
 * reader gives them back unchanged.
 */
#include <stdint.h>
#include <string.h>

#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RspReader r;
	g_autoptr(GString) payload = g_string_new(NULL), wire = g_string_new(NULL);
	g_autoptr(GByteArray) raw = g_byte_array_new();
	g_autofree char *text = g_strndup((const char *)data, size);
	gboolean got = FALSE;
	const char *p;
	guint64 v;
	g_autofree guint8 *copy = NULL;

	/* the stream as it comes, with a small limit to reach TOO_LONG */
	rsp_reader_init(&r, 64);
	for (size_t i = 0; i < size; i++)
		rsp_reader_feed(&r, data[i]);
	rsp_reader_clear(&r);

	/* decoders on the text */
	(void)rsp_decode_hex(text, strlen(text), raw);
	p = text;
	while (*p && rsp_parse_hex(&p, &v))
		if (*p)
			p++;
	g_free(rsp_text_safe(text));
	copy = g_memdup2(data, size);
	(void)rsp_unescape(copy, size);

	/* round trip: escape, frame, read back, unescape */
	rsp_append_binary(payload, data, size);
	rsp_frame(wire, payload->str, payload->len);
	rsp_reader_init(&r, RSP_PACKET_SIZE * 4);
	for (gsize i = 0; i < wire->len; i++) {
		RspEvent ev = rsp_reader_feed(&r, (guint8)wire->str[i]);

		g_assert(ev == RSP_EV_NONE || ev == RSP_EV_PACKET);
		if (ev == RSP_EV_PACKET) {
			gsize n = rsp_unescape(r.payload->data, r.payload->len);

			g_assert(n == size && memcmp(r.payload->data, data, size) == 0);
			got = TRUE;
		}
	}
	g_assert(got);
	rsp_reader_clear(&r);
	return 0;
}
