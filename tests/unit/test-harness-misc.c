/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON writer, domain XML and lab manifest of the harness. */
#include <glib.h>
#include <glib/gstdio.h>

#include "domain-xml.h"
#include "json-writer.h"
#include "labs.h"

static void test_json(void)
{
	JsonWriter w = {.out = g_string_new(NULL)};

	json_begin_object(&w);
	json_member_string(&w, "s", "a\"b\\c\n\x01");
	json_member_string(&w, "null", NULL);
	json_member_int(&w, "i", -42);
	json_member_double(&w, "d", 1.5);
	json_member_bool(&w, "b", TRUE);
	json_key(&w, "empty");
	json_begin_object(&w);
	json_end_object(&w);
	json_key(&w, "arr");
	json_begin_array(&w);
	json_int(&w, 1);
	json_int(&w, 2);
	json_end_array(&w);
	json_member_string(&w, "bad-utf8", "\xff" "ok");
	json_end_object(&w);
	g_assert_cmpstr(w.out->str, ==,
			"{\n"
			"  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n"
			"  \"null\": null,\n"
			"  \"i\": -42,\n"
			"  \"d\": 1.500,\n"
			"  \"b\": true,\n"
			"  \"empty\": {},\n"
			"  \"arr\": [\n"
			"    1,\n"
			"    2\n"
			"  ],\n"
			"  \"bad-utf8\": \"\xef\xbf\xbdok\"\n"
			"}\n");
	g_string_free(w.out, TRUE);
}

static void start_element(GMarkupParseContext *ctx, const char *name, const char **attr_names,
			  const char **attr_values, gpointer data, GError **error)
{
	GHashTable *seen = data;

	for (int i = 0; attr_names[i]; i++) {
		g_autofree char *key = g_strdup_printf("%s@%s", name, attr_names[i]);

		g_hash_table_insert(seen, g_steal_pointer(&key), g_strdup(attr_values[i]));
	}
	g_hash_table_insert(seen, g_strdup(name), g_strdup(""));
}

static void text(GMarkupParseContext *ctx, const char *t, gsize len, gpointer data, GError **error)
{
	GHashTable *seen = data;
	const char *el = g_markup_parse_context_get_element(ctx);
	g_autofree char *s = g_strndup(t, len);

	if (*g_strstrip(s))
		g_hash_table_insert(seen, g_strdup_printf("%s#text", el), g_strdup(s));
}

static void test_domain_xml(void)
{
	DomainSpec spec = {
		.name = "oopslab-x-1",
		.accel = ACCEL_TCG,
		.memory_mib = 512,
		.cpus = 2,
		.kernel = "/k/bz<Image>",
		.initrd = "/k/initrd&",
		.cmdline = "console=ttyS0 a='b'",
		.console_path = "/r/console.log",
	};
	g_autofree char *xml = domain_xml(&spec);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GMarkupParser parser = {.start_element = start_element, .text = text};
	g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, seen, NULL);
	g_autoptr(GError) err = NULL;

	g_assert_true(g_markup_parse_context_parse(ctx, xml, -1, &err));
	g_assert_no_error(err);
	g_assert_cmpstr(g_hash_table_lookup(seen, "domain@type"), ==, "qemu");
	g_assert_cmpstr(g_hash_table_lookup(seen, "kernel#text"), ==, "/k/bz<Image>");
	g_assert_cmpstr(g_hash_table_lookup(seen, "initrd#text"), ==, "/k/initrd&");
	g_assert_cmpstr(g_hash_table_lookup(seen, "cmdline#text"), ==, "console=ttyS0 a='b'");
	g_assert_cmpstr(g_hash_table_lookup(seen, "on_crash#text"), ==, "preserve");
	g_assert_cmpstr(g_hash_table_lookup(seen, "panic@model"), ==, "isa");
	g_assert_cmpstr(g_hash_table_lookup(seen, "vmcoreinfo@state"), ==, "on");
	g_assert_cmpstr(g_hash_table_lookup(seen, "source@path"), ==, "/r/console.log");
	g_assert_true(g_hash_table_contains(seen, "acpi"));
	g_assert_false(g_hash_table_contains(seen, "cpu"));

	spec.accel = ACCEL_KVM;
	g_free(xml);
	xml = domain_xml(&spec);
	g_assert_nonnull(strstr(xml, "<domain type='kvm'>"));
	g_assert_nonnull(strstr(xml, "host-passthrough"));

	/* a daemon's run: the console is a pty that libvirt streams */
	spec.console_path = NULL;
	g_free(xml);
	xml = domain_xml(&spec);
	g_assert_nonnull(strstr(xml, "<serial type='pty'>"));
	g_assert_nonnull(strstr(xml, "<console type='pty'>"));
	g_assert_null(strstr(xml, "<serial type='file'>"));
}

static void test_manifest(void)
{
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("labs-XXXXXX.conf", &path, NULL);
	g_autoptr(LabSet) set = NULL;
	g_autoptr(GError) err = NULL;
	const Lab *lab;

	close(fd);
	g_file_set_contents(path,
			    "[a]\ntype=bug\nmodule=m\nfunction=f\nmarker=panic(\"x\\n\");\n"
			    "[b]\ntype=none\ncommand=true\nexpect=no-panic\n"
			    "[h]\ntype=hang\ncommand=true\nexpect=hang\n",
			    -1, NULL);
	err = lab_set_load(path, &set);
	g_assert_no_error(err);
	g_assert_cmpuint(set->labs->len, ==, 3);
	lab = lab_set_find(set, "a");
	g_assert_cmpstr(lab->module, ==, "m");
	g_assert_null(lab->command);
	g_assert_cmpstr(lab->expect, ==, "panic");
	/* markers are literal source text: no escape processing */
	g_assert_cmpstr(lab->marker, ==, "panic(\"x\\n\");");
	g_assert_cmpstr(lab_set_find(set, "b")->expect, ==, "no-panic");
	/* no-output's old name */
	g_assert_cmpstr(lab_set_find(set, "h")->expect, ==, "no-output");
	g_assert_null(lab_set_find(set, "c"));

	g_clear_pointer(&set, lab_set_free);
	g_file_set_contents(path, "[a]\ntype=bug\nmodule=m\ncommand=true\n", -1, NULL);
	err = lab_set_load(path, &set);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "exactly one of module= or command="));
	g_clear_error(&err);
	g_file_set_contents(path, "[a]\ntype=bug\nmodule=m\nexpect=maybe\n", -1, NULL);
	err = lab_set_load(path, &set);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "expect=maybe"));
	g_unlink(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/harness/json", test_json);
	g_test_add_func("/harness/domain-xml", test_domain_xml);
	g_test_add_func("/harness/manifest", test_manifest);
	return g_test_run();
}
