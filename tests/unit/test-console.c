/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Console log parsing: stage markers, module sections, panic lines. */
#include <glib.h>
#include <glib/gstdio.h>

#include "console.h"

static void test_lines(void)
{
	g_autoptr(ConsoleWatcher) w = console_watcher_new("/nonexistent", 0);
	const ConsoleStage *s;

	console_watcher_line(w, "oopslab: stage=userspace uptime=0.58", 1.5);
	console_watcher_line(w, "oopslab: stage=lab uptime=0.59 lab=null-deref", 1.6);
	console_watcher_line(w, "[    0.653520] BUG: kernel NULL pointer dereference, address: 0000000000000008", 2.0);
	console_watcher_line(w, "[    0.654174] RIP: 0010:null_deref_crash+0x7/0x10 [null_deref]", 2.0);
	console_watcher_line(w, "[    0.655562] RIP: 0033:0x47b7a0", 2.0);
	console_watcher_line(w, "[    0.657200] RIP: 0010:second+0x1/0x2", 2.0);
	console_watcher_line(w, "[    0.657727] Kernel panic - not syncing: Fatal exception", 2.1);
	console_watcher_line(w, "[    0.657728] Kernel panic - not syncing: second", 2.1);

	g_assert_cmpuint(w->stages->len, ==, 2);
	s = console_watcher_stage(w, "lab");
	g_assert_nonnull(s);
	g_assert_cmpfloat_with_epsilon(s->uptime, 0.59, 1e-9);
	g_assert_cmpfloat_with_epsilon(s->host_time, 1.6, 1e-9);
	g_assert_cmpstr(s->detail, ==, "lab=null-deref");
	g_assert_null(console_watcher_stage(w, "trigger"));
	g_assert_cmpstr(w->oops_line, ==, "BUG: kernel NULL pointer dereference, address: 0000000000000008");
	/* the first kernel-mode RIP, not the user-mode one nor a later repeat */
	g_assert_cmpstr(w->rip_line, ==, "null_deref_crash+0x7/0x10 [null_deref]");
	g_assert_cmpstr(w->panic_line, ==, "Kernel panic - not syncing: Fatal exception");
}

/* Reports whose first line has no BUG:/WARNING: prefix are still the oops line. */
static void test_sanitizer_lines(void)
{
	static const char *const first[] = {
		"UBSAN: array-index-out-of-bounds in /tmp/labs/ubsan-bounds/ubsan_bounds.c:21:26",
		"list_del corruption, ffffffffc0002000->next is LIST_POISON1 (dead000000000100)",
		"list_add corruption. next->prev should be prev (ffff8880), but was 0000000000000000.",
		"BUG: KASAN: slab-out-of-bounds in lab_label_dup+0x5e/0x80 [slab_out_of_bounds]",
	};

	for (guint i = 0; i < G_N_ELEMENTS(first); i++) {
		g_autoptr(ConsoleWatcher) w = console_watcher_new("/nonexistent", 0);
		g_autofree char *stamped = g_strdup_printf("[   12.345678] %s", first[i]);

		console_watcher_line(w, "[   12.345600] oopslab: triggering lab", 1.0);
		console_watcher_line(w, stamped, 1.0);
		console_watcher_line(w, "[   12.345700] WARNING: CPU: 0 PID: 60 at lib/list_debug.c:56 f+0x1/0x2", 1.0);
		g_assert_cmpstr(w->oops_line, ==, first[i]);
	}
}

static void test_add_symbol_file(void)
{
	g_autoptr(ConsoleWatcher) w = console_watcher_new("/nonexistent", 0);
	g_autofree char *cmd = NULL, *none = NULL, *other = NULL;

	console_watcher_line(w, "oopslab: section module=lab name=.bss addr=0xffffffffc00022c0", 0);
	console_watcher_line(w, "oopslab: section module=lab name=.init.text addr=0xffffffffc0006000", 0);
	console_watcher_line(w, "oopslab: section module=lab name=.note.gnu.build-id addr=0xffffffffc0001000", 0);
	console_watcher_line(w, "oopslab: section module=lab name=.symtab addr=0xffffffffc0005000", 0);
	console_watcher_line(w, "oopslab: section module=lab name=.text addr=0xffffffffc0000000", 0);
	console_watcher_line(w, "oopslab: section module=other name=.text addr=0xffffffffc0100000", 0);
	console_watcher_line(w, "oopslab: section module=lab name=garbage", 0);

	cmd = console_add_symbol_file(w, "lab", "/x/lab.ko");
	g_assert_cmpstr(cmd, ==, "add-symbol-file /x/lab.ko 0xffffffffc0000000 -s .bss 0xffffffffc00022c0");
	none = console_add_symbol_file(w, "absent", "/x/absent.ko");
	g_assert_null(none);

	/* code only in .text.unlikely: no positional text address */
	{
		g_autoptr(ConsoleWatcher) u = console_watcher_new("/nonexistent", 0);

		console_watcher_line(u, "oopslab: section module=m name=.text.unlikely addr=0xffffffffc0000000", 0);
		other = console_add_symbol_file(u, "m", "m.ko");
		g_assert_cmpstr(other, ==, "add-symbol-file m.ko -s .text.unlikely 0xffffffffc0000000");
	}
}

static void test_poll_partial_crlf(void)
{
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("console-XXXXXX", &path, NULL);
	g_autoptr(ConsoleWatcher) w = NULL;

	g_assert_cmpint(fd, >=, 0);
	close(fd);
	w = console_watcher_new(path, g_get_monotonic_time());
	console_watcher_poll(w); /* empty file */
	g_assert_cmpuint(w->stages->len, ==, 0);

	g_file_set_contents(path, "oopslab: stage=userspace uptime=1.0\r\noopslab: stage=la", -1, NULL);
	console_watcher_poll(w);
	g_assert_cmpuint(w->stages->len, ==, 1);
	g_assert_cmpstr(((ConsoleStage *)w->stages->pdata[0])->name, ==, "userspace");
	/* the rest of the split line arrives later */
	g_file_set_contents(path, "oopslab: stage=userspace uptime=1.0\r\noopslab: stage=lab uptime=2.0\r\n", -1, NULL);
	console_watcher_poll(w);
	g_assert_cmpuint(w->stages->len, ==, 2);
	g_assert_cmpstr(((ConsoleStage *)w->stages->pdata[1])->name, ==, "lab");
	g_assert_cmpfloat_with_epsilon(((ConsoleStage *)w->stages->pdata[1])->uptime, 2.0, 1e-9);
	g_unlink(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/console/lines", test_lines);
	g_test_add_func("/console/sanitizer-lines", test_sanitizer_lines);
	g_test_add_func("/console/add-symbol-file", test_add_symbol_file);
	g_test_add_func("/console/poll-partial-crlf", test_poll_partial_crlf);
	return g_test_run();
}
