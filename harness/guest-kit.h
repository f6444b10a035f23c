/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lab kernel, modules and initramfs (built and cached by guests/build-guest). */
#pragma once
#include <glib.h>

typedef struct {
	char *kernel_dir; /* the kernel build tree, or NULL for a user kernel */
	char *bzimage;
	char *vmlinux;    /* may be NULL for a user kernel given without --vmlinux */
	char *labs_dir;   /* where the built lab modules are */
	char *initrd;
	char *initrd_kdump; /* the kdump variant (guest_kit_build with kdump), else NULL */
} GuestKit;

void guest_kit_free(GuestKit *kit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GuestKit, guest_kit_free)

/* Build or find the cached lab kit; progress of a build goes to stderr. */
GError *guest_kit_build(GuestKit **out, gboolean kdump) G_GNUC_WARN_UNUSED_RESULT;
/* The same for a flavour of the lab kernel ("kasan,lockdep"; NULL: none). */
GError *guest_kit_build_flavour(GuestKit **out, gboolean kdump,
				const char *flavour) G_GNUC_WARN_UNUSED_RESULT;

/* The lab module's .ko under kit->labs_dir, or NULL. */
char *guest_kit_find_module(const GuestKit *kit, const char *module);
