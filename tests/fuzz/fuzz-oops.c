/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the console log parsers of the harness: oops_parse and the
 * console watcher's line parser (stages, sections, panic lines). */
#include <stdint.h>

#include "console.h"
#include "oops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	g_autoptr(ConsoleWatcher) w = NULL;
	g_auto(GStrv) lines = NULL;

	oops_free(oops_parse(text));
	w = console_watcher_new("/dev/null", 0);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++)
		console_watcher_line(w, lines[i], i * 0.01);
	(void)console_watcher_stage(w, "boot");
	g_free(console_add_symbol_file(w, "null_deref", "/lib/null_deref.ko"));
	return 0;
}
