/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest of a run: the lab, the kernel, its modules, the initramfs and
 * the command line. Everything here happens before anything is started. */
#include <errno.h>
#include <sys/statvfs.h>

#include <gio/gio.h>

#include "run-internal.h"
#include "workload.h"

/* A lab by name, a lab directory, or a workload's stand-in lab. */
GError *run_find_lab(Run *r)
{
	g_autofree char *manifest = g_build_filename(oopslab_data_dir(), "guests", "labs", "labs.conf", NULL);
	const char *name = r->opt->lab;
	GError *err;

	if (r->opt->flavour) {
		g_autofree char *given = g_steal_pointer(&r->opt->flavour);

		if ((err = lab_flavour_canonical(given, &r->opt->flavour))) {
			g_autoptr(GError) e = err;

			return run_usage_error("--flavour: %s", e->message);
		}
	}
	if (!name) {
		if (!run_has_workload(r->opt))
			return run_usage_error("--lab NAME|PATH, --module or --exec is required (see `oopslab labs`)");
		r->own_lab = g_new0(Lab, 1);
		r->own_lab->name = g_strdup("workload");
		r->workload_only = TRUE;
		r->lab = r->own_lab;
		return NULL;
	}
	if (strchr(name, '/') || g_file_test(name, G_FILE_TEST_IS_DIR)) {
		if ((err = lab_load_dir(name, &r->own_lab)))
			return g_error_new(RUN_USAGE_ERROR, 0, "--lab %s: %s", name, err->message);
		r->lab = r->own_lab;
		return NULL;
	}
	if ((err = lab_set_load_flavour(manifest, r->opt->flavour, &r->labs)))
		return err;
	r->lab = lab_set_find(r->labs, name);
	if (!r->lab)
		return run_usage_error("unknown lab '%s' (see `oopslab labs`)", name);
	return NULL;
}

/* The kernel flavours of the run: the lab's (its flavours= plus --flavour),
 * or --flavour alone for a lab directory or a workload. */
const char *run_flavour(const Run *r)
{
	return r->lab && r->lab->flavour ? r->lab->flavour : r->opt->flavour;
}

/* A memory-only ELF dump is about the guest's RAM plus notes; compressed ones
 * are smaller but their size depends on the contents. Ask for RAM + 5%. */
static GError *check_space(const char *dir, int memory_mib, const char *format)
{
	g_autofree char *probe = g_strdup(dir);
	struct statvfs vfs;
	guint64 need = (guint64)memory_mib * 1024 * 1024 * 105 / 100, avail;

	if (!g_str_equal(format, "elf"))
		need /= 4;
	/* The run directory does not exist yet: look at its nearest ancestor. */
	while (statvfs(probe, &vfs) < 0) {
		char *parent = g_path_get_dirname(probe);

		if (g_str_equal(parent, probe)) {
			g_free(parent);
			return NULL;
		}
		g_free(probe);
		probe = parent;
	}
	avail = (guint64)vfs.f_bavail * vfs.f_frsize;
	if (avail < need)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_NO_SPACE,
				   "no space for the dump: %s has %" G_GUINT64_FORMAT " MiB free, a %d MiB guest's %s "
				   "dump needs about %" G_GUINT64_FORMAT " MiB",
				   probe, avail >> 20, memory_mib, format, need >> 20);
	return NULL;
}

static char *default_out_dir(const char *lab)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
	char *dir = g_strdup_printf("runs/%s-%s", lab, stamp);

	/* Two runs in the same second get -2, -3, ... */
	for (int i = 2; g_file_test(dir, G_FILE_TEST_EXISTS); i++) {
		g_free(dir);
		dir = g_strdup_printf("runs/%s-%s-%d", lab, stamp, i);
	}
	return dir;
}

static GError *choose_run_dir(Run *r)
{
	r->dir = r->opt->out ? g_strdup(r->opt->out) : default_out_dir(r->lab->name);
	if (g_file_test(r->dir, G_FILE_TEST_EXISTS)) {
		g_autoptr(GDir) d = g_dir_open(r->dir, 0, NULL);

		if (!d || g_dir_read_name(d))
			return g_error_new(G_FILE_ERROR, G_FILE_ERROR_EXIST,
					   "run directory %s exists and is not empty: choose another --out", r->dir);
	}
	return check_space(r->dir, r->opt->memory_mib, r->opt->format);
}

static GError *check_readable(const char *what, const char *path)
{
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s not found: %s", what, path);
	return NULL;
}

/* The lab kernel: lab modules are built against its tree, and any lab
 * module tells its vermagic. */
static GError *use_lab_kernel(Run *r)
{
	g_autofree char *ref = guest_kit_find_module(r->kit, "null_deref");

	r->build_dir = g_strdup(r->kit->kernel_dir);
	if (ref)
		return workload_ko_info(ref, &r->vermagic, NULL);
	return NULL;
}

/* Another kernel: --kernel (an installed one's modules, vmlinux and build
 * are found from its release) or --kernel-tree. */
static GError *use_user_kernel(Run *r)
{
	const RunOptions *o = r->opt;
	GuestKit *kit = r->kit;
	GError *err;

	if ((err = kernel_info_probe(o->kernel, o->kernel_tree, o->modules_dir, &r->kinfo)))
		return err;
	g_free(kit->bzimage);
	kit->bzimage = g_strdup(r->kinfo->bzimage);
	g_free(kit->vmlinux);
	kit->vmlinux = o->vmlinux ? g_canonicalize_filename(o->vmlinux, NULL) : g_strdup(r->kinfo->vmlinux);
	g_free(kit->kernel_dir);
	kit->kernel_dir = o->kernel_tree ? g_canonicalize_filename(o->kernel_tree, NULL) : NULL;
	r->build_dir = g_strdup(r->kinfo->build_dir);
	if (!kit->vmlinux)
		run_say(r, "no vmlinux for %s (looked in /usr/lib/debug): reports without source lines; give --vmlinux",
			r->kinfo->release);
	return run_resolve_drivers(r);
}

GError *run_assemble(Run *r)
{
	const RunOptions *o = r->opt;
	GError *err;

	if ((err = choose_run_dir(r)))
		return err;
	/* The lab kit (modules, initramfs) is needed even with a user kernel. */
	if ((err = guest_kit_build_flavour(&r->kit, r->kdump, run_flavour(r))))
		return err;
	if (r->kdump) {
		g_free(r->kit->initrd);
		r->kit->initrd = g_strdup(r->kit->initrd_kdump);
	}
	if (o->initrd) {
		g_free(r->kit->initrd);
		r->kit->initrd = g_canonicalize_filename(o->initrd, NULL);
	}
	err = o->kernel || o->kernel_tree ? use_user_kernel(r) : use_lab_kernel(r);
	if (err)
		return err;
	if ((err = check_readable("kernel", r->kit->bzimage)) ||
	    (err = check_readable("initrd", r->kit->initrd)))
		return err;
	if ((err = run_prepare_workload(r)))
		return err;
	if (r->lab->module && !r->lab_rebuilt) {
		r->module_path = guest_kit_find_module(r->kit, r->lab->module);
		if (!r->module_path)
			return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "lab module %s.ko not found under %s",
					   r->lab->module, r->kit->labs_dir);
	}
	return run_workload_initrd(r);
}

char *run_cmdline(const Run *r)
{
	const RunOptions *o = r->opt;
	/* no_timer_check: under TCG on a loaded host the IO-APIC timer check
	 * can miss its ticks and panic the boot ("IO-APIC + timer doesn't
	 * work!"), as seen here at a load of 15 on 2 cores */
	g_autoptr(GString) cmd = g_string_new("console=ttyS0 oops=panic panic=0 no_timer_check");

	g_string_append(cmd, o->kaslr ? "" : " nokaslr");
	if (!r->workload_only)
		g_string_append_printf(cmd, " oopslab.lab=%s", r->lab->name);
	if (r->lab->append)
		g_string_append_printf(cmd, " %s", r->lab->append);
	if (r->kdump) {
		g_autofree char *collector = capture_disk_collector_cmdline(o->collector);

		/* crash_kexec_post_notifiers: an oops with oops=panic goes to the
		 * capture kernel from panic(), not straight from oops_end(), so the
		 * dump's panicking CPU is in panic() as with --capture host (and
		 * pvpanic reports the panic first). */
		g_string_append_printf(cmd, " crashkernel=%s crash_kexec_post_notifiers oopslab.capture=kdump"
					    " oopslab.collector=%s",
				       KDUMP_CRASHKERNEL, collector);
	}
	if (o->gdb) /* /init waits on ttyS1 before the trigger (run-gdb.c) */
		g_string_append(cmd, " oopslab.wait=ttyS1");
	if (o->append)
		g_string_append_printf(cmd, " %s", o->append);
	return g_string_free(g_steal_pointer(&cmd), FALSE);
}
