/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small streaming JSON writer: enough for run.json and reports. */
#pragma once
#include <glib.h>

typedef struct {
	GString *out;
	int depth;
	gboolean need_comma;
	gboolean after_key;
} JsonWriter;

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w);
void json_end_array(JsonWriter *w);
void json_key(JsonWriter *w, const char *key);
void json_string(JsonWriter *w, const char *s); /* NULL writes null */
void json_int(JsonWriter *w, gint64 v);
void json_double(JsonWriter *w, double v);
void json_bool(JsonWriter *w, gboolean v);
void json_null(JsonWriter *w);

/* Shorthands for "key": value members. */
void json_member_string(JsonWriter *w, const char *key, const char *s);
void json_member_int(JsonWriter *w, const char *key, gint64 v);
void json_member_double(JsonWriter *w, const char *key, double v);
void json_member_bool(JsonWriter *w, const char *key, gboolean v);
