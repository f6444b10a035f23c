/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the harness needs to know about a kernel it did not build: is it a
 * bzImage, which release, where its modules, vmlinux and config are. */
#pragma once
#include <glib.h>

typedef struct {
	char *bzimage;
	char *release;      /* "6.1.0-57-cloud-amd64", from the bzImage header */
	char *modules_dir;  /* /lib/modules/RELEASE or --modules-dir; NULL if none */
	char *config;       /* its .config (/boot/config-VER or the tree's), or NULL */
	char *vmlinux;      /* found in the debug paths or the tree, or NULL */
	char *build_dir;    /* what out-of-tree modules build against, or NULL */
} KernelInfo;

void kernel_info_free(KernelInfo *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KernelInfo, kernel_info_free)

/* The release string of a bzImage (boot protocol header), or an error
 * naming the file and what is wrong with it. */
GError *kernel_bzimage_release(const char *path, char **release) G_GNUC_WARN_UNUSED_RESULT;
/* Everything found about the kernel at BZIMAGE; TREE (--kernel-tree) and
 * MODULES_DIR (--modules-dir) override the search when given. */
GError *kernel_info_probe(const char *bzimage, const char *tree, const char *modules_dir,
			  KernelInfo **out) G_GNUC_WARN_UNUSED_RESULT;
/* CONFIG_NAME's value in the kernel's config ("y", "m"), or NULL. */
char *kernel_info_config(const KernelInfo *k, const char *name);
