/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the harness's run directory says about a dump in it: run.json's
 * vmlinux, lab module and kernel build directory. The stub and the harness
 * resolve their defaults with this; the kernel model takes them as explicit
 * options and never reads run.json.
 */
#pragma once
#include <glib.h>

typedef struct {
	char *dir;        /* the run directory: DUMP_PATH itself if a directory, else the one holding it */
	char *vmlinux;    /* run.json's members, or NULL */
	char *module;
	char *kernel_dir;
} OlRunDir;

/* Never fails: without run.json (not a run directory) nothing is named. */
void ol_run_dir_read(const char *dump_path, OlRunDir *out);
void ol_run_dir_clear(OlRunDir *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OlRunDir, ol_run_dir_clear)

/* The directories the run names where modules' .ko files are: the lab
 * module's directory and the kernel build directory (NULL-terminated, maybe
 * empty). */
char **ol_run_dir_module_dirs(const OlRunDir *r);
