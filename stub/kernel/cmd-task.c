/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-task.h"

#include <string.h>

#include "cmd-util.h"
#include "printk.h"
#include "sysinfo.h"

char *ol_cmd_task(OlKmem *t, const char *args, GError **error)
{
	OlTask task;
	g_autoptr(GString) out = g_string_new(NULL);

	if ((*error = ol_cmd_find_task(t, args, &task)))
		return NULL;
	ol_cmd_task_header(out, &task);
	/* gdb's own printer shows every member, with types: the monitor
	 * cannot run gdb commands, so it names the one to type. */
	g_string_append_printf(out, "In gdb: print *(struct task_struct *)0x%" G_GINT64_MODIFIER "x\n", task.addr);
	g_string_append_printf(out, "or: thread %" G_GINT64_MODIFIER "u (its gdb thread), then bt\n", task.tid);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Why CPU's thread stopped: the panicking CPU, a halted one (after a
 * `hlt`, as panic() leaves the others), or running. */
static char *stop_reason(OlKmem *t, guint cpu)
{
	guint8 prev = 0;
	gsize done = 0;
	g_autoptr(GError) err = NULL;

	if (cpu == ol_kmem_panic_cpu(t))
		return g_strdup_printf("panicked: %s", ol_kmem_panic_reason(t));
	err = ol_kmem_read(t, ol_kmem_cpu_regs(t, cpu)->value[OL_GDB_RIP] - 1, &prev, 1, &done);
	if (!err && prev == 0xf4)
		return g_strdup("halted (stopped by the panicking CPU, or idle)");
	return g_strdup("running when the dump was taken");
}

char *ol_cmd_bt(OlKmem *t, const char *args, GError **error)
{
	g_autoptr(OlSymtab) syms = NULL;
	g_autoptr(GArray) tasks = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) no_tasks = NULL;
	guint ncpu = ol_kmem_n_cpus(t);

	if (!g_str_equal(args, "-a")) {
		OlTask task;

		if ((*error = ol_cmd_find_task(t, args, &task)))
			return NULL;
		syms = ol_symtab_new(t);
		ol_cmd_task_bt(t, syms, &task, out);
		g_string_append_printf(out, "gdb: thread %" G_GINT64_MODIFIER "u, then bt\n", task.tid);
		return g_string_free(g_steal_pointer(&out), FALSE);
	}
	syms = ol_symtab_new(t);
	if (ol_kmem_dwarf(t))
		no_tasks = ol_tasks_read(t, &tasks, NULL);
	for (guint cpu = 0; cpu < ncpu; cpu++) {
		const OlRegs *regs = ol_kmem_cpu_regs(t, cpu);
		const OlTask *task = NULL;
		g_autofree char *why = stop_reason(t, cpu);
		g_autofree char *fn = ol_symtab_lookup(syms, regs->value[OL_GDB_RIP], TRUE);

		for (guint i = 0; tasks && i < tasks->len && !task; i++)
			if (g_array_index(tasks, OlTask, i).running == (int)cpu)
				task = &g_array_index(tasks, OlTask, i);
		if (task)
			ol_cmd_task_header(out, task);
		else
			g_string_append_printf(out, "CPU: %u (no task known: %s)\n", cpu,
					       no_tasks ? no_tasks->message : "needs vmlinux");
		g_string_append_printf(out, "    %s\n #0 [%016" G_GINT64_MODIFIER "x] %s at %016" G_GINT64_MODIFIER "x\n"
				       "    gdb: thread %u, then bt\n\n", why, regs->value[OL_GDB_RSP], fn ? fn : "?",
				       regs->value[OL_GDB_RIP], cpu + 1);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* "[    1.234567] " -> "[Wed Dec  2 03:07:01 UTC 2026] " from the boot time. */
static char *wall_clock(const char *log, gint64 boot)
{
	GString *out = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(log, "\n", -1);

	for (char **l = lines; *l; l++) {
		const char *end = **l == '[' ? strchr(*l, ']') : NULL;
		double secs;
		char *num_end = NULL;

		if (!l[1] && !**l)
			break;
		if (end && (secs = g_ascii_strtod(*l + 1, &num_end), num_end == end)) {
			g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(boot + (gint64)secs);
			g_autofree char *day = dt ? g_date_time_format(dt, "%a %b") : NULL;
			g_autofree char *hms = dt ? g_date_time_format(dt, "%H:%M:%S UTC %Y") : NULL;
			gint mday = dt ? g_date_time_get_day_of_month(dt) : 0;
			/* ctime's layout; glib's %e pads with a figure space */
			g_autofree char *s = dt ? g_strdup_printf("%s %2d %s", day, mday, hms)
						: g_strdup("?");

			g_string_append_printf(out, "[%s]%s\n", s, end + 1);
		} else {
			g_string_append_printf(out, "%s\n", *l);
		}
	}
	return g_string_free(out, FALSE);
}

char *ol_cmd_log(OlKmem *t, const char *args, GError **error)
{
	g_autoptr(GString) rest = g_string_new(NULL);
	g_auto(GStrv) words = g_strsplit_set(args, " \t", -1);
	g_autoptr(OlSysinfo) si = NULL;
	g_autofree char *text = NULL;
	gboolean wall = FALSE;

	/* -T is ours; -t and -m go to dmesg as crash's log takes them */
	for (char **w = words; *w; w++) {
		if (g_str_equal(*w, "-T"))
			wall = TRUE;
		else if (**w)
			g_string_append_printf(rest, "%s ", *w);
	}
	if (!(text = ol_printk_monitor_dmesg(t, rest->str, error)) || !wall)
		return g_steal_pointer(&text);
	si = ol_sysinfo_read(t);
	if (!si->has_date || !si->has_uptime) {
		*error = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				     "-T: the boot time is unknown (needs the dump's date and uptime: vmlinux)");
		return NULL;
	}
	return wall_clock(text, si->date - (gint64)si->uptime);
}
