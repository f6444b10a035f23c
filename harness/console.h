/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Following the guest's serial console log as it grows: the /init stage
 * markers, the lab module's section addresses, and the panic lines.
 */
#pragma once
#include <glib.h>

typedef struct {
	char *name;        /* "userspace", "lab", "trigger", "done" */
	double host_time;  /* seconds since the watcher started */
	double uptime;     /* guest uptime printed by /init, or -1 */
	char *detail;      /* rest of the marker line */
} ConsoleStage;

typedef struct {
	char *module;
	char *section;
	guint64 addr;
} ConsoleSection;

typedef struct {
	char *path;
	goffset offset;
	GString *partial;       /* an unterminated last line */
	gint64 start_us;
	GPtrArray *stages;      /* ConsoleStage* */
	GPtrArray *sections;    /* ConsoleSection* */
	char *panic_line;       /* "Kernel panic - not syncing: ..." */
	double panic_time;      /* host seconds when panic_line came (0: not yet) */
	double panic_end_time;  /* ... and the "---[ end Kernel panic" line */
	char *oops_line;        /* the first line that starts a report (oops_is_report_line()) */
	char *rip_line;         /* first "RIP: 0010:fct+off/len [mod]" (kernel mode) */
	guint stages_reported;  /* for the caller's progress display */
} ConsoleWatcher;

ConsoleWatcher *console_watcher_new(const char *path, gint64 start_us);
void console_watcher_free(ConsoleWatcher *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ConsoleWatcher, console_watcher_free)

/* Read what was appended since the last poll. Missing file = nothing yet. */
void console_watcher_poll(ConsoleWatcher *w);
/* Feed one line (without its newline); exposed for unit tests. */
void console_watcher_line(ConsoleWatcher *w, const char *line, double host_time);

const ConsoleStage *console_watcher_stage(const ConsoleWatcher *w, const char *name);

/* The gdb command loading MODULE's symbols from KO_PATH at the addresses the
 * guest printed, or NULL when it printed none. */
char *console_add_symbol_file(const ConsoleWatcher *w, const char *module, const char *ko_path);
