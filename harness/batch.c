/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "batch.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "guest-kit.h"
#include "json-reader.h"
#include "labs.h"

typedef struct {
	char *kernel_name;  /* "lab" for the cached lab kernel */
	char *bzimage;      /* NULL: the lab kernel */
	char *vmlinux;
	const Lab *lab;
	char *connect;      /* NULL: the embedded driver */
	char *dir;
	/* results */
	char *outcome;
	char *title;
	char *error;
	int exit_status;
	double seconds;
	int boots, hits;    /* --repeat: boots made, and how many hit the title */
} Job;

typedef struct {
	const char *self;
	int timeout;
	gboolean no_dumps;
	int repeat;               /* --repeat N (0: one boot a run) */
	GPtrArray *workload_args; /* --module=..., --exec=...: passed to every run */
} BatchContext;

/* The workload options, as every run gets them. */
static void workload_args(GPtrArray *a, char **modules, char **files, const char *share, gboolean share_rw,
			  const char *exec, const char *modules_dir, gboolean no_pvpanic)
{
	for (char **m = modules; m && *m; m++)
		g_ptr_array_add(a, g_strdup_printf("--module=%s", *m));
	for (char **f = files; f && *f; f++)
		g_ptr_array_add(a, g_strdup_printf("--file=%s", *f));
	if (share)
		g_ptr_array_add(a, g_strdup_printf("--share=%s", share));
	if (share_rw)
		g_ptr_array_add(a, g_strdup("--share-rw"));
	if (exec)
		g_ptr_array_add(a, g_strdup_printf("--exec=%s", exec));
	if (modules_dir)
		g_ptr_array_add(a, g_strdup_printf("--modules-dir=%s", modules_dir));
	if (no_pvpanic)
		g_ptr_array_add(a, g_strdup("--no-pvpanic"));
}

/* The stand-in lab of a batch of workload runs (no --lab): they should panic. */
static Lab workload_lab = {.name = (char *)"workload", .type = (char *)"workload", .expect = (char *)"panic"};

static void job_free(gpointer p)
{
	Job *j = p;

	g_free(j->kernel_name);
	g_free(j->bzimage);
	g_free(j->vmlinux);
	g_free(j->connect);
	g_free(j->dir);
	g_free(j->outcome);
	g_free(j->title);
	g_free(j->error);
	g_free(j);
}

/* A --repeat job's result, from its repeat.json: the most frequent title and
 * its rate; the outcome is the boots' one, or "mixed" when they differ. */
static void read_repeat(Job *j, const char *errtext)
{
	g_autofree char *path = g_build_filename(j->dir, "repeat.json", NULL);
	g_autoptr(JsonValue) rep = NULL;
	g_autoptr(GError) perr = json_parse_file(path, &rep);
	JsonValue *runs = rep ? json_get(rep, "runs") : NULL, *titles = rep ? json_get(rep, "titles") : NULL;

	if (perr || !runs || runs->type != JSON_ARRAY || !runs->items->len || !titles ||
	    titles->type != JSON_ARRAY) {
		j->error = g_strdup(errtext && *errtext ? g_strstrip((char *)errtext) : "oopslab run --repeat wrote no repeat.json");
		return;
	}
	j->boots = runs->items->len;
	for (guint i = 0; i < runs->items->len; i++) {
		const char *o = json_get_string(runs->items->pdata[i], "outcome");

		if (!j->outcome)
			j->outcome = g_strdup(o ? o : "error");
		else if (g_strcmp0(j->outcome, o) != 0) {
			g_free(j->outcome);
			j->outcome = g_strdup("mixed");
			break;
		}
	}
	for (guint i = 0; i < titles->items->len; i++) {
		int count = (int)json_get_number(titles->items->pdata[i], "count", 0);

		if (count > j->hits) {
			j->hits = count;
			g_free(j->title);
			j->title = g_strdup(json_get_string(titles->items->pdata[i], "title"));
		}
	}
	fprintf(stderr, "oopslab batch: %s/%s%s%s: %d/%d boots: %s (%.1f s)\n", j->kernel_name, j->lab->name,
		j->connect ? " on " : "", j->connect ? j->connect : "", j->hits, j->boots,
		j->title ? j->title : "", j->seconds);
}

/* One `oopslab run --json` per job: each run is its own process, with its
 * own libvirt embed root, and cleans up after itself on any signal. */
static void run_job(gpointer data, gpointer user_data)
{
	Job *j = data;
	const BatchContext *bc = user_data;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(GError) perr = NULL;
	g_autofree char *out = NULL, *errtext = NULL;
	g_autoptr(JsonValue) run = NULL;
	gint64 t0 = g_get_monotonic_time();

	g_ptr_array_add(argv, g_strdup(bc->self));
	g_ptr_array_add(argv, g_strdup("run"));
	if (j->lab != &workload_lab)
		g_ptr_array_add(argv, g_strdup_printf("--lab=%s", j->lab->dir ? j->lab->dir : j->lab->name));
	for (guint i = 0; i < bc->workload_args->len; i++)
		g_ptr_array_add(argv, g_strdup(bc->workload_args->pdata[i]));
	g_ptr_array_add(argv, g_strdup_printf("--out=%s", j->dir));
	g_ptr_array_add(argv, g_strdup("--json"));
	if (j->bzimage)
		g_ptr_array_add(argv, g_strdup_printf("--kernel=%s", j->bzimage));
	if (j->vmlinux)
		g_ptr_array_add(argv, g_strdup_printf("--vmlinux=%s", j->vmlinux));
	if (j->connect)
		g_ptr_array_add(argv, g_strdup_printf("--connect=%s", j->connect));
	if (bc->timeout >= 0)
		g_ptr_array_add(argv, g_strdup_printf("--timeout=%d", bc->timeout));
	if (bc->repeat > 1)
		g_ptr_array_add(argv, g_strdup_printf("--repeat=%d", bc->repeat));
	g_ptr_array_add(argv, NULL);
	p = g_subprocess_newv((const char *const *)argv->pdata,
			      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &err);
	if (p && g_subprocess_communicate_utf8(p, NULL, NULL, &out, &errtext, &err))
		j->exit_status = g_subprocess_get_exit_status(p);
	j->seconds = (g_get_monotonic_time() - t0) / 1e6;
	if (err) {
		j->error = g_strdup(err->message);
		return;
	}
	if (bc->repeat > 1) {
		read_repeat(j, errtext);
		return;
	}
	perr = out ? json_parse(out, strlen(out), &run) : NULL;
	if (!out || perr || !json_get_string(run, "outcome")) {
		/* the run failed before it had a run directory: its one-line error */
		j->error = g_strdup(errtext && *errtext ? g_strstrip(errtext) : "oopslab run printed no result");
		return;
	}
	j->outcome = g_strdup(json_get_string(run, "outcome"));
	/* CI keeps the console, report and run.json; a dump is RAM-sized */
	if (bc->no_dumps && json_get_string(json_get(run, "dump"), "path"))
		g_unlink(json_get_string(json_get(run, "dump"), "path"));
	j->title = g_strdup(json_get_string(run, "title"));
	if (json_get_string(run, "error"))
		j->error = g_strdup(json_get_string(run, "error"));
	fprintf(stderr, "oopslab batch: %s/%s%s%s: %s%s%s (%.1f s)\n", j->kernel_name, j->lab->name,
		j->connect ? " on " : "", j->connect ? j->connect : "", j->outcome, j->title ? ": " : "",
		j->title ? j->title : "", j->seconds);
}

static gboolean job_ok(const Job *j)
{
	return !j->error && g_strcmp0(j->outcome, j->lab->expect) == 0;
}

static char *xml(const char *s)
{
	return g_markup_escape_text(s ? s : "", -1);
}

static GError *write_junit(const char *path, GPtrArray *jobs, double total)
{
	g_autoptr(GString) x = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	guint failures = 0, errors = 0;
	GError *err = NULL;

	for (guint i = 0; i < jobs->len; i++) {
		const Job *j = g_ptr_array_index(jobs, i);

		if (j->error)
			errors++;
		else if (!job_ok(j))
			failures++;
	}
	g_string_append_printf(x, "<testsuites tests=\"%u\" failures=\"%u\" errors=\"%u\" time=\"%.3f\">\n", jobs->len,
			       failures, errors, total);
	g_string_append_printf(x, "  <testsuite name=\"oopslab\" tests=\"%u\" failures=\"%u\" errors=\"%u\" time=\"%.3f\">\n",
			       jobs->len, failures, errors, total);
	for (guint i = 0; i < jobs->len; i++) {
		const Job *j = g_ptr_array_index(jobs, i);
		g_autofree char *kernel = xml(j->kernel_name), *lab = xml(j->lab->name);
		g_autofree char *title = xml(j->title);
		g_autofree char *dir = xml(j->dir), *error = xml(j->error), *outcome = xml(j->outcome);
		g_autofree char *expect = xml(j->lab->expect), *host = xml(j->connect);

		g_string_append_printf(x, "    <testcase classname=\"oopslab.%s\" name=\"%s\" time=\"%.3f\">\n", kernel, lab,
				       j->seconds);
		if (j->error)
			g_string_append_printf(x, "      <error message=\"%s\" type=\"run-error\"/>\n", error);
		else if (!job_ok(j))
			g_string_append_printf(x, "      <failure message=\"expected %s, got %s\" type=\"unexpected-outcome\">%s</failure>\n",
					       expect, outcome, title);
		if (j->boots || j->connect) {
			g_string_append(x, "      <properties>");
			if (j->boots)
				g_string_append_printf(x, "<property name=\"rate\" value=\"%d/%d\"/>"
						       "<property name=\"title\" value=\"%s\"/>", j->hits, j->boots, title);
			/* the libvirt host that ran it (batch --connect) */
			if (j->connect)
				g_string_append_printf(x, "<property name=\"connect\" value=\"%s\"/>", host);
			g_string_append(x, "</properties>\n");
		}
		g_string_append_printf(x, "      <system-out>outcome: %s\ntitle: %s\n", outcome, title);
		if (j->connect)
			g_string_append_printf(x, "connect: %s\n", host);
		if (j->boots)
			g_string_append_printf(x, "rate: %d/%d boots\n", j->hits, j->boots);
		g_string_append_printf(x, "run: %s</system-out>\n", dir);
		g_string_append(x, "    </testcase>\n");
	}
	g_string_append(x, "  </testsuite>\n</testsuites>\n");
	if (!g_file_set_contents(path, x->str, x->len, &err))
		return err;
	return NULL;
}

/* Results grouped by title: each crash once, with how many runs hit it. */
static void print_summary(GPtrArray *jobs)
{
	g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							     (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GList) keys = NULL;
	guint ok = 0;

	for (guint i = 0; i < jobs->len; i++) {
		const Job *j = g_ptr_array_index(jobs, i);
		g_autofree char *key = j->error ? g_strdup_printf("error: %s", j->error)
						: j->title ? g_strdup(j->title)
						: g_strdup_printf("(%s)", j->outcome);
		GPtrArray *g = g_hash_table_lookup(groups, key);

		if (!g) {
			g = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(groups, g_strdup(key), g);
		}
		g_ptr_array_add(g, g_strdup_printf("%s/%s%s%s%s", j->kernel_name, j->lab->name,
						   j->connect ? " on " : "", j->connect ? j->connect : "",
						   job_ok(j) ? "" : " (unexpected)"));
		ok += job_ok(j);
	}
	keys = g_list_sort(g_hash_table_get_keys(groups), (GCompareFunc)g_strcmp0);
	printf("%u runs, %u distinct results, %u as expected:\n", jobs->len, g_hash_table_size(groups), ok);
	for (GList *k = keys; k; k = k->next) {
		GPtrArray *g = g_hash_table_lookup(groups, k->data);

		printf("  %ux %s\n", g->len, (const char *)k->data);
		for (guint i = 0; i < g->len; i++)
			printf("       %s\n", (const char *)g_ptr_array_index(g, i));
	}
}

/* The command line of `oopslab batch`. */
typedef struct {
	char **labs, **kernels, **connects;
	char *out, *junit, *flavour;
	int jobs, timeout, repeat;
	gboolean no_dumps;
	gboolean workload;        /* --module or --exec: without --lab, one workload run per kernel */
	GPtrArray *workload_args; /* the workload options and --flavour, passed to every run */
} BatchOptions;

static void batch_options_clear(BatchOptions *o)
{
	g_strfreev(o->labs);
	g_strfreev(o->kernels);
	g_strfreev(o->connects);
	g_free(o->out);
	g_free(o->junit);
	g_free(o->flavour);
	g_clear_pointer(&o->workload_args, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BatchOptions, batch_options_clear)

/* O from the command line: 0, or 2 for bad usage (said on stderr). */
static int batch_options_parse(BatchOptions *o, int argc, char **argv)
{
	g_autofree char *flavour_opt = NULL;
	gboolean share_rw = FALSE, no_pvpanic = FALSE;
	g_auto(GStrv) w_modules = NULL, w_files = NULL;
	g_autofree char *w_share = NULL, *w_exec = NULL, *w_modules_dir = NULL;
	GOptionEntry entries[] = {
		{"module", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &w_modules, "Passed to every run (see `run --help`)", "'PATH [PARAMS]'"},
		{"exec", 0, 0, G_OPTION_ARG_STRING, &w_exec, "Passed to every run", "CMD"},
		{"file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &w_files, "Passed to every run", "HOST[:GUEST]"},
		{"share", 0, 0, G_OPTION_ARG_FILENAME, &w_share, "Passed to every run", "DIR[:GUEST]"},
		{"share-rw", 0, 0, G_OPTION_ARG_NONE, &share_rw, "Passed to every run", NULL},
		{"modules-dir", 0, 0, G_OPTION_ARG_FILENAME, &w_modules_dir, "Passed to every run", "DIR"},
		{"no-pvpanic", 0, 0, G_OPTION_ARG_NONE, &no_pvpanic, "Passed to every run", NULL},
		{"lab", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->labs, "A lab to run (repeat; default: every lab): a name or a lab directory", "NAME|PATH"},
		{"kernel", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->kernels,
		 "A kernel to run them on (repeat; default: the lab kernel)", "BZIMAGE[:VMLINUX]"},
		{"jobs", 'j', 0, G_OPTION_ARG_INT, &o->jobs, "Runs at a time (default 1)", "N"},
		{"connect", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->connects,
		 "libvirt URI (repeat to spread runs over hosts, round robin; default: embedded)", "URI"},
		{"out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, "Directory for the run directories (default runs/batch-STAMP)", "DIR"},
		{"junit", 0, 0, G_OPTION_ARG_FILENAME, &o->junit, "Write a JUnit XML report here", "FILE"},
		{"timeout", 0, 0, G_OPTION_ARG_INT, &o->timeout, "Passed to every run (default: each lab's)", "SECONDS"},
		{"no-dumps", 0, 0, G_OPTION_ARG_NONE, &o->no_dumps, "Delete each run's vmcore once its report is written", NULL},
		{"flavour", 0, 0, G_OPTION_ARG_STRING, &flavour_opt,
		 "Kernel flavours for every run (kasan, kfence, ubsan, lockdep; comma-separated)", "NAME[,NAME...]"},
		{"repeat", 0, 0, G_OPTION_ARG_INT, &o->repeat,
		 "Boot each lab x kernel N times (oopslab run --repeat): its most frequent title and that title's rate, "
		 "in the summary and the JUnit XML; a run is unexpected when any boot's outcome is", "N"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- run labs x kernels, group the crashes, report for CI");
	g_autoptr(GError) err = NULL;

	*o = (BatchOptions){.jobs = 1, .timeout = -1};
	o->workload_args = g_ptr_array_new_with_free_func(g_free);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Runs every lab (or the --lab ones) on every --kernel, -j at a time, each as `oopslab run`,\n"
		"then prints the results grouped by crash title (a crash many runs hit is listed once).\n"
		"Exit status: 0 when every run had its lab's expected outcome, 3 when some did not, 1 on errors.");
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "oopslab batch: %s\n", err ? err->message : "unexpected argument");
		return 2;
	}
	if ((err = lab_flavour_canonical(flavour_opt, &o->flavour))) {
		fprintf(stderr, "oopslab batch: --flavour: %s\n", err->message);
		return 2;
	}
	if (o->repeat < 0 || o->repeat > 1000) {
		fprintf(stderr, "oopslab batch: --repeat: %d is not 1 to 1000 boots\n", o->repeat);
		return 2;
	}
	if (o->jobs < 1) {
		fprintf(stderr, "oopslab batch: -j must be at least 1\n");
		return 2;
	}
	workload_args(o->workload_args, w_modules, w_files, w_share, share_rw, w_exec, w_modules_dir,
		      no_pvpanic);
	if (o->flavour)
		g_ptr_array_add(o->workload_args, g_strdup_printf("--flavour=%s", o->flavour));
	o->workload = w_modules || w_exec;
	return 0;
}

/* Everything before the jobs: the labs (*LABS), the output directory, the
 * lab kit. 0, or the exit status of a failure (said on stderr). */
static int prepare(BatchOptions *o, LabSet **labs)
{
	g_autofree char *manifest = g_build_filename(oopslab_data_dir(), "guests", "labs", "labs.conf", NULL);
	g_autoptr(GError) err = NULL;

	if ((err = lab_set_load_flavour(manifest, o->flavour, labs))) {
		fprintf(stderr, "oopslab batch: %s\n", err->message);
		return 1;
	}
	if (!o->out) {
		g_autoptr(GDateTime) now = g_date_time_new_now_local();
		g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");

		o->out = g_strdup_printf("runs/batch-%s", stamp);
	}
	if (g_mkdir_with_parents(o->out, 0755) < 0) {
		fprintf(stderr, "oopslab batch: cannot create %s: %s\n", o->out, g_strerror(errno));
		return 1;
	}
	/* Build the lab kit once, before runs race for it. */
	{
		g_autoptr(GuestKit) kit = NULL;

		if ((err = guest_kit_build_flavour(&kit, FALSE, o->flavour))) {
			fprintf(stderr, "oopslab batch: %s\n", err->message);
			return 1;
		}
	}
	/* --lab PATH: a lab directory outside the tree joins the set. */
	for (char **l = o->labs; l && *l; l++) {
		Lab *lab;

		if (!strchr(*l, '/'))
			continue;
		if ((err = lab_load_dir(*l, &lab))) {
			fprintf(stderr, "oopslab batch: --lab %s: %s\n", *l, err->message);
			return 2;
		}
		g_ptr_array_add((*labs)->labs, lab);
	}
	/* A workload without --lab: one workload run per kernel. */
	if (o->workload && !o->labs) {
		g_ptr_array_set_size((*labs)->labs, 0);
		g_ptr_array_set_free_func((*labs)->labs, NULL);
		g_ptr_array_add((*labs)->labs, &workload_lab);
	}
	return 0;
}

/* A job for each kernel x lab (the --lab ones, if given), each --connect
 * host in turn. */
static void make_jobs(GPtrArray *jobs, const BatchOptions *o, const LabSet *labs)
{
	guint n_kernels = o->kernels ? g_strv_length(o->kernels) : 1;

	for (guint k = 0; k < n_kernels; k++) {
		for (guint l = 0; l < labs->labs->len; l++) {
			const Lab *lab = g_ptr_array_index(labs->labs, l);
			Job *j;

			if (o->labs && !lab->dir &&
			    !g_strv_contains((const char *const *)o->labs, lab->name))
				continue;
			j = g_new0(Job, 1);
			j->lab = lab;
			if (o->kernels) {
				g_auto(GStrv) kv = g_strsplit(o->kernels[k], ":", 2);
				g_autofree char *base = g_path_get_basename(kv[0]);

				j->bzimage = g_strdup(kv[0]);
				j->vmlinux = kv[1] ? g_strdup(kv[1]) : NULL;
				j->kernel_name = g_strdup_printf("%u-%s", k, base);
			} else {
				j->kernel_name = g_strdup("lab");
			}
			if (o->connects)
				j->connect = g_strdup(o->connects[jobs->len % g_strv_length(o->connects)]);
			j->dir = g_strdup_printf("%s/%s-%s", o->out, j->kernel_name, lab->name);
			g_ptr_array_add(jobs, j);
		}
	}
}

/* The jobs, -j at a time, then the summary and --junit (T0: the batch's
 * start): the exit status. */
static int run_jobs(GPtrArray *jobs, const BatchOptions *o, gint64 t0)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autoptr(GError) err = NULL;
	BatchContext bc;
	GThreadPool *pool;
	guint bad = 0;

	fprintf(stderr, "oopslab batch: %u runs, %d at a time, into %s\n", jobs->len, o->jobs, o->out);
	bc.self = self;
	bc.timeout = o->timeout;
	bc.no_dumps = o->no_dumps;
	bc.repeat = o->repeat;
	bc.workload_args = o->workload_args;
	pool = g_thread_pool_new(run_job, &bc, o->jobs, TRUE, NULL);
	for (guint i = 0; i < jobs->len; i++)
		g_thread_pool_push(pool, g_ptr_array_index(jobs, i), NULL);
	g_thread_pool_free(pool, FALSE, TRUE);

	print_summary(jobs);
	if (o->junit && (err = write_junit(o->junit, jobs, (g_get_monotonic_time() - t0) / 1e6))) {
		fprintf(stderr, "oopslab batch: %s\n", err->message);
		return 1;
	}
	for (guint i = 0; i < jobs->len; i++) {
		const Job *j = g_ptr_array_index(jobs, i);

		if (j->error)
			return 1;
		bad += !job_ok(j);
	}
	return bad ? 3 : 0;
}

int cmd_batch(int argc, char **argv)
{
	g_auto(BatchOptions) o = {0};
	g_autoptr(LabSet) labs = NULL;
	g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func(job_free);
	gint64 t0 = g_get_monotonic_time();
	int rc;

	if ((rc = batch_options_parse(&o, argc, argv)) || (rc = prepare(&o, &labs)))
		return rc;
	make_jobs(jobs, &o, labs);
	if (o.labs)
		for (char **l = o.labs; *l; l++)
			if (!strchr(*l, '/') && !lab_set_find(labs, *l)) {
				fprintf(stderr, "oopslab batch: unknown lab '%s' (see `oopslab labs`)\n", *l);
				return 2;
			}
	return run_jobs(jobs, &o, t0);
}
