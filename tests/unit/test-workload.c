/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The workload's pure parts: the cpio writer, modules.dep closures, .ko
 * modinfo, bzImage headers, the domain XML's share and panic device, the
 * console's panic times, lab directories. */
#include <glib.h>
#include <glib/gstdio.h>

#include "console.h"
#include "cpio.h"
#include "domain-xml.h"
#include "kernel-info.h"
#include "labs.h"
#include "workload.h"

static char *tmp_dir(void)
{
	g_autoptr(GError) err = NULL;
	char *d = g_dir_make_tmp("oopslab-unit-XXXXXX", &err);

	g_assert_no_error(err);
	return d;
}

static void write_file(const char *path, const void *data, gssize len)
{
	g_autoptr(GError) err = NULL;

	g_file_set_contents(path, data, len, &err);
	g_assert_no_error(err);
}

/* Walk a newc archive: the names in order, each header's magic checked. */
static GPtrArray *cpio_names(GBytes *b)
{
	gsize len;
	const char *p = g_bytes_get_data(b, &len);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	gsize off = 0;

	g_assert_cmpuint(len % 512, ==, 0);
	while (off + 110 <= len) {
		char field[9] = {0};
		guint namesize, filesize;

		g_assert_cmpmem(p + off, 6, "070701", 6);
		memcpy(field, p + off + 94, 8);
		namesize = strtoul(field, NULL, 16);
		memcpy(field, p + off + 54, 8);
		filesize = strtoul(field, NULL, 16);
		g_ptr_array_add(names, g_strndup(p + off + 110, namesize - 1));
		if (g_str_equal(names->pdata[names->len - 1], "TRAILER!!!"))
			break;
		off = (off + 110 + namesize + 3) & ~(gsize)3;
		off = (off + filesize + 3) & ~(gsize)3;
	}
	return names;
}

static void test_cpio(void)
{
	g_autoptr(Cpio) c = cpio_new();
	g_autoptr(GBytes) b = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const char *want[] = {"etc", "etc/oopslab", "etc/oopslab/workload", "lib64", "lib64/ld.so", "root",
			      "TRAILER!!!"};

	cpio_add_data(c, "/etc/oopslab/workload", 0644, "exec=x\n", 7);
	cpio_add_symlink(c, "/lib64/ld.so", "../lib/ld.so");
	cpio_add_dir(c, "/root");
	cpio_add_dir(c, "/etc"); /* already there: not again */
	b = cpio_finish(c); /* spent: the autoptr still frees it */
	names = cpio_names(b);
	g_assert_cmpuint(names->len, ==, G_N_ELEMENTS(want));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++)
		g_assert_cmpstr(names->pdata[i], ==, want[i]);
}

static void test_driver_closure(void)
{
	g_autofree char *d = tmp_dir();
	g_autofree char *dep = g_build_filename(d, "modules.dep", NULL);
	g_autoptr(GPtrArray) paths = NULL;
	const char *wanted[] = {"a", "d-x", "missing", "b", NULL};
	GError *err;

	write_file(dep,
		   "kernel/a.ko: kernel/b.ko kernel/c.ko\n"
		   "kernel/b.ko: kernel/c.ko\n"
		   "kernel/c.ko:\n"
		   "kernel/sub/d_x.ko.xz:\n",
		   -1);
	err = workload_driver_closure(d, wanted, &paths);
	g_assert_no_error(err);
	g_assert_cmpuint(paths->len, ==, 4);
	/* dependencies first, each once; names with - and _ alike */
	g_assert_true(g_str_has_suffix(paths->pdata[0], "/kernel/c.ko"));
	g_assert_true(g_str_has_suffix(paths->pdata[1], "/kernel/b.ko"));
	g_assert_true(g_str_has_suffix(paths->pdata[2], "/kernel/a.ko"));
	g_assert_true(g_str_has_suffix(paths->pdata[3], "/kernel/sub/d_x.ko.xz"));
	g_unlink(dep);
	g_clear_pointer(&paths, g_ptr_array_unref);
	err = workload_driver_closure(d, wanted, &paths);
	g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(err->message, d));
	g_error_free(err);
	g_rmdir(d);
}

static void test_ko_info(void)
{
	g_autofree char *d = tmp_dir();
	g_autofree char *ko = g_build_filename(d, "m.ko", NULL);
	g_autofree char *magic = NULL, *name = NULL;
	static const char data[] = "\177ELF....\0license=GPL\0vermagic=6.1.0-1 SMP mod_unload \0name=my_mod\0";
	GError *err;

	write_file(ko, data, sizeof(data));
	err = workload_ko_info(ko, &magic, &name);
	g_assert_no_error(err);
	g_assert_cmpstr(magic, ==, "6.1.0-1 SMP mod_unload ");
	g_assert_cmpstr(name, ==, "my_mod");
	write_file(ko, "not elf", -1);
	err = workload_ko_info(ko, &magic, &name);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "not an ELF file"));
	g_error_free(err);
	g_unlink(ko);
	g_rmdir(d);
}

static void test_bzimage(void)
{
	g_autofree char *d = tmp_dir();
	g_autofree char *bz = g_build_filename(d, "vmlinuz-x", NULL);
	g_autofree guint8 *img = g_malloc0(0x3000);
	g_autofree char *release = NULL;
	GError *err;

	img[0x1f1] = 4; /* setup sectors: the image is (4 + 1) * 512 + syssize*16 */
	img[0x1f4] = ((0x3000 - 5 * 512) / 16) & 0xff;
	img[0x1f5] = ((0x3000 - 5 * 512) / 16) >> 8;
	img[0x1fe] = 0x55, img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x20e] = 0x00, img[0x20f] = 0x10; /* version string at 0x200 + 0x1000 */
	memcpy(img + 0x1200, "6.1.99-test (me@host) #1 SMP", 29);
	write_file(bz, (const char *)img, 0x3000);
	err = kernel_bzimage_release(bz, &release);
	g_assert_no_error(err);
	g_assert_cmpstr(release, ==, "6.1.99-test");
	/* truncated */
	write_file(bz, (const char *)img, 0x2000);
	err = kernel_bzimage_release(bz, &release);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "truncated bzImage"));
	g_clear_error(&err);
	/* not one */
	img[0x202] = 'X';
	write_file(bz, (const char *)img, 0x3000);
	err = kernel_bzimage_release(bz, &release);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "not a bzImage"));
	g_clear_error(&err);
	g_unlink(bz);
	g_rmdir(d);
}

static void test_domain_xml(void)
{
	DomainSpec s = {.name = "n", .accel = ACCEL_TCG, .memory_mib = 64, .cpus = 1, .kernel = "k",
			.initrd = "i", .cmdline = "c", .console_path = "/c.log"};
	g_autofree char *plain = domain_xml(&s);
	g_autofree char *shared = NULL, *rw = NULL;

	g_assert_nonnull(strstr(plain, "<panic model='isa'/>"));
	g_assert_null(strstr(plain, "<filesystem"));
	s.share_dir = "/host/a&b";
	s.no_pvpanic = TRUE;
	shared = domain_xml(&s);
	g_assert_null(strstr(shared, "<panic"));
	g_assert_nonnull(strstr(shared, "<source dir='/host/a&amp;b'/>"));
	g_assert_nonnull(strstr(shared, "<target dir='oopslab_share'/>"));
	g_assert_nonnull(strstr(shared, "<readonly/>"));
	s.share_rw = TRUE;
	rw = domain_xml(&s);
	g_assert_null(strstr(rw, "<readonly/>"));
}

static void test_console_panic_times(void)
{
	g_autoptr(ConsoleWatcher) w = console_watcher_new("/nonexistent", 0);

	console_watcher_line(w, "[    1.0] Kernel panic - not syncing: Fatal exception", 4.5);
	console_watcher_line(w, "[    1.1] Kernel panic - not syncing: again", 4.7);
	g_assert_cmpfloat(w->panic_time, ==, 4.5);
	g_assert_cmpfloat(w->panic_end_time, ==, 0);
	console_watcher_line(w, "[    1.2] ---[ end Kernel panic - not syncing: Fatal exception ]---", 4.8);
	g_assert_cmpfloat(w->panic_end_time, ==, 4.8);
	g_assert_cmpstr(w->panic_line, ==, "Kernel panic - not syncing: Fatal exception");
}

static void test_lab_dir(void)
{
	g_autofree char *d = tmp_dir();
	g_autofree char *lab = g_build_filename(d, "My-Lab", NULL);
	g_autoptr(Lab) l = NULL;
	g_autoptr(LabSet) set = NULL;
	GError *err;

	err = lab_init_dir(lab);
	g_assert_no_error(err);
	err = lab_init_dir(lab);
	g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST);
	g_clear_error(&err);
	err = lab_load_dir(lab, &l);
	g_assert_no_error(err);
	g_assert_cmpstr(l->name, ==, "my-lab");
	g_assert_cmpstr(l->module, ==, "my_lab");
	g_assert_cmpstr(l->function, ==, "my_lab_crash");
	g_assert_cmpstr(l->source, ==, "my_lab.c");
	g_assert_cmpstr(l->title, ==, "BUG: kernel NULL pointer dereference in my_lab_crash");
	err = lab_set_load_dir(d, &set);
	g_assert_no_error(err);
	g_assert_cmpuint(set->labs->len, ==, 1);
	err = lab_load_dir(d, &l);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "has no lab.conf"));
	g_clear_error(&err);
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf %s", d);
		g_autoptr(GError) rerr = NULL;

		g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, NULL, &rerr));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/workload/cpio", test_cpio);
	g_test_add_func("/workload/driver-closure", test_driver_closure);
	g_test_add_func("/workload/ko-info", test_ko_info);
	g_test_add_func("/workload/bzimage", test_bzimage);
	g_test_add_func("/workload/domain-xml", test_domain_xml);
	g_test_add_func("/workload/console-panic-times", test_console_panic_times);
	g_test_add_func("/workload/lab-dir", test_lab_dir);
	return g_test_run();
}
