/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab lab init DIR`: a lab directory a teacher edits and hands out. */
#include <errno.h>

#include <gio/gio.h>

#include "labs.h"

static const char lab_conf[] =
	"# An oopslab lab: `oopslab run --lab THIS_DIRECTORY`. The keys are the ones of\n"
	"# guests/labs/labs.conf (see the README's Labs section); `source` is relative\n"
	"# to this directory. Edit the module and these lines together.\n"
	"[@NAME@]\n"
	"type=null-pointer-dereference\n"
	"title=BUG: kernel NULL pointer dereference in @MOD@_crash\n"
	"description=Writes through a NULL pointer in a module function.\n"
	"module=@MOD@\n"
	"function=@MOD@_crash\n"
	"source=@MOD@.c\n"
	"marker=oopslab: crash here\n";

static const char kbuild[] = "# Built out of tree by oopslab, against the run's kernel.\nccflags-y := -g\nobj-m += @MOD@.o\n";

static const char module_c[] =
	"// SPDX-License-Identifier: GPL-2.0\n"
	"/* oopslab lab @NAME@: does nothing when loaded, crashes when 1 is written\n"
	" * to /sys/module/@MOD@/parameters/trigger (the guest's /init does that). */\n"
	"#include <linux/module.h>\n"
	"#include <linux/moduleparam.h>\n"
	"\n"
	"struct lab_record {\n"
	"\tunsigned long id;\n"
	"\tunsigned long value;\n"
	"};\n"
	"\n"
	"static struct lab_record *volatile lab_current;\n"
	"\n"
	"static noinline void @MOD@_crash(void)\n"
	"{\n"
	"\tstruct lab_record *rec = lab_current;\n"
	"\n"
	"\trec->value = 0x0bad; /* oopslab: crash here */\n"
	"}\n"
	"\n"
	"static int trigger_set(const char *val, const struct kernel_param *kp)\n"
	"{\n"
	"\t@MOD@_crash();\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"static const struct kernel_param_ops trigger_ops = {.set = trigger_set};\n"
	"module_param_cb(trigger, &trigger_ops, NULL, 0200);\n"
	"MODULE_DESCRIPTION(\"oopslab lab @NAME@\");\n"
	"MODULE_LICENSE(\"GPL\");\n";

static const char readme[] =
	"# Lab @NAME@\n"
	"\n"
	"Run it with `oopslab run --lab .` from this directory (or `--lab PATH`), then\n"
	"`oopslab report RUNDIR` and `oopslab gdb RUNDIR`.\n"
	"\n"
	"- `@MOD@.c`: the module. It crashes when its `trigger` parameter is written.\n"
	"- `lab.conf`: what the crash is (type, title, function, the marked line).\n"
	"- `Kbuild`: how it is built (out of tree, in oopslab's cache).\n";

static char *expand(const char *tmpl, const char *name, const char *mod)
{
	g_autoptr(GString) s = g_string_new(tmpl);

	g_string_replace(s, "@NAME@", name, 0);
	g_string_replace(s, "@MOD@", mod, 0);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

GError *lab_init_dir(const char *dir)
{
	g_autofree char *base = g_path_get_basename(dir);
	g_autofree char *name = g_ascii_strdown(base, -1);
	g_autofree char *mod = NULL;
	g_autofree char *c_name = NULL;
	const char *files[4][2];
	g_autoptr(GError) err = NULL;

	g_strcanon(name, "abcdefghijklmnopqrstuvwxyz0123456789-", '-');
	mod = g_strdelimit(g_strdup(name), "-", '_');
	if (g_ascii_isdigit(*mod) || !*mod)
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_INVAL, "lab init: %s: the directory name must start with a letter", dir);
	if (g_file_test(dir, G_FILE_TEST_EXISTS))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_EXIST, "lab init: %s exists (give a new directory)", dir);
	if (g_mkdir_with_parents(dir, 0755) < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "lab init: cannot create %s: %s", dir,
				   g_strerror(errno));
	c_name = g_strdup_printf("%s.c", mod);
	files[0][0] = "lab.conf", files[0][1] = lab_conf;
	files[1][0] = "Kbuild", files[1][1] = kbuild;
	files[2][0] = c_name, files[2][1] = module_c;
	files[3][0] = "README.md", files[3][1] = readme;
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(dir, files[i][0], NULL);
		g_autofree char *text = expand(files[i][1], name, mod);

		if (!g_file_set_contents(path, text, -1, &err))
			return g_error_new(G_FILE_ERROR, err->code, "lab init: %s", err->message);
	}
	return NULL;
}
