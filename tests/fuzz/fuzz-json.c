/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the harness's JSON reader (run.json, manifests). */
#include <stdint.h>

#include "json-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(JsonValue) v = NULL;
	GError *err = json_parse((const char *)data, size, &v);
	JsonValue *dump;

	if (err) {
		g_assert(v == NULL);
		g_clear_error(&err);
		return 0;
	}
	(void)json_get_string(v, "vmlinux");
	(void)json_get_bool(v, "panicked", FALSE);
	(void)json_get_number(v, "cpus", 0);
	dump = json_get(v, "dump");
	(void)json_get_string(dump, "path");
	return 0;
}
