/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab run --repeat N [--until-crash]`: the same workload booted N
 * times, one after the other, and how often each crash title came. */
#include <errno.h>
#include <stdio.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "json-reader.h"
#include "json-writer.h"
#include "run-internal.h"

typedef struct {
	char *title; /* the report's title, or "(OUTCOME)" for a boot with none */
	int count;
} TitleCount;

typedef struct {
	char *dir;
	char *outcome;
	char *title;
	int rc;
} Boot;

static void boot_free(gpointer p)
{
	Boot *b = p;

	g_free(b->dir);
	g_free(b->outcome);
	g_free(b->title);
	g_free(b);
}

static void title_count_free(gpointer p)
{
	TitleCount *t = p;

	g_free(t->title);
	g_free(t);
}

static void tally(GPtrArray *titles, const char *title)
{
	TitleCount *t;

	for (guint i = 0; i < titles->len; i++) {
		t = g_ptr_array_index(titles, i);
		if (g_str_equal(t->title, title)) {
			t->count++;
			return;
		}
	}
	t = g_new0(TitleCount, 1);
	t->title = g_strdup(title);
	t->count = 1;
	g_ptr_array_add(titles, t);
}

/* BASE/repeat.json: {boots, requested, until_crash, runs: [{dir, outcome, title, exit}],
 * titles: [{title, count, rate}]} */
static GError *write_summary(const char *base, const RunOptions *o, GPtrArray *runs, GPtrArray *titles)
{
	g_autofree char *path = g_build_filename(base, "repeat.json", NULL);
	JsonWriter w = {.out = g_string_new(NULL)};
	GError *err = NULL;

	json_begin_object(&w);
	json_member_int(&w, "boots", runs->len);
	json_member_int(&w, "requested", o->repeat);
	json_member_bool(&w, "until_crash", o->until_crash);
	json_key(&w, "runs");
	json_begin_array(&w);
	for (guint i = 0; i < runs->len; i++) {
		const Boot *b = g_ptr_array_index(runs, i);

		json_begin_object(&w);
		json_member_string(&w, "dir", b->dir);
		json_member_string(&w, "outcome", b->outcome);
		json_member_string(&w, "title", b->title);
		json_member_int(&w, "exit", b->rc);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "titles");
	json_begin_array(&w);
	for (guint i = 0; i < titles->len; i++) {
		const TitleCount *t = g_ptr_array_index(titles, i);

		json_begin_object(&w);
		json_member_string(&w, "title", t->title);
		json_member_int(&w, "count", t->count);
		json_member_double(&w, "rate", (double)t->count / runs->len);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	g_file_set_contents(path, w.out->str, w.out->len, &err);
	g_string_free(w.out, TRUE);
	return err;
}

/* The run's own arguments without those --repeat decides per boot. */
static GPtrArray *boot_argv(char **args, const char *dir, const char *append)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);

	g_ptr_array_add(v, g_strdup(self ? self : "oopslab"));
	g_ptr_array_add(v, g_strdup("run"));
	/* args[0] is "run"; options are bounded by the argument vector */
	for (int i = 1; args[i]; i++) {
		const char *a = args[i];
		gboolean with_value =
			g_str_equal(a, "--repeat") || g_str_equal(a, "--out") || g_str_equal(a, "--append");

		if (with_value) {
			if (args[i + 1])
				i++;
			continue;
		}
		if (g_str_has_prefix(a, "--repeat=") || g_str_has_prefix(a, "--out=") || g_str_has_prefix(a, "--append=") ||
		    g_str_equal(a, "--until-crash"))
			continue;
		g_ptr_array_add(v, g_strdup(a));
	}
	g_ptr_array_add(v, g_strdup("--out"));
	g_ptr_array_add(v, g_strdup(dir));
	g_ptr_array_add(v, g_strdup("--append"));
	g_ptr_array_add(v, g_strdup(append));
	g_ptr_array_add(v, NULL);
	return v;
}

/* One boot into B->dir, as its own `oopslab run` (libvirt's embedded driver
 * is one per process); its outcome and title from its run.json. */
static void one_boot(const RunOptions *o, char **args, Boot *b, int index, GPtrArray *titles)
{
	g_autofree char *rj_path = g_build_filename(b->dir, "run.json", NULL);
	/* the boot's index on its command line: a workload may vary by boot */
	g_autofree char *append = o->append ? g_strdup_printf("%s oopslab.boot=%d", o->append, index)
					    : g_strdup_printf("oopslab.boot=%d", index);
	g_autoptr(GPtrArray) argv = boot_argv(args, b->dir, append);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(JsonValue) rj = NULL;
	g_autoptr(GError) err = NULL;

	p = g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &err);
	if (p && g_subprocess_wait(p, NULL, &err))
		b->rc = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : RUN_EXIT_ERROR;
	else
		b->rc = RUN_EXIT_ERROR;
	if (err)
		fprintf(stderr, "oopslab: boot %d: %s\n", index, err->message);
	g_clear_error(&err);
	err = json_parse_file(rj_path, &rj);
	b->outcome = g_strdup(rj && json_get_string(rj, "outcome") ? json_get_string(rj, "outcome") : "error");
	b->title = rj && json_get_string(rj, "title") ? g_strdup(json_get_string(rj, "title"))
						     : g_strdup_printf("(%s)", b->outcome);
	tally(titles, b->title);
}

int run_repeat(const RunOptions *o, char **args)
{
	g_autofree char *base = o->out ? g_strdup(o->out) : NULL;
	g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func(boot_free);
	g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func(title_count_free);
	g_autoptr(GError) err = NULL;
	gboolean unexpected = FALSE, failed = FALSE;

	if (!base) {
		g_autoptr(GDateTime) now = g_date_time_new_now_local();
		g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
		g_autofree char *name = o->lab ? g_path_get_basename(o->lab) : g_strdup("workload");

		base = g_strdup_printf("runs/%s-repeat-%s", name, stamp);
	}
	if (g_mkdir_with_parents(base, 0755) < 0) {
		fprintf(stderr, "oopslab run: cannot create %s: %s\n", base, g_strerror(errno));
		return RUN_EXIT_ERROR;
	}
	for (int i = 1; i <= o->repeat && !run_stop_signal; i++) {
		Boot *b = g_new0(Boot, 1);

		b->dir = g_strdup_printf("%s/%d", base, i);
		g_ptr_array_add(runs, b);
		fprintf(stderr, "oopslab: boot %d of %d\n", i, o->repeat);
		one_boot(o, args, b, i, titles);
		unexpected |= b->rc == RUN_EXIT_UNEXPECTED;
		failed |= b->rc != 0 && b->rc != RUN_EXIT_UNEXPECTED;
		if (o->until_crash && g_str_equal(b->outcome, "panic"))
			break;
	}
	for (guint i = 0; i < titles->len; i++) {
		const TitleCount *t = g_ptr_array_index(titles, i);

		fprintf(stderr, "oopslab: %d/%u boots (%.0f%%): %s\n", t->count, runs->len, 100.0 * t->count / runs->len,
			t->title);
	}
	if ((err = write_summary(base, o, runs, titles))) {
		fprintf(stderr, "oopslab: %s\n", err->message);
		return RUN_EXIT_ERROR;
	}
	printf("%s\n", base);
	/* the expectation failed on some boot: 3, whatever the others did */
	return unexpected ? RUN_EXIT_UNEXPECTED : failed ? RUN_EXIT_ERROR : 0;
}
