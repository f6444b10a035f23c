/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A live dump's layout and notes from QEMU (live-qemu-layout.h). */
#include <stdlib.h>

#include "dump-private.h"
#include "live-qemu-layout.h"

/* "  0000000000100000-000000001fffffff (prio 0, ram): pc.ram @0000000000100000" */
#define MTREE_LINE "^\\s*([0-9a-f]+)-([0-9a-f]+) \\(prio -?\\d+, (?:ram|rom)\\): (\\S+)(?: @([0-9a-f]+))?"

/* The text of the flat view of address space "memory", or NULL. */
static char *memory_view(const char *text)
{
	const char *fv = strstr(text, "AS \"memory\"");
	const char *end;

	if (!fv)
		return NULL;
	end = strstr(fv, "\nFlatView");
	return end ? g_strndup(fv, end - fv) : g_strdup(fv);
}

static const char *largest(GHashTable *total)
{
	GHashTableIter it;
	gpointer k, v;
	const char *best = NULL;
	gsize best_size = 0;

	g_hash_table_iter_init(&it, total);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (GPOINTER_TO_SIZE(v) > best_size) {
			best_size = GPOINTER_TO_SIZE(v);
			best = k;
		}
	return best;
}

GError *ol_live_mtree_parse(const char *text, const char *region, GArray **out)
{
	g_autoptr(GRegex) re = g_regex_new(MTREE_LINE, G_REGEX_MULTILINE, 0, NULL);
	g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(OlLiveRange));
	g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(OlLiveRange));
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) total = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GMatchInfo) m = NULL;
	g_autofree char *view = memory_view(text);
	const char *best = region;

	if (!view)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT,
				   "info mtree -f: no flat view of address space \"memory\"");
	/* bounded: one match per line of the text, at most OL_LIVE_MAX_RANGES */
	for (g_regex_match(re, view, 0, &m); g_match_info_matches(m) && all->len < OL_LIVE_MAX_RANGES;
	     g_match_info_next(m, NULL)) {
		g_autofree char *a = g_match_info_fetch(m, 1), *b = g_match_info_fetch(m, 2);
		g_autofree char *off = g_match_info_fetch(m, 4);
		char *name = g_match_info_fetch(m, 3);
		OlLiveRange r = {.gpa = g_ascii_strtoull(a, NULL, 16)};
		gsize sum;

		r.size = g_ascii_strtoull(b, NULL, 16) - r.gpa + 1;
		r.offset = off && *off ? g_ascii_strtoull(off, NULL, 16) : 0;
		g_array_append_val(all, r);
		g_ptr_array_add(names, name);
		sum = GPOINTER_TO_SIZE(g_hash_table_lookup(total, name)) + r.size;
		g_hash_table_insert(total, name, GSIZE_TO_POINTER(sum));
	}
	if (!best)
		best = largest(total);
	for (guint i = 0; best && i < all->len; i++)
		if (g_str_equal(names->pdata[i], best))
			g_array_append_val(ranges, g_array_index(all, OlLiveRange, i));
	if (ranges->len == 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "info mtree -f: no RAM region %s",
				   region ? region : "at all");
	*out = g_steal_pointer(&ranges);
	return NULL;
}

GError *ol_dump_live_set_notes(OlDump *live, const guint8 *notes, gsize len)
{
	g_auto(OlNoteState) st = {0};
	GError *err;

	g_return_val_if_fail(ol_dump_is_live(live), NULL);
	g_array_set_size(live->cpus, 0);
	g_clear_pointer(&live->vmcoreinfo, g_free);
	live->vmcoreinfo_len = 0;
	live->vmcoreinfo_desc = G_MAXSIZE;
	if (live->note_blob)
		g_byte_array_set_size(live->note_blob, 0);
	if ((err = ol_notes_parse(live, &st, 0, notes, len, 4)))
		return err;
	ol_notes_finish(live, &st, TRUE);
	return NULL;
}
