/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory layer of the kernel model: the stopped kernel as its dump holds
 * it. Memory through the kernel's page tables (xlat.h), vmlinux's symbols
 * and DWARF when there is a vmlinux, the registers each CPU note saved, and
 * the CPU that panicked. The walks (tasks, modules, printk, sysinfo, the
 * monitor commands) read the kernel through this and nothing else; the
 * target (target.h) builds gdb's threads and libraries on top of them.
 */
#pragma once
#include <glib.h>

#include "debug-files.h"
#include "dump.h"
#include "dwarf-types.h"
#include "entry-cfi.h"
#include "regs.h"
#include "vmlinux.h"
#include "xlat.h"

typedef struct OlKmem OlKmem;

/* Which vmlinux: the caller resolves its defaults (the stub and the harness
 * from the run directory, common/run-dir.h); NULL options: none given. */
typedef struct {
	/* This one (--vmlinux), or NULL: look for it (debug-files.h). A given
	 * vmlinux whose build-id or banner is not the dump's is not used (a
	 * warning says why), and the model works from the dump alone. */
	const char *vmlinux;
	/* Looking for it: the first place to try (what run.json names), or NULL. */
	const char *vmlinux_hint;
} OlKmemOptions;

/* DUMP_PATH may be a kdump-tools directory (vmcore or dump.DATE in it).
 * Problems that leave the model usable are added to WARNINGS. */
GError *ol_kmem_open(const char *dump_path, const OlKmemOptions *opt, OlKmem **out,
		     GPtrArray *warnings) G_GNUC_WARN_UNUSED_RESULT;
/* Over a dump opened some other way (a live guest, live.h); takes DUMP,
 * even on failure. */
GError *ol_kmem_open_dump(OlDump *dump, const OlKmemOptions *opt, OlKmem **out,
			  GPtrArray *warnings) G_GNUC_WARN_UNUSED_RESULT;
/* The dump's memory and CPU notes changed (a live guest stopped again):
 * rebuild the translation, the CPUs' registers and the panicking CPU. */
GError *ol_kmem_refresh(OlKmem *k) G_GNUC_WARN_UNUSED_RESULT;
void ol_kmem_free(OlKmem *k);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlKmem, ol_kmem_free)

OlDump *ol_kmem_dump(OlKmem *k);
OlXlat *ol_kmem_xlat(OlKmem *k);
OlVmlinux *ol_kmem_vmlinux(OlKmem *k); /* or NULL */
/* vmlinux's DWARF, or NULL without vmlinux (or without debug info). */
OlDwarf *ol_kmem_dwarf(OlKmem *k);
/* The dump's release and build-id (debug-files.h). */
const OlKernelId *ol_kmem_kernel_id(OlKmem *k);
/* The KASLR offset (0 when unknown). */
guint64 ol_kmem_kaslr_offset(OlKmem *k);
/* The entry code's unwind information, built from vmlinux (NULL without). */
const OlEntryCfi *ol_kmem_entry_cfi(OlKmem *k);
/* What the kernel entry code at runtime address ADDR leaves on the stack
 * (entry-cfi.h: the knowledge gdb's unwinding through the stub uses). */
OlEntryKind ol_kmem_entry_kind(OlKmem *k, guint64 addr);

/* ---- CPUs ---- */
guint ol_kmem_n_cpus(OlKmem *k);
/* CPU's registers in gdb's layout, from its NT_PRSTATUS note (and QEMU's
 * system registers); CPU < ol_kmem_n_cpus(). */
const OlRegs *ol_kmem_cpu_regs(OlKmem *k, guint cpu);
/*
 * Which CPU panicked, and how that was decided (docs/threads-and-libraries.md):
 * panic_cpu or crashing_cpu with vmlinux, else the first CPU not halted,
 * else CPU 0.
 */
guint ol_kmem_panic_cpu(OlKmem *k);
const char *ol_kmem_panic_reason(OlKmem *k);

/* ---- vmlinux helpers (without vmlinux they fail, saying so) ---- */

/* Runtime address of a vmlinux symbol: KASLR applied. Per-CPU symbols
 * (.data..percpu) are offsets, not addresses: see ol_kmem_percpu(). */
GError *ol_kmem_symbol(OlKmem *k, const char *name, guint64 *addr) G_GNUC_WARN_UNUSED_RESULT;
/* Address of per-CPU variable NAME on CPU: __per_cpu_offset[cpu] + &NAME. */
GError *ol_kmem_percpu(OlKmem *k, const char *name, guint cpu, guint64 *addr) G_GNUC_WARN_UNUSED_RESULT;
/* Offset (and size) of a struct member, from DWARF: "task_struct", "thread.sp". */
GError *ol_kmem_member(OlKmem *k, const char *type, const char *member, guint64 *offset,
		       guint64 *size) G_GNUC_WARN_UNUSED_RESULT;

/* Read kernel virtual memory; *done bytes were read (see ol_xlat_read). */
GError *ol_kmem_read(OlKmem *k, guint64 addr, void *buf, gsize len, gsize *done) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_kmem_read_u64(OlKmem *k, guint64 addr, guint64 *v) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_kmem_read_u32(OlKmem *k, guint64 addr, guint32 *v) G_GNUC_WARN_UNUSED_RESULT;
/* Read a NUL-terminated string of at most MAX bytes (not counting the NUL). */
GError *ol_kmem_read_string(OlKmem *k, guint64 addr, gsize max, char **out) G_GNUC_WARN_UNUSED_RESULT;

/* For callers that only want to know whether something is there: the same
 * lookups as TRUE/FALSE, with nothing to free. */
gboolean ol_kmem_try_symbol(OlKmem *k, const char *name, guint64 *addr);
gboolean ol_kmem_try_member(OlKmem *k, const char *type, const char *member, guint64 *offset, guint64 *size);
gboolean ol_kmem_try_read_u64(OlKmem *k, guint64 addr, guint64 *v);
gboolean ol_kmem_try_read_u32(OlKmem *k, guint64 addr, guint32 *v);

/*
 * ---- the layout: VMCOREINFO first, then vmlinux's DWARF ----
 * The kernel exports some symbols, offsets and sizes in VMCOREINFO
 * (SYMBOL(x) already carries KASLR), so a reader that needs only those works
 * without vmlinux. Offsets and sizes past 64 KiB are damage, refused. An
 * error names the VMCOREINFO key that was missing and why DWARF failed.
 */
/* Offsets and sizes of these structs are small: anything else in
 * VMCOREINFO is damage, and would make a reader's arithmetic overflow. */
#define OL_KMEM_LAYOUT_MAX 0x10000
/* "KEY = V is not plausible". */
GError *ol_kmem_implausible(const char *key, guint64 v) G_GNUC_WARN_UNUSED_RESULT;
gboolean ol_kmem_try_vmcoreinfo_u64(OlKmem *k, const char *key, guint64 *v);
gboolean ol_kmem_vmcoreinfo_has(OlKmem *k, const char *key);
GError *ol_kmem_layout_symbol(OlKmem *k, const char *name, guint64 *addr) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_kmem_layout_offset(OlKmem *k, const char *type, const char *member,
			      guint64 *v) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_kmem_layout_size(OlKmem *k, const char *type, guint64 *v) G_GNUC_WARN_UNUSED_RESULT;
gboolean ol_kmem_layout_try_offset(OlKmem *k, const char *type, const char *member, guint64 *v);
