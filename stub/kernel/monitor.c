/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "monitor.h"

#include <string.h>

#include "cmd-files.h"
#include "cmd-foreach.h"
#include "cmd-sched.h"
#include "cmd-sig.h"
#include "cmd-task.h"
#include "cmd-kmem.h"
#include "cmd-vm.h"
#include "kernel-library.h"
#include "modules.h"
#include "oopslab-config.h"
#include "printk.h"
#include "sysinfo.h"
#include "tasks.h"

/* Most commands read the kernel through the memory layer; a few need what
 * only the target has (its modules). */
typedef char *(*MonitorFn)(OlKmem *k, const char *args, GError **error);
typedef char *(*MonitorTargetFn)(OlTarget *t, const char *args, GError **error);

static char *mon_help(OlKmem *k, const char *args, GError **error);

static char *mon_version(OlKmem *k, const char *args, GError **error)
{
	/* Non-empty output here is what the kernel's scripts/gdb take for a
	 * QEMU-like server: one thread per CPU first, CPU n = thread n + 1. */
	return g_strdup_printf("oopslab-stub %s (crash-dump server; QEMU-style CPU threads)\n", OOPSLAB_VERSION);
}

static char *mon_kaslr(OlKmem *k, const char *args, GError **error)
{
	OlXlat *x = ol_kmem_xlat(k);
	OlVmlinux *v = ol_kmem_vmlinux(k);
	guint64 off;
	const char *path = v ? ol_vmlinux_path(v) : "vmlinux";
	g_autofree char *load = NULL;

	if (!ol_xlat_kaslr_offset(x, &off))
		return g_strdup("KASLR offset unknown: no KERNELOFFSET in VMCOREINFO and no kernel text mapping found.\n");
	if (off == 0)
		return g_strdup_printf("KASLR offset: 0 (%s): vmlinux loads as it is.\n", ol_xlat_kaslr_source(x));
	/*
	 * add-symbol-file keeps .data..percpu, whose symbols are per-CPU
	 * offsets, at 0 (kernel-library.h). `sharedlibrary` then reads the
	 * entry-code unwind info that gdb skipped while it had no kernel
	 * symbols.
	 */
	load = ol_kernel_library_add_symbol_file(path, off);
	return g_strdup_printf(
		"KASLR offset: 0x%" G_GINT64_MODIFIER "x (%s)\n"
		"(gdb started with no file needs nothing: the stub gave it vmlinux at this offset)\n"
		"Load vmlinux at it (.data..percpu stays at 0: per-CPU symbols are offsets), in this gdb:\n"
		"  symbol-file\n"
		"  %s\n"
		"  sharedlibrary\n"
		"or start gdb without vmlinux: gdb -ex 'target remote | oopslab-stub --stdio DUMP' "
		"-ex '%s' -ex sharedlibrary\n",
		off, ol_xlat_kaslr_source(x), load, load);
}

static char *mon_vmcoreinfo(OlKmem *k, const char *args, GError **error)
{
	gsize len;
	const char *vi = ol_dump_vmcoreinfo(ol_kmem_dump(k), &len);

	if (!vi)
		return g_strdup("This dump has no VMCOREINFO note.\n");
	return g_strndup(vi, len);
}

static char *mon_info(OlKmem *k, const char *args, GError **error)
{
	OlDump *d = ol_kmem_dump(k);
	OlXlat *x = ol_kmem_xlat(k);

	return g_strdup_printf("dump: %s (%s)\nCPUs: %u; stop thread %" G_GINT64_MODIFIER "u: %s\n"
			       "page tables: %d levels, root 0x%" G_GINT64_MODIFIER "x from %s\nvmlinux: %s\n",
			       ol_dump_path(d), ol_dump_format_name(d), ol_dump_n_cpus(d),
			       (guint64)ol_kmem_panic_cpu(k) + 1, ol_kmem_panic_reason(k), ol_xlat_levels(x),
			       ol_xlat_root(x), ol_xlat_root_source(x),
			       ol_kmem_vmlinux(k) ? ol_vmlinux_path(ol_kmem_vmlinux(k)) : "(none)");
}

static char *mon_lsmod(OlTarget *t, const char *args, GError **error)
{
	OlModules *m = NULL;

	if ((*error = ol_target_modules(t, &m)))
		return NULL;
	return ol_modules_monitor_lsmod(m);
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
	MonitorTargetFn target_fn; /* instead of fn */
	const char *usage; /* the name and its arguments */
	const char *help;
} commands[] = {
	{"help", mon_help, NULL, "help", "this list"},
	{"info version", mon_version, NULL, "info version", "the server's version (the kernel's gdb scripts ask)"},
	{"info", mon_info, NULL, "info", "the dump, format, stop thread and why, page tables, vmlinux"},
	{"ps", ol_tasks_monitor_ps, NULL, "ps", "the tasks (crash ps); threads: CPU n = n+1, 1000000+pid, idle 900000+CPU"},
	{"task", ol_cmd_task, NULL, "task [PID]", "a task, and the gdb command that prints its task_struct"},
	{"bt", ol_cmd_bt, NULL, "bt [PID|-a]", "a task's stack (default: the panicking one); -a: each CPU's stop and top frame"},
	{"foreach", ol_cmd_foreach, NULL, "foreach [SEL] bt|files|vm|task", "over tasks: pid, comm, RU IN UN ..., kernel, user, active"},
	{"files", ol_cmd_files, NULL, "files [PID]", "root, cwd, open files and paths (crash files)"},
	{"vm", ol_cmd_vm, NULL, "vm [PID]", "mm, pgd, RSS and VMAs (crash vm)"},
	{"sig", ol_cmd_sig, NULL, "sig [PID]", "handlers, blocked and pending signals (crash sig)"},
	{"kmem", ol_cmd_kmem, NULL, "kmem -i", "the memory summary (crash kmem -i)"},
	{"mount", ol_cmd_mount, NULL, "mount", "the mounts (crash mount)"},
	{"net", ol_cmd_net, NULL, "net", "network devices and IPv4 addresses (crash net)"},
	{"runq", ol_cmd_runq, NULL, "runq", "run queues: current, RT and CFS tasks (crash runq)"},
	{"irq", ol_cmd_irq, NULL, "irq", "interrupt descriptors and actions (crash irq)"},
	{"timer", ol_cmd_timer, NULL, "timer [-r]", "timer wheels, or -r hrtimers, soonest first (crash timer)"},
	{"lsmod", NULL, mon_lsmod, "lsmod", "modules (crash mod) and their add-symbol-file lines"},
	{"kaslr", mon_kaslr, NULL, "kaslr", "the KASLR offset, and how to load vmlinux at it"},
	{"vmcoreinfo", mon_vmcoreinfo, NULL, "vmcoreinfo", "the dump's VMCOREINFO note"},
	{"dmesg", ol_printk_monitor_dmesg, NULL, "dmesg [-t] [-m]", "the kernel log (crash log); no vmlinux needed"},
	{"log", ol_cmd_log, NULL, "log [-T] [-t] [-m]", "the same; -T: wall-clock times"},
	{"sys", ol_sysinfo_monitor_sys, NULL, "sys [-v]", "release, CPUs, date, uptime, memory, panic (crash sys)"},
};

static char *mon_help(OlKmem *k, const char *args, GError **error)
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
		if (commands[i].fn)
			out = commands[i].fn(ol_target_kmem(t), g_strchug(cmd + n), &err);
		else
			out = commands[i].target_fn(t, g_strchug(cmd + n), &err);
		if (err)
			return g_strdup_printf("monitor %s: %s\n", commands[i].name, err->message);
		return out;
	}
	return g_strdup_printf("unknown monitor command '%s'; try `monitor help`\n", cmd);
}
