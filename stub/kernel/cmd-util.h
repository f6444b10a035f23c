/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the crash-style monitor commands (cmd-*.c) share: reading kernel
 * structures member by member through DWARF, finding a task by pid, crash's
 * "PID: ... TASK: ..." header, and paths rebuilt from dentries.
 */
#pragma once
#include <glib.h>

#include "kmem.h"
#include "tasks.h"

/*
 * A reader with a sticky error: a command reads dozens of members in a row,
 * so the first failure is kept (later reads return 0 and do nothing) and
 * handed back once, by ol_rd_finish().
 */
typedef struct {
	OlKmem *t;
	GError *err;
} OlRd;

#define OL_RD_INIT(target) {.t = (target), .err = NULL}

guint64 ol_rd_u64(OlRd *r, guint64 addr);
guint32 ol_rd_u32(OlRd *r, guint64 addr);
/* Offset of TYPE.MEMBER (dotted paths as ol_kmem_member). */
guint64 ol_rd_off(OlRd *r, const char *type, const char *member);
/* The value of member TYPE.MEMBER of the struct at BASE, read with the
 * member's own size (1, 2, 4 or 8 bytes; larger members: the first 8). */
guint64 ol_rd_member(OlRd *r, guint64 base, const char *type, const char *member);
/* Address of a vmlinux symbol (KASLR applied). */
guint64 ol_rd_symbol(OlRd *r, const char *name);
/* A NUL-terminated string of at most MAX bytes, never NULL (empty on error). */
char *ol_rd_string(OlRd *r, guint64 addr, gsize max);
/* TRUE if TYPE.MEMBER exists in this kernel (no error is kept). */
gboolean ol_rd_try_has(OlKmem *t, const char *type, const char *member);
/* The kept error (or NULL), which the caller now owns. */
GError *ol_rd_finish(OlRd *r) G_GNUC_WARN_UNUSED_RESULT;

/* The task with PID (its main thread when the pid is a process's), or an
 * error naming the pid. An empty or "-" PID: the task on the panicking CPU. */
GError *ol_cmd_find_task(OlKmem *t, const char *pid, OlTask *out) G_GNUC_WARN_UNUSED_RESULT;
/* crash's task header: PID: 129      TASK: ffff888000347080  CPU: 0    COMMAND: "sh" */
void ol_cmd_task_header(GString *out, const OlTask *task);

/* The path of DENTRY under the vfsmount MNT, from the global root, as
 * d_path() would print it; pseudo filesystems' files as /proc shows them
 * ("pipe:[1162]"). At most OL_DPATH_MAX_DEPTH components are followed. */
#define OL_DPATH_MAX_DEPTH 256
GError *ol_cmd_d_path(OlKmem *t, guint64 mnt, guint64 dentry, char **out) G_GNUC_WARN_UNUSED_RESULT;

/* One-line error for a structure this kernel does not have. */
GError *ol_cmd_missing(const char *what, const GError *why) G_GNUC_WARN_UNUSED_RESULT;

/* "name+31" for a kernel address (vmlinux's symbols, KASLR applied, and
 * the loaded modules' from their kallsyms in memory), or NULL when no
 * symbol precedes it closely (within 1 MiB). */
typedef struct OlSymtab OlSymtab;
OlSymtab *ol_symtab_new(OlKmem *t);
void ol_symtab_free(OlSymtab *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlSymtab, ol_symtab_free)
char *ol_symtab_lookup(const OlSymtab *s, guint64 addr, gboolean with_offset);
/* The name of the module holding that symbol, or NULL (vmlinux, or none). */
const char *ol_symtab_module(const OlSymtab *s, guint64 addr);
/* The address of that symbol, or 0. */
guint64 ol_symtab_start(const OlSymtab *s, guint64 addr);

/* A kernel stack followed by frame pointers from RIP, RBP: crash's
 * " #0 [rsp] func at rip [module]" lines, at most OL_FP_MAX_FRAMES. An
 * exception or interrupt entry's frame is crossed through its pt_regs, as
 * gdb does with the entry-code CFI (entry-cfi.h), and printed as crash does
 * ("[exception RIP: ...]" and the registers); a system call's user
 * registers end the stack (cmd-bt.c). */
#define OL_FP_MAX_FRAMES 64
#define OL_KERNEL_HALF G_GUINT64_CONSTANT(0xffff800000000000)
void ol_cmd_fp_backtrace(OlKmem *t, const OlSymtab *syms, guint64 rip, guint64 rsp, guint64 rbp,
			 GString *out);
/* crash's task header, then its stack: from its CPU's registers when it is
 * running, else from its switch frame. */
void ol_cmd_task_bt(OlKmem *t, const OlSymtab *syms, const OlTask *task, GString *out);
