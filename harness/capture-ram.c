/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The paused guest's shared RAM, written as a kdump-compressed file (capture-ram.h). */
#include "capture-ram.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "convert.h"
#include "dump.h"
#include "json-reader.h"
#include "live-notes.h"
#include "live-qemu.h"
#include "live.h"
#include "qemu-notes.h"
#include "run-internal.h"

/* QEMU's id of the machine's RAM backend as libvirt names it. */
#define RAM_BACKEND "pc.ram"

GError *capture_ram_file(Vm *vm, char **path)
{
	g_autofree char *reply = NULL;
	g_autoptr(JsonValue) v = NULL;
	GError *err = vm_monitor(vm,
				 "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/objects/" RAM_BACKEND "\","
				 "\"property\":\"mem-path\"}}",
				 FALSE, &reply);
	const char *p;

	if (err || (err = json_parse(reply, strlen(reply), &v)))
		return err;
	p = json_get_string(v, "return");
	if (!p || !*p)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "QEMU has no RAM file for %s: %s", RAM_BACKEND, reply);
	*path = g_strdup(p);
	return NULL;
}

static GError *ram_layout(Vm *vm, GArray **ranges)
{
	g_autofree char *text = NULL;
	GError *err = vm_monitor(vm, "info mtree -f", TRUE, &text);

	if (err)
		return err;
	return live_mtree_parse(text, RAM_BACKEND, ranges);
}

/*
 * The kernel's VMCOREINFO note, found in its RAM as QEMU's vmcoreinfo
 * device would point at it: n_namesz 11, "VMCOREINFO", a text that starts
 * with OSRELEASE=.  Not found: NULL (the dump then has none).
 */
#define VMCOREINFO_MAX 8192

char *capture_find_vmcoreinfo(OlDump *live, gsize *len)
{
	static const char name[] = "VMCOREINFO\0\0";

	for (guint i = 0; i < ol_dump_n_ranges(live); i++) {
		guint64 start, size;
		gsize avail = 0;
		const guint8 *p, *end, *hit;

		ol_dump_range(live, i, &start, &size);
		p = ol_dump_phys_ptr(live, start, &avail);
		if (!p)
			continue;
		end = p + MIN(avail, size);
		/* bounded: each hit moves past itself */
		for (const guint8 *q = p; (hit = memmem(q, end - q, name, 12)); q = hit + 12) {
			guint32 namesz, descsz;

			if (hit - p < 12 || end - hit < 12 + 10)
				continue;
			memcpy(&namesz, hit - 12, 4);
			memcpy(&descsz, hit - 8, 4);
			descsz = GUINT32_FROM_LE(descsz);
			if (GUINT32_FROM_LE(namesz) != 11 || descsz > VMCOREINFO_MAX ||
			    (gsize)(end - hit - 12) < descsz || memcmp(hit + 12, "OSRELEASE=", 10) != 0)
				continue;
			*len = strnlen((const char *)hit + 12, descsz);
			return g_strndup((const char *)hit + 12, *len);
		}
	}
	return NULL;
}

static GError *set_notes(Vm *vm, OlDump *live)
{
	g_autofree char *regs = NULL;
	g_autofree char *info = NULL;
	g_autoptr(GByteArray) notes = NULL;
	gsize len = 0;
	GError *err = vm_monitor(vm, "info registers -a", TRUE, &regs);

	if (err)
		return err;
	info = capture_find_vmcoreinfo(live, &len);
	if ((err = qemu_notes_build(regs, info, len, &notes)))
		return err;
	return ol_dump_live_set_notes(live, notes->data, notes->len);
}

GError *capture_ram(Vm *vm, const char *path, const CaptureRamOptions *opt, OlDumpWriteStats *stats)
{
	g_autofree char *file = NULL;
	g_autoptr(GArray) ranges = NULL;
	g_autoptr(OlDump) live = NULL;
	OlDumpWriteOptions wo = {
		.format = OL_DUMP_WRITE_KDUMP,
		.codec = opt->codec,
		.exclude_zero = TRUE,
		.exclude_free = opt->exclude_unneeded,
		.exclude_lru = opt->exclude_unneeded,
	};
	GError *err, *paused;

	/* A hung guest is still running: its memory must hold still.  A
	 * panicked one is paused already, and that pause fails harmlessly. */
	paused = vm_pause(vm);
	g_clear_error(&paused);
	if ((err = capture_ram_file(vm, &file)) || (err = ram_layout(vm, &ranges)) ||
	    (err = ol_dump_open_live_file(file, (const OlLiveRange *)ranges->data, ranges->len, &live)) ||
	    (err = set_notes(vm, live)))
		return err;
	return ol_dump_write(live, path, &wo, stats);
}

/* What run-capture.c calls: the formats the harness writes itself (kdump
 * with a codec QEMU lacks here), when the embedded driver keeps guest RAM on
 * tmpfs.  Other formats are QEMU's own, through libvirt. */
gboolean run_wants_shared_ram(const Run *r, const Vm *vm)
{
	return !r->kdump && vm_ram_dir(vm) && !vm_dump_format_valid(r->opt->format) &&
	       g_str_has_prefix(r->opt->format, "kdump-") && !g_str_equal(r->opt->format, "kdump-raw");
}

static OlDumpCodec codec_of(const char *format)
{
	OlDumpWriteFormat f;
	OlDumpCodec codec;

	return convert_format_lookup(format, &f, &codec) ? codec : OL_DUMP_CODEC_ZSTD;
}

GError *run_capture_ram(Run *r, Vm *vm, const char *path, OlDumpWriteStats *stats)
{
	CaptureRamOptions o = {.codec = codec_of(r->opt->format), .exclude_unneeded = TRUE};
	GError *err = capture_ram(vm, path, &o, stats);

	if (!err)
		run_say(r, "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " pages stored, %" G_GUINT64_FORMAT
			" free or page cache/user pages left out", stats->stored_pages, stats->ram_pages,
			stats->unneeded_pages);
	return err;
}
