/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VMCOREINFO lookup and number parsing, standalone and from a dump. */
#include <glib/gstdio.h>
#include <string.h>

#include "dump.h"
#include "dumpgen.h"
#include "vmcoreinfo.h"

/* Shaped like a 6.1 x86_64 guest's note (values made up). */
static const char info[] =
	"OSRELEASE=6.1.0-oopslab\n"
	"BUILD-ID=0123456789abcdef0123456789abcdef01234567\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff9a612340\n"
	"OFFSET(uts_namespace.name)=4\n"
	"SYMBOL(swapper_pg_dir)=ffffffff9a60a000\n"
	"SIZE(list_head)=16\n"
	"LENGTH(mem_section)=2048\n"
	"NUMBER(phys_base)=1234\n"
	"SYMBOL(init_top_pgt)=ffffffff9a60a000\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"KERNELOFFSET=18c00000\n"
	"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
	"NUMBER(sme_mask)=0\n"
	"NUMBER(VMALLOC_START)=0xffffc90000000000\n"
	"NUMBER(negative)=-5\n"
	"NUMBER(min)=-9223372036854775808\n"
	"NUMBER(max)=9223372036854775807\n"
	"NUMBER(toobig)=9223372036854775808\n"
	"SIZE(u64max)=18446744073709551615\n"
	"SIZE(u64over)=18446744073709551616\n"
	"NUMBER(leadingzero)=010\n"
	"NUMBER(empty)=\n"
	"NUMBER(junk)=12a\n"
	"SYMBOL(junk)=xyz\n"
	"SYMBOL(long)=1ffffffffffffffff\n"
	"CONFIG_KALLSYMS=y\n"
	"CRASHTIME=1700000000";  /* no newline at the end */

#define LEN (sizeof(info) - 1)

static void expect_error(GError *err, OlDumpError code, const char *substr)
{
	g_assert_nonnull(err);
	if (!g_error_matches(err, OL_DUMP_ERROR, code))
		g_error("expected code %d, got %d: %s", code, err->code, err->message);
	if (!strstr(err->message, substr))
		g_error("error message \"%s\" lacks \"%s\"", err->message, substr);
	g_assert_true(g_str_has_prefix(err->message, "VMCOREINFO: "));
	g_error_free(err);
}

static void test_lookup(void)
{
	gsize n = 99;
	const char *v = ol_vmcoreinfo_lookup(info, LEN, "OSRELEASE", &n);
	g_autofree char *rel = NULL;
	g_autofree char *last = NULL;
	g_autofree char *empty = NULL;
	g_autofree char *flag = NULL;
	gsize cut;
	g_autofree char *copy = NULL;
	static const char padded[] = "A=1\n\0B=2\n";
	static const char dup[] = "K=1\nK=2\n";
	g_autofree char *first = NULL;

	g_assert_nonnull(v);
	g_assert_cmpuint(n, ==, strlen("6.1.0-oopslab"));
	g_assert_cmpint(strncmp(v, "6.1.0-oopslab\n", n + 1), ==, 0);

	rel = ol_vmcoreinfo_dup(info, LEN, "OSRELEASE");
	g_assert_cmpstr(rel, ==, "6.1.0-oopslab");
	last = ol_vmcoreinfo_dup(info, LEN, "CRASHTIME");
	g_assert_cmpstr(last, ==, "1700000000");
	empty = ol_vmcoreinfo_dup(info, LEN, "NUMBER(empty)");
	g_assert_cmpstr(empty, ==, "");
	flag = ol_vmcoreinfo_dup(info, LEN, "CONFIG_KALLSYMS");
	g_assert_cmpstr(flag, ==, "y");

	/* Whole keys at the start of a line only. */
	g_assert_null(ol_vmcoreinfo_lookup(info, LEN, "OSREL", NULL));
	g_assert_null(ol_vmcoreinfo_lookup(info, LEN, "SYMBOL(init", NULL));
	g_assert_null(ol_vmcoreinfo_lookup(info, LEN, "ELEASE", NULL));
	g_assert_null(ol_vmcoreinfo_lookup(info, LEN, "init_uts_ns)", NULL));
	g_assert_null(ol_vmcoreinfo_lookup(info, LEN, "6.1.0-oopslab", NULL));
	g_assert_null(ol_vmcoreinfo_lookup(info, LEN, "NOPE", NULL));
	g_assert_null(ol_vmcoreinfo_lookup("", 0, "OSRELEASE", NULL));

	/* LEN bounds the search: the text need not be NUL-terminated. */
	cut = (gsize)(strstr(info, "PAGESIZE=") - info) + strlen("PAGESIZE=40");
	copy = g_memdup2(info, cut); /* no NUL after it */
	v = ol_vmcoreinfo_lookup(copy, cut, "PAGESIZE", &n);
	g_assert_nonnull(v);
	g_assert_cmpuint(n, ==, 2);
	g_assert_null(ol_vmcoreinfo_lookup(copy, cut, "KERNELOFFSET", NULL));

	/* A NUL ends the text (notes are zero-padded). */
	g_assert_nonnull(ol_vmcoreinfo_lookup(padded, sizeof(padded) - 1, "A", NULL));
	g_assert_null(ol_vmcoreinfo_lookup(padded, sizeof(padded) - 1, "B", NULL));

	/* Duplicate keys: the first wins. */
	first = ol_vmcoreinfo_dup(dup, sizeof(dup) - 1, "K");
	g_assert_cmpstr(first, ==, "1");
}

static void test_bases(void)
{
	guint64 u;
	gint64 s;

	g_assert_true(ol_vmcoreinfo_key_is_hex("SYMBOL(swapper_pg_dir)"));
	g_assert_true(ol_vmcoreinfo_key_is_hex("KERNELOFFSET"));
	g_assert_false(ol_vmcoreinfo_key_is_hex("NUMBER(phys_base)"));
	g_assert_false(ol_vmcoreinfo_key_is_hex("SIZE(list_head)"));
	g_assert_false(ol_vmcoreinfo_key_is_hex("PAGESIZE"));

	u = 0;
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "SYMBOL(swapper_pg_dir)", &u));
	g_assert_cmphex(u, ==, 0xffffffff9a60a000ULL);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "KERNELOFFSET", &u));
	g_assert_cmphex(u, ==, 0x18c00000);
	/* NUMBER is decimal: 1234, not 0x1234 (QEMU's own reader gets this wrong). */
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "NUMBER(phys_base)", &u));
	g_assert_cmpuint(u, ==, 1234);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "PAGESIZE", &u));
	g_assert_cmpuint(u, ==, 4096);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "OFFSET(uts_namespace.name)", &u));
	g_assert_cmpuint(u, ==, 4);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "SIZE(list_head)", &u));
	g_assert_cmpuint(u, ==, 16);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "LENGTH(mem_section)", &u));
	g_assert_cmpuint(u, ==, 2048);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "NUMBER(VMALLOC_START)", &u));
	g_assert_cmphex(u, ==, 0xffffc90000000000ULL);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "SIZE(u64max)", &u));
	g_assert_cmphex(u, ==, G_MAXUINT64);
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "NUMBER(leadingzero)", &u));
	g_assert_cmpuint(u, ==, 10); /* not octal */
	g_assert_no_error(ol_vmcoreinfo_get_u64(info, LEN, "CRASHTIME", &u));
	g_assert_cmpuint(u, ==, 1700000000);

	s = 0;
	g_assert_no_error(ol_vmcoreinfo_get_s64(info, LEN, "NUMBER(negative)", &s));
	g_assert_cmpint(s, ==, -5);
	g_assert_no_error(ol_vmcoreinfo_get_s64(info, LEN, "NUMBER(min)", &s));
	g_assert_cmpint(s, ==, G_MININT64);
	g_assert_no_error(ol_vmcoreinfo_get_s64(info, LEN, "NUMBER(max)", &s));
	g_assert_cmpint(s, ==, G_MAXINT64);
	g_assert_no_error(ol_vmcoreinfo_get_s64(info, LEN, "NUMBER(pgtable_l5_enabled)", &s));
	g_assert_cmpint(s, ==, 0);
	g_assert_no_error(ol_vmcoreinfo_get_s64(info, LEN, "NUMBER(phys_base)", &s));
	g_assert_cmpint(s, ==, 1234);
}

static void test_errors(void)
{
	static const struct {
		gboolean s64;
		const char *key;
		OlDumpError code;
		const char *want;
	} cases[] = {
		{ FALSE, "NUMBER(nothere)", OL_DUMP_ERROR_NOT_PRESENT, "no NUMBER(nothere)" },
		{ TRUE, "NUMBER(nothere)", OL_DUMP_ERROR_NOT_PRESENT, "NUMBER(nothere)" },
		{ FALSE, "NUMBER(negative)", OL_DUMP_ERROR_CORRUPT, "negative" },
		{ TRUE, "NUMBER(toobig)", OL_DUMP_ERROR_CORRUPT, "NUMBER(toobig)" },
		{ TRUE, "NUMBER(VMALLOC_START)", OL_DUMP_ERROR_CORRUPT, "signed" },
		{ FALSE, "SIZE(u64over)", OL_DUMP_ERROR_CORRUPT, "SIZE(u64over)=18446744073709551616 is not a decimal" },
		{ FALSE, "NUMBER(empty)", OL_DUMP_ERROR_CORRUPT, "NUMBER(empty)= " },
		{ FALSE, "NUMBER(junk)", OL_DUMP_ERROR_CORRUPT, "12a" },
		{ FALSE, "SYMBOL(junk)", OL_DUMP_ERROR_CORRUPT, "hexadecimal" },
		{ FALSE, "SYMBOL(long)", OL_DUMP_ERROR_CORRUPT, "SYMBOL(long)" },
		{ FALSE, "CONFIG_KALLSYMS", OL_DUMP_ERROR_CORRUPT, "CONFIG_KALLSYMS=y" },
	};
	guint64 u = 77;
	gint64 s = 77;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (cases[i].s64)
			expect_error(ol_vmcoreinfo_get_s64(info, LEN, cases[i].key, &s), cases[i].code,
				     cases[i].want);
		else
			expect_error(ol_vmcoreinfo_get_u64(info, LEN, cases[i].key, &u), cases[i].code,
				     cases[i].want);
	}
	/* Out-parameters untouched on error. */
	g_assert_cmpuint(u, ==, 77);
	g_assert_cmpint(s, ==, 77);
}

static void test_from_dump(void)
{
	/* The note is copied up to its first NUL: zero padding is not text. */
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	static const char padded[] = "OSRELEASE=6.1.0\nNUMBER(phys_base)=16777216\n\0\0\0\0\0\0";
	g_autoptr(GByteArray) b = NULL;
	g_autofree char *path = NULL;
	g_autoptr(OlDump) d = NULL;
	g_autoptr(GError) err = NULL;
	gsize len;
	const char *text;
	guint64 phys_base;

	dumpgen_add_cpu(g, 1, 0, TRUE, 440);
	dumpgen_add_load(g, 0, 0x100, 0x100);
	dumpgen_add_note(g, "VMCOREINFO", 0, padded, sizeof(padded));
	b = dumpgen_build(g, NULL);
	path = dumpgen_write_temp(b);
	err = ol_dump_open(path, &d);
	g_unlink(path);
	g_assert_no_error(err);

	len = 0;
	text = ol_dump_vmcoreinfo(d, &len);
	g_assert_cmpstr(text, ==, "OSRELEASE=6.1.0\nNUMBER(phys_base)=16777216\n");
	g_assert_cmpuint(len, ==, strlen(text));
	phys_base = 0;
	g_assert_no_error(ol_vmcoreinfo_get_u64(text, len, "NUMBER(phys_base)", &phys_base));
	g_assert_cmphex(phys_base, ==, 0x1000000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmcoreinfo/lookup", test_lookup);
	g_test_add_func("/vmcoreinfo/bases", test_bases);
	g_test_add_func("/vmcoreinfo/errors", test_errors);
	g_test_add_func("/vmcoreinfo/from-dump", test_from_dump);
	return g_test_run();
}
