#include "labs.h"
#include "oopslab-config.h"

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
	g_free(lab);
}

void lab_set_free(LabSet *set)
{
	if (!set)
		return;
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

static GError *lab_parse(GKeyFile *kf, const char *path, const char *g, Lab **out)
{
	g_autoptr(Lab) lab = g_new0(Lab, 1);

	lab->name = g_strdup(g);
	lab->type = get_opt(kf, g, "type");
	lab->title = get_opt(kf, g, "title");
	lab->description = get_opt(kf, g, "description");
	lab->module = get_opt(kf, g, "module");
	lab->command = get_opt(kf, g, "command");
	lab->function = get_opt(kf, g, "function");
	lab->source = get_opt(kf, g, "source");
	/* GKeyFile would turn "\n" in a marker into a newline: the marker is
	 * literal source text, so read its raw value. */
	lab->marker = g_key_file_get_value(kf, g, "marker", NULL);
	lab->append = get_opt(kf, g, "append");
	lab->timeout = g_key_file_get_integer(kf, g, "timeout", NULL);
	lab->expect = get_opt(kf, g, "expect");
	if (!lab->expect)
		lab->expect = g_strdup("panic");
	if (!lab->type || (!lab->module == !lab->command))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL,
				   "%s: lab [%s] needs a type and exactly one of module= or command=", path, g);
	if (!g_str_equal(lab->expect, "panic") && !g_str_equal(lab->expect, "no-panic") &&
	    !g_str_equal(lab->expect, "hang"))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: lab [%s]: expect=%s is not panic, no-panic or hang",
				   path, g, lab->expect);
	*out = g_steal_pointer(&lab);
	return NULL;
}

GError *lab_set_load(const char *path, LabSet **out)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) err = NULL;
	g_autoptr(LabSet) set = g_new0(LabSet, 1);
	g_auto(GStrv) groups = NULL;
	GError *lerr;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, err->message);
	set->labs = g_ptr_array_new_with_free_func(lab_free);
	groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g; g++) {
		Lab *lab;

		if ((lerr = lab_parse(kf, path, *g, &lab)))
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
	if ((lerr = lab_parse(kf, path, groups[0], out)))
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
