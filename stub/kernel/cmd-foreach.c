/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-foreach.h"

#include <string.h>

#include "cmd-files.h"
#include "cmd-util.h"
#include "cmd-vm.h"

/* crash's two-letter states, and the ps letters they stand for. */
static const struct {
	const char *name;
	char st;
} states[] = {
	{"RU", 'R'}, {"IN", 'S'}, {"UN", 'D'}, {"ST", 'T'}, {"TR", 't'},
	{"DE", 'X'}, {"ZO", 'Z'}, {"PA", 'P'}, {"ID", 'I'},
};

static gboolean is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* A task matches when no selector is given, or any selector names it. */
static gboolean selected(const OlTask *task, char **sel, guint n)
{
	if (!n)
		return TRUE;
	for (guint i = 0; i < n; i++) {
		const char *s = sel[i];

		if (is_number(s) && g_ascii_strtoll(s, NULL, 10) == task->pid)
			return TRUE;
		if (g_str_has_prefix(s, "0x") && g_ascii_strtoull(s, NULL, 16) == task->addr)
			return TRUE;
		if ((g_str_equal(s, "kernel") && task->kthread) ||
		    (g_str_equal(s, "user") && !task->kthread) ||
		    (g_str_equal(s, "active") && task->running >= 0))
			return TRUE;
		for (guint k = 0; k < G_N_ELEMENTS(states); k++)
			if (g_str_equal(s, states[k].name) && task->st == states[k].st)
				return TRUE;
		if (g_str_equal(s, task->comm))
			return TRUE;
	}
	return FALSE;
}

char *ol_cmd_foreach(OlKmem *t, const char *args, GError **error)
{
	g_auto(GStrv) words = g_strsplit_set(args, " \t", -1);
	g_autoptr(GPtrArray) sel = g_ptr_array_new();
	g_autoptr(GArray) tasks = NULL;
	g_autoptr(OlSymtab) syms = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	const char *cmd = NULL;

	for (char **w = words; *w; w++) {
		if (!**w)
			continue;
		if (g_str_equal(*w, "bt") || g_str_equal(*w, "files") || g_str_equal(*w, "vm") ||
		    g_str_equal(*w, "task"))
			cmd = *w;
		else if (!cmd)
			g_ptr_array_add(sel, *w);
	}
	if (!cmd) {
		*error = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				     "usage: foreach [PID|0xTASK|COMM|RU|IN|UN|ST|TR|ZO|DE|PA|ID|kernel|user|active ...] "
				     "bt|files|vm|task");
		return NULL;
	}
	if ((*error = ol_tasks_read(t, &tasks, NULL)))
		return NULL;
	syms = ol_symtab_new(t);
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *task = &g_array_index(tasks, OlTask, i);
		g_autoptr(GError) err = NULL;

		if (!selected(task, (char **)sel->pdata, sel->len))
			continue;
		if (out->len)
			g_string_append_c(out, '\n');
		if (g_str_equal(cmd, "bt"))
			ol_cmd_task_bt(t, syms, task, out);
		else if (g_str_equal(cmd, "files"))
			err = ol_cmd_files_task(t, task, out);
		else if (g_str_equal(cmd, "vm"))
			err = ol_cmd_vm_task(t, task, out);
		else
			ol_cmd_task_header(out, task);
		if (err) /* one task's damage does not hide the others */
			g_string_append_printf(out, "(%s)\n", err->message);
	}
	if (!out->len)
		g_string_append(out, "no task matches\n");
	return g_string_free(g_steal_pointer(&out), FALSE);
}
