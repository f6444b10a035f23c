/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The writers' output file: complete or absent.  It is created unnamed with
 * O_TMPFILE in the target's directory, so nothing exists under any name until
 * the end, even if the process is killed; at the end it gets a temporary
 * name (linkat through /proc/self/fd) and is renamed over the target, which
 * replaces an existing file atomically.  Filesystems without O_TMPFILE get a
 * named temporary file "PATH.tmp-XXXXXX" that ol_out_close() removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "writer-private.h"

static GError *out_error(const OlOutFile *o, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static GError *out_error(const OlOutFile *o, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "%s: %s", o->path, msg);
}

GError *ol_out_open(OlOutFile *o, const char *path)
{
	g_autofree char *dir = NULL;
	int e;

	*o = (OlOutFile){ .path = g_strdup(path), .fd = -1 };
	dir = g_path_get_dirname(path);
	o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->fd >= 0)
		return NULL;
	e = errno;
	if (e != EOPNOTSUPP && e != EISDIR && e != EINVAL)
		return out_error(o, "cannot create a file in %s: %s", dir, g_strerror(e));
	/* No O_TMPFILE here: a named temporary file. */
	o->tmp_path = g_strdup_printf("%s.tmp-XXXXXX", path);
	o->fd = g_mkstemp_full(o->tmp_path, O_RDWR | O_CLOEXEC, 0600);
	if (o->fd < 0) {
		e = errno;
		g_clear_pointer(&o->tmp_path, g_free);
		return out_error(o, "cannot create a temporary file beside it: %s", g_strerror(e));
	}
	return NULL;
}

GError *ol_out_pwrite(OlOutFile *o, guint64 off, const void *buf, gsize len)
{
	const guint8 *p = buf;
	guint64 end = off + len;
	while (len > 0) {
		ssize_t n = pwrite(o->fd, p, MIN(len, (gsize)1 << 30), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return out_error(o, "cannot write %" G_GSIZE_FORMAT " bytes at offset " X64 ": %s",
					 len, off, n < 0 ? g_strerror(errno) : "no progress");
		p += n;
		off += (guint64)n;
		len -= (gsize)n;
	}
	o->size = MAX(o->size, end);
	return NULL;
}

GError *ol_out_commit(OlOutFile *o)
{
	g_autofree char *proc = NULL;

	/* Data on disk before the name points at it. */
	if (fdatasync(o->fd) < 0)
		return out_error(o, "cannot flush to disk: %s", g_strerror(errno));
	if (o->tmp_path) {
		if (rename(o->tmp_path, o->path) < 0)
			return out_error(o, "cannot rename %s to it: %s", o->tmp_path, g_strerror(errno));
		g_clear_pointer(&o->tmp_path, g_free);
		return NULL;
	}
	proc = g_strdup_printf("/proc/self/fd/%d", o->fd);
	for (int tries = 0; tries < 100; tries++) {
		g_autofree char *tmp = g_strdup_printf("%s.tmp-%d-%08x", o->path, (int)getpid(), g_random_int());
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0) {
			if (errno == EEXIST)
				continue;
			return out_error(o, "cannot give the new file a name (linkat %s): %s", tmp, g_strerror(errno));
		}
		if (rename(tmp, o->path) < 0) {
			int e = errno;
			g_unlink(tmp);
			return out_error(o, "cannot rename %s to it: %s", tmp, g_strerror(e));
		}
		return NULL;
	}
	return out_error(o, "cannot find a free temporary name beside it");
}

void ol_out_close(OlOutFile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp_path)
		g_unlink(o->tmp_path);
	g_clear_pointer(&o->tmp_path, g_free);
	g_clear_pointer(&o->path, g_free);
}
