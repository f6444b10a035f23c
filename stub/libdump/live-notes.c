/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A live dump's notes given as a note segment (live-notes.h). */
#include "dump-private.h"
#include "live-notes.h"

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
