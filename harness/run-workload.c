/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The user's workload in the guest: modules, files, a shared directory, a
 * command, and an installed kernel's drivers, as one extra initramfs
 * archive (see workload.h and guests/initramfs/init). */
#include <errno.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "run-internal.h"
#include "workload.h"

/* What the guest needs from an installed kernel, and the config symbol of
 * each: pvpanic (the panic event), fw_cfg (VMCOREINFO in the dump), virtio
 * for the kdump disk and for 9p. */
static const struct {
	const char *module, *config;
	gboolean share, kdump;
} drivers[] = {
	{"pvpanic_mmio", "PVPANIC_MMIO", FALSE, FALSE},
	{"pvpanic_pci", "PVPANIC_PCI", FALSE, FALSE},
	{"qemu_fw_cfg", "FW_CFG_SYSFS", FALSE, FALSE},
	{"virtio_pci", "VIRTIO_PCI", TRUE, TRUE},
	{"virtio_blk", "VIRTIO_BLK", FALSE, TRUE},
	{"9pnet_virtio", "NET_9P_VIRTIO", TRUE, FALSE},
	{"9p", "9P_FS", TRUE, FALSE},
};

gboolean run_has_workload(const RunOptions *o)
{
	return o->modules || o->exec || o->files || o->share;
}

static gboolean driver_wanted(const Run *r, guint i)
{
	return (!drivers[i].share && !drivers[i].kdump) || (drivers[i].share && r->opt->share) ||
	       (drivers[i].kdump && r->kdump);
}

/* Without a modules directory, the kernel must have them built in. */
static GError *check_builtin(Run *r)
{
	g_autoptr(GString) missing = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(drivers); i++) {
		g_autofree char *v =
			driver_wanted(r, i) ? kernel_info_config(r->kinfo, drivers[i].config) : NULL;

		if (g_strcmp0(v, "m") == 0)
			g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", drivers[i].module);
	}
	if (!r->kinfo->config)
		run_say(r, "kernel %s: no config found and no /lib/modules/%s: assuming its drivers are built in",
			r->kinfo->release, r->kinfo->release);
	if (missing->len)
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT,
				   "kernel %s: %s are modules (%s) and /lib/modules/%s does not exist: give --modules-dir",
				   r->kinfo->release, missing->str, r->kinfo->config, r->kinfo->release);
	return NULL;
}

GError *run_resolve_drivers(Run *r)
{
	g_autoptr(GPtrArray) wanted = g_ptr_array_new();
	g_autofree char *p9 = kernel_info_config(r->kinfo, "9P_FS");
	GError *err;

	if (r->opt->share && r->kinfo->config && !p9)
		return run_usage_error("--share: kernel %s has no 9p file system (CONFIG_9P_FS is not set in %s)",
				       r->kinfo->release, r->kinfo->config);
	if (!r->kinfo->modules_dir)
		return check_builtin(r);
	for (guint i = 0; i < G_N_ELEMENTS(drivers); i++)
		if (driver_wanted(r, i))
			g_ptr_array_add(wanted, (gpointer)drivers[i].module);
	g_ptr_array_add(wanted, NULL);
	if ((err = workload_driver_closure(r->kinfo->modules_dir, (const char *const *)wanted->pdata,
					   &r->drivers)))
		return err;
	/* Any plain module of this kernel tells its vermagic. */
	for (guint i = 0; i < r->drivers->len && !r->vermagic; i++) {
		if (g_str_has_suffix(r->drivers->pdata[i], ".ko") &&
		    (err = workload_ko_info(r->drivers->pdata[i], &r->vermagic, NULL)))
			return err;
	}
	return NULL;
}

/* The kernel's vermagic, or its release when no module of it is known. */
static GError *check_vermagic(const Run *r, const WorkloadModule *m)
{
	g_autofree char *magic = NULL;
	g_autofree char *release = NULL;
	GError *err;

	if ((err = workload_ko_info(m->ko, &magic, NULL)))
		return err;
	if (r->vermagic) {
		if (g_strcmp0(magic, r->vermagic) != 0)
			return run_usage_error("module %s was built for another kernel: its vermagic is '%s', the kernel's is '%s'",
					       m->ko, magic ? magic : "(none)", r->vermagic);
		return NULL;
	}
	release = magic ? g_strndup(magic, strcspn(magic, " ")) : NULL;
	if (r->kinfo && g_strcmp0(release, r->kinfo->release) != 0)
		return run_usage_error("module %s was built for another kernel: its vermagic is '%s', the kernel is %s",
				       m->ko, magic ? magic : "(none)", r->kinfo->release);
	return NULL;
}

/* A lab directory's module, built like a --module directory; or a lab of
 * the tree for another kernel than the lab kernel (the whole lab set is
 * built against it once, in the cache). */
static GError *build_lab_module(Run *r, const char *src)
{
	g_autoptr(GPtrArray) kos = NULL;
	g_autofree char *want = g_strdup_printf("%s.ko", r->lab->module);
	GError *err;

	r->lab_rebuilt = TRUE;
	if (!r->build_dir)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
				   "lab %s: no kernel build to build its module against (install the kernel's headers, or "
				   "give --kernel-tree)", r->lab->name);
	if ((err = workload_build_dir(src, r->build_dir, &kos)))
		return err;
	for (guint i = 0; i < kos->len; i++) {
		g_autofree char *base = g_path_get_basename(kos->pdata[i]);

		if (g_str_equal(base, want))
			r->module_path = g_strdup(kos->pdata[i]);
	}
	if (!r->module_path)
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "lab %s: its build made no %s (module=%s in lab.conf)",
				   src, want, r->lab->module);
	return NULL;
}

/* A --kernel that is the lab kernel (a copy of its bzImage): the lab
 * modules as built fit it. */
static gboolean is_lab_release(const Run *r)
{
	g_autofree char *ref = guest_kit_find_module(r->kit, "null_deref");
	g_autofree char *magic = NULL;
	g_autoptr(GError) err = ref ? workload_ko_info(ref, &magic, NULL) : NULL;

	if (err || !magic)
		return FALSE;
	return strlen(magic) > strlen(r->kinfo->release) && g_str_has_prefix(magic, r->kinfo->release) &&
	       magic[strlen(r->kinfo->release)] == ' ';
}

GError *run_prepare_workload(Run *r)
{
	const RunOptions *o = r->opt;
	GError *err;

	r->wmodules = g_ptr_array_new_with_free_func(workload_module_free);
	for (char **m = o->modules; m && *m; m++)
		if ((err = workload_module_prepare(*m, r->build_dir, NULL, r->wmodules)))
			return err;
	for (guint i = 0; i < r->wmodules->len; i++)
		if ((err = check_vermagic(r, r->wmodules->pdata[i])))
			return err;
	if (o->share) {
		g_autofree char *dir = g_strdup(o->share);
		char *colon = strchr(dir, ':');

		if (colon)
			*colon++ = '\0';
		r->share_dir = g_canonicalize_filename(dir, NULL);
		r->share_guest = g_strdup(colon && *colon ? colon : "/mnt/share");
	}
	if (r->lab->dir && r->lab->module)
		return build_lab_module(r, r->lab->dir);
	if (r->kinfo && r->lab->module && !r->workload_only && !is_lab_release(r)) {
		g_autofree char *labs = g_build_filename(oopslab_data_dir(), "guests", "labs", NULL);

		return build_lab_module(r, labs);
	}
	return NULL;
}

static void shell_var(GString *conf, const char *name, const char *value)
{
	g_autofree char *q = workload_shell_quote(value);

	g_string_append_printf(conf, "%s=%s\n", name, q);
}

static GError *add_drivers(Run *r, Cpio *c, GString *conf)
{
	g_autoptr(GString) list = g_string_new(NULL);
	GError *err;

	for (guint i = 0; r->drivers && i < r->drivers->len; i++) {
		const char *host = r->drivers->pdata[i];
		g_autofree char *base = g_path_get_basename(host);
		g_autofree char *guest = NULL;

		*strstr(base, ".ko") = '\0';
		guest = g_strdup_printf("/lib/modules/oopslab-drivers/%s.ko", base);
		if ((err = workload_add_module_file(c, guest, host)))
			return err;
		g_string_append_printf(list, "%s%s", list->len ? " " : "", guest);
	}
	shell_var(conf, "drivers", list->str);
	return NULL;
}

static GError *add_modules(Run *r, Cpio *c)
{
	g_autoptr(GString) lines = g_string_new(NULL);
	GError *err;

	for (guint i = 0; i < r->wmodules->len; i++) {
		const WorkloadModule *m = r->wmodules->pdata[i];
		g_autofree char *guest = g_strdup_printf("/lib/modules/oopslab-workload/%u-%s.ko", i, m->name);

		if ((err = cpio_add_file(c, guest, 0644, m->ko)))
			return err;
		g_string_append_printf(lines, "%s %s %s\n", m->name, guest, m->params ? m->params : "");
	}
	if (lines->len)
		cpio_add_data(c, "/etc/oopslab/modules", 0644, lines->str, lines->len);
	return NULL;
}

/* A lab directory's lab: its module and the file /init sources. */
static GError *add_lab(Run *r, Cpio *c)
{
	g_autoptr(GString) conf = g_string_new(NULL);
	g_autofree char *path = g_strdup_printf("/etc/oopslab/labs/%s", r->lab->name);
	GError *err;

	if (r->lab->module) {
		g_autofree char *guest = g_strdup_printf("/lib/modules/oopslab/%s.ko", r->lab->module);

		if ((err = cpio_add_file(c, guest, 0644, r->module_path)))
			return err;
		shell_var(conf, "module", r->lab->module);
	} else {
		shell_var(conf, "command", r->lab->command);
	}
	cpio_add_data(c, path, 0644, conf->str, conf->len);
	return NULL;
}

static GError *fill_overlay(Run *r, Cpio *c)
{
	g_autoptr(GString) conf = g_string_new("# written by oopslab run: the workload /init runs\n");
	GError *err;

	if ((err = add_drivers(r, c, conf)) || (err = add_modules(r, c)))
		return err;
	if (r->lab_rebuilt && (err = add_lab(r, c)))
		return err;
	for (char **f = r->opt->files; f && *f; f++)
		if ((err = workload_add_file(c, *f)))
			return err;
	if (r->share_dir) {
		shell_var(conf, "share_dir", r->share_guest);
		shell_var(conf, "share_opts", r->opt->share_rw ? "rw" : "ro");
	}
	if (r->opt->exec)
		shell_var(conf, "exec", r->opt->exec);
	cpio_add_dir(c, "/root");
	cpio_add_data(c, "/etc/oopslab/workload", 0644, conf->str, conf->len);
	return NULL;
}

GError *run_workload_initrd(Run *r)
{
	g_autoptr(Cpio) c = NULL;
	g_autoptr(GBytes) overlay = NULL;
	g_autofree char *path = NULL;
	GError *err;

	if (!run_has_workload(r->opt) && !r->lab_rebuilt && !(r->drivers && r->drivers->len))
		return NULL;
	c = cpio_new();
	if ((err = fill_overlay(r, c)))
		return err;
	overlay = cpio_finish(c);
	if ((err = workload_initrd(r->kit->initrd, overlay, &path)))
		return err;
	g_free(r->kit->initrd);
	r->kit->initrd = g_steal_pointer(&path);
	return NULL;
}

/* An installed kernel's drivers with debug info (Debian's -dbg package:
 * /usr/lib/debug/lib/modules/RELEASE/<the same path>), linked into
 * RUN/modules/drivers/ for the stub; best effort. */
static void link_driver_debug(Run *r, const char *dir)
{
	g_autofree char *ddir = g_build_filename(dir, "drivers", NULL);
	g_autofree char *dbg = NULL;

	if (!r->kinfo || !r->kinfo->modules_dir || !r->drivers)
		return;
	dbg = g_build_filename("/usr/lib/debug/lib/modules", r->kinfo->release, NULL);
	for (guint i = 0; i < r->drivers->len; i++) {
		const char *path = r->drivers->pdata[i];
		g_autofree char *rel = NULL, *src = NULL, *base = NULL, *dst = NULL;

		if (!g_str_has_prefix(path, r->kinfo->modules_dir))
			continue;
		rel = g_strdup(path + strlen(r->kinfo->modules_dir));
		*(strstr(rel, ".ko") + 3) = '\0';
		src = g_build_filename(dbg, rel, NULL);
		if (!g_file_test(src, G_FILE_TEST_IS_REGULAR))
			continue;
		base = g_path_get_basename(src);
		dst = g_build_filename(ddir, base, NULL);
		if (g_mkdir_with_parents(ddir, 0755) < 0 || symlink(src, dst) < 0)
			run_say(r, "no debug info link for %s: %s", base, g_strerror(errno));
	}
}

/* RUN/modules/NAME.ko: the stub indexes the run directory, so gdb finds
 * every workload module's symbols by itself. */
GError *run_keep_modules(Run *r)
{
	g_autofree char *dir = g_build_filename(r->dir, "modules", NULL);

	r->module_copies = g_ptr_array_new_with_free_func(g_free);
	link_driver_debug(r, dir);
	if (!r->wmodules->len)
		return NULL;
	if (g_mkdir_with_parents(dir, 0755) < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", dir,
				   g_strerror(errno));
	for (guint i = 0; i < r->wmodules->len; i++) {
		const WorkloadModule *m = r->wmodules->pdata[i];
		g_autofree char *name = g_strdup_printf("%s.ko", m->name);
		g_autofree char *dst = g_build_filename(dir, name, NULL);
		g_autofree char *data = NULL;
		gsize len;
		GError *err = NULL;

		if (!g_file_get_contents(m->ko, &data, &len, &err) ||
		    !g_file_set_contents(dst, data, len, &err))
			return err;
		g_ptr_array_add(r->module_copies, g_canonicalize_filename(dst, NULL));
	}
	return NULL;
}

/* The module the report symbolizes: the one the oops RIP names, else the
 * lab's, else the first workload module. */
void run_pick_module(Run *r)
{
	const char *rip = r->console ? r->console->rip_line : NULL;
	const char *name = r->lab->module;

	for (guint i = 0; i < r->module_copies->len; i++) {
		const WorkloadModule *m = r->wmodules->pdata[i];
		g_autofree char *tag = g_strdup_printf("[%s]", m->name);

		if ((rip && strstr(rip, tag)) || (!r->module_path && i == 0)) {
			g_free(r->module_path);
			r->module_path = g_strdup(r->module_copies->pdata[i]);
			name = m->name;
		}
	}
	if (r->console && r->module_path && name)
		r->add_symbol_file = console_add_symbol_file(r->console, name, r->module_path);
}
