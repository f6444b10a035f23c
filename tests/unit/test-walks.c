/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The task and module walks (tasks.c, modules.c) on synthetic dumps: a
 * synthetic vmlinux (fake-vmlinux.c, its DWARF from fake-kernel.h) and a
 * dump (dumpgen) whose memory holds those structures where that vmlinux's
 * symbols say, laid out with this compiler's offsetof(). The expected
 * values are the ones written into the dump.
 *
 * The vmlinux's path comes from $OOPSLAB_FAKE_VMLINUX (meson.build).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>

#include "dumpgen.h"
#include "fake-kernel.h"
#include "kmem.h"
#include "modules.h"
#include "tasks.h"

#define POOL 0x100000
#define KIMG_VA G_GUINT64_CONSTANT(0xffffffff81000000) /* fake-vmlinux's link address */
#define KIMG_PA 0x200000
#define DMAP G_GUINT64_CONSTANT(0xffff888000000000)
#define HEAP_PA 0x400000 /* one 2 MiB page of the direct map */
#define HEAP_SIZE 0x200000
#define MEM_END 0x800000
#define RET_ADDR(pid) (G_GUINT64_CONSTANT(0xffffffff81234000) + (guint64)(pid))
#define MOD_BASE G_GUINT64_CONSTANT(0xffffffffa0000000)

typedef struct {
	DumpGen *g;
	DumpGenPt *pt;
	OlVmlinux *vmlinux; /* for the symbols' addresses */
	guint64 heap;       /* next free direct-map address */
} Fx;

#define PTR(va) ((void *)(uintptr_t)(va))

static guint64 sym(Fx *f, const char *name);
static void kpoke(Fx *f, guint64 va, const void *p, gsize n);

/* The vmlinux's variables start as zeros, as a kernel's .bss does. */
static void zero_image(Fx *f)
{
	gsize size = sym(f, "_end") - KIMG_VA;
	g_autofree guint8 *zeros = g_malloc0(size);

	kpoke(f, KIMG_VA, zeros, size);
}

static void fx_init(Fx *f)
{
	const char *path = g_getenv("OOPSLAB_FAKE_VMLINUX");
	g_autoptr(GError) err = NULL;

	g_assert_nonnull(path);
	err = ol_vmlinux_open(path, &f->vmlinux);
	g_assert_no_error(err);
	f->g = dumpgen_new(DUMPGEN_QEMU);
	dumpgen_add_load(f->g, 0, MEM_END, MEM_END);
	for (guint i = 0; i < FAKE_NR_CPUS; i++)
		dumpgen_add_cpu(f->g, i + 1, 0x1000 * (i + 1), TRUE, 440);
	f->pt = dumpgen_pt_new(f->g, 4, POOL, 0x100000);
	dumpgen_pt_map(f->pt, KIMG_VA, KIMG_PA, 0x200000);
	dumpgen_pt_map(f->pt, DMAP + HEAP_PA, HEAP_PA, HEAP_SIZE);
	f->heap = DMAP + HEAP_PA;
	zero_image(f);
}

static void fx_clear(Fx *f)
{
	dumpgen_pt_free(f->pt);
	dumpgen_free(f->g);
	ol_vmlinux_free(f->vmlinux);
}

static guint64 sym(Fx *f, const char *name)
{
	guint64 addr = 0;

	g_assert_true(ol_vmlinux_symbol(f->vmlinux, name, &addr));
	g_assert_cmphex(addr - KIMG_VA, <, 0x200000);
	return addr;
}

static guint64 alloc(Fx *f, gsize size)
{
	guint64 va = f->heap;

	f->heap += (size + 63) & ~(gsize)63;
	g_assert_cmphex(f->heap, <=, DMAP + HEAP_PA + HEAP_SIZE);
	return va;
}

static void kpoke(Fx *f, guint64 va, const void *p, gsize n)
{
	dumpgen_poke(f->g, va >= KIMG_VA ? va - KIMG_VA + KIMG_PA : va - DMAP, p, n);
}

static void kpoke64(Fx *f, guint64 va, guint64 v)
{
	kpoke(f, va, &v, 8);
}

static OlKmem *fx_open(Fx *f, GPtrArray *warnings)
{
	g_autoptr(GByteArray) bytes = NULL;
	g_autofree char *path = NULL;
	g_autofree char *vmcoreinfo = NULL;
	g_autoptr(GError) err = NULL;
	OlKmem *k = NULL;

	vmcoreinfo = g_strdup_printf("OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%" G_GINT64_MODIFIER
				     "x\nNUMBER(phys_base)=0\nKERNELOFFSET=0\n",
				     dumpgen_pt_root(f->pt) + G_GUINT64_CONSTANT(0xffffffff80000000));
	dumpgen_set_vmcoreinfo(f->g, vmcoreinfo);
	bytes = dumpgen_build(f->g, NULL);
	path = dumpgen_write_temp(bytes);
	err = ol_kmem_open(path, &(OlKmemOptions){.vmlinux = g_getenv("OOPSLAB_FAKE_VMLINUX")}, &k, warnings);
	g_unlink(path);
	g_assert_no_error(err);
	g_assert_nonnull(ol_kmem_dwarf(k));
	return k;
}

/* ---- tasks ---- */

typedef struct {
	guint64 addr;
	struct task_struct ts;
} Task;

/* A task at ADDR (a new one when 0) with its switch frame: ret_addr and bp
 * name the pid. Lists are linked afterwards (link()). */
static void task_new(Fx *f, Task *t, guint64 addr, int pid, int tgid, const char *comm, unsigned state,
		     gboolean kthread)
{
	struct inactive_task_frame frame = {.bp = 0xb000 + (unsigned long)pid, .bx = 0xbb,
					    .ret_addr = RET_ADDR(pid)};
	guint64 frame_va = alloc(f, sizeof(frame));

	memset(t, 0, sizeof(*t));
	t->addr = addr ? addr : alloc(f, sizeof(t->ts));
	t->ts.pid = pid;
	t->ts.tgid = tgid;
	t->ts.__state = state;
	t->ts.mm = kthread ? NULL : PTR(DMAP + HEAP_PA); /* any non-NULL mm */
	g_strlcpy(t->ts.comm, comm, sizeof(t->ts.comm));
	t->ts.thread.sp = frame_va;
	kpoke(f, frame_va, &frame, sizeof(frame));
}

static void task_write(Fx *f, const Task *t)
{
	kpoke(f, t->addr, &t->ts, sizeof(t->ts));
}

#define TASKS_LINK(t) ((t)->addr + offsetof(struct task_struct, tasks))
#define THREAD_LINK(t) ((t)->addr + offsetof(struct task_struct, thread_node))

/* A circular list: HEAD (a list_head's address) then the N links. The last
 * one points at BACK_TO (0: the head) so that a test can make a cycle that
 * misses the head. */
static void link_list(Fx *f, guint64 head, const guint64 *links, guint n, guint64 back_to)
{
	kpoke64(f, head, n ? links[0] : head);
	for (guint i = 0; i < n; i++)
		kpoke64(f, links[i], i + 1 < n ? links[i + 1] : back_to ? back_to : head);
}

/* A signal_struct for TASKS (its thread_head is linked by link_threads()). */
static guint64 signal_new(Fx *f, Task *const *tasks, guint n)
{
	guint64 sig = alloc(f, sizeof(struct signal_struct));
	struct signal_struct s = {.nr_threads = (int)n};

	kpoke(f, sig, &s, sizeof(s));
	for (guint i = 0; i < n; i++)
		tasks[i]->ts.signal = PTR(sig);
	return sig;
}

/* SIG's thread_head lists TASKS' thread_node (after the tasks are written). */
static void link_threads(Fx *f, guint64 sig, Task *const *tasks, guint n, guint64 back_to)
{
	guint64 links[8];

	g_assert_cmpuint(n, <=, G_N_ELEMENTS(links));
	for (guint i = 0; i < n; i++)
		links[i] = THREAD_LINK(tasks[i]);
	link_list(f, sig + offsetof(struct signal_struct, thread_head), links, n, back_to);
}

/* The kernel the task tests share: idle tasks for both CPUs, init (pid 1),
 * a kernel thread (pid 5), a process (pid 100) with two more threads; pid
 * 101 is current on CPU 0, swapper/1 on CPU 1. TASK_CYCLE / THREAD_CYCLE:
 * the process list / pid 100's thread list goes round without coming back
 * to its head. */
enum { TASK_CYCLE = 1, THREAD_CYCLE = 2 };

static void make_tasks(Fx *f, guint damage)
{
	Task idle0, idle1, init, kworker, p100, t101, t102;
	Task *all[] = {&idle0, &idle1, &init, &kworker, &p100, &t101, &t102};
	Task *const groups[4][3] = {{&idle0}, {&init}, {&kworker}, {&p100, &t101, &t102}};
	const guint group_len[4] = {1, 1, 1, 3};
	guint64 sigs[4];
	guint64 links[3];
	guint64 offsets[FAKE_NR_CPUS];

	task_new(f, &idle0, sym(f, "init_task"), 0, 0, "swapper/0", 0, TRUE);
	task_new(f, &idle1, 0, 0, 0, "swapper/1", 0, TRUE);
	idle1.ts.cpu = 1;
	task_new(f, &init, 0, 1, 1, "init", 1, FALSE);
	task_new(f, &kworker, 0, 5, 5, "kworker/0:1", 0x402, TRUE);
	task_new(f, &p100, 0, 100, 100, "worker", 0, FALSE);
	task_new(f, &t101, 0, 101, 100, "worker-a", 2, FALSE);
	task_new(f, &t102, 0, 102, 100, "worker-b", 0x402, FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(all); i++)
		all[i]->ts.parent = PTR(idle0.addr);
	p100.ts.parent = t101.ts.parent = t102.ts.parent = PTR(init.addr);

	for (guint i = 0; i < 4; i++)
		sigs[i] = signal_new(f, groups[i], group_len[i]);
	for (guint i = 0; i < G_N_ELEMENTS(all); i++)
		task_write(f, all[i]);
	links[0] = TASKS_LINK(&init);
	links[1] = TASKS_LINK(&kworker);
	links[2] = TASKS_LINK(&p100);
	link_list(f, TASKS_LINK(&idle0), links, 3, damage & TASK_CYCLE ? TASKS_LINK(&kworker) : 0);
	for (guint i = 0; i < 4; i++)
		link_threads(f, sigs[i], groups[i], group_len[i],
			     i == 3 && damage & THREAD_CYCLE ? THREAD_LINK(&t101) : 0);

	for (guint cpu = 0; cpu < FAKE_NR_CPUS; cpu++)
		offsets[cpu] = 8 * cpu;
	kpoke(f, sym(f, "__per_cpu_offset"), offsets, sizeof(offsets));
	kpoke64(f, sym(f, "idle_threads") + 8, idle1.addr);
	kpoke64(f, sym(f, "current_task"), t101.addr);
	kpoke64(f, sym(f, "current_task") + 8, idle1.addr);
}

typedef struct {
	int pid, tgid, ppid;
	const char *comm;
	char st;
	guint64 tid;
	int running, idle_cpu;
	gboolean kthread;
} Want;

static const Want want_tasks[] = {
	{0, 0, 0, "swapper/0", 'R', 900000, -1, 0, TRUE},
	{0, 0, 0, "swapper/1", 'R', 900001, 1, 1, TRUE},
	{1, 1, 0, "init", 'S', 1000001, -1, -1, FALSE},
	{5, 5, 0, "kworker/0:1", 'I', 1000005, -1, -1, TRUE},
	{100, 100, 1, "worker", 'R', 1000100, -1, -1, FALSE},
	{101, 100, 1, "worker-a", 'D', 1000101, 0, -1, FALSE},
	{102, 100, 1, "worker-b", 'I', 1000102, -1, -1, FALSE},
};

static void check_tasks(GArray *tasks)
{
	g_assert_cmpuint(tasks->len, ==, G_N_ELEMENTS(want_tasks));
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *t = &g_array_index(tasks, OlTask, i);
		const Want *w = &want_tasks[i];

		g_assert_cmpstr(t->comm, ==, w->comm);
		g_assert_cmpint(t->pid, ==, w->pid);
		g_assert_cmpint(t->tgid, ==, w->tgid);
		g_assert_cmpint(t->ppid, ==, w->ppid);
		g_assert_cmpint(t->st, ==, w->st);
		g_assert_cmpuint(t->tid, ==, w->tid);
		g_assert_cmpint(t->running, ==, w->running);
		g_assert_cmpint(t->idle_cpu, ==, w->idle_cpu);
		g_assert_cmpint(t->kthread, ==, w->kthread);
		if (t->running >= 0) {
			/* the CPU's registers apply, not a switch frame */
			g_assert_false(t->regs.valid[OL_GDB_RIP]);
			continue;
		}
		g_assert_true(t->regs.valid[OL_GDB_RIP]);
		g_assert_cmphex(t->regs.value[OL_GDB_RIP], ==, RET_ADDR(t->pid));
		g_assert_cmphex(t->regs.value[OL_GDB_RBP], ==, 0xb000 + (guint64)t->pid);
		g_assert_cmphex(t->regs.value[OL_GDB_RBX], ==, 0xbb);
	}
}

static void test_tasks_threads(void)
{
	Fx f = {0};
	g_autoptr(OlKmem) k = NULL;
	g_autoptr(GArray) tasks = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;

	fx_init(&f);
	make_tasks(&f, 0);
	k = fx_open(&f, warnings);
	err = ol_tasks_read(k, &tasks, warnings);
	g_assert_no_error(err);
	for (guint i = 0; i < warnings->len; i++)
		g_test_message("warning: %s", (char *)warnings->pdata[i]);
	g_assert_cmpuint(warnings->len, ==, 0);
	check_tasks(tasks);
	fx_clear(&f);
}

/* A list that never comes back to its head: every task once, a warning,
 * and the walk ends (MAX_TASKS steps at most). */
static void test_tasks_cycle(gconstpointer data)
{
	guint damage = GPOINTER_TO_UINT(data);
	Fx f = {0};
	g_autoptr(OlKmem) k = NULL;
	g_autoptr(GArray) tasks = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	gboolean warned = FALSE;

	fx_init(&f);
	make_tasks(&f, damage);
	k = fx_open(&f, warnings);
	err = ol_tasks_read(k, &tasks, warnings);
	g_assert_no_error(err);
	for (guint i = 0; i < warnings->len; i++)
		warned |= strstr(warnings->pdata[i], "does not come back to its head") != NULL &&
			  strstr(warnings->pdata[i], damage == TASK_CYCLE ? "init_task.tasks" : "signal->thread_head");
	g_assert_true(warned);
	check_tasks(tasks);
	fx_clear(&f);
}

/* ---- modules ---- */

typedef struct {
	const char *name;
	guint64 addr;
} Sect;

static guint64 string_new(Fx *f, const char *s)
{
	guint64 va = alloc(f, strlen(s) + 1);

	kpoke(f, va, s, strlen(s) + 1);
	return va;
}

static guint64 sect_attrs_new(Fx *f, const Sect *sects, guint n)
{
	gsize size = sizeof(struct module_sect_attrs) + n * sizeof(struct module_sect_attr);
	g_autofree struct module_sect_attrs *a = g_malloc0(size);
	guint64 va = alloc(f, size);

	a->nsections = n;
	for (guint i = 0; i < n; i++) {
		a->attrs[i].battr.attr.name = PTR(string_new(f, sects[i].name));
		a->attrs[i].address = sects[i].addr;
	}
	kpoke(f, va, a, size);
	return va;
}

static guint64 module_new(Fx *f, const char *name, enum module_state state, guint64 base, unsigned size,
			  guint64 init_base, guint64 sect_attrs)
{
	struct module m = {.state = state};
	guint64 va = alloc(f, sizeof(m));

	g_strlcpy(m.name, name, sizeof(m.name));
	m.core_layout.base = PTR(base);
	m.core_layout.size = size;
	m.init_layout.base = PTR(init_base);
	m.init_layout.size = init_base ? 0x1000 : 0;
	m.sect_attrs = PTR(sect_attrs);
	kpoke(f, va, &m, sizeof(m));
	return va;
}

#define MODULE_LINK(va) ((va) + offsetof(struct module, list))

static void make_modules(Fx *f, gboolean cycle)
{
	static const Sect sects[] = {
		{".text", MOD_BASE},
		{".note.gnu.build-id", MOD_BASE + 0x1000},
		{".rodata", MOD_BASE + 0x1800},
		{".data", MOD_BASE + 0x2000},
		{".init.text", MOD_BASE + 0x100000}, /* freed: not for gdb */
		{"__mcount_loc", MOD_BASE + 0x2400},
		{".bss", MOD_BASE + 0x2800},
	};
	guint64 links[2];

	links[0] = MODULE_LINK(module_new(f, "lab_null", MODULE_STATE_LIVE, MOD_BASE, 0x3000, 0,
					  sect_attrs_new(f, sects, G_N_ELEMENTS(sects))));
	links[1] = MODULE_LINK(module_new(f, "other_mod", MODULE_STATE_COMING, MOD_BASE + 0x10000, 0x1000,
					  MOD_BASE + 0x200000, 0));
	link_list(f, sym(f, "modules"), links, 2, cycle ? links[0] : 0);
}

static void test_modules(void)
{
	Fx f = {0};
	g_autoptr(OlKmem) k = NULL;
	g_autoptr(OlModules) mods = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	g_autofree char *line = NULL, *lsmod = NULL;
	const OlModule *m;

	fx_init(&f);
	make_modules(&f, FALSE);
	k = fx_open(&f, warnings);
	err = ol_modules_read(k, (const char *const[]){NULL}, &mods);
	g_assert_no_error(err);
	g_assert_cmpuint(ol_modules_count(mods), ==, 2);

	m = ol_modules_get(mods, 0);
	g_assert_cmpstr(m->name, ==, "lab_null");
	g_assert_cmpuint(m->state, ==, OL_MODULE_LIVE);
	g_assert_cmphex(m->base, ==, MOD_BASE);
	g_assert_cmphex(m->size, ==, 0x3000);
	g_assert_cmphex(m->init_base, ==, 0);
	g_assert_cmpuint(m->sections->len, ==, 7);
	g_assert_cmpstr(g_array_index(m->sections, OlModuleSection, 4).name, ==, ".init.text");
	g_assert_false(g_array_index(m->sections, OlModuleSection, 4).live);
	g_assert_true(g_array_index(m->sections, OlModuleSection, 6).live);
	g_assert_null(m->ko);
	/* .text first, then the glob's order; no .note.*, no freed .init.* */
	line = ol_module_add_symbol_file(m);
	g_assert_cmpstr(line, ==, "add-symbol-file lab_null.ko 0xffffffffa0000000 -s .bss 0xffffffffa0002800"
				  " -s .data 0xffffffffa0002000 -s .rodata 0xffffffffa0001800"
				  " -s __mcount_loc 0xffffffffa0002400");

	m = ol_modules_get(mods, 1);
	g_assert_cmpstr(m->name, ==, "other_mod");
	g_assert_cmpuint(m->state, ==, OL_MODULE_COMING);
	g_assert_cmphex(m->init_base, ==, MOD_BASE + 0x200000);
	g_assert_cmphex(m->init_size, ==, 0x1000);
	g_assert_cmpuint(m->sections->len, ==, 0);

	lsmod = ol_modules_monitor_lsmod(mods);
	g_assert_nonnull(strstr(lsmod, "lab_null"));
	g_assert_nonnull(strstr(lsmod, "other_mod           ffffffffa0010000      4096  (not found)  coming"));
	fx_clear(&f);
}

/* A module list that never ends: an error naming the bound, not a hang. */
static void test_modules_cycle(void)
{
	Fx f = {0};
	g_autoptr(OlKmem) k = NULL;
	g_autoptr(OlModules) mods = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;

	fx_init(&f);
	make_modules(&f, TRUE);
	k = fx_open(&f, warnings);
	err = ol_modules_read(k, (const char *const[]){NULL}, &mods);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT);
	g_assert_nonnull(strstr(err->message, "does not end after 4096 entries"));
	fx_clear(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/walks/tasks/threads", test_tasks_threads);
	g_test_add_data_func("/walks/tasks/cycle-processes", GUINT_TO_POINTER(TASK_CYCLE), test_tasks_cycle);
	g_test_add_data_func("/walks/tasks/cycle-threads", GUINT_TO_POINTER(THREAD_CYCLE), test_tasks_cycle);
	g_test_add_func("/walks/modules/list", test_modules);
	g_test_add_func("/walks/modules/cycle", test_modules_cycle);
	return g_test_run();
}
