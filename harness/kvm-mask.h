/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping a software /dev/kvm out of libvirt's sight.
 *
 * Where /dev/kvm is not hardware-backed (kvm_pvm) the run uses TCG, but
 * libvirt still probes KVM and finds its capability cache outdated on every
 * call: it holds /dev/kvm usable, QEMU's probe cannot enable KVM on it, so
 * the cache is never valid ("KVM was not enabled when probing ..., but it
 * should be usable now"), and a run's start took 4-5 s of probes. A run
 * that uses TCG on the embedded driver hides /dev/kvm from itself: the
 * worker has its own mount namespace (mounts of the host still propagate
 * into it) with an empty regular file bound read-only over /dev/kvm, which
 * access(W_OK) refuses even to root, and the driver's qemu.conf says
 * namespaces = [] (libvirt would copy the node into a QEMU's private /dev).
 * Only root can; elsewhere nothing changes but the time.
 */
#pragma once
#include <glib.h>

/* Before any thread starts (unshare(CLONE_NEWNS) needs one thread): a mount
 * namespace of our own, if we may. */
void kvm_mask_prepare(void);

/* Bind /dev/null over /dev/kvm in our namespace. FALSE (and nothing done)
 * where kvm_mask_prepare() could not make one, or there is no /dev/kvm. */
gboolean kvm_mask_apply(void);

/* kvm_mask_apply() did it: QEMU then needs no private /dev of libvirt's,
 * which would copy (and chown) the read-only /dev/kvm into it. */
gboolean kvm_mask_active(void);
