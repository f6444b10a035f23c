/*
 * The stopped kernel a dump shows: memory through the kernel's page tables,
 * one thread per vCPU with the registers the dump saved, the CPU that
 * panicked, KASLR, and (optionally) vmlinux's symbols.
 */
#pragma once
#include <glib.h>

#include "debug-files.h"
#include "dump.h"
#include "dwarf-types.h"
#include "entry-cfi.h"
#include "registers.h"
#include "vmlinux.h"
#include "xlat.h"

typedef struct {
	guint64 tid;  /* gdb thread id: cpu + 1 for vCPUs */
	int cpu;      /* -1 for a task not on a CPU */
	char *name;   /* qXfer:threads name */
	char *extra;  /* qThreadExtraInfo text */
	guint64 task; /* its task_struct; 0 for vCPU threads */
	OlRegs regs;
} OlThread;

typedef struct OlTarget OlTarget;

/* DUMP_PATH may be a kdump-tools directory (vmcore or dump.DATE in it).
 * vmlinux may be NULL: then it is looked for (debug-files.h: the run
 * directory, the system's debug directories, the debuginfod cache), and
 * without it the target works from the dump alone. A given vmlinux whose
 * build-id is not the dump's is refused (not used; a warning with both
 * ids). Problems that do not stop the target (that one, no vmlinux found
 * and where it was looked for) are returned in *warnings. */
GError *ol_target_open(const char *dump_path, const char *vmlinux, OlTarget **out, GPtrArray **warnings) G_GNUC_WARN_UNUSED_RESULT;
/* The same over a dump opened some other way (a live guest, live.h);
 * takes DUMP, even on failure. */
GError *ol_target_open_dump(OlDump *dump, const char *vmlinux, OlTarget **out, GPtrArray **warnings) G_GNUC_WARN_UNUSED_RESULT;
/* The memory and CPU notes of T's dump changed (a live guest stopped
 * again): rebuild the translation, the threads and the stop thread, and
 * forget the modules.  Thread pointers from before are invalid. */
GError *ol_target_refresh(OlTarget *t, GPtrArray *warnings) G_GNUC_WARN_UNUSED_RESULT;
void ol_target_free(OlTarget *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlTarget, ol_target_free)

OlDump *ol_target_dump(OlTarget *t);
OlXlat *ol_target_xlat(OlTarget *t);
OlVmlinux *ol_target_vmlinux(OlTarget *t); /* or NULL */
/* The dump's release and build-id (debug-files.h). */
const OlKernelId *ol_target_kernel_id(OlTarget *t);

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
/* FALSE: never serve vmlinux (the caller's gdb loads it: --no-kernel-library). */
void ol_target_set_kernel_library(OlTarget *t, gboolean allowed);

/* What the kernel entry code at runtime address ADDR leaves on the stack
 * (entry-cfi.h: the knowledge gdb's unwinding through the stub uses). */
OlEntryKind ol_target_entry_kind(OlTarget *t, guint64 addr);

/* Where modules' .ko files are looked for, recursively (--modules). Each
 * entry may hold several directories separated by ':'. NULL or none: the
 * defaults of ol_modules_default_dirs(). */
void ol_target_set_module_dirs(OlTarget *t, const char *const *dirs);
typedef struct OlModules OlModules;
/* The dump's kernel modules, read on first use and kept (owned by T). */
GError *ol_target_modules(OlTarget *t, OlModules **out) G_GNUC_WARN_UNUSED_RESULT;

/* ---- kernel model helpers (need vmlinux; without it they fail) ---- */

/* vmlinux's DWARF, or NULL without vmlinux (or without debug info). */
OlDwarf *ol_target_dwarf(OlTarget *t);
/* Runtime address of a vmlinux symbol: KASLR applied. Per-CPU symbols
 * (.data..percpu) are offsets, not addresses: see ol_target_percpu(). */
GError *ol_target_symbol(OlTarget *t, const char *name, guint64 *addr) G_GNUC_WARN_UNUSED_RESULT;
/* Address of per-CPU variable NAME on CPU: __per_cpu_offset[cpu] + &NAME. */
GError *ol_target_percpu(OlTarget *t, const char *name, guint cpu, guint64 *addr) G_GNUC_WARN_UNUSED_RESULT;
/* Offset (and size) of a struct member, from DWARF: "task_struct", "thread.sp". */
GError *ol_target_member(OlTarget *t, const char *type, const char *member, guint64 *offset, guint64 *size) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_target_read_u64(OlTarget *t, guint64 addr, guint64 *v) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_target_read_u32(OlTarget *t, guint64 addr, guint32 *v) G_GNUC_WARN_UNUSED_RESULT;
/* For callers that only want to know whether something is there: the same
 * lookups as TRUE/FALSE, with nothing to free (never test a GError * as a
 * boolean and drop it). */
gboolean ol_target_try_symbol(OlTarget *t, const char *name, guint64 *addr);
gboolean ol_target_try_member(OlTarget *t, const char *type, const char *member, guint64 *offset, guint64 *size);
gboolean ol_target_try_read_u64(OlTarget *t, guint64 addr, guint64 *v);
gboolean ol_target_try_read_u32(OlTarget *t, guint64 addr, guint32 *v);
/* Read a NUL-terminated string of at most MAX bytes (not counting the NUL). */
GError *ol_target_read_string(OlTarget *t, guint64 addr, gsize max, char **out) G_GNUC_WARN_UNUSED_RESULT;

/* Read kernel virtual memory; *done bytes were read (see ol_xlat_read). */
GError *ol_target_read(OlTarget *t, guint64 addr, void *buf, gsize len, gsize *done) G_GNUC_WARN_UNUSED_RESULT;
/* Read memory as thread TH sees it: kernel addresses as ol_target_read,
 * user addresses (the lower half) through its page tables: a task's
 * mm->pgd, a vCPU's CR3. A kernel thread has no user memory: an error
 * that says so. */
GError *ol_target_read_as(OlTarget *t, const OlThread *th, guint64 addr, void *buf, gsize len, gsize *done) G_GNUC_WARN_UNUSED_RESULT;
