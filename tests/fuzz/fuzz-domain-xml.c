/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the libvirt domain XML built from user inputs (lab name,
 * kernel, initrd, --append, console and disk paths).  Input: the fields,
 * one per line.  Checks: the XML is well-formed and every field comes back
 * unchanged when it is parsed.
 */
#include <stdint.h>
#include <string.h>

#include "domain-xml.h"

typedef struct {
	GPtrArray *text; /* element text and attribute values seen */
	GString *cur;
} Seen;

static void start(GMarkupParseContext *c, const char *el, const char **names, const char **values,
		  gpointer data, GError **error)
{
	Seen *s = data;

	for (guint i = 0; names[i]; i++)
		g_ptr_array_add(s->text, g_strdup(values[i]));
	g_string_truncate(s->cur, 0);
}

static void end(GMarkupParseContext *c, const char *el, gpointer data, GError **error)
{
	Seen *s = data;

	g_ptr_array_add(s->text, g_strdup(s->cur->str));
	g_string_truncate(s->cur, 0);
}

static void text(GMarkupParseContext *c, const char *t, gsize len, gpointer data, GError **error)
{
	g_string_append_len(((Seen *)data)->cur, t, len);
}

static gboolean seen(const Seen *s, const char *v)
{
	for (guint i = 0; i < s->text->len; i++)
		if (strcmp(s->text->pdata[i], v) == 0)
			return TRUE;
	return FALSE;
}

static void check(const char *const *field, gboolean kvm, Seen *s)
{
	GMarkupParser parser = { start, end, text, NULL, NULL };
	g_autoptr(GError) err = NULL;
	DomainSpec spec = { .name = field[0], .accel = kvm ? ACCEL_KVM : ACCEL_TCG, .memory_mib = 256,
			    .cpus = 2, .kernel = field[1], .initrd = field[2], .cmdline = field[3],
			    .console_path = field[4], .disk_path = field[5] };
	g_autofree char *xml = domain_xml(&spec);
	g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, s, NULL);

	if (!g_markup_parse_context_parse(ctx, xml, -1, &err) || !g_markup_parse_context_end_parse(ctx, &err))
		g_error("domain XML not well-formed (%s):\n%s", err->message, xml);
	for (guint i = 0; i < 6; i++)
		if (field[i] && !seen(s, field[i]))
			g_error("field %u \"%s\" does not come back from the XML:\n%s", i, field[i], xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *in = g_strndup((const char *)data, size);
	g_auto(GStrv) f = g_strsplit(in, "\n", 7);
	const char *field[6] = { "lab", "/k", "/i", "", "/c", NULL };
	Seen s = { g_ptr_array_new_with_free_func(g_free), g_string_new(NULL) };

	for (guint i = 0; i < 6 && f[i]; i++)
		field[i] = f[i];
	/* XML 1.0 cannot carry every byte: inputs the harness would have to
	 * refuse are out of scope here (they are text of the command line). */
	for (guint i = 0; i < 6; i++)
		if (field[i] && (!g_utf8_validate(field[i], -1, NULL) ||
				 strpbrk(field[i], "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13"
						   "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\r\t")))
			goto out;
	check(field, size & 1, &s);
out:
	g_ptr_array_unref(s.text);
	g_string_free(s.cur, TRUE);
	return 0;
}
