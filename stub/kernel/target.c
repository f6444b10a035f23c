#include "target.h"

#include <string.h>

#include "debug-files.h"
#include "kernel-library.h"
#include "modules.h"
#include "tasks.h"

struct OlTarget {
	OlDump *dump;
	OlXlat *xlat;
	OlVmlinux *vmlinux;
	GArray *threads; /* OlThread */
	OlEntryCfi *entry_cfi; /* or NULL without vmlinux */
	OlDwarf *dwarf;        /* or NULL without vmlinux */
	guint stop;      /* index into threads */
	char *stop_reason;
	/* Kernel modules (modules.c), read on first use */
	char **module_dirs;     /* --modules, or NULL: the defaults */
	OlModules *modules;
	/* vmlinux as a library at the KASLR offset, when gdb has none (kernel-library.h) */
	OlKernelLibrary *klib;
	gboolean serve_vmlinux;
	gboolean cfi_as_exec;   /* the entry CFI is gdb's exec file, not a library */
	gboolean no_klib;       /* --no-kernel-library */
	OlKernelId kid;         /* release and build-id (debug-files.h) */
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
	ol_entry_cfi_free(t->entry_cfi);
	ol_dwarf_free(t->dwarf);
	ol_xlat_free(t->xlat);
	ol_vmlinux_free(t->vmlinux);
	ol_dump_free(t->dump);
	g_free(t->stop_reason);
	ol_modules_free(t->modules);
	ol_kernel_library_free(t->klib);
	ol_kernel_id_clear(&t->kid);
	if (t->user_xlat)
		g_hash_table_unref(t->user_xlat);
	g_strfreev(t->module_dirs);
	g_free(t);
}

/* NT_PRSTATUS (and the QEMU note's system registers) to gdb's layout. */
static void cpu_regs(const OlCpuNote *n, OlRegs *r)
{
	static const struct {
		OlGdbReg gdb;
		OlPrstatusReg pr;
	} map[] = {
		{OL_GDB_RAX, OL_REG_RAX}, {OL_GDB_RBX, OL_REG_RBX}, {OL_GDB_RCX, OL_REG_RCX},
		{OL_GDB_RDX, OL_REG_RDX}, {OL_GDB_RSI, OL_REG_RSI}, {OL_GDB_RDI, OL_REG_RDI},
		{OL_GDB_RBP, OL_REG_RBP}, {OL_GDB_RSP, OL_REG_RSP}, {OL_GDB_R8, OL_REG_R8},
		{OL_GDB_R9, OL_REG_R9},   {OL_GDB_R10, OL_REG_R10}, {OL_GDB_R11, OL_REG_R11},
		{OL_GDB_R12, OL_REG_R12}, {OL_GDB_R13, OL_REG_R13}, {OL_GDB_R14, OL_REG_R14},
		{OL_GDB_R15, OL_REG_R15}, {OL_GDB_RIP, OL_REG_RIP}, {OL_GDB_EFLAGS, OL_REG_EFLAGS},
		{OL_GDB_CS, OL_REG_CS},   {OL_GDB_SS, OL_REG_SS},   {OL_GDB_DS, OL_REG_DS},
		{OL_GDB_ES, OL_REG_ES},   {OL_GDB_FS, OL_REG_FS},   {OL_GDB_GS, OL_REG_GS},
		{OL_GDB_ORIG_RAX, OL_REG_ORIG_RAX}, {OL_GDB_FS_BASE, OL_REG_FS_BASE},
		{OL_GDB_GS_BASE, OL_REG_GS_BASE},
	};

	memset(r, 0, sizeof(*r));
	for (guint i = 0; i < G_N_ELEMENTS(map); i++)
		ol_regs_set(r, map[i].gdb, n->regs[map[i].pr]);
	/* eflags and the selectors are 32-bit registers in gdb's layout */
	r->value[OL_GDB_EFLAGS] &= 0xffffffff;
	if (n->has_qemu) {
		ol_regs_set(r, OL_GDB_CR0, n->qemu.cr[0]);
		ol_regs_set(r, OL_GDB_CR2, n->qemu.cr[2]);
		ol_regs_set(r, OL_GDB_CR3, n->qemu.cr[3]);
		ol_regs_set(r, OL_GDB_CR4, n->qemu.cr[4]);
		if (n->qemu.has_kernel_gs_base)
			ol_regs_set(r, OL_GDB_K_GS_BASE, n->qemu.kernel_gs_base);
	}
	/* QEMU fills orig_rax with 0 ("FIXME" in its note writer): not a value */
	r->valid[OL_GDB_ORIG_RAX] = !n->has_qemu;
}

static gboolean read_u32(OlTarget *t, guint64 addr, guint32 *v)
{
	gsize done;
	g_autoptr(GError) err = ol_target_read(t, addr, v, sizeof(*v), &done);

	return err == NULL;
}

/*
 * Which CPU panicked. In order:
 * 1. vmlinux known: the kernel's own answer, `panic_cpu` (set by panic()
 *    before anything else), or `crashing_cpu` (kdump's crash path).
 * 2. The instruction before each CPU's RIP: the CPUs panic() stopped sit in
 *    stop_this_cpu()'s hlt loop (RIP right after a `hlt`, 0xf4), and so do
 *    idle CPUs, while the panicking CPU was paused by QEMU on the pvpanic
 *    event, just after an `out`. The first CPU not after a hlt is taken.
 * 3. CPU 0.
 */
static void find_stop_thread(OlTarget *t)
{
	guint64 offset = 0, addr;
	guint ncpu = ol_dump_n_cpus(t->dump);

	ol_xlat_kaslr_offset(t->xlat, &offset);
	if (t->vmlinux) {
		static const char *const vars[] = {"panic_cpu", "crashing_cpu"};

		for (guint i = 0; i < G_N_ELEMENTS(vars); i++) {
			guint32 cpu;

			if (ol_vmlinux_symbol(t->vmlinux, vars[i], &addr) && read_u32(t, addr + offset, &cpu) &&
			    cpu < ncpu) {
				t->stop = cpu;
				t->stop_reason = g_strdup_printf("%s = %u in the dump", vars[i], cpu);
				return;
			}
		}
	}
	{
		guint running = 0, first = 0;

		for (guint i = 0; i < ncpu; i++) {
			const OlThread *th = &g_array_index(t->threads, OlThread, i);
			guint8 prev;
			gsize done;
			g_autoptr(GError) err = ol_target_read(t, th->regs.value[OL_GDB_RIP] - 1, &prev, 1, &done);

			if (!err && prev != 0xf4 && running++ == 0)
				first = i;
		}
		if (running) {
			t->stop = first;
			t->stop_reason = g_strdup_printf("CPU %u is the %s CPU not halted (no vmlinux for panic_cpu)", first,
							 running == 1 ? "only" : "first");
			return;
		}
	}
	t->stop = 0;
	t->stop_reason = g_strdup("CPU 0 (no vmlinux for panic_cpu, and every CPU is halted)");
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

	if (!t->dwarf) {
		g_ptr_array_add(warnings, g_strdup("no vmlinux with debug info: the threads are the CPUs only, no tasks"));
		return;
	}
	if ((err = ol_tasks_read(t, &tasks, warnings))) {
		g_ptr_array_add(warnings, g_strdup_printf("no task threads: %s", err->message));
		return;
	}
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *task = &g_array_index(tasks, OlTask, i);
		OlThread th = {.tid = task->tid, .cpu = task->running, .regs = task->regs, .task = task->addr};

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

/* A kdump-tools directory (/var/crash/<host>-<date>/) holds the dump as
 * vmcore (RHEL, our --capture kdump) or dump.<date> (Debian). */
static GError *dump_in_dir(const char *dir, char **out)
{
	g_autofree char *vmcore = g_build_filename(dir, "vmcore", NULL);
	g_autoptr(GDir) d = NULL;
	const char *e;
	char *best = NULL;

	if (g_file_test(vmcore, G_FILE_TEST_IS_REGULAR)) {
		*out = g_steal_pointer(&vmcore);
		return NULL;
	}
	if ((d = g_dir_open(dir, 0, NULL)))
		while ((e = g_dir_read_name(d)))
			if (g_str_has_prefix(e, "dump.") && (!best || strcmp(e, best) < 0)) {
				g_free(best);
				best = g_strdup(e);
			}
	if (!best)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "%s: a directory without a dump (looked for vmcore and dump.*)", dir);
	*out = g_build_filename(dir, best, NULL);
	g_free(best);
	return NULL;
}

/* One thread per CPU note, with the registers the note holds. */
static void add_cpu_threads(OlTarget *t)
{
	guint ncpu = ol_dump_n_cpus(t->dump);

	if (t->threads)
		g_array_unref(t->threads);
	t->threads = g_array_new(FALSE, TRUE, sizeof(OlThread));
	g_array_set_clear_func(t->threads, thread_clear);
	for (guint i = 0; i < ncpu; i++) {
		OlThread th = {.tid = i + 1, .cpu = (int)i};

		cpu_regs(ol_dump_cpu(t->dump, i), &th.regs);
		th.name = g_strdup_printf("CPU %u", i);
		th.extra = g_strdup_printf("CPU %u", i);
		g_array_append_val(t->threads, th);
	}
}

static GError *new_xlat(OlTarget *t)
{
	guint64 text;
	GError *err;

	g_clear_pointer(&t->xlat, ol_xlat_free);
	if ((err = ol_xlat_new(t->dump, &t->xlat)))
		return err;
	if (t->vmlinux && ol_vmlinux_symbol(t->vmlinux, "_text", &text))
		ol_xlat_set_link_text(t->xlat, text);
	return NULL;
}

/* A vmlinux from another build would give wrong symbols everywhere. */
static void check_banner(OlTarget *t, GPtrArray *warnings)
{
	guint64 banner, offset = 0;
	char mem[256] = {0};
	gsize done = 0;
	g_autofree char *file = NULL;

	ol_xlat_kaslr_offset(t->xlat, &offset);
	if (ol_vmlinux_symbol(t->vmlinux, "linux_banner", &banner) &&
	    (file = ol_vmlinux_string(t->vmlinux, banner, sizeof(mem) - 1))) {
		g_autoptr(GError) rerr = ol_target_read(t, banner + offset, mem, sizeof(mem) - 1, &done);

		if (rerr && done < strlen(file)) {
			g_ptr_array_add(warnings, g_strdup_printf("cannot check %s against the dump: %s",
								  ol_vmlinux_path(t->vmlinux), rerr->message));
		} else if (strncmp(mem, file, strlen(file)) != 0) {
			g_ptr_array_add(warnings, g_strdup_printf("%s does not match the dump (linux_banner differs): ignoring it",
								  ol_vmlinux_path(t->vmlinux)));
			g_clear_pointer(&t->vmlinux, ol_vmlinux_free);
		}
	}
}

/* Everything after the dump is open: takes DUMP. */
static GError *target_init(OlDump *dump, const char *vmlinux, OlTarget **out, GPtrArray *warnings)
{
	g_autoptr(OlTarget) t = g_new0(OlTarget, 1);
	g_autofree char *auto_vmlinux = NULL;
	GError *err;

	t->dump = dump;
	if ((err = new_xlat(t)))
		return err;
	/* The dump's own vmlinux: a given one of another build is ignored
	 * (with both ids); none leaves the target working from the dump alone. */
	ol_kernel_id_read(t->dump, t->xlat, &t->kid);
	if ((err = ol_find_vmlinux(&t->kid, vmlinux, ol_dump_path(dump), &auto_vmlinux))) {
		g_ptr_array_add(warnings, vmlinux ? g_strdup_printf("ignoring vmlinux: %s", err->message)
						   : g_strdup(err->message));
		g_clear_error(&err);
	}
	if (auto_vmlinux) {
		g_autoptr(GError) verr = ol_vmlinux_open(auto_vmlinux, &t->vmlinux);

		if (verr)
			g_ptr_array_add(warnings, g_strdup_printf("ignoring vmlinux: %s", verr->message));
		else if ((err = new_xlat(t)))
			return err;
	}
	add_cpu_threads(t);
	if (t->threads->len == 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: no CPU register notes (NT_PRSTATUS)",
				   ol_dump_path(dump));
	if (t->vmlinux)
		check_banner(t, warnings);
	if (t->vmlinux) {
		g_autoptr(GError) derr = ol_dwarf_open(ol_vmlinux_path(t->vmlinux), &t->dwarf);

		if (derr)
			g_ptr_array_add(warnings, g_strdup_printf("no kernel data structures: %s", derr->message));
		t->entry_cfi = ol_entry_cfi_build(t->vmlinux);
	}
	if (t->vmlinux) {
		guint64 offset = 0;
		g_autoptr(GError) kerr = NULL;

		ol_xlat_kaslr_offset(t->xlat, &offset);
		if ((kerr = ol_kernel_library_new(ol_vmlinux_path(t->vmlinux), offset, &t->klib)))
			g_ptr_array_add(warnings, g_strdup_printf("vmlinux cannot be handed to gdb: %s", kerr->message));
	}
	add_task_threads(t, warnings);
	find_stop_thread(t);
	*out = g_steal_pointer(&t);
	return NULL;
}

GError *ol_target_open(const char *dump_arg, const char *vmlinux, OlTarget **out, GPtrArray **warnings)
{
	OlDump *dump = NULL;
	g_autofree char *in_dir = NULL;
	const char *dump_path = dump_arg;
	GError *err;

	*warnings = g_ptr_array_new_with_free_func(g_free);
	if (g_file_test(dump_arg, G_FILE_TEST_IS_DIR)) {
		if ((err = dump_in_dir(dump_arg, &in_dir)))
			return err;
		dump_path = in_dir;
	}
	if ((err = ol_dump_open(dump_path, &dump)))
		return err;
	if (ol_dump_warning(dump))
		g_ptr_array_add(*warnings, g_strdup(ol_dump_warning(dump)));
	return target_init(dump, vmlinux, out, *warnings);
}

GError *ol_target_open_dump(OlDump *dump, const char *vmlinux, OlTarget **out, GPtrArray **warnings)
{
	*warnings = g_ptr_array_new_with_free_func(g_free);
	return target_init(dump, vmlinux, out, *warnings);
}

GError *ol_target_refresh(OlTarget *t, GPtrArray *warnings)
{
	GError *err;

	g_clear_pointer(&t->modules, ol_modules_free);
	g_clear_pointer(&t->stop_reason, g_free);
	if ((err = new_xlat(t)))
		return err;
	add_cpu_threads(t);
	add_task_threads(t, warnings);
	find_stop_thread(t);
	return NULL;
}

OlDump *ol_target_dump(OlTarget *t) { return t->dump; }
OlXlat *ol_target_xlat(OlTarget *t) { return t->xlat; }
OlVmlinux *ol_target_vmlinux(OlTarget *t) { return t->vmlinux; }
const OlKernelId *ol_target_kernel_id(OlTarget *t) { return &t->kid; }
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
	return &g_array_index(t->threads, OlThread, t->stop);
}

const char *ol_target_stop_reason(const OlTarget *t)
{
	return t->stop_reason;
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
	if (t->entry_cfi) {
		guint64 offset = 0;

		ol_xlat_kaslr_offset(t->xlat, &offset);
		/* One address per allocated section, in file order: .text only. */
		g_string_append_printf(xml,
				       "<library name=\"%s\"><section address=\"0x%" G_GINT64_MODIFIER "x\"/></library>\n",
				       ENTRY_CFI_FILE, t->entry_cfi->link_base + offset);
	}
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
	guint64 off = 0;

	ol_xlat_kaslr_offset(t->xlat, &off);
	/* the CFI file's .text is linked at 0 and stands for link_base */
	return t->entry_cfi ? t->entry_cfi->link_base + off : off;
}

OlEntryKind ol_target_entry_kind(OlTarget *t, guint64 addr)
{
	guint64 off = 0;

	ol_xlat_kaslr_offset(t->xlat, &off);
	return t->entry_cfi ? ol_entry_cfi_kind(t->entry_cfi, addr - off) : OL_ENTRY_NONE;
}

void ol_target_use_exec_file(OlTarget *t)
{
	t->cfi_as_exec = ol_target_exec_file(t) != NULL;
	t->serve_vmlinux = t->cfi_as_exec && !t->no_klib;
}

char *ol_target_kaslr_note(OlTarget *t)
{
	guint64 off = 0;

	if (t->no_klib || !t->klib || !ol_xlat_kaslr_offset(t->xlat, &off) || !off)
		return NULL;
	return g_strdup_printf("the kernel moved by 0x%" G_GINT64_MODIFIER "x (KASLR): gdb started with no file gets "
			       "vmlinux there by itself; gdb started with vmlinux must type `monitor kaslr` (it prints "
			       "the commands)", off);
}

void ol_target_set_kernel_library(OlTarget *t, gboolean allowed)
{
	t->no_klib = !allowed;
}

void ol_target_set_module_dirs(OlTarget *t, const char *const *dirs)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	for (guint i = 0; dirs && dirs[i]; i++) {
		g_auto(GStrv) parts = g_strsplit(dirs[i], ":", -1);

		for (guint j = 0; parts[j]; j++)
			if (*parts[j])
				g_strv_builder_add(b, parts[j]);
	}
	g_strfreev(t->module_dirs);
	t->module_dirs = g_strv_builder_end(b);
	if (!*t->module_dirs)
		g_clear_pointer(&t->module_dirs, g_strfreev);
	g_clear_pointer(&t->modules, ol_modules_free);
}

GError *ol_target_modules(OlTarget *t, OlModules **out)
{
	GError *err;

	/* A failure is not kept: it is cheap to find again, and says why. */
	if (!t->modules) {
		g_auto(GStrv) defaults = t->module_dirs ? NULL : ol_modules_default_dirs(ol_dump_path(t->dump));
		g_autofree char *debug = ol_debug_modules_dir(&t->kid);

		/* and the release's debug tree (Debian's -dbg packages) */
		if (defaults && debug) {
			guint n = g_strv_length(defaults);

			defaults = g_realloc_n(defaults, n + 2, sizeof(char *));
			defaults[n] = g_steal_pointer(&debug);
			defaults[n + 1] = NULL;
		}

		if ((err = ol_modules_read(t, (const char *const *)(t->module_dirs ? t->module_dirs : defaults),
					   &t->modules)))
			return err;
	}
	*out = t->modules;
	return NULL;
}

GError *ol_target_read(OlTarget *t, guint64 addr, void *buf, gsize len, gsize *done)
{
	return ol_xlat_read(t->xlat, addr, buf, len, done);
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
	if ((err = ol_target_member(t, "task_struct", "mm", &mm_off, NULL)) ||
	    (err = ol_target_member(t, "mm_struct", "pgd", &pgd_off, NULL)) ||
	    (err = ol_target_read_u64(t, th->task + mm_off, &mm)))
		return err;
	if (!mm)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "thread %" G_GINT64_MODIFIER "u (%s) is a kernel thread: it has no user memory", th->tid,
				   th->name);
	if ((err = ol_target_read_u64(t, mm + pgd_off, &pgd)) || (err = ol_xlat_translate(t->xlat, pgd, root, &psize)))
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
		return ol_target_read(t, addr, buf, len, done);
	if ((err = user_root(t, th, &root, &source)))
		return err;
	if (!t->user_xlat)
		t->user_xlat = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)ol_xlat_free);
	if (!(x = g_hash_table_lookup(t->user_xlat, &root))) {
		if ((err = ol_xlat_new_root(t->xlat, root, source, &x)))
			return err;
		g_hash_table_insert(t->user_xlat, g_memdup2(&root, sizeof(root)), x);
	}
	return ol_xlat_read(x, addr, buf, len, done);
}

OlDwarf *ol_target_dwarf(OlTarget *t)
{
	return t->dwarf;
}

static GError *no_vmlinux(const char *what)
{
	return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s needs vmlinux (--vmlinux)", what);
}

/* Per-CPU variables live in .data..percpu, linked at address 0. */
static gboolean is_percpu(OlTarget *t, guint64 link_addr)
{
	guint64 start, end;

	return ol_vmlinux_symbol(t->vmlinux, "__per_cpu_start", &start) &&
	       ol_vmlinux_symbol(t->vmlinux, "__per_cpu_end", &end) && link_addr >= start && link_addr < end;
}

GError *ol_target_symbol(OlTarget *t, const char *name, guint64 *addr)
{
	guint64 link, offset = 0;

	if (!t->vmlinux)
		return no_vmlinux(name);
	if (!ol_vmlinux_symbol(t->vmlinux, name, &link))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s: no symbol %s",
				   ol_vmlinux_path(t->vmlinux), name);
	if (!is_percpu(t, link))
		ol_xlat_kaslr_offset(t->xlat, &offset);
	*addr = link + offset;
	return NULL;
}

GError *ol_target_percpu(OlTarget *t, const char *name, guint cpu, guint64 *addr)
{
	guint64 var, offsets, base;
	GError *err;

	if ((err = ol_target_symbol(t, name, &var)) || (err = ol_target_symbol(t, "__per_cpu_offset", &offsets)) ||
	    (err = ol_target_read_u64(t, offsets + 8 * (guint64)cpu, &base)))
		return err;
	*addr = base + var;
	return NULL;
}

GError *ol_target_member(OlTarget *t, const char *type, const char *member, guint64 *offset, guint64 *size)
{
	if (!t->dwarf)
		return no_vmlinux(type);
	return ol_dwarf_member(t->dwarf, type, member, offset, size);
}

GError *ol_target_read_u64(OlTarget *t, guint64 addr, guint64 *v)
{
	gsize done;

	return ol_target_read(t, addr, v, sizeof(*v), &done);
}

GError *ol_target_read_u32(OlTarget *t, guint64 addr, guint32 *v)
{
	gsize done;

	return ol_target_read(t, addr, v, sizeof(*v), &done);
}

GError *ol_target_read_string(OlTarget *t, guint64 addr, gsize max, char **out)
{
	g_autofree char *buf = g_malloc0(max + 1);
	gsize done = 0;
	g_autoptr(GError) err = ol_target_read(t, addr, buf, max, &done);

	/* A string may end before an unreadable byte: only a read that got
	 * nothing, or no NUL before the failure, is an error. */
	if (err && !memchr(buf, 0, done))
		return g_steal_pointer(&err);
	*out = g_strdup(buf);
	return NULL;
}

gboolean ol_target_try_symbol(OlTarget *t, const char *name, guint64 *addr)
{
	g_autoptr(GError) err = ol_target_symbol(t, name, addr);
	return err == NULL;
}

gboolean ol_target_try_member(OlTarget *t, const char *type, const char *member, guint64 *offset, guint64 *size)
{
	g_autoptr(GError) err = ol_target_member(t, type, member, offset, size);
	return err == NULL;
}

gboolean ol_target_try_read_u64(OlTarget *t, guint64 addr, guint64 *v)
{
	g_autoptr(GError) err = ol_target_read_u64(t, addr, v);
	return err == NULL;
}

gboolean ol_target_try_read_u32(OlTarget *t, guint64 addr, guint32 *v)
{
	g_autoptr(GError) err = ol_target_read_u32(t, addr, v);
	return err == NULL;
}
