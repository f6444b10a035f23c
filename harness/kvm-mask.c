/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeping a software /dev/kvm out of libvirt's sight (kvm-mask.h says why). */
#include "kvm-mask.h"

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

static gboolean own_namespace;

void kvm_mask_prepare(void)
{
	if (geteuid() != 0 || access("/dev/kvm", F_OK) != 0 || unshare(CLONE_NEWNS) != 0)
		return;
	/* slave: the host's mounts still reach us, ours stay here */
	own_namespace = mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0;
}

gboolean kvm_mask_apply(void)
{
	return own_namespace && mount("/dev/null", "/dev/kvm", NULL, MS_BIND, NULL) == 0;
}
