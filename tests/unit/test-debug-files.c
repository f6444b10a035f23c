/* SPDX-License-Identifier: GPL-2.0-or-later */
/* debug-files: the vmlinux search order and the build-id check, over a
 * made-up debug tree ($OOPSLAB_DEBUG_ROOT) holding copies of an ELF file
 * with a known build-id (this test's own executable). */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debug-files.h"

typedef struct {
	char *root, *self, *self_id;
} Fixture;

static void put(const Fixture *f, const char *path, const char *from)
{
	g_autofree char *full = g_build_filename(f->root, path, NULL);
	g_autofree char *dir = g_path_get_dirname(full);
	g_autofree char *data = NULL;
	gsize len;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_get_contents(from, &data, &len, NULL));
	g_assert_true(g_file_set_contents(full, data, (gssize)len, NULL));
}

static void setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;

	f->root = g_dir_make_tmp("debug-files-XXXXXX", NULL);
	f->self = g_file_read_link("/proc/self/exe", NULL);
	err = ol_elf_build_id(f->self, &f->self_id);
	g_assert_no_error(err);
	g_assert_nonnull(f->self_id);
	g_setenv("OOPSLAB_DEBUG_ROOT", f->root, TRUE);
	g_setenv("DEBUGINFOD_CACHE_PATH", f->root, TRUE);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->root);

	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->root);
	g_free(f->self);
	g_free(f->self_id);
}

/* /usr/lib/debug/boot/vmlinux-REL comes before the build-id tree */
static void test_order(Fixture *f, gconstpointer data)
{
	OlKernelId id = {.release = "9.9.9-test", .build_id = f->self_id};
	g_autofree char *got = NULL, *bid_path = NULL, *boot = NULL;
	g_autoptr(GError) err = NULL;

	bid_path = g_strdup_printf("/usr/lib/debug/.build-id/%.2s/%s.debug", f->self_id, f->self_id + 2);
	put(f, bid_path, f->self);
	err = ol_find_vmlinux(&id, NULL, NULL, NULL, &got);
	g_assert_no_error(err);
	g_assert_true(g_str_has_suffix(got, bid_path));
	g_clear_pointer(&got, g_free);
	put(f, "/usr/lib/debug/boot/vmlinux-9.9.9-test", f->self);
	err = ol_find_vmlinux(&id, NULL, NULL, NULL, &got);
	g_assert_no_error(err);
	boot = g_build_filename(f->root, "/usr/lib/debug/boot/vmlinux-9.9.9-test", NULL);
	g_assert_cmpstr(got, ==, boot);
}

/* a file of another build is skipped, and named with both ids */
static void test_other_build(Fixture *f, gconstpointer data)
{
	OlKernelId id = {.release = "9.9.9-test", .build_id = "00112233445566778899aabbccddeeff00112233"};
	g_autofree char *got = NULL;
	g_autoptr(GError) err = NULL;

	put(f, "/usr/lib/debug/boot/vmlinux-9.9.9-test", f->self);
	err = ol_find_vmlinux(&id, NULL, NULL, NULL, &got);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
	g_assert_nonnull(strstr(err->message, f->self_id));
	g_assert_nonnull(strstr(err->message, id.build_id));
	g_assert_nonnull(strstr(err->message, "/lib/modules/9.9.9-test/build/vmlinux (not there)"));
	g_clear_error(&err);
	/* given explicitly: refused */
	err = ol_find_vmlinux(&id, f->self, NULL, NULL, &got);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT);
	g_assert_nonnull(strstr(err->message, f->self_id));
	g_assert_null(got);
}

/* the debuginfod cache: BUILDID/debuginfo */
static void test_debuginfod(Fixture *f, gconstpointer data)
{
	OlKernelId id = {.release = NULL, .build_id = f->self_id};
	g_autofree char *got = NULL, *rel = g_strdup_printf("/%s/debuginfo", f->self_id);
	g_autoptr(GError) err = NULL;

	put(f, rel, f->self);
	err = ol_find_vmlinux(&id, NULL, NULL, NULL, &got);
	g_assert_no_error(err);
	g_assert_true(g_str_has_suffix(got, rel));
}

/* a module's debug file by build-id: Debian's link from .build-id to the
 * .ko under lib/modules/REL, resolved; nothing for an absent or bad id */
static void test_module_build_id(Fixture *f, gconstpointer data)
{
	const char *id = "0123456789abcdef0123456789abcdef01234567";
	const char *ko = "/usr/lib/debug/lib/modules/9.9.9-test/kernel/drivers/misc/pvpanic-pci.ko";
	g_autofree char *ko_full = g_build_filename(f->root, ko, NULL);
	g_autofree char *link = g_build_filename(f->root, "/usr/lib/debug/.build-id/01/23456789abcdef0123456789abcdef01234567.debug", NULL);
	g_autofree char *link_dir = g_path_get_dirname(link);
	g_autofree char *got = NULL, *want = NULL;

	g_assert_null(ol_debug_build_id_file(id));
	put(f, ko, f->self);
	g_assert_cmpint(g_mkdir_with_parents(link_dir, 0700), ==, 0);
	g_assert_cmpint(symlink("../../lib/modules/9.9.9-test/kernel/drivers/misc/pvpanic-pci.ko", link), ==, 0);
	got = ol_debug_build_id_file(id);
	want = realpath(ko_full, NULL);
	g_assert_nonnull(want);
	g_assert_cmpstr(got, ==, want);
	g_assert_null(ol_debug_build_id_file("0123456789abcdef0123456789abcdef01234568"));
	g_assert_null(ol_debug_build_id_file("01/../23456789abcdef0123456789abcdef01234567"));
	g_assert_null(ol_debug_build_id_file("01"));
	g_assert_null(ol_debug_build_id_file(NULL));
}

/* without a link (Debian's -dbg), the .ko in lib/modules/REL whose own
 * build-id is the module's, whatever its name */
static void test_module_tree(Fixture *f, gconstpointer data)
{
	OlKernelId id = {.release = "9.9.9-test", .build_id = NULL};
	const char *ko = "/usr/lib/debug/lib/modules/9.9.9-test/kernel/drivers/renamed.ko";
	g_autofree char *want = g_build_filename(f->root, ko, NULL);
	g_autofree char *got = NULL;
	GHashTable *index = NULL;

	put(f, ko, f->self);
	put(f, "/usr/lib/debug/lib/modules/9.9.9-test/kernel/notes.txt", f->self);
	got = ol_debug_module_file(&id, f->self_id, &index);
	g_assert_cmpstr(got, ==, want);
	g_assert_null(ol_debug_module_file(&id, "00112233445566778899aabbccddeeff00112233", &index));
	g_assert_cmpuint(g_hash_table_size(index), ==, 1);
	g_hash_table_unref(index);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/debug-files/order", Fixture, NULL, setup, test_order, teardown);
	g_test_add("/debug-files/other-build", Fixture, NULL, setup, test_other_build, teardown);
	g_test_add("/debug-files/debuginfod", Fixture, NULL, setup, test_debuginfod, teardown);
	g_test_add("/debug-files/module-build-id", Fixture, NULL, setup, test_module_build_id, teardown);
	g_test_add("/debug-files/module-tree", Fixture, NULL, setup, test_module_tree, teardown);
	return g_test_run();
}
