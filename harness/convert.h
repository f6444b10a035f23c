/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab convert`: rewrite a dump as kdump-compressed or QEMU-style ELF. */
#pragma once

#include <glib.h>

#include "dump-writer.h"

int cmd_convert(int argc, char **argv);
/* Whether FORMAT names an output format of convert_dump(). */
gboolean convert_format_known(const char *format);
/* FORMAT's writer and codec; FALSE if it is not one. */
gboolean convert_format_lookup(const char *format, OlDumpWriteFormat *out, OlDumpCodec *codec);
/* The formats, "kdump-zstd, kdump-zlib, ..., elf": the one list that help
 * texts and errors print. */
char *convert_format_names(void);
/* --exclude LIST: comma-separated zero, free, lru (or none alone): FALSE if
 * LIST is not that. */
gboolean convert_parse_exclude(const char *list, gboolean *zero, gboolean *free_pages, gboolean *lru);
/* Rewrite the dump at IN as OUT in FORMAT (kdump-zstd, kdump-zlib, ...). */
GError *convert_dump(const char *in, const char *out, const char *format,
		     OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;
