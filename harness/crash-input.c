/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "crash-input.h"

#include <gio/gio.h>
#include <string.h>

#include "debug-files.h"
#include "dump.h"
#include "xlat.h"

void crash_input_free(CrashInput *in)
{
	if (!in)
		return;
	g_free(in->dir);
	g_free(in->dump);
	g_free(in->log);
	g_free(in->vmlinux);
	g_free(in->vmlinux_problem);
	g_free(in->module);
	g_free(in->no_dump);
	json_value_free(in->run);
	g_free(in);
}

/* DIR/NAME, or the first DIR/PREFIX*SUFFIX in name order; NULL if none. */
static char *find_in(const char *dir, const char *name, const char *prefix, const char *suffix)
{
	g_autofree char *exact = g_build_filename(dir, name, NULL);
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func(g_free);
	const char *e;

	if (g_file_test(exact, G_FILE_TEST_IS_REGULAR))
		return g_steal_pointer(&exact);
	if (!(d = g_dir_open(dir, 0, NULL)))
		return NULL;
	while ((e = g_dir_read_name(d)))
		if (g_str_has_prefix(e, prefix) && g_str_has_suffix(e, suffix))
			g_ptr_array_add(hits, g_build_filename(dir, e, NULL));
	if (!hits->len)
		return NULL;
	g_ptr_array_sort(hits, (GCompareFunc)g_strcmp0);
	return g_strdup(hits->pdata[0]);
}

static GError *from_run(CrashInput *in, const char *dir)
{
	g_autofree char *rj = g_build_filename(dir, "run.json", NULL);
	const char *dump;
	GError *err;

	if ((err = json_parse_file(rj, &in->run)))
		return err;
	in->is_run = TRUE;
	in->log = g_build_filename(dir, "console.log", NULL);
	dump = json_get_string(json_get(in->run, "dump"), "path");
	/* a run that ended without a panic (a lockdep finding, a timeout
	 * without NMI dump) still has its console: report works, gdb does not */
	if (!dump || !g_file_test(dump, G_FILE_TEST_EXISTS))
		in->no_dump = g_strdup_printf("%s: no dump (run.json: %s; outcome %s)", dir, dump ? dump : "none named",
					      json_get_string(in->run, "outcome") ?: "?");
	else
		in->dump = g_strdup(dump);
	return NULL;
}

static GError *find_vmlinux(CrashInput *in, const char *given)
{
	g_autoptr(OlDump) d = NULL;
	g_autoptr(OlXlat) x = NULL;
	OlKernelId id;
	GError *err;
	const char *named = in->run ? json_get_string(in->run, "vmlinux") : NULL;

	if (!given && named && g_file_test(named, G_FILE_TEST_EXISTS)) {
		in->vmlinux = g_strdup(named);
		return NULL;
	}
	if (!in->dump) { /* nothing to read a release or build-id from */
		if (given)
			in->vmlinux = g_strdup(given);
		else
			in->vmlinux_problem = g_strdup(in->no_dump);
		return NULL;
	}
	if ((err = ol_dump_open(in->dump, &d)) || (err = ol_xlat_new(d, &x)))
		return err;
	ol_kernel_id_read(d, x, &id);
	err = ol_find_vmlinux(&id, given, named, in->dump, &in->vmlinux);
	ol_kernel_id_clear(&id);
	if (err && !given) { /* none found: report and gdb still work, with less */
		in->vmlinux_problem = g_strdup(err->message);
		g_clear_error(&err);
	}
	return err;
}

GError *crash_input_open(const char *arg, const char *vmlinux, CrashInput **out)
{
	g_autoptr(CrashInput) in = g_new0(CrashInput, 1);
	GError *err;

	if (g_file_test(arg, G_FILE_TEST_IS_DIR)) {
		g_autofree char *rj = g_build_filename(arg, "run.json", NULL);

		in->dir = g_strdup(arg);
		if (g_file_test(rj, G_FILE_TEST_EXISTS)) {
			if ((err = from_run(in, arg)))
				return err;
		} else if (!(in->dump = find_in(arg, "vmcore", "dump.", ""))) {
			return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT,
					   "%s: no run.json, and no dump (looked for vmcore and dump.*)", arg);
		}
	} else if (g_file_test(arg, G_FILE_TEST_IS_REGULAR)) {
		in->dump = g_strdup(arg);
		in->dir = g_path_get_dirname(arg);
	} else {
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such run directory or dump", arg);
	}
	if (!in->is_run) {
		in->log = find_in(in->dir, "vmcore-dmesg.txt", "dmesg.", "");
		/* a module's .ko kept with the dump (the stub looks there too) */
		in->module = find_in(in->dir, "", "", ".ko");
	} else if (json_get_string(in->run, "module")) {
		in->module = g_strdup(json_get_string(in->run, "module"));
	}
	if ((err = find_vmlinux(in, vmlinux)))
		return err;
	*out = g_steal_pointer(&in);
	return NULL;
}
