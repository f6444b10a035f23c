/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening a dump: map the file, recognise the format, hand over to its reader. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump-private.h"

G_DEFINE_QUARK(ol-dump-error-quark, ol_dump_error)

GError *ol_dump_error(const OlDump *d, OlDumpError code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_error_new(OL_DUMP_ERROR, code, "%s: %s", d->path, msg);
}

static GError *map_file(OlDump *d)
{
	int fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot open: %s", g_strerror(errno));

	struct stat st;
	GError *err = NULL;
	if (fstat(fd, &st) < 0) {
		err = ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot stat: %s", g_strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err = ol_dump_error(d, OL_DUMP_ERROR_IO, "not a regular file");
	} else if (st.st_size == 0) {
		/* mmap cannot map nothing, and nothing is not a dump. */
		err = ol_dump_error(d, OL_DUMP_ERROR_FORMAT, "empty file (0 bytes), not a dump");
	} else if ((guint64)st.st_size > G_MAXSIZE) {
		err = ol_dump_error(d, OL_DUMP_ERROR_IO, "file too large to map");
	} else {
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			err = ol_dump_error(d, OL_DUMP_ERROR_IO, "cannot mmap %jd bytes: %s",
					    (intmax_t)st.st_size, g_strerror(errno));
		} else {
			d->map = map;
			d->size = (gsize)st.st_size;
		}
	}
	close(fd); /* the mapping keeps the file */
	return err;
}

static GError *identify_and_open(OlDump *d)
{
	if (ol_elf_match(d->map, d->size))
		return ol_elf_open(d);

	/* Recognised so the message says what is missing rather than "unknown". */
	if (d->size >= 8 && memcmp(d->map, "KDUMP   ", 8) == 0)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "kdump-compressed dumps are not supported yet");
	if (d->size >= 12 && memcmp(d->map, "makedumpfile", 12) == 0)
		return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
				     "makedumpfile flattened dumps are not supported yet");

	guint8 magic[4] = { 0 };
	memcpy(magic, d->map, MIN(d->size, sizeof(magic)));
	return ol_dump_error(d, OL_DUMP_ERROR_FORMAT,
			     "unknown dump format at offset 0x0 (magic %02x %02x %02x %02x, file is %" G_GSIZE_FORMAT " bytes)",
			     magic[0], magic[1], magic[2], magic[3], d->size);
}

GError *ol_dump_open(const char *path, OlDump **out)
{
	g_return_val_if_fail(path != NULL && out != NULL, NULL);

	g_autoptr(OlDump) d = g_new0(OlDump, 1);
	d->path = g_strdup(path);
	d->cpus = g_array_new(FALSE, TRUE, sizeof(OlCpuNote));

	GError *err = map_file(d);
	if (!err)
		err = identify_and_open(d);
	if (err)
		return err;
	*out = g_steal_pointer(&d);
	return NULL;
}

void ol_dump_free(OlDump *d)
{
	if (!d)
		return;
	if (d->ops && d->ops->close)
		d->ops->close(d);
	if (d->map)
		munmap((void *)d->map, d->size);
	g_free(d->ranges);
	g_free(d->vmcoreinfo);
	g_array_unref(d->cpus);
	g_free(d->path);
	g_free(d);
}

OlDumpFormat ol_dump_format(const OlDump *d)
{
	return d->format;
}

const char *ol_dump_format_name(const OlDump *d)
{
	switch (d->format) {
	case OL_DUMP_FORMAT_ELF_QEMU:
		return "qemu-elf";
	case OL_DUMP_FORMAT_ELF_KDUMP:
		return "kdump-elf";
	case OL_DUMP_FORMAT_ELF_OTHER:
		return "elf";
	}
	return "unknown";
}

const char *ol_dump_path(const OlDump *d)
{
	return d->path;
}

guint64 ol_dump_file_size(const OlDump *d)
{
	return d->size;
}

guint ol_dump_n_cpus(const OlDump *d)
{
	return d->cpus->len;
}

const OlCpuNote *ol_dump_cpu(const OlDump *d, guint i)
{
	if (i >= d->cpus->len)
		return NULL;
	return &g_array_index(d->cpus, OlCpuNote, i);
}

const char *ol_dump_vmcoreinfo(const OlDump *d, gsize *len)
{
	if (len)
		*len = d->vmcoreinfo ? d->vmcoreinfo_len : 0;
	return d->vmcoreinfo;
}

GError *ol_dump_read_phys(OlDump *d, guint64 paddr, void *buf, gsize len)
{
	if (len == 0)
		return NULL;
	return d->ops->read_phys(d, paddr, buf, len);
}

const void *ol_dump_phys_ptr(OlDump *d, guint64 paddr, gsize *avail)
{
	*avail = 0;
	if (!d->ops->phys_ptr)
		return NULL;
	return d->ops->phys_ptr(d, paddr, avail);
}

guint ol_dump_n_ranges(const OlDump *d)
{
	return d->n_ranges;
}

gboolean ol_dump_range(const OlDump *d, guint i, guint64 *start, guint64 *size)
{
	if (i >= d->n_ranges)
		return FALSE;
	if (start)
		*start = d->ranges[i].start;
	if (size)
		*size = d->ranges[i].size;
	return TRUE;
}
