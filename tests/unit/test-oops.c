/* SPDX-License-Identifier: GPL-2.0-or-later */
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

/*
 * What the sanitizer goldens (real runs of the flavour labs) must parse to,
 * beyond the JSON they are compared with: the syzkaller-style title, the
 * detector's fields, and which object stacks the report carries.
 */
static const struct {
	const char *log;
	const char *type;
	const char *title;
	const char *detector;
	const char *access; /* NULL: none */
	gboolean fatal;
	gboolean alloc, freed; /* an allocation / free stack */
} sanitizer_goldens[] = {
	{"slab-out-of-bounds.log", "kasan-slab-out-of-bounds", "KASAN: slab-out-of-bounds Write in lab_label_dup", "KASAN",
	 "Write", TRUE, TRUE, FALSE},
	{"kasan-use-after-free.log", "kasan-use-after-free", "KASAN: use-after-free Write in lab_request_complete",
	 "KASAN", "Write", TRUE, TRUE, TRUE},
	{"use-after-free-kasan.log", "kasan-use-after-free", "KASAN: use-after-free Read in use_after_free_crash",
	 "KASAN", "Read", TRUE, TRUE, TRUE},
	{"zoo-double-free.log", "kasan-double-free", "KASAN: invalid-free in zoo_buffer_release", "KASAN", "Free", TRUE,
	 TRUE, TRUE},
	{"zoo-invalid-free.log", "kasan-invalid-free", "KASAN: invalid-free in zoo_payload_free", "KASAN", "Free", TRUE,
	 TRUE, FALSE},
	{"zoo-global-oob.log", "kasan-global-out-of-bounds", "KASAN: global-out-of-bounds Read in zoo_name_initial",
	 "KASAN", "Read", TRUE, FALSE, FALSE},
	{"zoo-stack-oob.log", "kasan-stack-out-of-bounds", "KASAN: stack-out-of-bounds Read in zoo_sum", "KASAN", "Read",
	 TRUE, FALSE, FALSE},
	{"zoo-null-deref.log", "kasan-null-ptr-deref", "general protection fault in zoo_device_flags", "KASAN", NULL, TRUE,
	 FALSE, FALSE},
	{"zoo-wild-access.log", "kasan-wild-memory-access", "KASAN: wild-memory-access Write in zoo_clear", "KASAN",
	 "Write", TRUE, FALSE, FALSE},
	{"zoo-list-del.log", "list-corruption", "list_del corruption in zoo_item_remove", NULL, NULL, TRUE, FALSE, FALSE},
	{"kfence-oob.log", "kfence-out-of-bounds", "KFENCE: out-of-bounds in lab_record_sum", "KFENCE", "read", TRUE,
	 TRUE, FALSE},
	{"ubsan-bounds.log", "ubsan-array-index-out-of-bounds", "UBSAN: array-index-out-of-bounds in lab_level_to_weight",
	 "UBSAN", NULL, TRUE, FALSE, FALSE},
	{"zoo-shift.log", "ubsan-shift-out-of-bounds", "UBSAN: shift-out-of-bounds in zoo_order_to_pages", "UBSAN", NULL,
	 TRUE, FALSE, FALSE},
	{"lockdep-abba.log", "lockdep-circular-locking", "possible deadlock in lab_stats_reset", "lockdep", NULL, TRUE,
	 FALSE, FALSE},
	{"hung-task-lockdep.log", "lockdep-recursive-locking", "possible deadlock in lab_config_bump", "lockdep", NULL,
	 TRUE, FALSE, FALSE},
	{"zoo-irq-lock.log", "lockdep-inconsistent-lock-state", "inconsistent lock state in zoo_timer_fn", "lockdep", NULL,
	 FALSE, FALSE, FALSE},
	{"zoo-sleep-atomic.log", "sleeping-in-atomic", "BUG: sleeping function called from invalid context in zoo_cache_flush",
	 NULL, NULL, FALSE, FALSE, FALSE},
	{"warn-nonfatal.log", "warning", "WARNING in lab_object_put", NULL, NULL, FALSE, FALSE, FALSE},
};

static void check_sanitizer(gconstpointer data)
{
	guint i = GPOINTER_TO_UINT(data);
	g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "golden", "console",
						      sanitizer_goldens[i].log, NULL);
	g_autofree char *text = NULL;
	g_autoptr(Oops) o = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	o = oops_parse(text);
	g_assert_nonnull(o);
	g_assert_cmpstr(o->type, ==, sanitizer_goldens[i].type);
	g_assert_cmpstr(o->title, ==, sanitizer_goldens[i].title);
	g_assert_cmpstr(o->detector, ==, sanitizer_goldens[i].detector);
	g_assert_cmpstr(o->access, ==, sanitizer_goldens[i].access);
	g_assert_cmpint(o->fatal, ==, sanitizer_goldens[i].fatal);
	g_assert_cmpint(o->alloc_trace->len > 0, ==, sanitizer_goldens[i].alloc);
	g_assert_cmpint(o->free_trace->len > 0, ==, sanitizer_goldens[i].freed);
	g_assert_cmpuint(o->trace->len, >, 0);
}

static char *golden_text(const char *log)
{
	g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "golden", "console", log, NULL);
	char *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* Every report of a console, each parsed on its own lines: a WARNING that
 * did not panic, then (a later boot's log appended) a NULL dereference
 * that did, are two findings, and only the second is fatal. */
static void test_findings(void)
{
	g_autofree char *warn = golden_text("warn-nonfatal.log"), *null = golden_text("null-deref.log");
	g_autofree char *both = g_strconcat(warn, null, NULL);
	g_autoptr(GPtrArray) one = oops_parse_all(warn), two = oops_parse_all(both);
	g_autoptr(GPtrArray) kasan = NULL, none = NULL;
	g_autofree char *kasan_text = golden_text("slab-out-of-bounds.log");
	const Oops *o;

	g_assert_cmpuint(one->len, ==, 1);
	o = g_ptr_array_index(one, 0);
	g_assert_cmpstr(o->title, ==, "WARNING in lab_object_put");
	g_assert_false(o->fatal);
	g_assert_cmpuint(two->len, ==, 2);
	g_assert_false(((const Oops *)g_ptr_array_index(two, 0))->fatal);
	o = g_ptr_array_index(two, 1);
	g_assert_cmpstr(o->title, ==, "BUG: kernel NULL pointer dereference in null_deref_crash");
	g_assert_true(o->fatal);
	/* a report's own panic is not another finding */
	kasan = oops_parse_all(kasan_text);
	g_assert_cmpuint(kasan->len, ==, 1);
	g_assert_true(((const Oops *)g_ptr_array_index(kasan, 0))->fatal);
	none = oops_parse_all("no report here\n");
	g_assert_cmpuint(none->len, ==, 0);
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
	g_test_add_func("/oops/findings", test_findings);
	for (guint i = 0; i < G_N_ELEMENTS(sanitizer_goldens); i++) {
		g_autofree char *path = g_strdup_printf("/oops/sanitizer/%s", sanitizer_goldens[i].log);

		g_test_add_data_func(path, GUINT_TO_POINTER(i), check_sanitizer);
	}
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
