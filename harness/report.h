/* The crash report of a run: the first oops in its console, symbolized. */
#pragma once
#include <glib.h>

#include "json-reader.h"
#include "json-writer.h"
#include "oops.h"

/* Parse RUNDIR/console.log and symbolize the oops with VMLINUX and the lab
 * MODULE (.ko; either may be NULL). *out is NULL (and no error) when the
 * console holds no crash report. */
GError *report_build(const char *rundir, const char *vmlinux, const char *module, Oops **out);
char *report_text(const Oops *o);
/* The report as one JSON object member value (title, type, rip, trace...). */
void report_json(JsonWriter *w, const Oops *o);
/* Write RUNDIR/report.txt and report.json. */
GError *report_write(const char *rundir, const Oops *o);
/* The gdb expression for where the crash is: "fct+0xoff" for a RIP, and
 * one byte back ("fct+0xoff-1") for a return address. NULL if none. */
char *report_location(const Oops *o);
int cmd_report(int argc, char **argv);
