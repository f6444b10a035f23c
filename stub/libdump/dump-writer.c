/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ol_dump_write(): decide which pages a written dump describes and stores,
 * then hand over to the kdump or ELF writer.
 *
 * The plan is two bitmaps over PFNs, as kdump's: "ram" (every page the input
 * describes as memory) and "stored" (the pages whose data is written: the
 * input's present pages, minus all-zero pages with exclude_zero for ELF
 * output).  Pages the input left out stay left out; they are never turned
 * into zeros.
 *
 * kdump output ends at the kernel's last memory section.  makedumpfile 1.7.2
 * sizes its bitmaps from the kernel's memory sections (mem_section in
 * VMCOREINFO), not from the header's max_mapnr, and when the header's is
 * larger it reads the 2nd bitmap at the wrong offset, finds no pages, and
 * fails (makedumpfile.c: get_mem_map() lowers max_mapnr, then
 * prepare_bitmap_buffer() and copy_bitmap_file() use it; QEMU's own
 * kdump-zlib files hit this).  On QEMU guests what lies past the last
 * section is firmware (the BIOS ROM at 4 GiB - 256 KiB), which the kernel
 * does not manage.  The pages dropped are counted in the stats, and nothing
 * is dropped when VMCOREINFO cannot say where the sections end.
 */
#include "mem-sections.h"
#include "utsname.h"
#include "vmcoreinfo.h"
#include "writer-private.h"
#include "xlat.h"

/* One past the last PFN of the kernel's last present memory section.  FALSE
 * if the dump does not say. */
static gboolean kernel_end_pfn(OlDump *in, OlXlat *x, guint64 *end_pfn)
{
	g_autoptr(GArray) secs = NULL;
	guint shift;
	if (!ol_mem_sections(in, x, &secs, &shift))
		return FALSE;
	*end_pfn = (g_array_index(secs, OlMemSection, secs->len - 1).nr + 1) << shift;
	return TRUE;
}

/* A utsname field into the header's 65 bytes: at most 64 and a NUL. */
static void copy_field(char *dst, const char *src)
{
	g_strlcpy(dst, src, 65);
}

void ol_write_header_info(OlDump *in, OlWriteHeaderInfo *out)
{
	OlDumpKdumpInfo kinfo;
	gsize len;
	const char *info;
	gint64 pb;
	guint64 uts;
	OlUtsname u;
	g_autoptr(GError) err = NULL;
	g_autofree char *rel = NULL;
	g_autoptr(OlXlat) x = NULL;

	memset(out, 0, sizeof(*out));
	g_strlcpy(out->machine, "x86_64", sizeof(out->machine));
	if (ol_dump_kdump_info(in, &kinfo))
		out->phys_base = kinfo.phys_base;

	info = ol_dump_vmcoreinfo(in, &len);
	if (!info)
		return;
	err = ol_vmcoreinfo_get_s64(info, len, "NUMBER(phys_base)", &pb);
	if (!err)
		out->phys_base = (guint64)pb; /* decimal, signed: QEMU's hex parse is wrong */
	ol_vmcoreinfo_try_u64(info, len, "CRASHTIME", &out->crash_time);
	rel = ol_vmcoreinfo_dup(info, len, "OSRELEASE");
	if (rel)
		g_strlcpy(out->release, rel, sizeof(out->release));

	/* The rest of struct new_utsname from init_uts_ns, as makedumpfile
	 * fills the header. */
	if (!ol_utsname_try_vmcoreinfo_addr(info, len, &uts))
		return;
	g_clear_error(&err);
	if ((err = ol_xlat_new(in, &x)) || (err = ol_utsname_read(x, uts, &u)))
		return;
	copy_field(out->sysname, u.sysname);
	copy_field(out->nodename, u.nodename);
	copy_field(out->release, u.release);
	copy_field(out->version, u.version);
	copy_field(out->machine, u.machine);
	copy_field(out->domainname, u.domainname);
}

static gboolean page_is_zero(OlDump *in, guint64 pfn, GError **err)
{
	static const guint8 zeros[OL_PAGE_SIZE];
	gsize avail = 0;
	const guint8 *p = ol_dump_phys_ptr(in, pfn << OL_PAGE_SHIFT, &avail);
	guint8 page[OL_PAGE_SIZE];

	if (!p || avail < OL_PAGE_SIZE) {
		if ((*err = ol_dump_read_page(in, pfn, page)))
			return FALSE;
		p = page;
	}
	return memcmp(p, zeros, OL_PAGE_SIZE) == 0;
}

static void plan_clear(OlWritePlan *p)
{
	g_free(p->ram);
	g_free(p->stored);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OlWritePlan, plan_clear)

/* Each page of the input's ranges into the plan's bitmaps, and counted.
 * FREE_BM, if not NULL, holds the pages to leave out as unneeded. */
static GError *mark_pages(OlDump *in, const OlDumpWriteOptions *opt, const guint8 *free_bm, OlWritePlan *p)
{
	guint n = ol_dump_n_ranges(in);
	guint64 last = G_MAXUINT64;

	for (guint i = 0; i < n; i++) {
		guint64 start, size;

		ol_dump_range(in, i, &start, &size);
		for (guint64 pfn = start >> OL_PAGE_SHIFT; pfn << OL_PAGE_SHIFT < start + size; pfn++) {
			OlPageState st;
			gboolean keep;

			if (pfn == last)
				continue; /* a page two ranges share */
			last = pfn;
			st = ol_dump_page_state(in, pfn);
			if (st == OL_PAGE_HOLE)
				continue;
			if (pfn >= p->max_mapnr) {
				p->stats.dropped_pages++;
				continue;
			}
			p->ram[pfn >> 3] |= (guint8)(1u << (pfn & 7));
			p->stats.ram_pages++;
			keep = st == OL_PAGE_PRESENT;
			if (keep && free_bm && ol_plan_bit(free_bm, pfn)) {
				keep = FALSE;
				p->stats.unneeded_pages++;
			}
			/* kdump keeps zero pages in the 2nd bitmap (see
			 * dump-writer.h); ELF leaves them out. */
			if (keep && opt->exclude_zero && opt->format == OL_DUMP_WRITE_ELF) {
				GError *err = NULL;

				keep = !page_is_zero(in, pfn, &err);
				if (err)
					return err;
			}
			if (!keep) {
				p->stats.excluded_pages++;
				continue;
			}
			p->stored[pfn >> 3] |= (guint8)(1u << (pfn & 7));
			p->n_stored++;
		}
	}
	return NULL;
}

static GError *make_plan(OlDump *in, const OlDumpWriteOptions *opt, OlWritePlan *p)
{
	guint n = ol_dump_n_ranges(in);
	guint64 end = 0;
	guint64 limit = G_MAXUINT64;
	g_autoptr(OlXlat) x = NULL;
	g_autofree guint8 *free_bm = NULL;
	guint kinds = (opt->exclude_free ? OL_UNNEEDED_FREE : 0) | (opt->exclude_lru ? OL_UNNEEDED_LRU : 0);

	for (guint i = 0; i < n; i++) {
		guint64 start, size;

		ol_dump_range(in, i, &start, &size);
		end = MAX(end, (start + size + OL_PAGE_SIZE - 1) >> OL_PAGE_SHIFT);
	}
	if (end > OL_WRITE_MAX_PFN)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT,
				   "physical memory reaches 0x%" G_GINT64_MODIFIER "x, past the %d-bit limit of a dump copy",
				   end << OL_PAGE_SHIFT, OL_WRITE_MAX_PHYS_BITS);
	p->stats.dropped_from_pfn = G_MAXUINT64;
	if (opt->format == OL_DUMP_WRITE_KDUMP) {
		g_autoptr(GError) err = ol_xlat_new(in, &x);

		if (!err && kernel_end_pfn(in, x, &limit) && limit < end)
			p->stats.dropped_from_pfn = limit;
	}
	p->max_mapnr = MIN(end, limit);
	p->bitmap_bytes = (gsize)((p->max_mapnr + 7) / 8);
	p->ram = g_try_malloc0(MAX(p->bitmap_bytes, 1));
	p->stored = g_try_malloc0(MAX(p->bitmap_bytes, 1));
	if (!p->ram || !p->stored)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "cannot allocate 2 x %" G_GSIZE_FORMAT " bytes of bitmaps",
				   p->bitmap_bytes);
	/* Free and LRU pages (kdump only), left out as makedumpfile -d 16 and
	 * -d 14 leave them; none if the kernel's memory map cannot be read. */
	if (kinds && x) {
		OlUnneeded counts;

		free_bm = g_malloc0(MAX(p->bitmap_bytes, 1));
		if (!ol_unneeded_pages(in, x, p->max_mapnr, kinds, free_bm, &counts))
			g_clear_pointer(&free_bm, g_free);
	}
	return mark_pages(in, opt, free_bm, p);
}

GError *ol_dump_write(OlDump *in, const char *path, const OlDumpWriteOptions *opt, OlDumpWriteStats *stats)
{
	g_auto(OlWritePlan) plan = { 0 };
	GError *err;
	OlOutFile out;
	OlDumpWriteStats st;

	/* A copy of a cut dump would say "excluded" where memory was lost. */
	if (ol_dump_warning(in))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_TRUNCATED, "%s (a copy needs the whole dump)", ol_dump_warning(in));
	err = make_plan(in, opt, &plan);
	if (err)
		return err;

	if ((err = ol_out_open(&out, path))) {
		ol_out_close(&out);
		return err;
	}
	st = plan.stats;
	if (opt->format == OL_DUMP_WRITE_KDUMP)
		err = ol_kdump_write(in, &out, &plan, opt, &st);
	else
		err = ol_elf_write(in, &out, &plan, &st);
	st.bytes = out.size;
	if (!err)
		err = ol_out_commit(&out);
	ol_out_close(&out);
	if (!err && stats)
		*stats = st;
	return err;
}
