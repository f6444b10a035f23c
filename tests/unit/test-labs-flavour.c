/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manifest's kernel flavours (harness/labs.c): canonical flavour sets,
 * a lab's flavours= added to the run's, KEY.FLAVOUR overrides (the first
 * flavour in canonical order wins, an empty one clears the key), and the
 * errors: an unknown flavour, on the command line or as a key's suffix.
 * On a manifest written here, and on the real one.
 */
#include <glib.h>
#include <glib/gstdio.h>

#include <string.h>
#include <unistd.h>

#include "labs.h"

static const char *manifest =
	"[plain]\n"
	"type=hung-task\ntitle=INFO: task hung in f\nmodule=m\nappend=a=1\n"
	"type.lockdep=lockdep-recursive-locking\ntitle.lockdep=possible deadlock in f\n"
	"type.kasan=kasan-x\nappend.kasan=\ntimeout.kasan=180\n"
	"[needs]\n"
	"flavours=lockdep,kasan\ntype=t\ncommand=true\n";

static char *write_manifest(const char *text)
{
	g_autoptr(GError) err = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("labs-XXXXXX.conf", &path, &err);

	g_assert_no_error(err);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	close(fd);
	return path;
}

static void test_canonical(void)
{
	g_autofree char *a = NULL, *b = NULL, *none = NULL, *bad = NULL;
	g_autoptr(GError) err = NULL;

	g_assert_no_error(lab_flavour_canonical("lockdep,kasan,lockdep", &a));
	g_assert_cmpstr(a, ==, "kasan,lockdep");
	g_assert_no_error(lab_flavour_canonical("ubsan", &b));
	g_assert_cmpstr(b, ==, "ubsan");
	g_assert_no_error(lab_flavour_canonical("", &none));
	g_assert_null(none);
	err = lab_flavour_canonical("kasan,msan", &bad);
	g_assert_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
	g_assert_nonnull(strstr(err->message, "'msan'"));
}

static void test_overrides(void)
{
	g_autofree char *path = write_manifest(manifest);
	g_autoptr(LabSet) plain = NULL, lockdep = NULL, both = NULL;
	const Lab *l;

	g_assert_no_error(lab_set_load(path, &plain));
	l = lab_set_find(plain, "plain");
	g_assert_null(l->flavour);
	g_assert_cmpstr(l->type, ==, "hung-task");
	g_assert_cmpstr(l->append, ==, "a=1");
	g_assert_cmpuint(l->variants->len, ==, 2); /* kasan, lockdep: what `oopslab labs` shows */
	g_assert_cmpstr(g_ptr_array_index(l->variants, 1), ==, "lockdep: lockdep-recursive-locking: possible deadlock in f");
	/* a lab's own flavours= come with it */
	g_assert_cmpstr(lab_set_find(plain, "needs")->flavour, ==, "kasan,lockdep");

	g_assert_no_error(lab_set_load_flavour(path, "lockdep", &lockdep));
	l = lab_set_find(lockdep, "plain");
	g_assert_cmpstr(l->flavour, ==, "lockdep");
	g_assert_cmpstr(l->type, ==, "lockdep-recursive-locking");
	g_assert_cmpstr(l->title, ==, "possible deadlock in f");
	g_assert_cmpstr(l->append, ==, "a=1");

	/* kasan comes first in canonical order; its empty append clears the key */
	g_assert_no_error(lab_set_load_flavour(path, "lockdep,kasan", &both));
	l = lab_set_find(both, "plain");
	g_assert_cmpstr(l->flavour, ==, "kasan,lockdep");
	g_assert_cmpstr(l->type, ==, "kasan-x");
	g_assert_null(l->append);
	g_assert_cmpint(l->timeout, ==, 180);
	g_assert_cmpstr(l->title, ==, "possible deadlock in f"); /* kasan has no title. */
	g_unlink(path);
}

static void test_errors(void)
{
	g_autofree char *typo = write_manifest("[x]\ntype=t\ncommand=true\ntitle.kasn=T\n");
	g_autofree char *bad = write_manifest("[x]\ntype=t\ncommand=true\nflavours=kcsan\n");
	g_autofree char *ok = write_manifest(manifest);
	g_autoptr(LabSet) set = NULL;
	g_autoptr(GError) e1 = lab_set_load(typo, &set);
	g_autoptr(GError) e2 = lab_set_load(bad, &set);
	g_autoptr(GError) e3 = lab_set_load_flavour(ok, "kasan,tsan", &set);

	g_assert_nonnull(e1);
	g_assert_nonnull(strstr(e1->message, "title.kasn"));
	g_assert_nonnull(e2);
	g_assert_nonnull(strstr(e2->message, "flavours="));
	g_assert_error(e3, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
	g_unlink(typo);
	g_unlink(bad);
	g_unlink(ok);
}

/* The real manifest loads on every flavour, and its flavour labs say what they need. */
static void test_real_manifest(void)
{
	g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "..", "guests", "labs", "labs.conf", NULL);

	for (const char *const *f = lab_flavours; *f; f++) {
		g_autoptr(LabSet) set = NULL;

		g_assert_no_error(lab_set_load_flavour(path, *f, &set));
		g_assert_nonnull(lab_set_find(set, "slab-out-of-bounds"));
		g_assert_cmpstr(lab_set_find(set, "slab-out-of-bounds")->needs, ==, "kasan");
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/labs-flavour/canonical", test_canonical);
	g_test_add_func("/labs-flavour/overrides", test_overrides);
	g_test_add_func("/labs-flavour/errors", test_errors);
	g_test_add_func("/labs-flavour/real-manifest", test_real_manifest);
	return g_test_run();
}
