/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Looking up and parsing VMCOREINFO keys.  See vmcoreinfo.h for the bases. */
#include <string.h>

#include "dump.h"
#include "vmcoreinfo.h"

const char *ol_vmcoreinfo_lookup(const char *info, gsize len, const char *key,
				 gsize *value_len)
{
	gsize klen = strlen(key);
	const char *end = info + len;
	for (const char *line = info; line < end;) {
		const char *nl = memchr(line, '\n', (gsize)(end - line));
		const char *eol = nl ? nl : end;
		/* A NUL ends the text: the note may be padded with zeros. */
		const char *nul = memchr(line, '\0', (gsize)(eol - line));
		if (nul)
			eol = nul;
		if ((gsize)(eol - line) > klen && memcmp(line, key, klen) == 0 && line[klen] == '=') {
			if (value_len)
				*value_len = (gsize)(eol - line - klen - 1);
			return line + klen + 1;
		}
		if (nul || !nl)
			break;
		line = nl + 1;
	}
	return NULL;
}

char *ol_vmcoreinfo_dup(const char *info, gsize len, const char *key)
{
	gsize vlen;
	const char *v = ol_vmcoreinfo_lookup(info, len, key, &vlen);
	return v ? g_strndup(v, vlen) : NULL;
}

gboolean ol_vmcoreinfo_key_is_hex(const char *key)
{
	return g_str_has_prefix(key, "SYMBOL(") || strcmp(key, "KERNELOFFSET") == 0;
}

/* Digits in BASE, whole string, no sign, no overflow. */
static gboolean parse_digits(const char *s, gsize n, guint base, guint64 *out)
{
	guint64 v;

	if (n == 0)
		return FALSE;
	v = 0;
	for (gsize i = 0; i < n; i++) {
		int digit = g_ascii_xdigit_value(s[i]);
		if (digit < 0 || (guint)digit >= base)
			return FALSE;
		if (v > (G_MAXUINT64 - (guint)digit) / base)
			return FALSE;
		v = v * base + (guint)digit;
	}
	*out = v;
	return TRUE;
}

/* Parse KEY's value into a sign and magnitude. */
static GError *parse_value(const char *info, gsize len, const char *key,
			   gboolean *negative, guint64 *magnitude)
{
	gsize n;
	const char *v = ol_vmcoreinfo_lookup(info, len, key, &n);
	g_autofree char *shown = NULL;
	gboolean hex;
	const char *s;
	guint base;

	if (!v)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "VMCOREINFO: no %s", key);
	shown = g_strndup(v, n);
	hex = ol_vmcoreinfo_key_is_hex(key);
	s = v;
	*negative = FALSE;
	if (!hex && n > 0 && s[0] == '-') {
		*negative = TRUE;
		s++;
		n--;
	}
	base = hex ? 16 : 10;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (!parse_digits(s, n, base, magnitude))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT,
				   "VMCOREINFO: %s=%s is not a %s number in range", key, shown,
				   hex ? "hexadecimal" : "decimal");
	return NULL;
}

GError *ol_vmcoreinfo_get_u64(const char *info, gsize len, const char *key, guint64 *out)
{
	gboolean negative;
	guint64 v;
	GError *err = parse_value(info, len, key, &negative, &v);
	if (err)
		return err;
	if (negative && v != 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT,
				   "VMCOREINFO: %s=-%" G_GUINT64_FORMAT " is negative", key, v);
	*out = v;
	return NULL;
}

GError *ol_vmcoreinfo_get_s64(const char *info, gsize len, const char *key, gint64 *out)
{
	gboolean negative;
	guint64 v;
	GError *err = parse_value(info, len, key, &negative, &v);
	if (err)
		return err;
	/* |G_MININT64| is G_MAXINT64 + 1. */
	if (v > (guint64)G_MAXINT64 + (negative ? 1 : 0))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT,
				   "VMCOREINFO: %s=%s%" G_GUINT64_FORMAT " does not fit in 64 signed bits",
				   key, negative ? "-" : "", v);
	*out = negative ? (gint64)(0 - v) : (gint64)v;
	return NULL;
}

gboolean ol_vmcoreinfo_try_u64(const char *info, gsize len, const char *key, guint64 *v)
{
	g_autoptr(GError) err = ol_vmcoreinfo_get_u64(info, len, key, v);

	return err == NULL;
}
