#include "monitor.h"

#include <string.h>

#include "cmd-files.h"
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
 * The commands. A command matches when the line is its name, or its name
 * followed by a space and arguments; longer names are tried first where
 * one is a prefix of another ("info version" before "info").
 */
static const struct {
	const char *name;
	MonitorFn fn;
	const char *help;
} commands[] = {
	{"help", mon_help, "this list"},
	{"info version", mon_version, "the server's version (the kernel's gdb scripts probe it)"},
	{"info", mon_info, "the dump, its format, the stop thread and why, page tables, vmlinux"},
	{"ps", ol_tasks_ps, "the tasks, like crash's ps; gdb thread ids: CPU n = n+1, task = 1000000+pid, idle task = 900000+CPU"},
	{"lsmod", ol_modules_monitor_lsmod, "loaded modules, like crash's mod, and the add-symbol-file commands for them"},
	{"kaslr", mon_kaslr, "the KASLR offset and the gdb commands that load vmlinux with it"},
	{"vmcoreinfo", mon_vmcoreinfo, "the dump's VMCOREINFO note"},
	{"dmesg", ol_printk_monitor_dmesg, "the kernel log as crash's log prints it (-t, -m as crash); no vmlinux needed"},
	{"files", ol_cmd_files, "files [PID]: root, cwd and open files of a task (default: the panicking one), like crash's files"},
	{"vm", ol_cmd_vm, "vm [PID]: a task's mm, page tables, RSS and VMAs, like crash's vm"},
	{"kmem", ol_cmd_kmem, "kmem -i: the memory summary, like crash's kmem -i"},
	{"mount", ol_cmd_mount, "the mounts of the initial namespace, like crash's mount"},
	{"sys", ol_sysinfo_monitor_sys, "release, CPUs, date, uptime, memory, panic message, like crash's sys (-v: why unknown)"},
};

static char *mon_help(OlTarget *t, const char *args, GError **error)
{
	GString *h = g_string_new("oopslab-stub monitor commands:\n");

	for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
		g_string_append_printf(h, "  monitor %-13s %s\n", commands[i].name, commands[i].help);
	return g_string_free(h, FALSE);
}

char *ol_monitor_run(OlTarget *t, const char *line)
{
	g_autofree char *cmd = g_strstrip(g_strdup(line));

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
