/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping a software /dev/kvm out of libvirt's sight.
 *
 * Where /dev/kvm is not hardware-backed (kvm_pvm) the run uses TCG, but
 * libvirt still probes KVM and finds its capability cache outdated on every
 * connection ("/dev/kvm has changed", "host cpuid changed"), so each run
 * starts one more QEMU to probe it again: 1-2 s of every start. A run that
 * uses TCG on the embedded driver hides /dev/kvm from itself: the worker
 * has its own mount namespace (mounts of the host still propagate into it)
 * with /dev/null bound over /dev/kvm. Only root can; elsewhere nothing
 * changes but the time.
 */
#pragma once
#include <glib.h>

/* Before any thread starts (unshare(CLONE_NEWNS) needs one thread): a mount
 * namespace of our own, if we may. */
void kvm_mask_prepare(void);

/* Bind /dev/null over /dev/kvm in our namespace. FALSE (and nothing done)
 * where kvm_mask_prepare() could not make one, or there is no /dev/kvm. */
gboolean kvm_mask_apply(void);
