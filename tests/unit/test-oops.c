/*
 * The oops parser on real console logs from every lab (tests/golden/console/
 * LAB.log), against the expected reports next to them (LAB.json, the
 * parser's JSON without symbolization). OOPSLAB_UPDATE_GOLDEN=1 rewrites
 * the expected files; review the diff before committing it.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "json-writer.h"
#include "oops.h"
#include "report.h"

static void check_log(gconstpointer data)
{
	const char *log = data;
	g_autofree char *text = NULL, *expected = NULL;
	g_autofree char *stem = g_strndup(log, strlen(log) - strlen(".log"));
	g_autofree char *json_path = g_strconcat(stem, ".json", NULL);
	g_autoptr(Oops) o = NULL;
	JsonWriter w = {.out = g_string_new(NULL)};

	g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
	o = oops_parse(text);
	g_assert_nonnull(o);
	report_json(&w, o, NULL);
	if (g_getenv("OOPSLAB_UPDATE_GOLDEN")) {
		/* Updating is not testing: rewrite, then fail so no one mistakes it for a pass. */
		g_assert_true(g_file_set_contents(json_path, w.out->str, w.out->len, NULL));
		g_test_fail_printf("OOPSLAB_UPDATE_GOLDEN: rewrote %s; review it, then run without the variable", json_path);
	}
	g_assert_true(g_file_get_contents(json_path, &expected, NULL, NULL));
	g_assert_cmpstr(w.out->str, ==, expected);
	g_string_free(w.out, TRUE);
}

static void test_no_report(void)
{
	g_autoptr(Oops) o = oops_parse("[    0.000000] Linux version 6.1\r\noopslab: stage=done\r\n");

	g_assert_null(o);
}

static void test_synthetic(void)
{
	/* A WARN with panic_on_warn, an interrupted RIP inside the trace, and
	 * plumbing frames the title must skip. */
	const char *text =
		"[    1.0] WARNING: CPU: 1 PID: 60 at lab.c:12 warn_lab+0x5/0x10 [warn]\r\n"
		"[    1.0] Modules linked in: warn(O)\r\n"
		"[    1.0] CPU: 1 PID: 60 Comm: sh Tainted: G     W     O       6.1.0 #1\r\n"
		"[    1.0] RIP: 0010:warn_lab+0x5/0x10 [warn]\r\n"
		"[    1.0] Call Trace:\r\n"
		"[    1.0]  <TASK>\r\n"
		"[    1.0]  ? __warn+0x7d/0xc0\r\n"
		"[    1.0]  trigger+0x1c/0x30 [warn]\r\n"
		"[    1.0]  </TASK>\r\n"
		"[    1.0] Kernel panic - not syncing: panic_on_warn set ...\r\n";
	g_autoptr(Oops) o = oops_parse(text);
	OopsFrame *f;

	g_assert_nonnull(o);
	g_assert_cmpstr(o->type, ==, "warning");
	g_assert_cmpstr(o->title, ==, "WARNING in warn_lab");
	g_assert_cmpint(o->cpu, ==, 1);
	g_assert_cmpint(o->pid, ==, 60);
	g_assert_cmpstr(o->comm, ==, "sh");
	g_assert_cmpstr(o->taint, ==, "G W O");
	g_assert_cmpstr(o->panic_message, ==, "panic_on_warn set ...");
	g_assert_cmpstr(o->rip->module, ==, "warn");
	g_assert_cmpuint(o->trace->len, ==, 2);
	f = g_ptr_array_index(o->trace, 0);
	g_assert_false(f->reliable);
	g_assert_cmpstr(f->context, ==, "TASK");
	f = g_ptr_array_index(o->trace, 1);
	g_assert_cmphex(f->offset, ==, 0x1c);
	g_assert_cmpstr(f->module, ==, "warn");
}

int main(int argc, char **argv)
{
	g_autofree char *dir = NULL;
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	g_test_init(&argc, &argv, NULL);
	dir = g_test_build_filename(G_TEST_DIST, "..", "golden", "console", NULL);
	g_test_add_func("/oops/no-report", test_no_report);
	g_test_add_func("/oops/synthetic", test_synthetic);
	d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".log"))
			g_ptr_array_add(logs, g_build_filename(dir, name, NULL));
	g_ptr_array_sort(logs, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < logs->len; i++) {
		g_autofree char *base = g_path_get_basename(g_ptr_array_index(logs, i));
		g_autofree char *path = g_strdup_printf("/oops/golden/%s", base);

		g_test_add_data_func(path, g_ptr_array_index(logs, i), check_log);
	}
	return g_test_run();
}
