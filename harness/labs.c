/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "labs.h"
#include "oopslab-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lab_free(gpointer p)
{
	Lab *lab = p;

	g_free(lab->name);
	g_free(lab->type);
	g_free(lab->description);
	g_free(lab->module);
	g_free(lab->command);
	g_free(lab->function);
	g_free(lab->source);
	g_free(lab->marker);
	g_free(lab->append);
	g_free(lab->expect);
	g_free(lab->title);
	g_free(lab->dir);
	g_free(lab->needs);
	g_free(lab->flavour);
	if (lab->variants)
		g_ptr_array_unref(lab->variants);
	g_free(lab);
}

void lab_set_free(LabSet *set)
{
	if (!set)
		return;
	if (set->labs)
		g_ptr_array_unref(set->labs);
	g_free(set);
}

const char *oopslab_data_dir(void)
{
	static char *dir;

	if (!dir) {
		const char *env = g_getenv("OOPSLAB_DATA_DIR");
		g_autofree char *probe = g_build_filename(OOPSLAB_SOURCE_DIR, "guests", "build-guest", NULL);

		if (env && *env)
			dir = g_strdup(env);
		else if (g_file_test(probe, G_FILE_TEST_IS_EXECUTABLE))
			dir = g_strdup(OOPSLAB_SOURCE_DIR);
		else
			dir = g_strdup(OOPSLAB_DATA_DIR);
	}
	return dir;
}

static char *get_opt(GKeyFile *kf, const char *group, const char *key)
{
	char *v = g_key_file_get_string(kf, group, key, NULL);

	if (v && !*v) {
		g_free(v);
		return NULL;
	}
	return v;
}

const char *const lab_flavours[] = {"kasan", "kfence", "ubsan", "lockdep", NULL};

GError *lab_flavour_canonical(const char *flavour, char **out)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GString) s = g_string_new(NULL);

	*out = NULL;
	if (!flavour || !*flavour)
		return NULL;
	parts = g_strsplit(flavour, ",", -1);
	for (char **p = parts; *p; p++)
		if (!g_strv_contains(lab_flavours, *p))
			return g_error_new(G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
					   "unknown kernel flavour '%s' (known: kasan, kfence, ubsan, lockdep)", *p);
	for (const char *const *f = lab_flavours; *f; f++)
		if (g_strv_contains((const char *const *)parts, *f))
			g_string_append_printf(s, "%s%s", s->len ? "," : "", *f);
	*out = g_string_free(g_steal_pointer(&s), FALSE);
	return NULL;
}

/* KEY, or KEY.F for the first F of FLAVOURS that has one (an empty
 * override clears the value). RAW: the value as written (markers). */
static char *get_flavoured(GKeyFile *kf, const char *group, const char *key, char **flavours, gboolean raw)
{
	for (char **f = flavours; f && *f; f++) {
		g_autofree char *k = g_strdup_printf("%s.%s", key, *f);

		if (g_key_file_has_key(kf, group, k, NULL))
			return raw ? g_key_file_get_value(kf, group, k, NULL) : get_opt(kf, group, k);
	}
	return raw ? g_key_file_get_value(kf, group, key, NULL) : get_opt(kf, group, key);
}

/* Every KEY.SUFFIX key must name a known flavour (a typo would silently
 * test the plain expectation); each flavour named gets a variant line. */
static GError *lab_load_variants(GKeyFile *kf, const char *path, Lab *lab)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, lab->name, NULL, NULL);
	gboolean named[G_N_ELEMENTS(lab_flavours)] = {FALSE};

	for (char **k = keys; k && *k; k++) {
		const char *dot = strrchr(*k, '.');
		gboolean known = FALSE;

		if (!dot)
			continue;
		for (guint i = 0; lab_flavours[i]; i++)
			if (g_str_equal(dot + 1, lab_flavours[i]))
				known = named[i] = TRUE;
		if (!known)
			return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL,
					   "%s: lab [%s]: key '%s': '%s' is not a kernel flavour (kasan, kfence, ubsan, lockdep)",
					   path, lab->name, *k, dot + 1);
	}
	lab->variants = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; lab_flavours[i]; i++) {
		char *one[] = {(char *)lab_flavours[i], NULL};
		g_autofree char *type = NULL, *title = NULL;
		const char *sep;

		if (!named[i])
			continue;
		type = get_flavoured(kf, lab->name, "type", one, FALSE);
		title = get_flavoured(kf, lab->name, "title", one, FALSE);
		sep = title ? ": " : "";
		if (!title)
			title = g_strdup("");
		if (!type)
			type = g_strdup("-");
		g_ptr_array_add(lab->variants,
				g_strdup_printf("%s: %s%s%s", lab_flavours[i], type, sep, title));
	}
	return NULL;
}

/* The lab's own flavours= plus the run's (REQUESTED, canonical), and the
 * lab's values for them. */
static GError *lab_parse_flavours(GKeyFile *kf, const char *path, const char *requested, Lab *lab)
{
	g_autofree char *needs_raw = get_opt(kf, lab->name, "flavours"), *both = NULL;
	GError *err;

	if ((err = lab_flavour_canonical(needs_raw, &lab->needs))) {
		g_prefix_error(&err, "%s: lab [%s]: flavours=: ", path, lab->name);
		return err;
	}
	if (requested && lab->needs)
		both = g_strdup_printf("%s,%s", requested, lab->needs);
	else
		both = g_strdup(requested ? requested : lab->needs);
	return lab_flavour_canonical(both, &lab->flavour);
}

static GError *lab_parse(GKeyFile *kf, const char *path, const char *g, const char *requested, Lab **out)
{
	g_autoptr(Lab) lab = g_new0(Lab, 1);
	g_auto(GStrv) fl = NULL;
	g_autofree char *timeout = NULL;
	GError *err;

	lab->name = g_strdup(g);
	if ((err = lab_parse_flavours(kf, path, requested, lab)))
		return err;
	fl = lab->flavour ? g_strsplit(lab->flavour, ",", -1) : NULL;
	lab->type = get_flavoured(kf, g, "type", fl, FALSE);
	lab->title = get_flavoured(kf, g, "title", fl, FALSE);
	lab->description = get_opt(kf, g, "description");
	lab->module = get_opt(kf, g, "module");
	lab->command = get_opt(kf, g, "command");
	lab->function = get_flavoured(kf, g, "function", fl, FALSE);
	lab->source = get_flavoured(kf, g, "source", fl, FALSE);
	/* GKeyFile would turn "\n" in a marker into a newline: the marker is
	 * literal source text, so read its raw value. */
	lab->marker = get_flavoured(kf, g, "marker", fl, TRUE);
	lab->append = get_flavoured(kf, g, "append", fl, FALSE);
	timeout = get_flavoured(kf, g, "timeout", fl, FALSE);
	lab->timeout = timeout ? atoi(timeout) : 0;
	lab->expect = get_flavoured(kf, g, "expect", fl, FALSE);
	if (!lab->expect)
		lab->expect = g_strdup("panic");
	if (!lab->type || (!lab->module == !lab->command))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL,
				   "%s: lab [%s] needs a type and exactly one of module= or command=", path, g);
	if (g_str_equal(lab->expect, "hang")) {
		/* the outcome's name before syzkaller's */
		g_free(lab->expect);
		lab->expect = g_strdup("no-output");
	}
	if (!g_str_equal(lab->expect, "panic") && !g_str_equal(lab->expect, "no-panic") &&
	    !g_str_equal(lab->expect, "no-output"))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL,
				   "%s: lab [%s]: expect=%s is not panic, no-panic or no-output", path, g, lab->expect);
	if ((err = lab_load_variants(kf, path, lab)))
		return err;
	*out = g_steal_pointer(&lab);
	return NULL;
}

GError *lab_set_load(const char *path, LabSet **out)
{
	return lab_set_load_flavour(path, NULL, out);
}

GError *lab_set_load_flavour(const char *path, const char *flavour, LabSet **out)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) err = NULL;
	g_autoptr(LabSet) set = g_new0(LabSet, 1);
	g_auto(GStrv) groups = NULL;
	g_autofree char *requested = NULL;
	GError *lerr;

	if ((lerr = lab_flavour_canonical(flavour, &requested))) {
		g_prefix_error(&lerr, "--flavour: ");
		return lerr;
	}
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, err->message);
	set->labs = g_ptr_array_new_with_free_func(lab_free);
	groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g; g++) {
		Lab *lab;

		if ((lerr = lab_parse(kf, path, *g, requested, &lab)))
			return lerr;
		g_ptr_array_add(set->labs, lab);
	}
	*out = g_steal_pointer(&set);
	return NULL;
}

GError *lab_load_dir(const char *dir, Lab **out)
{
	g_autofree char *path = g_build_filename(dir, "lab.conf", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) groups = NULL;
	GError *lerr;

	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "lab directory %s has no lab.conf", dir);
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, err->message);
	groups = g_key_file_get_groups(kf, NULL);
	if (g_strv_length(groups) != 1)
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: a lab directory's lab.conf holds one [lab] group, not %u",
				   path, g_strv_length(groups));
	if ((lerr = lab_parse(kf, path, groups[0], NULL, out)))
		return lerr;
	(*out)->dir = g_canonicalize_filename(dir, NULL);
	return NULL;
}

GError *lab_set_load_dir(const char *dir, LabSet **out)
{
	g_autoptr(LabSet) set = g_new0(LabSet, 1);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *own = g_build_filename(dir, "lab.conf", NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GError *lerr;
	const char *e;

	set->labs = g_ptr_array_new_with_free_func(lab_free);
	if (!(d = g_dir_open(dir, 0, &err)))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "--dir %s: %s", dir, err->message);
	if (g_file_test(own, G_FILE_TEST_IS_REGULAR))
		g_ptr_array_add(names, g_strdup(dir));
	while ((e = g_dir_read_name(d))) {
		g_autofree char *sub = g_build_filename(dir, e, NULL);
		g_autofree char *conf = g_build_filename(sub, "lab.conf", NULL);

		if (g_file_test(conf, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(names, g_steal_pointer(&sub));
	}
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		Lab *lab;

		if ((lerr = lab_load_dir(names->pdata[i], &lab)))
			return lerr;
		g_ptr_array_add(set->labs, lab);
	}
	*out = g_steal_pointer(&set);
	return NULL;
}

const Lab *lab_set_find(const LabSet *set, const char *name)
{
	for (guint i = 0; i < set->labs->len; i++) {
		const Lab *lab = g_ptr_array_index(set->labs, i);

		if (g_strcmp0(lab->name, name) == 0)
			return lab;
	}
	return NULL;
}

int lab_cmd_list(int argc, char **argv)
{
	g_autofree char *manifest = g_build_filename(oopslab_data_dir(), "guests", "labs", "labs.conf", NULL);
	g_autofree char *flavour = NULL, *dir = NULL;
	GOptionEntry entries[] = {
		{"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "List the lab directories in DIR instead (DIR/*/lab.conf)", "DIR"},
		{"flavour", 0, 0, G_OPTION_ARG_STRING, &flavour,
		 "Show the labs as they run on these kernel flavours (kasan, kfence, ubsan, lockdep; comma-separated)",
		 "NAME[,NAME...]"},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- list the labs, their panic types and flavours");
	g_autoptr(LabSet) labs = NULL;
	g_autoptr(GError) err = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc > 1) {
		fprintf(stderr, "oopslab labs: %s\n", err ? err->message : "unexpected argument");
		return 2;
	}
	if ((err = dir ? lab_set_load_dir(dir, &labs) : lab_set_load_flavour(manifest, flavour, &labs))) {
		fprintf(stderr, "oopslab labs: %s\n", err->message);
		return g_error_matches(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE) ? 2 : 1;
	}
	printf("%-20s %-14s %-32s %s\n", "LAB", "FLAVOURS", "PANIC TYPE", "WHAT IT DOES");
	for (guint i = 0; i < labs->labs->len; i++) {
		const Lab *lab = g_ptr_array_index(labs->labs, i);

		printf("%-20s %-14s %-32s %s\n", lab->dir ? lab->dir : lab->name, lab->flavour ? lab->flavour : "-",
		       lab->type, lab->description ? lab->description : "");
		/* without --flavour: what each flavour changes */
		for (guint v = 0; !flavour && lab->variants && v < lab->variants->len; v++)
			printf("%-20s   with %s\n", "", (char *)g_ptr_array_index(lab->variants, v));
	}
	return 0;
}
