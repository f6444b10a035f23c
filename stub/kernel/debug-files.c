/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "debug-files.h"

#include "vmcoreinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How much of the kernel image is searched for its build-id note and
 * banner: more than any x86_64 kernel's text, rodata and notes. */
#define IMAGE_SCAN (G_GUINT64_CONSTANT(128) << 20)
#define SCAN_CHUNK (1u << 20)
#define BUILD_ID_MAX 64

void ol_kernel_id_clear(OlKernelId *id)
{
	g_clear_pointer(&id->release, g_free);
	g_clear_pointer(&id->build_id, g_free);
}

static char *hex(const guint8 *p, gsize n)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < n; i++)
		g_string_append_printf(s, "%02x", p[i]);
	return g_string_free(s, FALSE);
}

/* A note this close after an ELF header belongs to an image the kernel
 * carries (the vDSO has its own build-id), not to the kernel. */
#define EMBEDDED_ELF_REACH (64u << 10)

static gboolean inside_embedded_elf(const guint8 *buf, gsize at)
{
	static const guint8 magic[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	gsize from = at > EMBEDDED_ELF_REACH ? at - EMBEDDED_ELF_REACH : 0;

	return memmem(buf + from, at - from, magic, sizeof(magic)) != NULL;
}

/* The kernel's GNU build-id note (namesz 4, descsz 20, type 3, "GNU") and
 * its banner, in the image from _text on. Each read overlaps the last by
 * EMBEDDED_ELF_REACH, so an embedded ELF header is seen before its notes. */
static void scan_image(OlXlat *x, OlKernelId *id)
{
	static const guint8 note[] = {4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0};
	const gsize over = EMBEDDED_ELF_REACH;
	guint64 off = 0, text;
	g_autofree guint8 *buf = g_malloc(over + SCAN_CHUNK + 256);

	if (!ol_xlat_kaslr_offset(x, &off))
		return;
	text = OL_XLAT_DEFAULT_LINK_TEXT + off;
	for (guint64 pos = 0; pos < IMAGE_SCAN && (!id->build_id || !id->release); pos += SCAN_CHUNK) {
		gsize done = 0, start = pos ? over : 0;
		GError *hole = ol_xlat_read(x, text + pos - start, buf, start + SCAN_CHUNK + 256, &done);
		const guint8 *hit;

		g_clear_error(&hole); /* a short read: scan what was read */
		for (gsize at = start; !id->build_id && done > at + sizeof(note) + 20; at = hit - buf + 1) {
			if (!(hit = memmem(buf + at, done - 20 - at, note, sizeof(note))))
				break;
			if (!inside_embedded_elf(buf, hit - buf)) {
				id->build_id = hex(hit + sizeof(note), 20);
				id->build_id_source = "the kernel image's build-id note";
			}
		}
		if (!id->release && done > start &&
		    (hit = memmem(buf + start, done - start, "Linux version ", 14))) {
			const char *r = (const char *)hit + 14;
			gsize n = strnlen(r, (const char *)buf + done - r);

			n = MIN(n, strcspn(r, " \n"));
			if ((const guint8 *)r + n < buf + done && n > 0 && n < 65) {
				id->release = g_strndup(r, n);
				id->release_source = "the kernel's banner in memory";
			}
		}
	}
}

void ol_kernel_id_read(OlDump *d, OlXlat *x, OlKernelId *id)
{
	gsize len = 0;
	const char *vi = ol_dump_vmcoreinfo(d, &len);

	memset(id, 0, sizeof(*id));
	if (vi && (id->release = ol_vmcoreinfo_dup(vi, len, "OSRELEASE")))
		id->release_source = "VMCOREINFO OSRELEASE";
	if (vi && (id->build_id = ol_vmcoreinfo_dup(vi, len, "BUILD-ID"))) {
		char *lower = g_ascii_strdown(id->build_id, -1);

		g_free(id->build_id);
		id->build_id = lower;
		id->build_id_source = "VMCOREINFO BUILD-ID";
	}
	if (!id->release || !id->build_id)
		scan_image(x, id);
}

GError *ol_elf_build_id(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	Elf_Scn *scn = NULL;
	GError *err = NULL;

	*out = NULL;
	if (fd < 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_IO, "%s: %s", path, g_strerror(errno));
	elf_version(EV_CURRENT);
	if (!(elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) || elf_kind(elf) != ELF_K_ELF)
		err = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: not an ELF file", path);
	while (!err && !*out && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t pos = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(data = elf_getdata(scn, NULL)))
			continue;
		while ((pos = gelf_getnote(data, pos, &nh, &name_off, &desc_off)) > 0 && !*out)
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz <= BUILD_ID_MAX &&
			    memcmp((char *)data->d_buf + name_off, "GNU", 4) == 0)
				*out = hex((guint8 *)data->d_buf + desc_off, nh.n_descsz);
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

/* Takes PATH. */
static char *rooted(char *path)
{
	const char *root = g_getenv("OOPSLAB_DEBUG_ROOT");
	char *r;

	if (!root || !*root)
		return path;
	r = g_build_filename(root, path, NULL);
	g_free(path);
	return r;
}

/* Every candidate, in search order. */
static GPtrArray *candidates(const OlKernelId *id, const char *hint, const char *dump_path)
{
	GPtrArray *c = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *dir = dump_path ? g_path_get_dirname(dump_path) : NULL;
	const char *cache = g_getenv("DEBUGINFOD_CACHE_PATH");

	if (hint)
		g_ptr_array_add(c, g_strdup(hint));
	if (dir) {
		g_ptr_array_add(c, g_build_filename(dir, "vmlinux", NULL));
		if (id->release)
			g_ptr_array_add(c, g_strdup_printf("%s/vmlinux-%s", dir, id->release));
	}
	if (id->release) {
		g_ptr_array_add(c, rooted(g_strdup_printf("/usr/lib/debug/boot/vmlinux-%s", id->release)));
		g_ptr_array_add(c, rooted(g_strdup_printf("/usr/lib/debug/lib/modules/%s/vmlinux", id->release)));
		g_ptr_array_add(c, rooted(g_strdup_printf("/lib/modules/%s/build/vmlinux", id->release)));
	}
	if (id->build_id && strlen(id->build_id) > 2) {
		g_ptr_array_add(c, rooted(g_strdup_printf("/usr/lib/debug/.build-id/%.2s/%s.debug", id->build_id,
							  id->build_id + 2)));
		if (cache && *cache)
			g_ptr_array_add(c, g_build_filename(cache, id->build_id, "debuginfo", NULL));
		g_ptr_array_add(c, g_build_filename(g_get_home_dir(), ".cache", "debuginfod_client", id->build_id,
						    "debuginfo", NULL));
	}
	return c;
}

/* Is PATH the dump's vmlinux? NULL if so, else why not (for the error). */
static char *check(const OlKernelId *id, const char *path)
{
	g_autofree char *bid = NULL;
	g_autoptr(GError) err = NULL;

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return g_strdup("not there");
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return g_strdup("not a regular file");
	if ((err = ol_elf_build_id(path, &bid)))
		return g_strdup(err->message);
	if (id->build_id && bid && !g_str_equal(bid, id->build_id))
		return g_strdup_printf("build-id %s, not the dump's %s", bid, id->build_id);
	return NULL;
}

GError *ol_find_vmlinux(const OlKernelId *id, const char *explicit_path, const char *hint,
			const char *dump_path, char **out)
{
	g_autoptr(GPtrArray) c = NULL;
	g_autoptr(GString) looked = g_string_new(NULL);

	if (explicit_path) {
		g_autofree char *why = check(id, explicit_path);

		if (why)
			return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s is not this dump's vmlinux: %s",
					   explicit_path, why);
		*out = g_strdup(explicit_path);
		return NULL;
	}
	c = candidates(id, hint, dump_path);
	for (guint i = 0; i < c->len; i++) {
		const char *path = c->pdata[i];
		g_autofree char *why = check(id, path);

		if (!why) {
			*out = g_strdup(path);
			return NULL;
		}
		g_string_append_printf(looked, "%s%s (%s)", looked->len ? "; " : "", path, why);
	}
	return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
			   "no vmlinux for release %s, build-id %s (give --vmlinux); looked at: %s",
			   id->release ? id->release : "(unknown)", id->build_id ? id->build_id : "(unknown)",
			   looked->len ? looked->str : "nothing: neither is known");
}

char *ol_debug_build_id_file(const char *build_id)
{
	g_autofree char *path = NULL;
	char *real;

	if (!build_id || strlen(build_id) < 4 || strlen(build_id) > 2 * BUILD_ID_MAX ||
	    strspn(build_id, "0123456789abcdef") != strlen(build_id))
		return NULL;
	path = rooted(g_strdup_printf("/usr/lib/debug/.build-id/%.2s/%s.debug", build_id, build_id + 2));
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || !(real = realpath(path, NULL)))
		return NULL;
	return real; /* malloc'd: g_free is free here (glib 2.46 and later) */
}

/* Directory levels followed under the modules' debug tree (kernel/drivers/
 * misc/pvpanic/ is 4), and .ko files read: far more than any release has. */
#define MODULES_TREE_DEPTH 16
#define MODULES_TREE_FILES 100000u

static void index_tree(GHashTable *index, const char *dir, guint depth)
{
	g_autoptr(GDir) d = depth < MODULES_TREE_DEPTH ? g_dir_open(dir, 0, NULL) : NULL;
	const char *n;

	while (d && (n = g_dir_read_name(d)) && g_hash_table_size(index) < MODULES_TREE_FILES) {
		g_autofree char *path = g_build_filename(dir, n, NULL);
		g_autofree char *bid = NULL;
		g_autoptr(GError) err = NULL;

		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			index_tree(index, path, depth + 1);
		else if (g_str_has_suffix(n, ".ko") && !(err = ol_elf_build_id(path, &bid)) && bid &&
			 !g_hash_table_contains(index, bid))
			g_hash_table_insert(index, g_steal_pointer(&bid), g_steal_pointer(&path));
	}
}

char *ol_debug_module_file(const OlKernelId *id, const char *build_id, GHashTable **index)
{
	char *link = ol_debug_build_id_file(build_id);
	const char *hit;

	if (link || !build_id)
		return link;
	if (!*index) {
		g_autofree char *dir = ol_debug_modules_dir(id);

		*index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		if (dir)
			index_tree(*index, dir, 0);
	}
	hit = g_hash_table_lookup(*index, build_id);
	return hit ? g_strdup(hit) : NULL;
}

char *ol_debug_modules_dir(const OlKernelId *id)
{
	char *dir;

	if (!id->release)
		return NULL;
	dir = rooted(g_strdup_printf("/usr/lib/debug/lib/modules/%s", id->release));
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		g_clear_pointer(&dir, g_free);
	return dir;
}
