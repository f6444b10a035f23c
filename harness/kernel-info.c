/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel-info.h"

#include <errno.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "run-internal.h"

void kernel_info_free(KernelInfo *k)
{
	if (!k)
		return;
	g_free(k->bzimage);
	g_free(k->release);
	g_free(k->modules_dir);
	g_free(k->config);
	g_free(k->vmlinux);
	g_free(k->build_dir);
	g_free(k);
}

/* A truncated image: the header's setup_sects (0x1f1) and syssize (0x1f4,
 * 16-byte units) say how long the file must be. */
static GError *check_size(const char *path, const guint8 *buf)
{
	GStatBuf st;
	guint setup = buf[0x1f1] ? buf[0x1f1] : 4;
	guint64 syssize = (guint64)(buf[0x1f4] | buf[0x1f5] << 8 | buf[0x1f6] << 16 |
				    (guint)buf[0x1f7] << 24) * 16;
	guint64 need = (guint64)(setup + 1) * 512 + syssize;

	if (g_stat(path, &st) < 0)
		return run_usage_error("kernel %s: %s", path, g_strerror(errno));
	if ((guint64)st.st_size < need)
		return run_usage_error("kernel %s: truncated bzImage: its header says %" G_GUINT64_FORMAT
				       " bytes, the file has %" G_GUINT64_FORMAT,
				       path, need, (guint64)st.st_size);
	return NULL;
}

/* x86 boot protocol: 0xAA55 at 0x1fe, "HdrS" at 0x202, the version at
 * 0x206, and (from 2.00) a pointer to the version string at 0x20e, relative
 * to 0x200. */
GError *kernel_bzimage_release(const char *path, char **release)
{
	g_autofree guint8 *buf = g_malloc(0x10000);
	g_autoptr(GFile) f = g_file_new_for_path(path);
	g_autoptr(GFileInputStream) in = NULL;
	g_autoptr(GError) err = NULL;
	gsize got = 0;
	guint off;
	GError *err2;

	in = g_file_read(f, NULL, &err);
	if (!in || !g_input_stream_read_all(G_INPUT_STREAM(in), buf, 0x10000, &got, NULL, &err))
		return run_usage_error("kernel %s: %s", path, err->message);
	if (got < 0x210 || buf[0x1fe] != 0x55 || buf[0x1ff] != 0xaa || memcmp(buf + 0x202, "HdrS", 4) != 0)
		return run_usage_error("kernel %s: not a bzImage (no x86 boot header at offset 0x1fe/0x202)", path);
	if ((err2 = check_size(path, buf)))
		return err2;
	off = 0x200 + (buf[0x20e] | buf[0x20f] << 8);
	if (off + 64 > got)
		return run_usage_error("kernel %s: bzImage version string at 0x%x is past its header", path, off);
	buf[got - 1] = 0;
	*release = g_strndup((const char *)buf + off, strcspn((const char *)buf + off, " "));
	return NULL;
}

static char *first_existing(const char *const *paths)
{
	for (; *paths; paths++)
		if (g_file_test(*paths, G_FILE_TEST_EXISTS))
			return g_strdup(*paths);
	return NULL;
}

/* /boot/vmlinuz-VER: VER as the file name has it, for config-VER. */
static char *name_version(const char *bzimage)
{
	g_autofree char *base = g_path_get_basename(bzimage);

	return g_str_has_prefix(base, "vmlinuz-") ? g_strdup(base + strlen("vmlinuz-")) : NULL;
}

static void probe_installed(KernelInfo *k, const char *modules_dir)
{
	g_autofree char *dir = g_path_get_dirname(k->bzimage);
	g_autofree char *ver = name_version(k->bzimage);
	g_autofree char *lib = g_build_filename("/lib/modules", k->release, NULL);
	g_autofree char *dbg1 = g_strdup_printf("/usr/lib/debug/boot/vmlinux-%s", k->release);
	g_autofree char *dbg2 = g_strdup_printf("/usr/lib/debug/lib/modules/%s/vmlinux", k->release);
	g_autofree char *cfg1 = ver ? g_strdup_printf("%s/config-%s", dir, ver) : NULL;
	g_autofree char *cfg2 = g_strdup_printf("%s/config-%s", dir, k->release);
	g_autofree char *build = g_build_filename(lib, "build", NULL);
	const char *const vml[] = {dbg1, dbg2, NULL};
	const char *const cfg[] = {cfg2, cfg1 ? cfg1 : cfg2, NULL};

	k->modules_dir = modules_dir ? g_strdup(modules_dir)
		       : g_file_test(lib, G_FILE_TEST_IS_DIR) ? g_strdup(lib) : NULL;
	if (!k->vmlinux)
		k->vmlinux = first_existing(vml);
	if (!k->config)
		k->config = first_existing(cfg);
	if (!k->build_dir && g_file_test(build, G_FILE_TEST_IS_DIR))
		k->build_dir = g_steal_pointer(&build);
}

GError *kernel_info_probe(const char *bzimage, const char *tree, const char *modules_dir, KernelInfo **out)
{
	g_autoptr(KernelInfo) k = g_new0(KernelInfo, 1);
	GError *err;

	if (modules_dir && !g_file_test(modules_dir, G_FILE_TEST_IS_DIR))
		return run_usage_error("--modules-dir: %s is not a directory", modules_dir);
	if (tree) {
		g_autofree char *bz = g_build_filename(tree, "arch", "x86", "boot", "bzImage", NULL);
		g_autofree char *vml = g_build_filename(tree, "vmlinux", NULL);
		g_autofree char *cfg = g_build_filename(tree, ".config", NULL);

		if (!g_file_test(tree, G_FILE_TEST_IS_DIR))
			return run_usage_error("--kernel-tree: %s is not a directory", tree);
		if (!bzimage && !g_file_test(bz, G_FILE_TEST_IS_REGULAR))
			return run_usage_error("--kernel-tree: %s has no arch/x86/boot/bzImage (not built?)", tree);
		k->bzimage = g_canonicalize_filename(bzimage ? bzimage : bz, NULL);
		k->build_dir = g_canonicalize_filename(tree, NULL);
		if (g_file_test(vml, G_FILE_TEST_IS_REGULAR))
			k->vmlinux = g_canonicalize_filename(vml, NULL);
		if (g_file_test(cfg, G_FILE_TEST_IS_REGULAR))
			k->config = g_canonicalize_filename(cfg, NULL);
	} else {
		k->bzimage = g_canonicalize_filename(bzimage, NULL);
	}
	if ((err = kernel_bzimage_release(k->bzimage, &k->release)))
		return err;
	probe_installed(k, modules_dir);
	*out = g_steal_pointer(&k);
	return NULL;
}

char *kernel_info_config(const KernelInfo *k, const char *name)
{
	g_autofree char *text = NULL;
	g_autofree char *key = g_strdup_printf("CONFIG_%s=", name);
	g_auto(GStrv) lines = NULL;

	if (!k->config || !g_file_get_contents(k->config, &text, NULL, NULL))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++)
		if (g_str_has_prefix(*l, key))
			return g_strdup(*l + strlen(key));
	return NULL;
}
