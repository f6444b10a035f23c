/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target the server presents to gdb, on top of the kernel model's
 * memory layer (kmem.h) and walks (tasks.h, modules.h): one thread per vCPU
 * with the registers the dump saved, then one per task; the stop thread (the
 * CPU that panicked); and the "shared libraries" gdb loads (the entry-code
 * CFI, vmlinux at the KASLR offset, the modules' .ko files).
 */
#pragma once
#include <glib.h>

#include "kmem.h"
#include "modules.h"

typedef struct {
	guint64 tid;  /* gdb thread id: cpu + 1 for vCPUs */
	int cpu;      /* -1 for a task not on a CPU */
	char *name;   /* qXfer:threads name */
	char *extra;  /* qThreadExtraInfo text */
	guint64 task; /* its task_struct; 0 for vCPU threads */
	OlRegs regs;
} OlThread;

typedef struct OlTarget OlTarget;

/* Everything the target is told; the caller resolves its defaults (the
 * stub from the run directory: common/run-dir.h). NULL options: none. */
typedef struct {
	OlKmemOptions kmem; /* which vmlinux */
	/* Where modules' .ko files are looked for, recursively (--modules):
	 * only these. Each entry may hold several directories separated by
	 * ':'. NULL or none: the dump's directory, then RUN_MODULE_DIRS, then
	 * the release's debug tree (/usr/lib/debug/lib/modules/REL). */
	const char *const *module_dirs;
	const char *const *run_module_dirs; /* what the run directory names, or NULL */
	/* Never serve vmlinux (the caller's gdb loads it: --no-kernel-library). */
	gboolean no_kernel_library;
} OlTargetOptions;

/* DUMP_PATH may be a kdump-tools directory (vmcore or dump.DATE in it).
 * Problems that do not stop the target (a vmlinux that is not the dump's,
 * no vmlinux found and where it was looked for) are returned in *warnings. */
GError *ol_target_open(const char *dump_path, const OlTargetOptions *opt, OlTarget **out,
		       GPtrArray **warnings) G_GNUC_WARN_UNUSED_RESULT;
/* The same over a dump opened some other way (a live guest, live.h);
 * takes DUMP, even on failure. */
GError *ol_target_open_dump(OlDump *dump, const OlTargetOptions *opt, OlTarget **out,
			    GPtrArray **warnings) G_GNUC_WARN_UNUSED_RESULT;
/* The memory and CPU notes of T's dump changed (a live guest stopped
 * again): rebuild the translation, the threads and the stop thread, and
 * forget the modules.  Thread pointers from before are invalid. */
GError *ol_target_refresh(OlTarget *t, GPtrArray *warnings) G_GNUC_WARN_UNUSED_RESULT;
void ol_target_free(OlTarget *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlTarget, ol_target_free)

/* The memory layer T is built on (owned by T). */
OlKmem *ol_target_kmem(OlTarget *t);

guint ol_target_n_threads(const OlTarget *t);
const OlThread *ol_target_thread(const OlTarget *t, guint i);
const OlThread *ol_target_find_thread(const OlTarget *t, guint64 tid);
/* The thread of the CPU that panicked, and how that was decided. */
const OlThread *ol_target_stop_thread(const OlTarget *t);
const char *ol_target_stop_reason(const OlTarget *t);

/* gdb loads these as "shared libraries" (qXfer:libraries:read), reading
 * the files through the stub (vFile): the entry-code CFI, and the .ko of
 * each loaded module that was found (modules.h). NULL when there are none. */
char *ol_target_libraries_xml(OlTarget *t);
/* A file the stub serves by that name, or NULL: only those the library list
 * names, never any other file of the stub's host. */
GBytes *ol_target_file(OlTarget *t, const char *name);

/*
 * gdb's symbol file. gdb asks for an exec file (qXfer:exec-file) and is
 * told the entry-code CFI (NULL without vmlinux). gdb started with its own
 * vmlinux only checks it and closes it; gdb started with none keeps it as
 * its exec file. Then ol_target_use_exec_file(): the CFI is no longer a
 * library (qOffsets moves it by the KASLR offset) and the library list
 * serves vmlinux relocated, so gdb has every kernel symbol where it is.
 */
const char *ol_target_exec_file(OlTarget *t);
void ol_target_use_exec_file(OlTarget *t);
/* What qOffsets moves the exec file's sections by. */
guint64 ol_target_exec_text_offset(OlTarget *t);
/* One line for gdb's screen when the kernel moved (KASLR) and gdb may have
 * vmlinux at its link address, with what to type; NULL otherwise. */
char *ol_target_kaslr_note(OlTarget *t);
/* The dump's kernel modules, read on first use and kept (owned by T). */
GError *ol_target_modules(OlTarget *t, OlModules **out) G_GNUC_WARN_UNUSED_RESULT;

/* Read memory as thread TH sees it: kernel addresses as ol_kmem_read,
 * user addresses (the lower half) through its page tables: a task's
 * mm->pgd, a vCPU's CR3. A kernel thread has no user memory: an error
 * that says so. */
GError *ol_target_read_as(OlTarget *t, const OlThread *th, guint64 addr, void *buf, gsize len,
			  gsize *done) G_GNUC_WARN_UNUSED_RESULT;
