#include "monitor.h"

#include <string.h>

#include "cmd-files.h"
#include "cmd-foreach.h"
#include "cmd-sched.h"
#include "cmd-sig.h"
#include "cmd-task.h"
#include "cmd-kmem.h"
#include "cmd-vm.h"
#include "modules.h"
#include "oopslab-config.h"
#include "printk.h"
#include "sysinfo.h"
#include "tasks.h"

typedef char *(*MonitorFn)(OlTarget *t, const char *args, GError **error);

static char *mon_help(OlTarget *t, const char *args, GError **error);

static char *mon_version(OlTarget *t, const char *args, GError **error)
{
	/* Non-empty output here is what the kernel's scripts/gdb take for a
	 * QEMU-like server: one thread per CPU first, CPU n = thread n + 1. */
	return g_strdup_printf("oopslab-stub %s (crash-dump server; QEMU-style CPU threads)\n", OOPSLAB_VERSION);
}

static char *mon_kaslr(OlTarget *t, const char *args, GError **error)
{
	OlXlat *x = ol_target_xlat(t);
	OlVmlinux *v = ol_target_vmlinux(t);
	guint64 off;
	const char *path = v ? ol_vmlinux_path(v) : "vmlinux";

	if (!ol_xlat_kaslr_offset(x, &off))
		return g_strdup("KASLR offset unknown: no KERNELOFFSET in VMCOREINFO and no kernel text mapping found.\n");
	if (off == 0)
		return g_strdup_printf("KASLR offset: 0 (%s): vmlinux loads as it is.\n", ol_xlat_kaslr_source(x));
	/*
	 * symbol-file -o would also move .data..percpu, whose symbols are
	 * per-CPU offsets, not addresses: add-symbol-file keeps it at 0.
	 * `sharedlibrary` then reads the entry-code unwind info that gdb
	 * skipped while it had no kernel symbols.
	 */
	return g_strdup_printf(
		"KASLR offset: 0x%" G_GINT64_MODIFIER "x (%s)\n"
		"(gdb started with no file needs nothing: the stub gave it vmlinux at this offset)\n"
		"Load vmlinux at it (.data..percpu stays at 0: per-CPU symbols are offsets), in this gdb:\n"
		"  symbol-file\n"
		"  add-symbol-file %s -o 0x%" G_GINT64_MODIFIER "x -s .data..percpu 0\n"
		"  sharedlibrary\n"
		"or start gdb without vmlinux: gdb -ex 'target remote | oopslab-stub --stdio DUMP' "
		"-ex 'add-symbol-file %s -o 0x%" G_GINT64_MODIFIER "x -s .data..percpu 0' -ex sharedlibrary\n",
		off, ol_xlat_kaslr_source(x), path, off, path, off);
}

static char *mon_vmcoreinfo(OlTarget *t, const char *args, GError **error)
{
	gsize len;
	const char *vi = ol_dump_vmcoreinfo(ol_target_dump(t), &len);

	if (!vi)
		return g_strdup("This dump has no VMCOREINFO note.\n");
	return g_strndup(vi, len);
}

static char *mon_info(OlTarget *t, const char *args, GError **error)
{
	OlDump *d = ol_target_dump(t);
	OlXlat *x = ol_target_xlat(t);

	return g_strdup_printf("dump: %s (%s)\nCPUs: %u; stop thread %" G_GINT64_MODIFIER "u: %s\n"
			       "page tables: %d levels, root 0x%" G_GINT64_MODIFIER "x from %s\nvmlinux: %s\n",
			       ol_dump_path(d), ol_dump_format_name(d), ol_dump_n_cpus(d),
			       ol_target_stop_thread(t)->tid, ol_target_stop_reason(t), ol_xlat_levels(x),
			       ol_xlat_root(x), ol_xlat_root_source(x),
			       ol_target_vmlinux(t) ? ol_vmlinux_path(ol_target_vmlinux(t)) : "(none)");
}

/*
 * The commands: name, handler, usage and what it does (one line each:
 * `monitor help` lists them).
 * A command matches when the line is its name, or its name followed by a
 * space and arguments; longer names are tried first where one is a prefix
 * of another ("info version" before "info").
 */
static const struct {
	const char *name;
	MonitorFn fn;
	const char *usage; /* the name and its arguments */
	const char *help;
} commands[] = {
	{"help", mon_help, "help", "this list"},
	{"info version", mon_version, "info version", "the server's version (the kernel's gdb scripts ask)"},
	{"info", mon_info, "info", "the dump, format, stop thread and why, page tables, vmlinux"},
	{"ps", ol_tasks_ps, "ps", "the tasks (crash ps); threads: CPU n = n+1, 1000000+pid, idle 900000+CPU"},
	{"task", ol_cmd_task, "task [PID]", "a task, and the gdb command that prints its task_struct"},
	{"bt", ol_cmd_bt, "bt [PID|-a]", "a task's stack (default: the panicking one); -a: each CPU's stop and top frame"},
	{"foreach", ol_cmd_foreach, "foreach [SEL] bt|files|vm|task", "over tasks: pid, comm, RU IN UN ..., kernel, user, active"},
	{"files", ol_cmd_files, "files [PID]", "root, cwd, open files and paths (crash files)"},
	{"vm", ol_cmd_vm, "vm [PID]", "mm, pgd, RSS and VMAs (crash vm)"},
	{"sig", ol_cmd_sig, "sig [PID]", "handlers, blocked and pending signals (crash sig)"},
	{"kmem", ol_cmd_kmem, "kmem -i", "the memory summary (crash kmem -i)"},
	{"mount", ol_cmd_mount, "mount", "the mounts (crash mount)"},
	{"net", ol_cmd_net, "net", "network devices and IPv4 addresses (crash net)"},
	{"runq", ol_cmd_runq, "runq", "run queues: current, RT and CFS tasks (crash runq)"},
	{"irq", ol_cmd_irq, "irq", "interrupt descriptors and actions (crash irq)"},
	{"timer", ol_cmd_timer, "timer [-r]", "timer wheels, or -r hrtimers, soonest first (crash timer)"},
	{"lsmod", ol_modules_monitor_lsmod, "lsmod", "modules (crash mod) and their add-symbol-file lines"},
	{"kaslr", mon_kaslr, "kaslr", "the KASLR offset, and how to load vmlinux at it"},
	{"vmcoreinfo", mon_vmcoreinfo, "vmcoreinfo", "the dump's VMCOREINFO note"},
	{"dmesg", ol_printk_monitor_dmesg, "dmesg [-t] [-m]", "the kernel log (crash log); no vmlinux needed"},
	{"log", ol_cmd_log, "log [-T] [-t] [-m]", "the same; -T: wall-clock times"},
	{"sys", ol_sysinfo_monitor_sys, "sys [-v]", "release, CPUs, date, uptime, memory, panic (crash sys)"},
};

static char *mon_help(OlTarget *t, const char *args, GError **error)
{
	GString *h = g_string_new("oopslab-stub monitor commands:\n");

	for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
		g_string_append_printf(h, "  monitor %-26s %s\n", commands[i].usage, commands[i].help);
	return g_string_free(h, FALSE);
}

char *ol_monitor_run(OlTarget *t, const char *line)
{
	/* a bare `monitor` sends qRcmd with nothing: NULL or "" here */
	g_autofree char *cmd = g_strstrip(g_strdup(line && *line ? line : "help"));

	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		gsize n = strlen(commands[i].name);
		g_autoptr(GError) err = NULL;
		char *out;

		if (strncmp(cmd, commands[i].name, n) != 0 || (cmd[n] && cmd[n] != ' '))
			continue;
		out = commands[i].fn(t, g_strchug(cmd + n), &err);
		if (err)
			return g_strdup_printf("monitor %s: %s\n", commands[i].name, err->message);
		return out;
	}
	return g_strdup_printf("unknown monitor command '%s'; try `monitor help`\n", cmd);
}
