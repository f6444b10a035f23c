/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding and parsing the first kernel crash report in a console log (or a
 * dmesg): its type, a title in the style of syzkaller's reports ("BUG: kernel
 * NULL pointer dereference in null_deref_crash"), the faulting RIP, the call
 * trace, and who was running.
 */
#pragma once
#include <glib.h>

typedef struct {
	char *function;
	guint64 offset;
	guint64 size;
	char *module;       /* NULL for vmlinux */
	gboolean reliable;  /* FALSE for "? func+..." entries */
	gboolean exact;     /* the address itself (a RIP), not a return address */
	char *context;      /* "TASK", "IRQ", "NMI", "SOFTIRQ" or NULL */
	/* filled by the symbolizer */
	char *file;
	int line;
	/* char* "func at file:line": the innermost inlined function, then each
	 * function it was inlined into (addr2line -i); empty if not inlined */
	GPtrArray *inlined;
} OopsFrame;

typedef struct {
	char *type;          /* e.g. "null-pointer-dereference", "soft-lockup", "kasan-use-after-free" */
	char *title;
	char *header;        /* the report's first line */
	char *function;      /* the function the title names, as the report prints it (the title
			      * drops a clone suffix such as ".constprop.0") */
	OopsFrame *rip;      /* the kernel-mode RIP line, or NULL */
	GPtrArray *trace;    /* OopsFrame* of the first call trace */
	int cpu;             /* -1 if unknown */
	int pid;             /* -1 if unknown */
	char *comm;
	char *taint;         /* "Not tainted" or the flags, e.g. "G O" */
	char *panic_message; /* after "Kernel panic - not syncing: " */
	gboolean fatal;      /* a "Kernel panic" followed the report (else a non-fatal finding) */
	/* Sanitizer and lock-validator reports (all NULL/empty for a plain oops) */
	char *detector;      /* "KASAN", "KFENCE", "UBSAN", "lockdep" */
	char *bug_type;      /* the detector's name for the bug, e.g. "slab-out-of-bounds",
			      * "array-index-out-of-bounds", "possible recursive locking" */
	char *access;        /* "Read", "Write" or "Free" (KASAN, KFENCE), or NULL */
	gint64 access_size;  /* bytes, or -1 */
	char *access_addr;   /* the bad address as printed ("ffff888003a1b20d"), or NULL */
	char *location;      /* UBSAN's "file:line:col", a WARNING's "file:line", or the symbol on
			      * lockdep's first "at:" line (the lock being taken), or NULL */
	GPtrArray *alloc_trace; /* OopsFrame*: where the object was allocated (KASAN, KFENCE) */
	GPtrArray *free_trace;  /* OopsFrame*: where it was freed */
} Oops;

Oops *oops_parse(const char *console);
/* Does LINE (without its timestamp) start a kernel report: one of the
 * headers oops_parse() knows, or any "BUG: " or "WARNING: " line? */
gboolean oops_is_report_line(const char *line);
/* Every report in CONSOLE, in order (Oops*; empty if none): the first is
 * oops_parse()'s; the others are what else the kernel reported, findings
 * such as a WARNING or a lockdep report that no panic followed. */
GPtrArray *oops_parse_all(const char *console);
void oops_free(Oops *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Oops, oops_free)

void oops_frame_free(OopsFrame *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OopsFrame, oops_frame_free)
/* "fct+0xoff/0xsize [mod]" */
char *oops_frame_symbol(const OopsFrame *f);
