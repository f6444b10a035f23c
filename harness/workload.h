/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user's workload in a run: modules (built out of tree in the cache, or
 * prebuilt and checked), files with the libraries their ELF executables
 * need, a shared directory, a command, and the drivers an installed kernel
 * needs. All of it goes into an extra initramfs archive appended to the lab
 * one; guests/initramfs/init reads /etc/oopslab/workload.
 */
#pragma once
#include <glib.h>

#include "cpio.h"

typedef struct {
	char *name;   /* as the kernel names it: "timer_crash" */
	char *ko;     /* host path of the .ko (the build's output, in the cache) */
	char *params; /* as insmod takes them, or NULL */
} WorkloadModule;

void workload_module_free(gpointer m);

/* "PATH [PARAM=VALUE...]" (--module): a directory with a Kbuild file or
 * Makefile is built against BUILD_DIR (out of tree, in the cache); a .ko
 * has its vermagic checked against VERMAGIC (the kernel's, or NULL: not
 * known). Appends the WorkloadModule(s) to OUT. */
GError *workload_module_prepare(const char *arg, const char *build_dir, const char *vermagic,
				GPtrArray *out) G_GNUC_WARN_UNUSED_RESULT;
/* Build the module directory DIR against BUILD_DIR in the cache; *kos are
 * the .ko files made (sorted). */
GError *workload_build_dir(const char *dir, const char *build_dir, GPtrArray **kos) G_GNUC_WARN_UNUSED_RESULT;
/* The vermagic= and name= of a .ko's .modinfo (either may be NULL). */
GError *workload_ko_info(const char *ko, char **vermagic, char **name) G_GNUC_WARN_UNUSED_RESULT;

/* --file HOST[:GUEST]: the file, and for an ELF executable its loader and
 * libraries as ldd lists them, at the same paths in the guest. */
GError *workload_add_file(Cpio *c, const char *arg) G_GNUC_WARN_UNUSED_RESULT;
/* The modules among WANTED (names) that DIR's modules.dep has, with their
 * dependencies first, as paths under DIR; names not there are built in or
 * absent. */
GError *workload_driver_closure(const char *modules_dir, const char *const *wanted,
				GPtrArray **paths) G_GNUC_WARN_UNUSED_RESULT;
/* A module file for the guest: .ko.xz/.ko.zst/.ko.gz decompressed. */
GError *workload_add_module_file(Cpio *c, const char *guest_path,
				 const char *host_path) G_GNUC_WARN_UNUSED_RESULT;

/* Write BASE followed by the archive as one initramfs in the cache (keyed by
 * both); *path is the file. */
GError *workload_initrd(const char *base, GBytes *overlay, char **path) G_GNUC_WARN_UNUSED_RESULT;
/* 'text' quoted for /bin/sh. */
char *workload_shell_quote(const char *text);
