/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json-reader.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *s;
	gsize len, pos;
	GError *err;
} Parser;

/* Nesting limit: run.json is shallow; deeper input is not ours. */
#define MAX_DEPTH 64

void json_value_free(JsonValue *v)
{
	if (!v)
		return;
	g_free(v->string);
	if (v->items)
		g_ptr_array_unref(v->items);
	if (v->keys)
		g_ptr_array_unref(v->keys);
	g_free(v);
}

static void fail(Parser *p, const char *what)
{
	if (!p->err)
		p->err = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "JSON: %s at offset %" G_GSIZE_FORMAT, what,
				     p->pos);
}

static void skip_ws(Parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static gboolean lit(Parser *p, const char *word)
{
	gsize n = strlen(word);

	if (p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0) {
		p->pos += n;
		return TRUE;
	}
	return FALSE;
}

static char *parse_string(Parser *p)
{
	GString *out = g_string_new(NULL);

	p->pos++; /* opening quote */
	while (p->pos < p->len && p->s[p->pos] != '"') {
		char c = p->s[p->pos++];

		if (c != '\\') {
			g_string_append_c(out, c);
			continue;
		}
		if (p->pos >= p->len)
			break;
		c = p->s[p->pos++];
		switch (c) {
		case 'n': g_string_append_c(out, '\n'); break;
		case 't': g_string_append_c(out, '\t'); break;
		case 'r': g_string_append_c(out, '\r'); break;
		case 'b': g_string_append_c(out, '\b'); break;
		case 'f': g_string_append_c(out, '\f'); break;
		case 'u': {
			char hex[5] = {0};
			gunichar u;

			if (p->len - p->pos < 4) {
				fail(p, "short \\u escape");
				break;
			}
			memcpy(hex, p->s + p->pos, 4);
			p->pos += 4;
			u = (gunichar)strtoul(hex, NULL, 16);
			g_string_append_unichar(out, u);
			break;
		}
		default: g_string_append_c(out, c); break;
		}
	}
	if (p->pos >= p->len) {
		fail(p, "unterminated string");
		g_string_free(out, TRUE);
		return NULL;
	}
	p->pos++;
	return g_string_free(out, FALSE);
}

static JsonValue *parse_value(Parser *p, int depth);

/* The members of an object or the items of an array, P at its '{' or '['
 * (V's type says which): TRUE at the closing bracket. */
static gboolean parse_container(Parser *p, int depth, JsonValue *v)
{
	gboolean object = v->type == JSON_OBJECT;
	char close = object ? '}' : ']';

	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return TRUE;
	}
	for (;;) {
		JsonValue *item;

		skip_ws(p);
		if (object) {
			char *key;

			if (p->pos >= p->len || p->s[p->pos] != '"' || !(key = parse_string(p))) {
				fail(p, "expected a key");
				return FALSE;
			}
			g_ptr_array_add(v->keys, key);
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos++] != ':') {
				fail(p, "expected ':'");
				return FALSE;
			}
		}
		if (!(item = parse_value(p, depth + 1)))
			return FALSE;
		g_ptr_array_add(v->items, item);
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return TRUE;
		}
		fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
		return FALSE;
	}
}

/* true, false, null or a number. */
static gboolean parse_scalar(Parser *p, JsonValue *v)
{
	g_autofree char *num = NULL;
	char *end;

	if (lit(p, "true") || lit(p, "false")) {
		v->type = JSON_BOOL;
		v->boolean = p->s[p->pos - 1] == 'e' && p->s[p->pos - 4] == 't';
		return TRUE;
	}
	if (lit(p, "null"))
		return TRUE;
	num = g_strndup(p->s + p->pos, MIN(p->len - p->pos, 64));
	v->number = g_ascii_strtod(num, &end);
	if (end == num) {
		fail(p, "unexpected character");
		return FALSE;
	}
	v->type = JSON_NUMBER;
	p->pos += end - num;
	return TRUE;
}

static JsonValue *parse_value(Parser *p, int depth)
{
	JsonValue *v;
	gboolean ok;

	skip_ws(p);
	if (p->pos >= p->len) {
		fail(p, "unexpected end");
		return NULL;
	}
	if (depth > MAX_DEPTH) {
		fail(p, "nesting too deep");
		return NULL;
	}
	v = g_new0(JsonValue, 1);
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		v->type = p->s[p->pos] == '{' ? JSON_OBJECT : JSON_ARRAY;
		v->items = g_ptr_array_new_with_free_func((GDestroyNotify)json_value_free);
		if (v->type == JSON_OBJECT)
			v->keys = g_ptr_array_new_with_free_func(g_free);
		ok = parse_container(p, depth, v);
		break;
	case '"':
		v->type = JSON_STRING;
		ok = (v->string = parse_string(p)) != NULL;
		break;
	default:
		ok = parse_scalar(p, v);
		break;
	}
	if (!ok) {
		json_value_free(v);
		return NULL;
	}
	return v;
}

GError *json_parse(const char *text, gsize len, JsonValue **out)
{
	Parser p = {.s = text, .len = len};
	JsonValue *v = parse_value(&p, 0);

	skip_ws(&p);
	if (v && p.pos != p.len)
		fail(&p, "trailing data");
	if (p.err) {
		json_value_free(v);
		return p.err;
	}
	*out = v;
	return NULL;
}

GError *json_parse_file(const char *path, JsonValue **out)
{
	g_autofree char *text = NULL;
	gsize len;
	GError *err = NULL;

	if (!g_file_get_contents(path, &text, &len, &err))
		return err;
	if ((err = json_parse(text, len, out))) {
		GError *named = g_error_new(err->domain, err->code, "%s: %s", path, err->message);

		g_error_free(err);
		return named;
	}
	return NULL;
}

JsonValue *json_get(const JsonValue *v, const char *key)
{
	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (guint i = 0; i < v->keys->len; i++)
		if (g_str_equal(g_ptr_array_index(v->keys, i), key))
			return g_ptr_array_index(v->items, i);
	return NULL;
}

const char *json_get_string(const JsonValue *v, const char *key)
{
	JsonValue *m = json_get(v, key);

	return m && m->type == JSON_STRING ? m->string : NULL;
}

gboolean json_get_bool(const JsonValue *v, const char *key, gboolean fallback)
{
	JsonValue *m = json_get(v, key);

	return m && m->type == JSON_BOOL ? m->boolean : fallback;
}

double json_get_number(const JsonValue *v, const char *key, double fallback)
{
	JsonValue *m = json_get(v, key);

	return m && m->type == JSON_NUMBER ? m->number : fallback;
}
