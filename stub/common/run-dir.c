/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run.json of a run directory, read with the shared JSON reader (run-dir.h). */
#include "run-dir.h"

#include "json-reader.h"

static char *member(const JsonValue *run, const char *key)
{
	const char *s = run ? json_get_string(run, key) : NULL;

	return s && *s ? g_strdup(s) : NULL;
}

void ol_run_dir_read(const char *dump_path, OlRunDir *out)
{
	g_autofree char *json = NULL;
	g_autoptr(JsonValue) run = NULL;
	g_autoptr(GError) err = NULL;

	if (g_file_test(dump_path, G_FILE_TEST_IS_DIR))
		out->dir = g_strdup(dump_path);
	else
		out->dir = g_path_get_dirname(dump_path);
	json = g_build_filename(out->dir, "run.json", NULL);
	/* A damaged or missing run.json only means: nothing named. */
	if (g_file_test(json, G_FILE_TEST_IS_REGULAR))
		err = json_parse_file(json, &run);
	out->vmlinux = member(run, "vmlinux");
	out->module = member(run, "module");
	out->kernel_dir = member(run, "kernel_dir");
}

void ol_run_dir_clear(OlRunDir *r)
{
	g_clear_pointer(&r->dir, g_free);
	g_clear_pointer(&r->vmlinux, g_free);
	g_clear_pointer(&r->module, g_free);
	g_clear_pointer(&r->kernel_dir, g_free);
}

char **ol_run_dir_module_dirs(const OlRunDir *r)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	if (r->module) {
		g_autofree char *mdir = g_path_get_dirname(r->module);

		g_strv_builder_add(b, mdir);
	}
	if (r->kernel_dir)
		g_strv_builder_add(b, r->kernel_dir);
	return g_strv_builder_end(b);
}
