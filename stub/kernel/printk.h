/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel log (printk ring) of a dump, as records, and its text as
 * `crash log` prints it.
 *
 * Two layouts (docs/printk.md):
 *  - the lockless ring (Linux >= 5.10): `prb`, its descriptor ring, info
 *    array and text data ring;
 *  - variable-length `struct printk_log` records in `log_buf` (3.5 .. 5.9).
 * Every address, size and offset comes from VMCOREINFO (the kernel exports
 * them for exactly this), so no vmlinux is needed; vmlinux's symbols and
 * DWARF only fill in what VMCOREINFO lacks.
 */
#pragma once
#include <glib.h>

#include "kmem.h"

typedef enum {
	OL_PRINTK_LOCKLESS, /* printk_ringbuffer, Linux >= 5.10 */
	OL_PRINTK_LEGACY,   /* struct printk_log records in log_buf, 3.5 .. 5.9 */
} OlPrintkFormat;

typedef struct {
	guint64 seq;       /* lockless: info.seq; legacy: log_first_seq (or 0) + position */
	guint64 ts_nsec;   /* local_clock() at printk time */
	gboolean has_caller;
	guint32 caller_id; /* bit 31 set: 0x80000000 | CPU; else the task's pid */
	guint8 facility;
	guint8 level;      /* 0 (KERN_EMERG) .. 7 (KERN_DEBUG) */
	guint8 flags;      /* the kernel's LOG_NEWLINE/LOG_CONT/... bits */
	/* FALSE for a lockless record without a text block: an empty line, or
	 * text the kernel failed to store. crash prints such a record as an
	 * empty line, without a timestamp. */
	gboolean has_text;
	char *text;        /* text_len bytes and a NUL; may hold '\n' (continuation lines) and other bytes */
	gsize text_len;
	char *dict;        /* "SUBSYSTEM=x\nDEVICE=y" (lockless dev_info) or the legacy dict, "" if none */
	guint64 text_addr; /* where the text is in the dump (kernel virtual), 0 if none */
	/* NULL, or why the text is missing or cannot be trusted, naming the
	 * address (text is then empty). */
	char *problem;
} OlPrintkRecord;

typedef struct {
	OlPrintkFormat format;
	GPtrArray *records;  /* OlPrintkRecord *, oldest first */
	/* Damage found outside single records (unreadable parts of the rings,
	 * a legacy walk that could not go on), each naming the address. The
	 * records around it are still read. */
	GPtrArray *problems; /* char * */
} OlPrintkLog;

void ol_printk_log_free(OlPrintkLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlPrintkLog, ol_printk_log_free)

/* The whole log. An error when there is no log to read at all: neither
 * layout's symbols (VMCOREINFO or vmlinux), the ring's headers unreadable or
 * impossible (the message names the address). */
GError *ol_printk_read_log(OlKmem *t, OlPrintkLog **out) G_GNUC_WARN_UNUSED_RESULT;
/* The same, records only (OlPrintkRecord *, oldest first; free the array). */
GError *ol_printk_read(OlKmem *t, GPtrArray **records) G_GNUC_WARN_UNUSED_RESULT;

typedef enum {
	OL_PRINTK_SHOW_TIME = 1 << 0,  /* "[    0.653138] " (crash log; without it, crash log -t) */
	OL_PRINTK_SHOW_LEVEL = 1 << 1, /* "<6>" after the time (crash log -m) */
} OlPrintkShow;

/* One record as crash 8 `log` prints it: the prefix, the text with each
 * '\n' starting a new line indented by the prefix's width, bytes that are
 * neither printable nor white space as '.', and a newline. A record without
 * a text block is an empty line. A record with a problem shows it in place
 * of its text. */
void ol_printk_format_record(GString *out, const OlPrintkRecord *r, guint show);
/* Every record, then the log's problems (if any) after a marker line. */
char *ol_printk_format(const OlPrintkLog *log, guint show);

/* `monitor dmesg [-t] [-m]`: the whole log as crash's `log` prints it
 * (-t: without timestamps, -m: with message levels, as crash's options). */
char *ol_printk_monitor_dmesg(OlKmem *t, const char *args, GError **error);
