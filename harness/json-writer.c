/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json-writer.h"

static void indent(JsonWriter *w)
{
	g_string_append_c(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		g_string_append(w->out, "  ");
}

/* Separator and indentation before any value or key. */
static void before_value(JsonWriter *w)
{
	if (w->after_key) {
		w->after_key = FALSE;
		return;
	}
	if (w->need_comma)
		g_string_append_c(w->out, ',');
	if (w->depth > 0)
		indent(w);
}

static void open_container(JsonWriter *w, char c)
{
	before_value(w);
	g_string_append_c(w->out, c);
	w->depth++;
	w->need_comma = FALSE;
}

static void close_container(JsonWriter *w, char c)
{
	gboolean empty = !w->need_comma;

	w->depth--;
	if (!empty)
		indent(w);
	g_string_append_c(w->out, c);
	w->need_comma = TRUE;
	if (w->depth == 0)
		g_string_append_c(w->out, '\n');
}

void json_begin_object(JsonWriter *w) { open_container(w, '{'); }
void json_end_object(JsonWriter *w) { close_container(w, '}'); }
void json_begin_array(JsonWriter *w) { open_container(w, '['); }
void json_end_array(JsonWriter *w) { close_container(w, ']'); }

static void append_escaped(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
}

void json_key(JsonWriter *w, const char *key)
{
	before_value(w);
	append_escaped(w->out, key);
	g_string_append(w->out, ": ");
	w->after_key = TRUE;
}

static void scalar_done(JsonWriter *w)
{
	w->need_comma = TRUE;
}

void json_string(JsonWriter *w, const char *s)
{
	before_value(w);
	if (!s) {
		g_string_append(w->out, "null");
	} else if (g_utf8_validate(s, -1, NULL)) {
		append_escaped(w->out, s);
	} else {
		/* Console text may hold invalid UTF-8: never emit invalid JSON. */
		g_autofree char *valid = g_utf8_make_valid(s, -1);
		append_escaped(w->out, valid);
	}
	scalar_done(w);
}

void json_int(JsonWriter *w, gint64 v)
{
	before_value(w);
	g_string_append_printf(w->out, "%" G_GINT64_FORMAT, v);
	scalar_done(w);
}

void json_double(JsonWriter *w, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	before_value(w);
	g_string_append(w->out, g_ascii_formatd(buf, sizeof(buf), "%.3f", v));
	scalar_done(w);
}

void json_bool(JsonWriter *w, gboolean v)
{
	before_value(w);
	g_string_append(w->out, v ? "true" : "false");
	scalar_done(w);
}

void json_null(JsonWriter *w)
{
	before_value(w);
	g_string_append(w->out, "null");
	scalar_done(w);
}

void json_member_string(JsonWriter *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_member_int(JsonWriter *w, const char *key, gint64 v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_member_double(JsonWriter *w, const char *key, double v)
{
	json_key(w, key);
	json_double(w, v);
}

void json_member_bool(JsonWriter *w, const char *key, gboolean v)
{
	json_key(w, key);
	json_bool(w, v);
}
