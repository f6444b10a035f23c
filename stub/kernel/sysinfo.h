/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What crash's `sys` shows about a dump: the kernel and dump files, CPUs,
 * date, uptime, load, tasks, utsname, memory and the panic message.
 *
 * utsname and the panic message need only VMCOREINFO (init_uts_ns, and the
 * printk ring: printk.h); the date, load average, CPU speed, offline CPUs,
 * taint and task count need vmlinux and are left unknown without it.
 */
#pragma once
#include <glib.h>

#include "printk.h"
#include "kmem.h"

typedef struct {
	char *kernel;           /* vmlinux path, or NULL */
	gboolean tainted;       /* tainted_mask != 0 (vmlinux) */
	char *dumpfile;
	const char *format;     /* ol_dump_format_name() */
	guint cpus;             /* CPUs with register notes in the dump */
	gint offline;           /* of those, not in cpu_online_mask; -1 if unknown */
	gboolean has_date;
	gint64 date;            /* seconds since the epoch */
	const char *date_source;
	gboolean has_uptime;
	guint64 uptime;         /* seconds */
	const char *uptime_source;
	gboolean has_load;
	guint64 avenrun[3];     /* fixed point, FSHIFT 11 */
	gint tasks;             /* -1 if unknown */
	char *sysname, *nodename, *release, *version, *machine; /* NULL if unknown */
	guint64 mhz;            /* cpu_khz / 1000, 0 if unknown */
	guint64 memory;         /* bytes */
	const char *memory_source;
	char *panic;            /* NULL if no panic message was found */
	GPtrArray *notes;       /* char *: what could not be found and why */
} OlSysinfo;

void ol_sysinfo_free(OlSysinfo *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlSysinfo, ol_sysinfo_free)

/* Never fails as a whole: what cannot be read is left unknown, with a note. */
OlSysinfo *ol_sysinfo_read(OlKmem *t);

/* crash's `sys` layout ("    NODENAME: (none)"), one field a line. */
char *ol_sysinfo_format(const OlSysinfo *s);

/* The panic message as crash 8 finds it in the log (get_panicmsg()): the
 * first line with a general protection / double fault / divide error /
 * stack segment message, else a SysRq crash, else an oops ("Oops: ",
 * "kernel BUG at", "BUG: unable to handle kernel ", ...), else
 * "Kernel panic - ...", "[Hardware Error]: ", "Bad mode in ". Without
 * quotes or newline; NULL if the log has none. */
char *ol_sysinfo_panic_message_from_log(OlKmem *t, const OlPrintkLog *log);
/* The same, reading the log; NULL also if the log cannot be read. */
char *ol_sysinfo_panic_message(OlKmem *t);

/* `monitor sys` (the MonitorFn signature of monitor.c). */
char *ol_sysinfo_monitor_sys(OlKmem *t, const char *args, GError **error);
