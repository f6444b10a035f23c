/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture-disk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

/*
 * crashkernel=64M: the capture kernel is the lab kernel itself (tinyconfig
 * based, about 10 MiB resident once booted) with the capture initramfs
 * (busybox, makedumpfile and its libraries: 2.7 MB compressed, about 9 MB
 * unpacked in its rootfs). Measured in a 512 MiB guest, the capture kernel's
 * /init sees about 39 MiB free with 64M, which makedumpfile's cyclic mode
 * (bitmaps for 128 Ki pages, a few pages of buffers) and the page cache of
 * the disk writes use only a little of. 64 MiB is also about the smallest
 * reservation distributions use for small machines; it leaves 448 MiB to
 * the lab.
 */

void capture_disk_header_clear(CaptureDiskHeader *h)
{
	g_free(h->status);
	g_free(h->message);
	g_free(h->collector);
	g_free(h->command);
	g_free(h->vmcore_format);
	memset(h, 0, sizeof(*h));
}

GError *capture_disk_collector_check(const char *collector)
{
	g_auto(GStrv) words = NULL;

	for (const char *p = collector; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr(" -_.=/", *p))
			return g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					   "--collector: '%c' is not allowed (letters, digits, space and -_.=/ only)", *p);
	words = g_strsplit_set(collector, " ", -1);
	if (!words[0] || (!g_str_equal(words[0], "cp") && !g_str_equal(words[0], "makedumpfile")))
		return g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				   "--collector: '%s' is neither cp nor makedumpfile OPTIONS", collector);
	if (g_str_equal(words[0], "makedumpfile"))
		for (char **w = words + 1; *w; w++)
			if (g_str_equal(*w, "-E") || g_str_equal(*w, "--split") ||
			    g_str_equal(*w, "-R") || g_str_has_prefix(*w, "/"))
				return g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
						   "--collector: give makedumpfile's dump options only; the capture "
						   "kernel adds -F /proc/vmcore and streams stdout to the disk ('%s' is not "
						   "possible there)", *w);
	return NULL;
}

/* -F in the collector: the capture always streams flattened; -F asks to
 * keep the file flattened, as `makedumpfile -F` would have written it. */
gboolean capture_disk_collector_keeps_flattened(const char *collector)
{
	g_auto(GStrv) words = g_strsplit_set(collector, " ", -1);

	return g_str_equal(words[0], "makedumpfile") && g_strv_contains((const char *const *)words, "-F");
}

char *capture_disk_collector_cmdline(const char *collector)
{
	g_auto(GStrv) words = g_strsplit_set(collector, " ", -1);
	g_autoptr(GString) s = g_string_new(NULL);

	for (char **w = words; *w; w++) {
		if (!**w || g_str_equal(*w, "-F")) /* the capture init adds it */
			continue;
		if (s->len)
			g_string_append_c(s, ',');
		g_string_append(s, *w);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

const char *capture_disk_collector_format(const char *collector)
{
	g_auto(GStrv) words = g_strsplit_set(collector, " ", -1);
	const char *fmt = "kdump";

	if (!g_str_equal(words[0], "makedumpfile"))
		return "elf";
	for (char **w = words + 1; *w; w++) {
		if (g_str_equal(*w, "-c"))
			fmt = "kdump-zlib";
		else if (g_str_equal(*w, "-l"))
			fmt = "kdump-lzo";
		else if (g_str_equal(*w, "-p"))
			fmt = "kdump-snappy";
		else if (g_str_equal(*w, "-z"))
			fmt = "kdump-zstd";
	}
	return fmt;
}

GError *capture_disk_create(const char *path, int memory_mib)
{
	/* header and log areas, the guest's memory, a margin for headers */
	off_t size = (off_t)CAPTURE_DISK_VMCORE_OFFSET + ((off_t)memory_mib << 20) + (16 << 20);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || ftruncate(fd, size) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(e), "cannot create the capture disk %s: %s",
				   path, g_strerror(e));
	}
	close(fd);
	return NULL;
}

GError *capture_disk_read_header(const char *path, CaptureDiskHeader *h)
{
	char buf[4097] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	gboolean ended = FALSE;
	g_auto(GStrv) lines = NULL;

	if (fd < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "cannot open the capture disk %s: %s",
				   path, g_strerror(errno));
	n = pread(fd, buf, 4096, 0);
	close(fd);
	if (n < 0)
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_IO, "cannot read the capture disk %s", path);
	if (!g_str_has_prefix(buf, "oopslab-kdump 1\n"))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_FAILED,
				   "the capture disk has no header: the capture kernel never finished");
	lines = g_strsplit(buf, "\n", -1);
	for (char **l = lines + 1; *l; l++) {
		char *eq = strchr(*l, '=');
		const char *v;

		if (g_str_equal(*l, "end")) {
			ended = TRUE;
			break;
		}
		if (!eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		if (g_str_equal(*l, "status"))
			h->status = g_strdup(v);
		else if (g_str_equal(*l, "message"))
			h->message = g_strdup(v);
		else if (g_str_equal(*l, "collector"))
			h->collector = g_strdup(v);
		else if (g_str_equal(*l, "command"))
			h->command = g_strdup(v);
		else if (g_str_equal(*l, "vmcore_format"))
			h->vmcore_format = g_strdup(v);
		else if (g_str_equal(*l, "vmcore_offset"))
			h->vmcore_offset = g_ascii_strtoull(v, NULL, 10);
		else if (g_str_equal(*l, "vmcore_bytes"))
			h->vmcore_bytes = g_ascii_strtoull(v, NULL, 10);
		else if (g_str_equal(*l, "dmesg_offset"))
			h->dmesg_offset = g_ascii_strtoull(v, NULL, 10);
		else if (g_str_equal(*l, "dmesg_bytes"))
			h->dmesg_bytes = g_ascii_strtoull(v, NULL, 10);
		else if (g_str_equal(*l, "uptime"))
			h->uptime = g_ascii_strtod(v, NULL);
	}
	if (!ended || !h->status)
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_FAILED, "the capture disk's header is incomplete");
	return NULL;
}

GError *capture_disk_extract(const char *disk, guint64 offset, guint64 bytes, const char *out)
{
	int in = open(disk, O_RDONLY | O_CLOEXEC), o = -1;
	loff_t off_in = offset;
	guint64 left = bytes;
	GError *err = NULL;

	if (in < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", disk,
				   g_strerror(errno));
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o < 0) {
		err = g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", out,
				  g_strerror(errno));
		goto done;
	}
	while (left > 0) {
		ssize_t n = copy_file_range(in, &off_in, o, NULL, MIN(left, (guint64)1 << 30), 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
			/* plain read/write */
			char *buf = g_malloc(1 << 20);

			while (left > 0) {
				ssize_t r = pread(in, buf, MIN(left, (guint64)1 << 20), off_in);

				if (r <= 0 || write(o, buf, r) != r) {
					err = g_error_new(G_FILE_ERROR, G_FILE_ERROR_IO,
							  "copying %s to %s failed", disk, out);
					break;
				}
				off_in += r;
				left -= r;
			}
			g_free(buf);
			break;
		}
		if (n <= 0) {
			err = g_error_new(G_FILE_ERROR, G_FILE_ERROR_IO, "copying %s to %s failed: %s", disk, out,
					  n < 0 ? g_strerror(errno) : "the disk is shorter than its header says");
			break;
		}
		left -= n;
	}
done:
	if (o >= 0 && close(o) < 0 && !err)
		err = g_error_new(G_FILE_ERROR, G_FILE_ERROR_IO, "%s: %s", out, g_strerror(errno));
	close(in);
	return err;
}
