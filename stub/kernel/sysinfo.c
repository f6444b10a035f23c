/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sysinfo.h"

#include <string.h>
#include <time.h>

#include "tasks.h"
#include "utsname.h"
#include "vmcoreinfo.h"


void ol_sysinfo_free(OlSysinfo *s)
{
	if (!s)
		return;
	g_free(s->kernel);
	g_free(s->dumpfile);
	g_free(s->sysname);
	g_free(s->nodename);
	g_free(s->release);
	g_free(s->version);
	g_free(s->machine);
	g_free(s->panic);
	if (s->notes)
		g_ptr_array_unref(s->notes);
	g_free(s);
}

static void note(OlSysinfo *s, const char *what, const GError *err)
{
	g_ptr_array_add(s->notes, g_strdup_printf("%s: %s", what, err->message));
}

static gboolean try_layout_symbol(OlKmem *t, const char *name, guint64 *addr)
{
	g_autoptr(GError) err = ol_kmem_layout_symbol(t, name, addr);

	return err == NULL;
}

/* init_uts_ns.name: VMCOREINFO exports both the symbol and the offset, so
 * this works without vmlinux. */
static void read_utsname(OlKmem *t, OlSysinfo *s)
{
	guint64 ns, name_off;
	OlUtsname uts;
	g_autoptr(GError) err = NULL;

	if ((err = ol_kmem_layout_symbol(t, "init_uts_ns", &ns))) {
		note(s, "utsname", err);
		return;
	}
	if ((err = ol_kmem_layout_offset(t, "uts_namespace", "name", &name_off))) {
		note(s, "utsname", err);
		return;
	}
	if ((err = ol_utsname_read(ol_kmem_xlat(t), ns + name_off, &uts))) {
		g_prefix_error(&err, "init_uts_ns.name at 0x%" G_GINT64_MODIFIER "x: ", ns + name_off);
		note(s, "utsname", err);
		return;
	}
	s->sysname = g_strdup(uts.sysname);
	s->nodename = g_strdup(uts.nodename);
	s->release = g_strdup(uts.release);
	s->version = g_strdup(uts.version);
	s->machine = g_strdup(uts.machine);
}

static gboolean read_symbol_u64(OlKmem *t, OlSysinfo *s, const char *name, guint64 *v)
{
	guint64 addr;
	g_autoptr(GError) err = NULL;

	if ((err = ol_kmem_symbol(t, name, &addr)) || (err = ol_kmem_read_u64(t, addr, v))) {
		note(s, name, err);
		return FALSE;
	}
	return TRUE;
}

static gboolean read_symbol_u32(OlKmem *t, OlSysinfo *s, const char *name, guint32 *v)
{
	guint64 addr;
	g_autoptr(GError) err = NULL;

	if ((err = ol_kmem_symbol(t, name, &addr)) || (err = ol_kmem_read_u32(t, addr, v))) {
		note(s, name, err);
		return FALSE;
	}
	return TRUE;
}

/* CPUs the dump has registers for that are not in cpu_online_mask: crash's
 * "[OFFLINE: n]" (panic() takes the other CPUs offline as it stops them). */
static void read_offline(OlKmem *t, OlSysinfo *s)
{
	guint64 mask;
	g_autoptr(GError) err = NULL;
	guint online = 0;

	s->offline = -1;
	if ((err = ol_kmem_symbol(t, "__cpu_online_mask", &mask))) {
		note(s, "offline CPUs", err);
		return;
	}
	for (guint w = 0; w * 64 < s->cpus; w++) {
		guint64 bits;

		if ((err = ol_kmem_read_u64(t, mask + 8 * w, &bits))) {
			note(s, "offline CPUs", err);
			return;
		}
		for (guint b = 0; b < 64 && w * 64 + b < s->cpus; b++)
			online += (bits >> b) & 1;
	}
	s->offline = (gint)(s->cpus - online);
}

/*
 * The timekeeper's wall clock (xtime_sec) and its offset to the monotonic
 * clock, which started at 0 at boot. crash reads shadow_timekeeper too:
 * timekeeping_advance() accumulates into it and copies it to tk_core, so it
 * is never older than the real one.
 */
static void read_time(OlKmem *t, OlSysinfo *s)
{
	guint64 tk, xtime_off, wtm_off, xtime_sec, wtm_sec, crashtime;
	g_autoptr(GError) err = NULL;

	if (ol_kmem_vmlinux(t) && !(err = ol_kmem_symbol(t, "shadow_timekeeper", &tk)) &&
	    !(err = ol_kmem_member(t, "timekeeper", "xtime_sec", &xtime_off, NULL)) &&
	    !(err = ol_kmem_read_u64(t, tk + xtime_off, &xtime_sec))) {
		s->has_date = TRUE;
		s->date = (gint64)xtime_sec;
		s->date_source = "timekeeper";
		if (!(err = ol_kmem_member(t, "timekeeper", "wall_to_monotonic.tv_sec", &wtm_off, NULL)) &&
		    !(err = ol_kmem_read_u64(t, tk + wtm_off, &wtm_sec))) {
			s->has_uptime = TRUE;
			s->uptime = xtime_sec + wtm_sec; /* wall_to_monotonic is negative */
			s->uptime_source = "timekeeper";
		}
	}
	if (err)
		note(s, "timekeeper", err);
	/* kdump's crash path writes the time of the crash */
	if (!s->has_date && ol_kmem_try_vmcoreinfo_u64(t, "CRASHTIME", &crashtime)) {
		s->has_date = TRUE;
		s->date = (gint64)crashtime;
		s->date_source = "VMCOREINFO CRASHTIME";
	}
}

/* Total RAM as crash counts it: the present pages of the node (DWARF:
 * node_present_pages is not in VMCOREINFO), else every byte the dump holds.
 * NUMA kernels (node_data[], no contig_page_data) get the latter. */
static void read_memory(OlKmem *t, OlSysinfo *s)
{
	OlDump *d = ol_kmem_dump(t);
	guint64 pgdat, off, pages;
	g_autoptr(GError) err = NULL;

	if (ol_kmem_dwarf(t) &&
	    try_layout_symbol(t, "contig_page_data", &pgdat)) {
		if (!(err = ol_kmem_member(t, "pglist_data", "node_present_pages", &off, NULL)) &&
		    !(err = ol_kmem_read_u64(t, pgdat + off, &pages))) {
			s->memory = pages * 4096;
			s->memory_source = "contig_page_data.node_present_pages";
			return;
		}
		note(s, "memory", err);
	}
	s->memory = 0;
	for (guint i = 0; i < ol_dump_n_ranges(d); i++) {
		guint64 start, size;

		if (ol_dump_range(d, i, &start, &size))
			s->memory += size;
	}
	s->memory_source = "the dump's memory ranges";
}

/* avenrun[3]: the load averages in fixed point */
static void read_load(OlKmem *t, OlSysinfo *s)
{
	guint64 addr;
	g_autoptr(GError) err = ol_kmem_symbol(t, "avenrun", &addr);

	for (guint i = 0; i < 3 && !err; i++)
		err = ol_kmem_read_u64(t, addr + 8 * i, &s->avenrun[i]);
	if (err) {
		note(s, "avenrun", err);
		return;
	}
	s->has_load = TRUE;
}

OlSysinfo *ol_sysinfo_read(OlKmem *t)
{
	OlSysinfo *s = g_new0(OlSysinfo, 1);
	OlDump *d = ol_kmem_dump(t);
	OlVmlinux *v = ol_kmem_vmlinux(t);
	g_autoptr(OlPrintkLog) log = NULL;
	g_autoptr(GError) err = NULL;
	guint64 u64;
	guint32 u32;

	s->notes = g_ptr_array_new_with_free_func(g_free);
	s->kernel = v ? g_strdup(ol_vmlinux_path(v)) : NULL;
	s->dumpfile = g_strdup(ol_dump_path(d));
	s->format = ol_dump_format_name(d);
	s->cpus = ol_dump_n_cpus(d);
	s->offline = -1;
	s->tasks = -1;
	read_utsname(t, s);
	read_memory(t, s);
	if (v) {
		GArray *tasks = NULL;

		if (read_symbol_u64(t, s, "tainted_mask", &u64))
			s->tainted = u64 != 0;
		read_offline(t, s);
		read_time(t, s);
		if (read_symbol_u32(t, s, "cpu_khz", &u32))
			s->mhz = u32 / 1000;
		read_load(t, s);
		/* TASKS counts what `monitor ps` lists: every thread and the
		 * idle tasks */
		if ((err = ol_tasks_read(t, &tasks, NULL)))
			note(s, "tasks", err);
		else {
			s->tasks = (gint)tasks->len;
			g_array_unref(tasks);
		}
		g_clear_error(&err);
	} else {
		g_ptr_array_add(s->notes, g_strdup("no vmlinux: no date (unless kdump's CRASHTIME), load, tasks, "
						   "CPU speed or offline CPUs"));
		read_time(t, s);
	}
	if ((err = ol_printk_read_log(t, &log)))
		note(s, "log", err);
	else {
		s->panic = ol_sysinfo_panic_message_from_log(t, log);
		/* without a clock, the last message's time is the best uptime */
		if (!s->has_uptime && log->records->len) {
			const OlPrintkRecord *last = log->records->pdata[log->records->len - 1];

			s->has_uptime = TRUE;
			s->uptime = last->ts_nsec / 1000000000;
			s->uptime_source = "the last log record";
		}
	}
	return s;
}

/* The log without timestamps, read line by line as crash's fgets() with
 * its BUFSIZE (1500) buffer does: a longer line comes in pieces. */
typedef struct {
	const char *p, *end;
} Lines;

static gboolean next_line(Lines *l, char *buf, gsize size)
{
	gsize n = 0;

	if (l->p >= l->end)
		return FALSE;
	while (l->p < l->end && n < size - 1) {
		char c = *l->p++;

		buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = 0;
	return TRUE;
}

#define CRASH_BUFSIZE 1500

static gboolean any_of(const char *line, const char *const *needles)
{
	for (; *needles; needles++)
		if (strstr(line, *needles))
			return TRUE;
	return FALSE;
}

char *ol_sysinfo_panic_message_from_log(OlKmem *t, const OlPrintkLog *log)
{
	/* crash 8's get_panicmsg(): one pass per kind, the first kind found wins */
	static const char *const faults[] = {"general protection fault: ", "double fault: ", "divide error: ",
					     "stack segment: ", NULL};
	static const char *const sysrq[] = {"SysRq : Netdump", "SysRq : Crash", "SysRq : Trigger a crash", NULL};
	static const char *const oops[] = {"Oops: ",
					   "Kernel BUG at",
					   "kernel BUG at",
					   "Unable to handle kernel paging request",
					   "Unable to handle kernel NULL pointer dereference",
					   "BUG: unable to handle kernel ",
					   NULL};
	static const char *const panic[] = {"Kernel panic: ", "Kernel panic - ", NULL};
	static const char *const hw[] = {"[Hardware Error]: ", NULL};
	static const char *const mode[] = {"Bad mode in ", NULL};
	const char *const *kinds[] = {faults, sysrq, oops, NULL, panic, hw, mode};
	g_autoptr(GString) text = g_string_new(NULL);
	char buf[CRASH_BUFSIZE];
	guint64 sysrq_pressed;

	/* crash searches `log -t`: no timestamps, so no indented continuations */
	for (guint i = 0; i < log->records->len; i++)
		ol_printk_format_record(text, log->records->pdata[i], 0);

	for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
		Lines l = {text->str, text->str + text->len};

		while (next_line(&l, buf, sizeof(buf))) {
			gboolean found;

			if (kinds[k])
				found = any_of(buf, kinds[k]);
			else {
				/* old kernels: a line naming sysrq, if sysrq_pressed was set */
				guint32 pressed = 0;

				if (!strstr(buf, "sysrq"))
					continue;
				found = ol_kmem_try_symbol(t, "sysrq_pressed", &sysrq_pressed) &&
					ol_kmem_try_read_u32(t, sysrq_pressed, &pressed) && pressed;
				if (!found)
					break;
			}
			if (found) {
				gsize n = strlen(buf);

				while (n && buf[n - 1] == '\n')
					buf[--n] = 0;
				return g_strdup(buf);
			}
		}
	}
	return NULL;
}

char *ol_sysinfo_panic_message(OlKmem *t)
{
	g_autoptr(OlPrintkLog) log = NULL;
	g_autoptr(GError) err = ol_printk_read_log(t, &log);

	return err ? NULL : ol_sysinfo_panic_message_from_log(t, log);
}

/* crash's pages_to_size(), after get_memory_size() rounded a total within
 * 64 MiB of a GiB boundary up to it. */
static char *memory_size(guint64 bytes)
{
	const guint64 gib = G_GUINT64_CONSTANT(1) << 30, mib = 1 << 20;
	guint64 next_gig = (bytes + gib - 1) / gib * gib;
	char *s, *p;

	if (next_gig && next_gig - bytes <= 64 * mib)
		bytes = next_gig;
	if (bytes / 4096 == 0)
		return g_strdup("0");
	bytes = bytes / 4096 * 4096;
	if (bytes >= gib)
		s = g_strdup_printf("%.1f GB", (double)bytes / (double)gib);
	else if (bytes >= mib)
		s = g_strdup_printf("%.1f MB", (double)bytes / (double)mib);
	else
		s = g_strdup_printf("%" G_GUINT64_FORMAT " KB", bytes / 1024);
	if ((p = strstr(s, ".0 ")))
		memmove(p, p + 2, strlen(p + 2) + 1);
	return s;
}

/* crash's ctime_tz(): local time, "%a %b %e %T %Z %Y" */
static char *format_date(gint64 secs)
{
	time_t tt = (time_t)secs;
	struct tm tm;
	char buf[64];

	if (!localtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%a %b %e %T %Z %Y", &tm))
		return g_strdup_printf("%" G_GINT64_FORMAT, secs);
	return g_strdup(buf);
}

/* include/linux/sched/loadavg.h */
#define FSHIFT 11
#define FIXED_1 (1 << FSHIFT)
#define LOAD_INT(x) ((x) >> FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (FIXED_1 - 1)) * 100)

char *ol_sysinfo_format(const OlSysinfo *s)
{
	GString *o = g_string_new(NULL);
	g_autofree char *mem = memory_size(s->memory);
	const char *unknown = "(unknown)";

	g_string_append_printf(o, "      KERNEL: %s%s\n", s->kernel ? s->kernel : "(none)",
			       s->tainted ? "  [TAINTED]" : "");
	g_string_append_printf(o, "    DUMPFILE: %s  [%s]\n", s->dumpfile, s->format);
	g_string_append_printf(o, "        CPUS: %u", s->cpus);
	if (s->offline > 0)
		g_string_append_printf(o, " [OFFLINE: %d]", s->offline);
	g_string_append_c(o, '\n');
	if (s->has_date) {
		g_autofree char *date = format_date(s->date);

		g_string_append_printf(o, "        DATE: %s\n", date);
	} else
		g_string_append_printf(o, "        DATE: %s\n", unknown);
	if (s->has_uptime) {
		guint64 u = s->uptime, days = u / 86400;

		g_string_append(o, "      UPTIME: ");
		if (days)
			g_string_append_printf(o, "%" G_GUINT64_FORMAT " days, ", days);
		g_string_append_printf(o, "%02" G_GUINT64_FORMAT ":%02" G_GUINT64_FORMAT ":%02"
				       G_GUINT64_FORMAT "\n", u % 86400 / 3600, u % 3600 / 60, u % 60);
	} else
		g_string_append_printf(o, "      UPTIME: %s\n", unknown);
	if (s->has_load) {
		guint64 a[3];

		for (guint i = 0; i < 3; i++)
			a[i] = s->avenrun[i] + FIXED_1 / 200;
		g_string_append_printf(o,
				       "LOAD AVERAGE: %" G_GUINT64_FORMAT ".%02" G_GUINT64_FORMAT ", %"
				       G_GUINT64_FORMAT ".%02" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ".%02"
				       G_GUINT64_FORMAT "\n",
				       LOAD_INT(a[0]), LOAD_FRAC(a[0]), LOAD_INT(a[1]), LOAD_FRAC(a[1]),
				       LOAD_INT(a[2]), LOAD_FRAC(a[2]));
	} else
		g_string_append_printf(o, "LOAD AVERAGE: %s\n", unknown);
	if (s->tasks >= 0)
		g_string_append_printf(o, "       TASKS: %d\n", s->tasks);
	else
		g_string_append_printf(o, "       TASKS: %s\n", unknown);
	g_string_append_printf(o, "    NODENAME: %s\n", s->nodename ? s->nodename : unknown);
	g_string_append_printf(o, "     RELEASE: %s\n", s->release ? s->release : unknown);
	g_string_append_printf(o, "     VERSION: %s\n", s->version ? s->version : unknown);
	g_string_append_printf(o, "     MACHINE: %s  ", s->machine ? s->machine : unknown);
	if (s->mhz)
		g_string_append_printf(o, "(%" G_GUINT64_FORMAT " Mhz)\n", s->mhz);
	else
		g_string_append(o, "(unknown Mhz)\n");
	g_string_append_printf(o, "      MEMORY: %s\n", mem);
	g_string_append_printf(o, "       PANIC: \"%s\"%s\n", s->panic ? s->panic : "",
			       s->panic && strstr(s->panic, "Oops: ") ? " (check log for details)" : "");
	return g_string_free(o, FALSE);
}

char *ol_sysinfo_monitor_sys(OlKmem *t, const char *args, GError **error)
{
	g_autoptr(OlSysinfo) s = ol_sysinfo_read(t);
	char *text = ol_sysinfo_format(s);

	/* `monitor sys -v`: why fields are unknown */
	if (g_str_equal(args, "-v") && s->notes->len) {
		GString *o = g_string_new(text);

		g_free(text);
		g_string_append(o, "not found:\n");
		for (guint i = 0; i < s->notes->len; i++)
			g_string_append_printf(o, "  %s\n", (const char *)s->notes->pdata[i]);
		text = g_string_free(o, FALSE);
	}
	return text;
}
