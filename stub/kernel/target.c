/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target (target.h): the threads and libraries gdb is shown, built from
 * the memory layer (kmem.h) and the task and module walks.
 */
#include "target.h"

#include <string.h>

#include "debug-files.h"
#include "entry-cfi.h"
#include "kernel-library.h"
#include "tasks.h"

struct OlTarget {
	OlKmem *kmem;
	GArray *threads; /* OlThread */
	const OlEntryCfi *entry_cfi; /* the memory layer's, or NULL without vmlinux */
	/* Kernel modules (modules.c), read on first use */
	char **module_dirs;     /* --modules, or the defaults (target.h) */
	OlModules *modules;
	/* vmlinux as a library at the KASLR offset, when gdb has none (kernel-library.h) */
	OlKernelLibrary *klib;
	gboolean serve_vmlinux;
	gboolean cfi_as_exec;   /* the entry CFI is gdb's exec file, not a library */
	gboolean no_klib;       /* --no-kernel-library */
	GHashTable *user_xlat;  /* page-table root (PA) -> OlXlat, for user memory */
};

static void thread_clear(gpointer p)
{
	OlThread *th = p;

	g_free(th->name);
	g_free(th->extra);
}

void ol_target_free(OlTarget *t)
{
	if (!t)
		return;
	if (t->threads)
		g_array_unref(t->threads);
	ol_modules_free(t->modules);
	ol_kernel_library_free(t->klib);
	if (t->user_xlat)
		g_hash_table_unref(t->user_xlat);
	ol_kmem_free(t->kmem);
	g_strfreev(t->module_dirs);
	g_free(t);
}

/*
 * One gdb thread per task after the vCPU threads (tids: tasks.h). A task on
 * a CPU shares that CPU's registers; the others resume from their switch
 * frame. Without vmlinux's DWARF the vCPUs stay the only threads.
 */
static void add_task_threads(OlTarget *t, GPtrArray *warnings)
{
	g_autoptr(GArray) tasks = NULL;
	g_autoptr(GError) err = NULL;
	guint ncpu = t->threads->len;

	if (!ol_kmem_dwarf(t->kmem)) {
		g_ptr_array_add(warnings, g_strdup("no vmlinux with debug info: the threads are the CPUs only, no tasks"));
		return;
	}
	if ((err = ol_tasks_read(t->kmem, &tasks, warnings))) {
		g_ptr_array_add(warnings, g_strdup_printf("no task threads: %s", err->message));
		return;
	}
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *task = &g_array_index(tasks, OlTask, i);
		OlThread th = {.tid = task->tid, .cpu = task->running, .regs = task->regs,
			       .task = task->addr};

		if (task->running >= 0 && (guint)task->running < ncpu)
			th.regs = g_array_index(t->threads, OlThread, task->running).regs;
		th.name = g_strdup(task->comm);
		if (task->running >= 0)
			th.extra = g_strdup_printf("pid %d, state %c, on CPU %d", task->pid, task->st, task->running);
		else
			th.extra = g_strdup_printf("pid %d, state %c, %s", task->pid, task->st,
						   task->st == 'R' ? "runnable" : "sleeping");
		g_array_append_val(t->threads, th);
	}
}

/* One thread per CPU note, with the registers the note holds. */
static void add_cpu_threads(OlTarget *t)
{
	guint ncpu = ol_kmem_n_cpus(t->kmem);

	if (t->threads)
		g_array_unref(t->threads);
	t->threads = g_array_new(FALSE, TRUE, sizeof(OlThread));
	g_array_set_clear_func(t->threads, thread_clear);
	for (guint i = 0; i < ncpu; i++) {
		OlThread th = {.tid = i + 1, .cpu = (int)i};

		th.regs = *ol_kmem_cpu_regs(t->kmem, i);
		th.name = g_strdup_printf("CPU %u", i);
		th.extra = g_strdup_printf("CPU %u", i);
		g_array_append_val(t->threads, th);
	}
}

/* --modules (each entry DIR:DIR...), or the defaults (target.h). */
static char **module_dirs(OlKmem *k, const OlTargetOptions *opt)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_autofree char *dump_dir = NULL;
	g_autofree char *debug = NULL;
	guint given = 0;

	for (guint i = 0; opt && opt->module_dirs && opt->module_dirs[i]; i++) {
		g_auto(GStrv) parts = g_strsplit(opt->module_dirs[i], ":", -1);

		for (guint j = 0; parts[j]; j++) {
			if (!*parts[j])
				continue;
			g_strv_builder_add(b, parts[j]);
			given++;
		}
	}
	if (given)
		return g_strv_builder_end(b);
	dump_dir = g_path_get_dirname(ol_dump_path(ol_kmem_dump(k)));
	g_strv_builder_add(b, dump_dir);
	if (opt && opt->run_module_dirs)
		g_strv_builder_addv(b, (const char **)opt->run_module_dirs);
	/* and the release's debug tree (Debian's -dbg packages) */
	if ((debug = ol_debug_modules_dir(ol_kmem_kernel_id(k))))
		g_strv_builder_add(b, debug);
	return g_strv_builder_end(b);
}

/* Everything after the memory layer is open: takes K. */
static GError *target_init(OlKmem *k, const OlTargetOptions *opt, OlTarget **out, GPtrArray *warnings)
{
	g_autoptr(OlTarget) t = g_new0(OlTarget, 1);
	OlVmlinux *v = ol_kmem_vmlinux(k);

	t->kmem = k;
	t->entry_cfi = ol_kmem_entry_cfi(k);
	t->module_dirs = module_dirs(k, opt);
	t->no_klib = opt && opt->no_kernel_library;
	add_cpu_threads(t);
	if (v) {
		g_autoptr(GError) kerr = NULL;

		if ((kerr = ol_kernel_library_new(ol_vmlinux_path(v), ol_kmem_kaslr_offset(k), &t->klib)))
			g_ptr_array_add(warnings, g_strdup_printf("vmlinux cannot be handed to gdb: %s", kerr->message));
	}
	add_task_threads(t, warnings);
	*out = g_steal_pointer(&t);
	return NULL;
}

GError *ol_target_open(const char *dump_path, const OlTargetOptions *opt, OlTarget **out,
		       GPtrArray **warnings)
{
	OlKmem *k = NULL;
	GError *err;

	*warnings = g_ptr_array_new_with_free_func(g_free);
	if ((err = ol_kmem_open(dump_path, opt ? &opt->kmem : NULL, &k, *warnings)))
		return err;
	return target_init(k, opt, out, *warnings);
}

GError *ol_target_open_dump(OlDump *dump, const OlTargetOptions *opt, OlTarget **out,
			    GPtrArray **warnings)
{
	OlKmem *k = NULL;
	GError *err;

	*warnings = g_ptr_array_new_with_free_func(g_free);
	if ((err = ol_kmem_open_dump(dump, opt ? &opt->kmem : NULL, &k, *warnings)))
		return err;
	return target_init(k, opt, out, *warnings);
}

GError *ol_target_refresh(OlTarget *t, GPtrArray *warnings)
{
	GError *err;

	g_clear_pointer(&t->modules, ol_modules_free);
	if (t->user_xlat)
		g_hash_table_remove_all(t->user_xlat);
	if ((err = ol_kmem_refresh(t->kmem)))
		return err;
	add_cpu_threads(t);
	add_task_threads(t, warnings);
	return NULL;
}

OlKmem *ol_target_kmem(OlTarget *t) { return t->kmem; }
guint ol_target_n_threads(const OlTarget *t) { return t->threads->len; }

const OlThread *ol_target_thread(const OlTarget *t, guint i)
{
	return i < t->threads->len ? &g_array_index(t->threads, OlThread, i) : NULL;
}

const OlThread *ol_target_find_thread(const OlTarget *t, guint64 tid)
{
	for (guint i = 0; i < t->threads->len; i++)
		if (g_array_index(t->threads, OlThread, i).tid == tid)
			return &g_array_index(t->threads, OlThread, i);
	return NULL;
}

const OlThread *ol_target_stop_thread(const OlTarget *t)
{
	return &g_array_index(t->threads, OlThread, ol_kmem_panic_cpu(t->kmem));
}

const char *ol_target_stop_reason(const OlTarget *t)
{
	return ol_kmem_panic_reason(t->kmem);
}

#define ENTRY_CFI_FILE "/oopslab-stub/entry-cfi.elf"

char *ol_target_libraries_xml(OlTarget *t)
{
	GString *xml = g_string_new("<library-list version=\"1.0\">\n");
	OlModules *mods = NULL;
	g_autoptr(GError) err = NULL;

	if (t->serve_vmlinux && t->klib)
		ol_kernel_library_append_xml(t->klib, xml);
	/* also when it is gdb's exec file: a `symbol-file` (as `monitor kaslr`
	 * says) drops that, and `sharedlibrary` then finds it here */
	/* One address per allocated section, in file order: .text only. */
	if (t->entry_cfi)
		g_string_append_printf(xml,
				       "<library name=\"%s\"><section address=\"0x%" G_GINT64_MODIFIER "x\"/></library>\n",
				       ENTRY_CFI_FILE,
				       t->entry_cfi->link_base + ol_kmem_kaslr_offset(t->kmem));
	/* The modules' .ko files: gdb loads their symbols itself. A dump whose
	 * module list cannot be read still has the entry code's CFI. */
	if (!(err = ol_target_modules(t, &mods)))
		ol_modules_append_libraries(mods, xml);
	if (!strstr(xml->str, "<library ")) {
		g_string_free(xml, TRUE);
		return NULL;
	}
	g_string_append(xml, "</library-list>\n");
	return g_string_free(xml, FALSE);
}

GBytes *ol_target_file(OlTarget *t, const char *name)
{
	OlModules *mods = NULL;
	g_autoptr(GError) err = NULL;

	if (t->entry_cfi && g_str_equal(name, ENTRY_CFI_FILE))
		return g_bytes_ref(t->entry_cfi->elf);
	if (t->serve_vmlinux && t->klib && g_str_equal(name, ol_kernel_library_name(t->klib)))
		return ol_kernel_library_file(t->klib);
	if (!(err = ol_target_modules(t, &mods)))
		return ol_modules_file(mods, name);
	return NULL;
}

const char *ol_target_exec_file(OlTarget *t)
{
	return t->entry_cfi && t->klib ? ENTRY_CFI_FILE : NULL;
}

guint64 ol_target_exec_text_offset(OlTarget *t)
{
	guint64 off = ol_kmem_kaslr_offset(t->kmem);

	/* the CFI file's .text is linked at 0 and stands for link_base */
	return t->entry_cfi ? t->entry_cfi->link_base + off : off;
}

void ol_target_use_exec_file(OlTarget *t)
{
	t->cfi_as_exec = ol_target_exec_file(t) != NULL;
	t->serve_vmlinux = t->cfi_as_exec && !t->no_klib;
}

char *ol_target_kaslr_note(OlTarget *t)
{
	guint64 off = 0;

	if (t->no_klib || !t->klib || !ol_xlat_kaslr_offset(ol_kmem_xlat(t->kmem), &off) || !off)
		return NULL;
	return g_strdup_printf("the kernel moved by 0x%" G_GINT64_MODIFIER "x (KASLR): gdb started with no file gets "
			       "vmlinux there by itself; gdb started with vmlinux must type `monitor kaslr` (it prints "
			       "the commands)", off);
}

GError *ol_target_modules(OlTarget *t, OlModules **out)
{
	GError *err;

	/* A failure is not kept: it is cheap to find again, and says why. */
	if (!t->modules && (err = ol_modules_read(t->kmem, (const char *const *)t->module_dirs, &t->modules)))
		return err;
	*out = t->modules;
	return NULL;
}

/* User addresses: bit 63 clear (4- and 5-level paging alike). */
#define USER_HALF_END G_GUINT64_CONSTANT(0x8000000000000000)
/* CR3: the root's address is bits 51..12; below are PCID/PWT/PCD */
#define CR3_ADDR G_GUINT64_CONSTANT(0x000ffffffffff000)

/* The page-table root TH's user memory is read through. */
static GError *user_root(OlTarget *t, const OlThread *th, guint64 *root, char **source)
{
	guint64 mm = 0, pgd = 0, mm_off, pgd_off, psize;
	GError *err;

	if (!th->task) {
		if (!th->regs.valid[OL_GDB_CR3])
			return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
					   "%s: no CR3 in the dump for user memory", th->name);
		*root = th->regs.value[OL_GDB_CR3] & CR3_ADDR;
		*source = g_strdup_printf("%s's CR3", th->name);
		return NULL;
	}
	if ((err = ol_kmem_member(t->kmem, "task_struct", "mm", &mm_off, NULL)) ||
	    (err = ol_kmem_member(t->kmem, "mm_struct", "pgd", &pgd_off, NULL)) ||
	    (err = ol_kmem_read_u64(t->kmem, th->task + mm_off, &mm)))
		return err;
	if (!mm)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "thread %" G_GINT64_MODIFIER "u (%s) is a kernel thread: it has no user memory", th->tid,
				   th->name);
	if ((err = ol_kmem_read_u64(t->kmem, mm + pgd_off, &pgd)) ||
	    (err = ol_xlat_translate(ol_kmem_xlat(t->kmem), pgd, root, &psize)))
		return err;
	*source = g_strdup_printf("%s's mm->pgd", th->name);
	return NULL;
}

GError *ol_target_read_as(OlTarget *t, const OlThread *th, guint64 addr, void *buf, gsize len, gsize *done)
{
	guint64 root = 0;
	g_autofree char *source = NULL;
	OlXlat *x;
	GError *err;

	*done = 0;
	if (!th || addr >= USER_HALF_END)
		return ol_kmem_read(t->kmem, addr, buf, len, done);
	if ((err = user_root(t, th, &root, &source)))
		return err;
	if (!t->user_xlat)
		t->user_xlat = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
						     (GDestroyNotify)ol_xlat_free);
	if (!(x = g_hash_table_lookup(t->user_xlat, &root))) {
		if ((err = ol_xlat_new_root(ol_kmem_xlat(t->kmem), root, source, &x)))
			return err;
		g_hash_table_insert(t->user_xlat, g_memdup2(&root, sizeof(root)), x);
	}
	return ol_xlat_read(x, addr, buf, len, done);
}
