/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The crash report of a run: the first oops in its console, symbolized. */
#pragma once
#include <glib.h>

#include "crash-input.h"
#include "json-reader.h"
#include "json-writer.h"
#include "oops.h"

/* Parse RUNDIR/console.log and symbolize the oops with VMLINUX and the lab
 * MODULE (.ko; either may be NULL). When the console holds no report (cut
 * short) and DUMP is given, the kernel log read from the dump is parsed
 * instead. *source says which ("console", "dump dmesg"); *out is NULL (and
 * no error) when neither holds a crash report. */
GError *report_build(const char *rundir, const char *vmlinux, const char *module, const char *dump,
		     Oops **out, const char **source) G_GNUC_WARN_UNUSED_RESULT;
/* The same from any log text (a dmesg read from the dump, when the console
 * was cut before the report); *out NULL when there is none. */
GError *report_build_from_text(const char *text, const char *vmlinux, const char *module,
			       Oops **out) G_GNUC_WARN_UNUSED_RESULT;
/* The same for any input: a run, a bare vmcore, a kdump directory.
 * *source: "console", "dmesg file" or "dump dmesg". */
GError *report_build_input(const CrashInput *in, Oops **out, const char **source) G_GNUC_WARN_UNUSED_RESULT;
char *report_text(const Oops *o);
/* The report as one JSON value (title, source if given, type, rip, trace...). */
void report_json(JsonWriter *w, const Oops *o, const char *source);
/* Write RUNDIR/report.txt and report.json. */
GError *report_write(const char *rundir, const Oops *o, const char *source) G_GNUC_WARN_UNUSED_RESULT;
/* The gdb expression for where the crash is: "fct+0xoff" for a RIP, and
 * one byte back ("fct+0xoff-1") for a return address. NULL if none. */
char *report_location(const Oops *o);
int cmd_report(int argc, char **argv);
