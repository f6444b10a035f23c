/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small JSON reader: enough to read back run.json and report.json. */
#pragma once
#include <glib.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
	JsonType type;
	gboolean boolean;
	double number;
	char *string;
	GPtrArray *items;  /* ARRAY: JsonValue*; OBJECT: values in order */
	GPtrArray *keys;   /* OBJECT: char*, parallel to items */
};

/* Parse TEXT; errors name the byte offset. */
GError *json_parse(const char *text, gsize len, JsonValue **out) G_GNUC_WARN_UNUSED_RESULT;
GError *json_parse_file(const char *path, JsonValue **out) G_GNUC_WARN_UNUSED_RESULT;
void json_value_free(JsonValue *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonValue, json_value_free)

/* Member of an object (NULL if absent or V is not an object). */
JsonValue *json_get(const JsonValue *v, const char *key);
/* A string member, or NULL (absent, null, or not a string). */
const char *json_get_string(const JsonValue *v, const char *key);
gboolean json_get_bool(const JsonValue *v, const char *key, gboolean fallback);
double json_get_number(const JsonValue *v, const char *key, double fallback);
