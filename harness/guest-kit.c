/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guest-kit.h"
#include "labs.h"

#include <gio/gio.h>

void guest_kit_free(GuestKit *kit)
{
	if (!kit)
		return;
	g_free(kit->kernel_dir);
	g_free(kit->bzimage);
	g_free(kit->vmlinux);
	g_free(kit->labs_dir);
	g_free(kit->initrd);
	g_free(kit->initrd_kdump);
	g_free(kit);
}

GError *guest_kit_build(GuestKit **out, gboolean kdump)
{
	return guest_kit_build_flavour(out, kdump, NULL);
}

GError *guest_kit_build_flavour(GuestKit **out, gboolean kdump, const char *flavour)
{
	g_autofree char *script = g_build_filename(oopslab_data_dir(), "guests", "build-guest", NULL);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *stdout_text = NULL;
	g_autoptr(GuestKit) kit = g_new0(GuestKit, 1);
	g_auto(GStrv) lines = NULL;
	const char *argv[] = {script, "--flavour", flavour ? flavour : "", kdump ? "--kdump" : NULL, NULL};

	/* stderr is inherited: a first build shows its progress. */
	proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err);
	if (!proc)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "cannot run %s: %s", script, err->message);
	if (!g_subprocess_communicate_utf8(proc, NULL, NULL, &stdout_text, NULL, &err))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", script, err->message);
	if (!g_subprocess_get_successful(proc))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "building the lab kernel failed (%s)", script);
	lines = g_strsplit(stdout_text, "\n", -1);
	for (char **l = lines; *l; l++) {
		char *eq = strchr(*l, '=');
		char **slot = NULL;

		if (!eq)
			continue;
		*eq = '\0';
		if (g_str_equal(*l, "kernel_dir"))
			slot = &kit->kernel_dir;
		else if (g_str_equal(*l, "bzimage"))
			slot = &kit->bzimage;
		else if (g_str_equal(*l, "vmlinux"))
			slot = &kit->vmlinux;
		else if (g_str_equal(*l, "labs_dir"))
			slot = &kit->labs_dir;
		else if (g_str_equal(*l, "initrd"))
			slot = &kit->initrd;
		else if (g_str_equal(*l, "initrd_kdump"))
			slot = &kit->initrd_kdump;
		if (slot) {
			g_free(*slot);
			*slot = g_strdup(eq + 1);
		}
	}
	if (!kit->bzimage || !kit->initrd || !kit->labs_dir || (kdump && !kit->initrd_kdump))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "%s printed no kernel/initrd/labs_dir", script);
	*out = g_steal_pointer(&kit);
	return NULL;
}

static char *find_file(const char *dir, const char *name, int depth)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *e;

	if (!d || depth > 3)
		return NULL;
	while ((e = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, e, NULL);

		if (g_str_equal(e, name) && g_file_test(p, G_FILE_TEST_IS_REGULAR))
			return g_steal_pointer(&p);
		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK)) {
			char *found = find_file(p, name, depth + 1);

			if (found)
				return found;
		}
	}
	return NULL;
}

char *guest_kit_find_module(const GuestKit *kit, const char *module)
{
	g_autofree char *ko = g_strdup_printf("%s.ko", module);

	return kit->labs_dir ? find_file(kit->labs_dir, ko, 0) : NULL;
}
