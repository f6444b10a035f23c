/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeping a software /dev/kvm out of libvirt's sight (kvm-mask.h says why). */
#include "kvm-mask.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

static gboolean own_namespace;
static gboolean applied;

void kvm_mask_prepare(void)
{
	if (geteuid() != 0 || access("/dev/kvm", F_OK) != 0 || unshare(CLONE_NEWNS) != 0)
		return;
	/* slave: the host's mounts still reach us, ours stay here */
	own_namespace = mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0;
}

/*
 * What goes over /dev/kvm: an empty regular file, bound read-only. libvirt
 * asks access(R_OK | W_OK), which root passes on any device node (/dev/null
 * included: libvirt then holds KVM usable, QEMU's probe cannot enable it,
 * and libvirt probes again at every call); a regular file on a read-only
 * mount fails it with EROFS even for root.
 */
static gboolean bind_empty_file(void)
{
	g_autofree char *dir = g_build_filename(g_get_user_cache_dir(), "oopslab", "libvirt", NULL);
	g_autofree char *file = g_build_filename(dir, "no-kvm", NULL);
	int fd;

	if (g_mkdir_with_parents(dir, 0700) < 0)
		return FALSE;
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0400);
	if (fd < 0)
		return FALSE;
	close(fd);
	if (mount(file, "/dev/kvm", NULL, MS_BIND, NULL) != 0)
		return FALSE;
	if (mount(NULL, "/dev/kvm", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
		umount("/dev/kvm");
		return FALSE;
	}
	return TRUE;
}

gboolean kvm_mask_apply(void)
{
	applied = own_namespace && bind_empty_file();
	return applied;
}

gboolean kvm_mask_active(void)
{
	return applied;
}
