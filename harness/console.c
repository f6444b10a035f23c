/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "console.h"

#include <stdio.h>
#include <string.h>

#include "modules.h"
#include "oops.h"

static void stage_free(gpointer p)
{
	ConsoleStage *s = p;

	g_free(s->name);
	g_free(s->detail);
	g_free(s);
}

static void section_free(gpointer p)
{
	ConsoleSection *s = p;

	g_free(s->module);
	g_free(s->section);
	g_free(s);
}

ConsoleWatcher *console_watcher_new(const char *path, gint64 start_us)
{
	ConsoleWatcher *w = g_new0(ConsoleWatcher, 1);

	w->path = g_strdup(path);
	w->partial = g_string_new(NULL);
	w->start_us = start_us;
	w->stages = g_ptr_array_new_with_free_func(stage_free);
	w->sections = g_ptr_array_new_with_free_func(section_free);
	return w;
}

void console_watcher_free(ConsoleWatcher *w)
{
	if (!w)
		return;
	g_free(w->path);
	g_string_free(w->partial, TRUE);
	g_ptr_array_unref(w->stages);
	g_ptr_array_unref(w->sections);
	g_free(w->panic_line);
	g_free(w->oops_line);
	g_free(w->rip_line);
	g_free(w);
}

/* Skip the "[    1.234567] " printk timestamp, if any. */
static const char *strip_timestamp(const char *line)
{
	const char *p = line;

	if (*p != '[')
		return line;
	p = strchr(p, ']');
	if (!p)
		return line;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

static void set_once(char **slot, const char *text)
{
	if (!*slot)
		*slot = g_strchomp(g_strdup(text));
}

/* "oopslab: stage=NAME uptime=SECONDS rest..." */
static void parse_stage(ConsoleWatcher *w, const char *args, double host_time)
{
	g_auto(GStrv) words = g_strsplit(args, " ", 3);
	ConsoleStage *s;

	if (!words[0] || !g_str_has_prefix(words[0], "stage="))
		return;
	s = g_new0(ConsoleStage, 1);
	s->name = g_strdup(words[0] + strlen("stage="));
	s->host_time = host_time;
	s->uptime = -1;
	if (words[1] && g_str_has_prefix(words[1], "uptime="))
		s->uptime = g_ascii_strtod(words[1] + strlen("uptime="), NULL);
	s->detail = g_strdup(words[1] && words[2] ? words[2] : "");
	g_ptr_array_add(w->stages, s);
}

/* "oopslab: section module=M name=S addr=0x..." */
static void parse_section(ConsoleWatcher *w, const char *args)
{
	char module[128], section[256];
	unsigned long long addr;
	ConsoleSection *s;

	if (sscanf(args, "section module=%127s name=%255s addr=%llx", module, section, &addr) != 3)
		return;
	s = g_new0(ConsoleSection, 1);
	s->module = g_strdup(module);
	s->section = g_strdup(section);
	s->addr = addr;
	g_ptr_array_add(w->sections, s);
}

void console_watcher_line(ConsoleWatcher *w, const char *raw, double host_time)
{
	const char *line = strip_timestamp(raw);

	if (g_str_has_prefix(line, "oopslab: stage="))
		parse_stage(w, line + strlen("oopslab: "), host_time);
	else if (g_str_has_prefix(line, "oopslab: section "))
		parse_section(w, line + strlen("oopslab: "));
	else if (g_str_has_prefix(line, "Kernel panic - not syncing")) {
		if (!w->panic_line)
			w->panic_time = host_time;
		set_once(&w->panic_line, line);
	} else if (g_str_has_prefix(line, "---[ end Kernel panic") && !w->panic_end_time)
		w->panic_end_time = host_time;
	else if (oops_is_report_line(line))
		set_once(&w->oops_line, line);
	else if (g_str_has_prefix(line, "RIP: 0010:"))
		set_once(&w->rip_line, line + strlen("RIP: 0010:"));
}

void console_watcher_poll(ConsoleWatcher *w)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GMappedFile) mf = NULL;
	const char *data, *end, *p;
	double now = (g_get_monotonic_time() - w->start_us) / 1e6;

	mf = g_mapped_file_new(w->path, FALSE, &err);
	if (!mf || (goffset)g_mapped_file_get_length(mf) <= w->offset)
		return;
	data = g_mapped_file_get_contents(mf);
	end = data + g_mapped_file_get_length(mf);
	p = data + w->offset;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);

		if (!nl) {
			g_string_append_len(w->partial, p, end - p);
			p = end;
			break;
		}
		g_string_append_len(w->partial, p, nl - p);
		/* Serial consoles end lines with \r\n */
		if (w->partial->len && w->partial->str[w->partial->len - 1] == '\r')
			g_string_truncate(w->partial, w->partial->len - 1);
		console_watcher_line(w, w->partial->str, now);
		g_string_truncate(w->partial, 0);
		p = nl + 1;
	}
	w->offset = p - data;
}

const ConsoleStage *console_watcher_stage(const ConsoleWatcher *w, const char *name)
{
	for (guint i = 0; i < w->stages->len; i++) {
		const ConsoleStage *s = g_ptr_array_index(w->stages, i);

		if (g_strcmp0(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* The line is the kernel model's (modules.h). The guest prints the
 * sections once the module is loaded: its init memory is freed by then. */
char *console_add_symbol_file(const ConsoleWatcher *w, const char *module, const char *ko_path)
{
	g_autoptr(GArray) sections = g_array_new(FALSE, TRUE, sizeof(OlModuleSection));
	g_autofree char *line = NULL;
	guint used = 0;

	for (guint i = 0; i < w->sections->len; i++) {
		const ConsoleSection *s = g_ptr_array_index(w->sections, i);
		OlModuleSection ms = {.name = s->section, .addr = s->addr,
				      .live = !g_str_has_prefix(s->section, ".init")};

		if (g_strcmp0(s->module, module) == 0)
			g_array_append_val(sections, ms);
	}
	line = ol_add_symbol_file_line(ko_path, (const OlModuleSection *)sections->data, sections->len,
				       &used);
	return used ? g_steal_pointer(&line) : NULL;
}
