/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "accel.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

GError *accel_parse(const char *s, Accel *out)
{
	if (g_strcmp0(s, "auto") == 0)
		*out = ACCEL_AUTO;
	else if (g_strcmp0(s, "kvm") == 0)
		*out = ACCEL_KVM;
	else if (g_strcmp0(s, "tcg") == 0)
		*out = ACCEL_TCG;
	else
		return g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				   "--accel: '%s' is not one of auto, kvm, tcg", s);
	return NULL;
}

const char *accel_name(Accel a)
{
	return a == ACCEL_KVM ? "kvm" : a == ACCEL_TCG ? "tcg" : "auto";
}

static gboolean module_loaded(const char *name)
{
	g_autofree char *p = g_build_filename("/sys/module", name, NULL);

	return g_file_test(p, G_FILE_TEST_IS_DIR);
}

static gboolean cpu_has_hw_virt(void)
{
	g_autofree char *cpuinfo = NULL;

	if (!g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL))
		return FALSE;
	return strstr(cpuinfo, " vmx") || strstr(cpuinfo, " svm");
}

Accel accel_resolve(Accel requested, gboolean remote, char **reason)
{
	int fd, version;

	if (requested != ACCEL_AUTO) {
		*reason = g_strdup("requested with --accel");
		return requested;
	}
	if (remote) {
		/* The host's /dev/kvm is not ours to look at; TCG works everywhere. */
		*reason = g_strdup("remote libvirt host: auto picks tcg (use --accel kvm if the host has hardware KVM)");
		return ACCEL_TCG;
	}
	/*
	 * Some hosts (nested sandboxes) offer a /dev/kvm that is a software
	 * virtualizer (kvm_pvm): slower than TCG for a whole kernel and unable to
	 * run a stock one. Only hardware-backed KVM is worth picking.
	 */
	if (module_loaded("kvm_pvm")) {
		*reason = g_strdup("/dev/kvm is kvm_pvm, a software virtualizer slower than TCG: using tcg");
		return ACCEL_TCG;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*reason = g_strdup_printf("/dev/kvm unusable (%s): using tcg", g_strerror(errno));
		return ACCEL_TCG;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (version != KVM_API_VERSION) {
		*reason = g_strdup_printf("/dev/kvm answers API version %d, not %d: using tcg", version, KVM_API_VERSION);
		return ACCEL_TCG;
	}
	if (module_loaded("kvm_intel") || module_loaded("kvm_amd")) {
		*reason = g_strdup_printf("/dev/kvm backed by %s: using kvm",
					  module_loaded("kvm_intel") ? "kvm_intel" : "kvm_amd");
		return ACCEL_KVM;
	}
	if (cpu_has_hw_virt()) {
		*reason = g_strdup("/dev/kvm usable and the CPU has vmx/svm: using kvm");
		return ACCEL_KVM;
	}
	*reason = g_strdup("/dev/kvm has no hardware backend (no kvm_intel/kvm_amd, no vmx/svm): using tcg");
	return ACCEL_TCG;
}
