/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A live guest's memory behind the OlDump interface (live.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump-private.h"
#include "live.h"
#include "page-cache.h"

#define DEFAULT_CACHE_PAGES 1024u

typedef struct {
	gboolean live;      /* always TRUE: tells a live dump's priv from a file's */
	guint64 generation; /* ol_dump_live_invalidate() calls */
	/* callback source only */
	OlLiveReadFn fn;
	void *ctx;
	guint cache_pages;
	OlPageCache *cache;
} LivePriv;

static LivePriv *live_priv(const OlDump *d)
{
	return d->format == OL_DUMP_FORMAT_LIVE ? d->priv : NULL;
}

static void live_close(OlDump *d)
{
	LivePriv *p = d->priv;

	if (p)
		ol_page_cache_free(p->cache);
	g_free(p);
	d->priv = NULL;
}

static int cmp_range(const void *pa, const void *pb)
{
	const OlLiveRange *a = pa, *b = pb;

	return a->gpa < b->gpa ? -1 : a->gpa > b->gpa;
}

/* Sort the layout into d->ranges.  FILE_SIZE 0: no file to check against. */
static GError *set_layout(OlDump *d, const OlLiveRange *ranges, guint n, guint64 file_size)
{
	g_autofree OlLiveRange *sorted = g_memdup2(ranges, sizeof(*ranges) * MAX(n, 1));

	if (n > OL_LIVE_MAX_RANGES)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT, "%u memory ranges, more than the %u allowed", n,
				     OL_LIVE_MAX_RANGES);
	for (guint i = 0; i < n; i++) {
		const OlLiveRange *r = &ranges[i];

		if (r->size == 0 || r->gpa + r->size < r->gpa)
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT, "range %u (guest-physical " X64 ", " X64
					     " bytes) is empty or wraps", i, r->gpa, r->size);
		if (file_size && !ol_in_file(r->offset, r->size, file_size))
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT, "range %u (guest-physical " X64 ", " X64
					     " bytes at file offset " X64 ") ends past the file's " X64 " bytes",
					     i, r->gpa, r->size, r->offset, file_size);
	}
	if (n > 1)
		qsort(sorted, n, sizeof(*sorted), cmp_range);
	g_free(d->ranges);
	d->ranges = g_new0(struct ol_range, MAX(n, 1));
	d->n_ranges = n;
	for (guint i = 0; i < n; i++) {
		if (i > 0 && sorted[i].gpa - sorted[i - 1].gpa < sorted[i - 1].size)
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT, "memory ranges overlap at guest-physical " X64,
					     sorted[i].gpa);
		d->ranges[i] = (struct ol_range){.start = sorted[i].gpa, .size = sorted[i].size,
						 .file_offset = sorted[i].offset, .file_size = sorted[i].size,
						 .file_have = sorted[i].size};
	}
	return NULL;
}

static OlDump *live_new(const char *name)
{
	OlDump *d = g_new0(OlDump, 1);
	LivePriv *p = g_new0(LivePriv, 1);

	p->live = TRUE;
	d->path = g_strdup(name);
	d->cpus = g_array_new(FALSE, TRUE, sizeof(OlCpuNote));
	d->vmcoreinfo_desc = G_MAXSIZE;
	d->format = OL_DUMP_FORMAT_LIVE;
	d->cpu_order_known = TRUE;
	d->priv = p;
	return d;
}

/* Mapped RAM: the ELF reader's ops apply (ranges are plain bytes of d->map),
 * with our close for the private data. */
static const struct ol_dump_ops live_mapped_ops;

static void *map_read_only(int fd, size_t size)
{
	g_autofree char *self = g_strdup_printf("/proc/self/fd/%d", fd);
	int ro = open(self, O_RDONLY | O_CLOEXEC);
	void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, ro >= 0 ? ro : fd, 0);

	if (ro >= 0)
		close(ro);
	return map;
}

GError *ol_dump_open_live_fd(const char *name, int fd, const OlLiveRange *ranges, guint n, OlDump **out)
{
	g_autoptr(OlDump) d = live_new(name);
	struct stat st;
	void *map;
	GError *err;

	d->ops = &live_mapped_ops;
	if (fstat(fd, &st) < 0)
		return ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot stat: %s", g_strerror(errno));
	if (st.st_size <= 0 || (guint64)st.st_size > G_MAXSIZE)
		return ol_dump_error(d, OL_DUMP_ERROR_IO, "guest RAM file of %jd bytes cannot be mapped",
				     (intmax_t)st.st_size);
	if ((err = set_layout(d, ranges, n, (guint64)st.st_size)))
		return err;
	/* MAP_SHARED: the guest's current bytes, not a copy from open time.
	 * PROT_READ through a read-only descriptor: not even mprotect() can
	 * make the mapping write the guest. */
	map = map_read_only(fd, (size_t)st.st_size);
	if (map == MAP_FAILED)
		return ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot mmap %jd bytes: %s", (intmax_t)st.st_size,
				     g_strerror(errno));
	d->map = map;
	d->size = (gsize)st.st_size;
	*out = g_steal_pointer(&d);
	return NULL;
}

GError *ol_dump_open_live_file(const char *path, const OlLiveRange *ranges, guint n, OlDump **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	GError *err;

	if (fd < 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "%s: cannot open: %s", path, g_strerror(errno));
	err = ol_dump_open_live_fd(path, fd, ranges, n, out);
	close(fd);
	return err;
}

/* Callback source: one page at a time through the cache. */
static GError *reader_page(OlDump *d, LivePriv *p, guint64 pfn, gsize off, guint8 *dst, gsize len)
{
	guint8 page[OL_PAGE_SIZE];
	GError *err;

	if (ol_page_cache_read(p->cache, pfn, off, dst, len))
		return NULL;
	if ((err = p->fn(p->ctx, pfn << OL_PAGE_SHIFT, page, sizeof(page)))) {
		g_prefix_error(&err, "%s: ", d->path);
		return err;
	}
	ol_page_cache_put(p->cache, pfn, page);
	memcpy(dst, page + off, len);
	return NULL;
}

static GError *reader_read_phys(OlDump *d, guint64 paddr, void *buf, gsize len, gboolean strict)
{
	LivePriv *p = d->priv;
	guint8 *dst = buf;

	while (len > 0) {
		gsize off = paddr & (OL_PAGE_SIZE - 1);
		gsize n = MIN(len, OL_PAGE_SIZE - off);
		GError *err;

		if (d->n_ranges && !ol_ranges_cover(d, paddr, n))
			return ol_dump_error(d, OL_DUMP_ERROR_NOT_PRESENT, "physical address " X64 " is not guest RAM",
					     paddr);
		if ((err = reader_page(d, p, paddr >> OL_PAGE_SHIFT, off, dst, n)))
			return err;
		paddr += n;
		dst += n;
		len -= n;
	}
	return NULL;
}

static const struct ol_dump_ops live_reader_ops = {
	.read_phys = reader_read_phys,
	.close = live_close,
};

GError *ol_dump_open_live_reader(const char *name, OlLiveReadFn fn, void *ctx, const OlLiveRange *ranges,
				 guint n, guint cache_pages, OlDump **out)
{
	g_autoptr(OlDump) d = live_new(name);
	LivePriv *p = d->priv;
	GError *err;

	d->ops = &live_reader_ops;
	p->fn = fn;
	p->ctx = ctx;
	p->cache_pages = cache_pages ? cache_pages : DEFAULT_CACHE_PAGES;
	p->cache = ol_page_cache_new(p->cache_pages, OL_PAGE_SIZE);
	if ((err = set_layout(d, ranges, n, 0)))
		return err;
	*out = g_steal_pointer(&d);
	return NULL;
}

gboolean ol_dump_is_live(const OlDump *d)
{
	return live_priv(d) != NULL;
}

void ol_dump_live_set_cpus(OlDump *d, const OlCpuNote *cpus, guint n)
{
	g_return_if_fail(live_priv(d));
	g_array_set_size(d->cpus, 0);
	g_array_append_vals(d->cpus, cpus, n);
}

void ol_dump_live_set_vmcoreinfo(OlDump *d, const char *text, gsize len)
{
	g_return_if_fail(live_priv(d));
	g_clear_pointer(&d->vmcoreinfo, g_free);
	d->vmcoreinfo_len = 0;
	if (text) {
		d->vmcoreinfo = g_strndup(text, len);
		d->vmcoreinfo_len = strlen(d->vmcoreinfo);
	}
}

void ol_dump_live_invalidate(OlDump *d)
{
	LivePriv *p = live_priv(d);

	g_return_if_fail(p);
	p->generation++;
	d->have_counts = FALSE;
	if (p->cache) {
		ol_page_cache_free(p->cache);
		p->cache = ol_page_cache_new(p->cache_pages, OL_PAGE_SIZE);
	}
}

guint64 ol_dump_live_generation(const OlDump *d)
{
	LivePriv *p = live_priv(d);

	return p ? p->generation : 0;
}

static GError *mapped_read(OlDump *d, guint64 paddr, void *buf, gsize len, gboolean strict)
{
	return ol_mapped_ops.read_phys(d, paddr, buf, len, strict);
}

static const void *mapped_ptr(OlDump *d, guint64 paddr, gsize *avail)
{
	return ol_mapped_ops.phys_ptr(d, paddr, avail);
}

static const struct ol_dump_ops live_mapped_ops = {
	.read_phys = mapped_read,
	.phys_ptr = mapped_ptr,
	.close = live_close,
};
