/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpio.h"

#include <sys/stat.h>

#include <gio/gio.h>

struct Cpio {
	GByteArray *out;
	GHashTable *dirs; /* paths already added */
	guint ino;
};

Cpio *cpio_new(void)
{
	Cpio *c = g_new0(Cpio, 1);

	c->out = g_byte_array_new();
	c->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c->ino = 1000;
	return c;
}

void cpio_free(Cpio *c)
{
	if (!c)
		return;
	if (c->out)
		g_byte_array_unref(c->out);
	g_hash_table_unref(c->dirs);
	g_free(c);
}

static void pad4(GByteArray *out)
{
	static const guint8 zeros[4];

	if (out->len % 4)
		g_byte_array_append(out, zeros, 4 - out->len % 4);
}

/* One entry: the 110-byte ASCII header, the NUL-terminated name, data. */
static void entry(Cpio *c, const char *name, guint mode, const void *data, gsize len)
{
	char hdr[111];

	g_snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", c->ino++, mode, 0,
		   0, 1, 0, (guint)len, 0, 0, 0, 0, (guint)strlen(name) + 1, 0);
	g_byte_array_append(c->out, (const guint8 *)hdr, 110);
	g_byte_array_append(c->out, (const guint8 *)name, strlen(name) + 1);
	pad4(c->out);
	if (len)
		g_byte_array_append(c->out, data, len);
	pad4(c->out);
}

/* Archive names have no leading slash. */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

void cpio_add_dir(Cpio *c, const char *path)
{
	g_autofree char *p = g_strdup(rel(path));

	if (!*p || g_hash_table_contains(c->dirs, p))
		return;
	{
		g_autofree char *parent = g_path_get_dirname(p);

		if (!g_str_equal(parent, "."))
			cpio_add_dir(c, parent);
	}
	entry(c, p, S_IFDIR | 0755, NULL, 0);
	g_hash_table_add(c->dirs, g_steal_pointer(&p));
}

static void add_parent(Cpio *c, const char *path)
{
	g_autofree char *parent = g_path_get_dirname(rel(path));

	if (!g_str_equal(parent, "."))
		cpio_add_dir(c, parent);
}

void cpio_add_data(Cpio *c, const char *path, guint mode, const void *data, gsize len)
{
	add_parent(c, path);
	entry(c, rel(path), S_IFREG | (mode & 07777), data, len);
}

GError *cpio_add_file(Cpio *c, const char *path, guint mode, const char *host_path)
{
	g_autofree char *data = NULL;
	gsize len;
	GError *err = NULL;

	if (!g_file_get_contents(host_path, &data, &len, &err))
		return err;
	cpio_add_data(c, path, mode, data, len);
	return NULL;
}

void cpio_add_symlink(Cpio *c, const char *path, const char *target)
{
	add_parent(c, path);
	entry(c, rel(path), S_IFLNK | 0777, target, strlen(target));
}

GBytes *cpio_finish(Cpio *c)
{
	entry(c, "TRAILER!!!", 0, NULL, 0);
	/* Kernel initramfs segments are read in 512-byte blocks by cpio(1). */
	while (c->out->len % 512)
		g_byte_array_append(c->out, (const guint8 *)"", 1);
	return g_byte_array_free_to_bytes(g_steal_pointer(&c->out));
}
