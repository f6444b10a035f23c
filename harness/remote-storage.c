/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The storage pool of a remote run. Choices:
 * - one pool per daemon, REMOTE_POOL_NAME, so every run finds what earlier
 *   ones uploaded; an administrator may define it anywhere, else it is a
 *   transient directory pool (built if missing) that the next run of any
 *   harness recreates over the same directory and its files;
 * - a volume is complete once its marker volume NAME.ok exists (created
 *   after the upload finished). NAME without NAME.ok is another run's
 *   upload while its allocation grows; once it stops growing for
 *   UPLOAD_STALL_S, a run killed mid-upload left it, and it is deleted
 *   and uploaded again: never a torn kernel, and no clock of the daemon's
 *   host is compared with ours;
 * - the dump is a file QEMU writes into the pool's directory; a pool
 *   refresh makes it a volume, which the download then deletes.
 */
#include "remote-storage.h"

#include <errno.h>
#include <stdio.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#define CHUNK (256 * 1024)
#define UPLOAD_STALL_S 10
#define REFRESH_TRIES 20

struct RemotePool {
	virConnectPtr conn;
	virStoragePoolPtr pool;
	char *dir;
};

/* "WHAT NAME: libvirt's message" */
static GError *virt_error(const char *what, const char *name)
{
	const char *msg = virGetLastErrorMessage();

	return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: %s", what, name, msg ? msg : "unknown libvirt error");
}

/* <target><path>DIR</path> of the pool's XML */
static char *pool_dir(virStoragePoolPtr pool)
{
	g_autofree char *xml = virStoragePoolGetXMLDesc(pool, 0);
	const char *target = xml ? strstr(xml, "<target>") : NULL;
	const char *start = target ? strstr(target, "<path>") : NULL;
	const char *end = start ? strstr(start, "</path>") : NULL;

	if (!end)
		return NULL;
	start += strlen("<path>");
	return g_strndup(start, end - start);
}

static virStoragePoolPtr create_pool(virConnectPtr conn)
{
	static const char xml[] = "<pool type='dir'>\n"
				  "  <name>" REMOTE_POOL_NAME "</name>\n"
				  "  <target>\n"
				  "    <path>" REMOTE_POOL_DIR "</path>\n"
				  "    <permissions><mode>0755</mode></permissions>\n"
				  "  </target>\n"
				  "</pool>\n";
	virStoragePoolPtr pool = virStoragePoolCreateXML(conn, xml, VIR_STORAGE_POOL_CREATE_WITH_BUILD);

	/* another run created it meanwhile */
	return pool ? pool : virStoragePoolLookupByName(conn, REMOTE_POOL_NAME);
}

GError *remote_pool_open(virConnectPtr conn, RemotePool **out)
{
	g_autoptr(RemotePool) p = g_new0(RemotePool, 1);

	p->conn = conn;
	p->pool = virStoragePoolLookupByName(conn, REMOTE_POOL_NAME);
	if (!p->pool)
		p->pool = create_pool(conn);
	if (!p->pool)
		return virt_error("cannot create the storage pool", REMOTE_POOL_NAME);
	if (virStoragePoolIsActive(p->pool) == 0 &&
	    virStoragePoolCreate(p->pool, VIR_STORAGE_POOL_CREATE_WITH_BUILD) < 0 &&
	    virStoragePoolIsActive(p->pool) != 1)
		return virt_error("cannot start the storage pool", REMOTE_POOL_NAME);
	p->dir = pool_dir(p->pool);
	if (!p->dir)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "storage pool %s has no target path", REMOTE_POOL_NAME);
	*out = g_steal_pointer(&p);
	return NULL;
}

void remote_pool_free(RemotePool *p)
{
	if (!p)
		return;
	if (p->pool)
		virStoragePoolFree(p->pool);
	g_free(p->dir);
	g_free(p);
}

const char *remote_pool_name(const RemotePool *p)
{
	return REMOTE_POOL_NAME;
}

const char *remote_pool_dir(const RemotePool *p)
{
	return p->dir;
}

char *remote_pool_path(const RemotePool *p, const char *name)
{
	return g_build_filename(p->dir, name, NULL);
}

static GError *hash_file(const char *path, char **hex, gint64 *size)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *buf = g_malloc(CHUNK);
	FILE *f = fopen(path, "rb");
	gsize n;

	if (!f)
		return g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot open %s: %s", path,
				   g_strerror(errno));
	*size = 0;
	while ((n = fread(buf, 1, CHUNK, f)) > 0) {
		g_checksum_update(sum, (const guchar *)buf, n);
		*size += n;
	}
	fclose(f);
	*hex = g_strndup(g_checksum_get_string(sum), 16);
	return NULL;
}

static virStorageVolPtr create_volume(RemotePool *p, const char *name, gint64 size)
{
	g_autofree char *xml = g_strdup_printf("<volume>\n"
					       "  <name>%s</name>\n"
					       "  <capacity unit='bytes'>%" G_GINT64_FORMAT "</capacity>\n"
					       "  <allocation>0</allocation>\n"
					       "  <target>\n"
					       "    <format type='raw'/>\n"
					       "    <permissions><mode>0644</mode></permissions>\n"
					       "  </target>\n"
					       "</volume>\n",
					       name, size);

	return virStorageVolCreateXML(p->pool, xml, 0);
}

/* virStorageVolUpload of LOCAL's SIZE bytes into VOL */
/* Both transfers end alike: the file closed, the stream aborted on error. */
static GError *stream_end(virStreamPtr st, FILE *f, GError *err)
{
	if (f)
		fclose(f);
	if (st) {
		if (err)
			virStreamAbort(st);
		virStreamFree(st);
	}
	return err;
}

static GError *send_file(RemotePool *p, virStorageVolPtr vol, const char *local, gint64 size)
{
	virStreamPtr st = virStreamNew(p->conn, 0);
	g_autofree char *buf = g_malloc(CHUNK);
	GError *err = NULL;
	FILE *f = NULL;
	gsize n;

	if (!st || virStorageVolUpload(vol, st, 0, size, 0) < 0) {
		err = virt_error("cannot upload", local);
		goto out;
	}
	if (!(f = fopen(local, "rb"))) {
		err = g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot open %s: %s", local,
				  g_strerror(errno));
		goto out;
	}
	while (!err && (n = fread(buf, 1, CHUNK, f)) > 0) {
		for (gsize off = 0; off < n;) {
			int sent = virStreamSend(st, buf + off, n - off);

			if (sent < 0) {
				err = virt_error("upload failed:", local);
				break;
			}
			off += sent;
		}
	}
	if (!err && virStreamFinish(st) < 0)
		err = virt_error("upload failed:", local);
out:
	return stream_end(st, f, err);
}

static void delete_volume(RemotePool *p, const char *name)
{
	virStorageVolPtr vol = virStorageVolLookupByName(p->pool, name);

	if (!vol)
		return;
	virStorageVolDelete(vol, 0);
	virStorageVolFree(vol);
}

void remote_pool_delete(RemotePool *p, const char *name)
{
	virStoragePoolRefresh(p->pool, 0);
	delete_volume(p, name);
}

static gboolean has_volume(RemotePool *p, const char *name)
{
	virStorageVolPtr vol = virStorageVolLookupByName(p->pool, name);

	if (vol)
		virStorageVolFree(vol);
	return vol != NULL;
}

/* NAME without NAME.ok: TRUE once another run's upload of it finished;
 * FALSE when it is gone or stalled (then deleted). */
static gboolean wait_for_upload(RemotePool *p, const char *name, const char *ok)
{
	gint64 last_change = g_get_monotonic_time();
	unsigned long long last = 0;

	for (;;) {
		virStorageVolPtr vol;
		virStorageVolInfo info;
		int got;

		virStoragePoolRefresh(p->pool, 0);
		if (has_volume(p, ok))
			return TRUE;
		vol = virStorageVolLookupByName(p->pool, name);
		if (!vol)
			return FALSE;
		got = virStorageVolGetInfo(vol, &info);
		if (got == 0 && info.allocation != last) {
			last = info.allocation;
			last_change = g_get_monotonic_time();
		} else if (g_get_monotonic_time() - last_change > UPLOAD_STALL_S * G_USEC_PER_SEC) {
			virStorageVolDelete(vol, 0);
			virStorageVolFree(vol);
			return FALSE;
		}
		virStorageVolFree(vol);
		g_usleep(G_USEC_PER_SEC / 2);
	}
}

static GError *upload_new(RemotePool *p, const char *local, const char *name, gint64 size)
{
	g_autofree char *ok = g_strdup_printf("%s.ok", name);
	virStorageVolPtr vol, mark;
	GError *err;

	/* NAME.ok without NAME: a volume deleted by hand */
	delete_volume(p, ok);
	vol = create_volume(p, name, size);
	if (!vol)
		return virt_error("cannot create volume", name);
	err = send_file(p, vol, local, size);
	if (err) {
		virStorageVolDelete(vol, 0);
		virStorageVolFree(vol);
		return err;
	}
	virStorageVolFree(vol);
	mark = create_volume(p, ok, 0);
	if (!mark)
		return virt_error("cannot create volume", ok);
	virStorageVolFree(mark);
	return NULL;
}

GError *remote_pool_upload(RemotePool *p, const char *local, const char *suffix, char **remote_path,
			   gboolean *uploaded)
{
	g_autofree char *hash = NULL, *name = NULL, *ok = NULL;
	gint64 size = 0;
	gboolean sent = TRUE;
	GError *err;

	if ((err = hash_file(local, &hash, &size)))
		return err;
	name = g_strdup_printf("%s-%s", hash, suffix);
	ok = g_strdup_printf("%s.ok", name);
	/* files another harness put there since the pool was last listed */
	virStoragePoolRefresh(p->pool, 0);
	if (has_volume(p, name) && (has_volume(p, ok) || wait_for_upload(p, name, ok))) {
		sent = FALSE;
	} else if ((err = upload_new(p, local, name, size))) {
		/* another run created it meanwhile: its upload is ours */
		if (!has_volume(p, name) || !wait_for_upload(p, name, ok))
			return err;
		g_clear_error(&err);
		sent = FALSE;
	}
	*uploaded = sent;
	*remote_path = remote_pool_path(p, name);
	return NULL;
}

/* virStorageVolDownload of VOL, whole, into LOCAL */
static GError *receive_file(RemotePool *p, virStorageVolPtr vol, const char *name, const char *local,
			    gint64 *bytes)
{
	virStreamPtr st = virStreamNew(p->conn, 0);
	g_autofree char *buf = g_malloc(CHUNK);
	GError *err = NULL;
	FILE *f = NULL;
	int n;

	*bytes = 0;
	if (!st || virStorageVolDownload(vol, st, 0, 0, 0) < 0) {
		err = virt_error("cannot download volume", name);
		goto out;
	}
	if (!(f = fopen(local, "wb"))) {
		err = g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot create %s: %s", local,
				  g_strerror(errno));
		goto out;
	}
	while ((n = virStreamRecv(st, buf, CHUNK)) > 0) {
		if (fwrite(buf, 1, n, f) != (gsize)n) {
			err = g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot write %s: %s", local,
					  g_strerror(errno));
			break;
		}
		*bytes += n;
	}
	if (!err && n < 0)
		err = virt_error("download failed: volume", name);
	if (!err && virStreamFinish(st) < 0)
		err = virt_error("download failed: volume", name);
	if (fclose(f) != 0 && !err)
		err = g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot write %s: %s", local,
				  g_strerror(errno));
	f = NULL;
out:
	return stream_end(st, f, err);
}

GError *remote_pool_take(RemotePool *p, const char *name, const char *local, gint64 *bytes)
{
	virStorageVolPtr vol;
	GError *err;

	/* QEMU wrote the file behind the pool's back: list it (a refresh is
	 * refused while another run's volume is being created: try again) */
	for (int i = 0; virStoragePoolRefresh(p->pool, 0) < 0; i++) {
		if (i == REFRESH_TRIES)
			return virt_error("cannot refresh storage pool", REMOTE_POOL_NAME);
		g_usleep(G_USEC_PER_SEC / 2);
	}
	vol = virStorageVolLookupByName(p->pool, name);
	if (!vol)
		return virt_error("not in the storage pool: volume", name);
	err = receive_file(p, vol, name, local, bytes);
	if (err)
		g_unlink(local);
	if (virStorageVolDelete(vol, 0) < 0 && !err)
		err = virt_error("cannot delete volume", name);
	virStorageVolFree(vol);
	return err;
}
