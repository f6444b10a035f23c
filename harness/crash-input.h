/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `oopslab report` and `oopslab gdb` are pointed at: a run directory
 * (run.json), a bare vmcore (run.json left behind; vmcore-dmesg.txt beside
 * it is used when present), or a kdump-tools directory (/var/crash/<host>-
 * <date>/: vmcore or dump.<date>, with vmcore-dmesg.txt or dmesg.<date>).
 * vmlinux: --vmlinux, else what run.json names, else the search of
 * debug-files.h (release and build-id read from the dump).
 */
#pragma once
#include <glib.h>

#include "json-reader.h"

typedef struct {
	char *dir;        /* the run or kdump directory, or the vmcore's */
	char *dump;       /* the dump file, or NULL for a run without one (no_dump says why) */
	char *no_dump;
	char *log;        /* console.log (run) or the dmesg file beside the dump, or NULL */
	gboolean is_run;  /* a run directory: console.log, run.json */
	char *vmlinux;    /* or NULL: none found (vmlinux_problem says where it was looked for) */
	char *vmlinux_problem;
	char *module;     /* the lab module's .ko: run.json's, else a .ko beside the dump, or NULL */
	JsonValue *run;   /* run.json, or NULL */
} CrashInput;

void crash_input_free(CrashInput *in);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrashInput, crash_input_free)

/* Errors name what is missing and where it was looked for. */
GError *crash_input_open(const char *arg, const char *vmlinux, CrashInput **out) G_GNUC_WARN_UNUSED_RESULT;
