/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tasks.h"

#include <string.h>

#include "kmem.h"

/* No kernel has more pids than this (PID_MAX_LIMIT on 64-bit): a walk that
 * goes on longer is going round a corrupted list. */
#define MAX_TASKS (4u * 1024 * 1024)
/* NR_CPUS is at most 8192 on x86_64. */
#define MAX_CPUS 8192u

/* task_struct members, from DWARF: offsets, and the span one read covers. */
typedef struct {
	guint64 tasks, pid, tgid, comm, state, exit_state, parent, mm, sp, signal, cpu;
	/* Threads: signal->thread_head through task->thread_node (3.14 and
	 * later), or the leader's task->thread_group ring before that. */
	gboolean has_thread_head;
	guint64 thread_head, thread_node, thread_group;
	guint64 span;
	/* struct inactive_task_frame (4.9 and later); frame_size 0 without it */
	guint64 frame_size;
	guint64 frame_off[7];
} Layout;

/* The frame's members, and the registers they hold. */
static const struct {
	const char *member;
	OlGdbReg reg;
} frame_regs[7] = {
	{"r15", OL_GDB_R15}, {"r14", OL_GDB_R14}, {"r13", OL_GDB_R13}, {"r12", OL_GDB_R12},
	{"bx", OL_GDB_RBX},  {"bp", OL_GDB_RBP},  {"ret_addr", OL_GDB_RIP},
};

/* Bit values of Linux 4.14 and later (include/linux/sched.h). */
#define TASK_REPORT 0x7f /* RUNNING .. PARKED: the states ps can show */
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NOLOAD 0x0400
#define TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define TASK_RTLOCK_WAIT 0x1000 /* 5.15 */
#define TASK_FROZEN 0x8000      /* 6.1 */

char ol_task_state_char(guint32 state, guint32 exit_state)
{
	/* fs/proc/array.c's task_state_array, by task_state_index() */
	static const char letters[] = "RSDTtXZPI";
	guint32 s = (state | exit_state) & TASK_REPORT;
	guint index = 0;

	if ((state & TASK_IDLE) == TASK_IDLE)
		s = TASK_REPORT + 1;
	/* rt-mutex sleepers and frozen tasks show as uninterruptible */
	if (state & (TASK_RTLOCK_WAIT | TASK_FROZEN))
		s = TASK_UNINTERRUPTIBLE;
	while (s) { /* fls() */
		index++;
		s >>= 1;
	}
	return letters[index];
}

static GError *member(OlKmem *t, const char *type, const char *name, guint64 *off, guint64 *span)
{
	guint64 size;
	GError *err = ol_kmem_member(t, type, name, off, &size);

	if (!err && span)
		*span = MAX(*span, *off + MAX(size, 8));
	return err;
}

/* The first of two member names that exists (a rename across kernels). */
static GError *member2(OlKmem *t, const char *type, const char *a, const char *b, guint64 *off, guint64 *span)
{
	g_autoptr(GError) first = member(t, type, a, off, span);

	if (!first)
		return NULL;
	return member(t, type, b, off, span);
}

static GError *read_layout(OlKmem *t, Layout *l, GPtrArray *warnings)
{
	static const char ts[] = "task_struct";
	g_autoptr(GError) no_head = NULL;
	g_autoptr(GError) no_frame = NULL;
	GError *err;

	memset(l, 0, sizeof(*l));
	if ((err = member(t, ts, "tasks", &l->tasks, &l->span)) ||
	    (err = member(t, ts, "pid", &l->pid, &l->span)) ||
	    (err = member(t, ts, "tgid", &l->tgid, &l->span)) ||
	    (err = member(t, ts, "comm", &l->comm, &l->span)) ||
	    (err = member2(t, ts, "__state", "state", &l->state, &l->span)) ||
	    (err = member(t, ts, "exit_state", &l->exit_state, &l->span)) ||
	    (err = member(t, ts, "parent", &l->parent, &l->span)) ||
	    (err = member(t, ts, "mm", &l->mm, &l->span)) ||
	    (err = member(t, ts, "thread.sp", &l->sp, &l->span)) ||
	    (err = member(t, ts, "signal", &l->signal, &l->span)) ||
	    /* task_cpu(): in task_struct from 5.16 with THREAD_INFO_IN_TASK,
	     * in thread_info otherwise */
	    (err = member2(t, ts, "cpu", "thread_info.cpu", &l->cpu, &l->span)))
		return err;
	no_head = member(t, "signal_struct", "thread_head", &l->thread_head, NULL);
	l->has_thread_head = !no_head;
	if (l->has_thread_head ? (err = member(t, ts, "thread_node", &l->thread_node, &l->span))
			       : (err = member(t, ts, "thread_group", &l->thread_group, &l->span)))
		return err;

	if (!(no_frame = ol_dwarf_sizeof(ol_kmem_dwarf(t), "inactive_task_frame", &l->frame_size))) {
		for (guint i = 0; i < G_N_ELEMENTS(frame_regs) && !no_frame; i++)
			no_frame = member(t, "inactive_task_frame", frame_regs[i].member, &l->frame_off[i], NULL);
	}
	if (no_frame) {
		l->frame_size = 0;
		if (warnings)
			g_ptr_array_add(warnings, g_strdup_printf("tasks that are not running have no registers: %s",
								  no_frame->message));
	}
	return NULL;
}

static guint64 get_u64(const guint8 *buf, guint64 off)
{
	guint64 v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static guint32 get_u32(const guint8 *buf, guint64 off)
{
	guint32 v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

/* The registers a sleeping task resumes with: what __switch_to_asm pushed
 * before it saved the stack pointer in thread.sp. rip is the return address
 * into __schedule() (or ret_from_fork), rsp where it returns to; the other
 * caller-saved registers are lost, so unavailable. */
static void switch_frame_regs(OlKmem *t, const Layout *l, guint64 sp, OlRegs *r)
{
	guint8 frame[256];
	gsize done = 0;
	g_autoptr(GError) err = NULL;

	memset(r, 0, sizeof(*r));
	if (!l->frame_size || l->frame_size > sizeof(frame))
		return;
	err = ol_kmem_read(t, sp, frame, l->frame_size, &done);
	if (done < l->frame_size)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(frame_regs); i++)
		ol_regs_set(r, frame_regs[i].reg, get_u64(frame, l->frame_off[i]));
	ol_regs_set(r, OL_GDB_RSP, sp + l->frame_size);
	ol_regs_set(r, OL_GDB_CS, 0x10); /* __KERNEL_CS */
	ol_regs_set(r, OL_GDB_SS, 0x18); /* __KERNEL_DS */
}

typedef struct {
	OlKmem *t;
	const Layout *l;
	GArray *tasks;
	GHashTable *seen; /* task_struct addresses already listed */
	GHashTable *tids; /* and their thread ids */
	GPtrArray *warnings;
	guint8 *buf;      /* one task_struct's span */
} Walk;

static void warn(Walk *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void warn(Walk *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->warnings)
		return;
	va_start(ap, fmt);
	g_ptr_array_add(w->warnings, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* Read one task into the list. FALSE if it was listed already or cannot
 * be read. */
static gboolean add_task(Walk *w, guint64 addr, int idle_cpu)
{
	const Layout *l = w->l;
	OlTask task = {.addr = addr, .running = -1, .idle_cpu = idle_cpu};
	gsize done = 0;
	guint64 parent;
	g_autoptr(GError) err = NULL;

	if (g_hash_table_contains(w->seen, &addr))
		return FALSE;
	err = ol_kmem_read(w->t, addr, w->buf, l->span, &done);
	if (done < l->span) {
		warn(w, "task_struct at 0x%" G_GINT64_MODIFIER "x cannot be read: %s", addr,
		     err ? err->message : "short read");
		return FALSE;
	}
	g_hash_table_add(w->seen, g_memdup2(&addr, sizeof(addr)));
	task.pid = (gint32)get_u32(w->buf, l->pid);
	task.tgid = (gint32)get_u32(w->buf, l->tgid);
	task.state = get_u32(w->buf, l->state);
	task.exit_state = get_u32(w->buf, l->exit_state);
	task.st = ol_task_state_char(task.state, task.exit_state);
	task.cpu = (int)get_u32(w->buf, l->cpu);
	task.kthread = get_u64(w->buf, l->mm) == 0;
	memcpy(task.comm, w->buf + l->comm, 16);
	task.comm[16] = 0;
	parent = get_u64(w->buf, l->parent);
	task.ppid = -1;
	if (parent) {
		guint32 ppid;
		g_autoptr(GError) perr = ol_kmem_read_u32(w->t, parent + l->pid, &ppid);

		if (!perr)
			task.ppid = (gint32)ppid;
	}
	/* pid 0 is an idle task even if found as a CPU's current only */
	if (task.pid == 0 && idle_cpu < 0 && task.cpu >= 0 && (guint)task.cpu < MAX_CPUS)
		task.idle_cpu = task.cpu;
	if (task.pid < 0 || task.pid > (gint32)MAX_TASKS || (task.pid == 0 && task.idle_cpu < 0)) {
		warn(w, "task_struct at 0x%" G_GINT64_MODIFIER "x has pid %d: left out", addr, task.pid);
		return FALSE;
	}
	task.tid = task.idle_cpu >= 0 ? OL_TID_IDLE_BASE + (guint)task.idle_cpu
				      : OL_TID_TASK_BASE + (guint)task.pid;
	/* Two threads with one tid would confuse gdb: the first one stays. */
	if (g_hash_table_contains(w->tids, &task.tid)) {
		warn(w, "task_struct at 0x%" G_GINT64_MODIFIER "x (pid %d): thread id %" G_GINT64_MODIFIER
			"u is taken: left out", addr, task.pid, task.tid);
		return FALSE;
	}
	g_hash_table_add(w->tids, g_memdup2(&task.tid, sizeof(task.tid)));
	switch_frame_regs(w->t, l, get_u64(w->buf, l->sp), &task.regs);
	g_array_append_val(w->tasks, task);
	return TRUE;
}

/* The entries of the circular list at HEAD, as addresses of the structs
 * that hold the list_head at LINK. */
static void walk_list(Walk *w, guint64 head, guint64 link, const char *what,
		      void (*fn)(Walk *w, guint64 entry))
{
	guint64 pos;
	guint n = 0;
	g_autoptr(GError) err = ol_kmem_read_u64(w->t, head, &pos);

	while (!err && pos != head) {
		if (++n > MAX_TASKS) {
			warn(w, "%s: the list at 0x%" G_GINT64_MODIFIER "x does not come back to its head", what, head);
			return;
		}
		fn(w, pos - link);
		err = ol_kmem_read_u64(w->t, pos, &pos);
	}
	if (err)
		warn(w, "%s: %s", what, err->message);
}

static void add_thread(Walk *w, guint64 task)
{
	add_task(w, task, -1);
}

/* A process (a thread group leader) and its other threads. */
static void add_process(Walk *w, guint64 leader)
{
	const Layout *l = w->l;
	guint64 signal;

	/* Already listed: an idle task, or a loop (the walk's count stops it). */
	if (!add_task(w, leader, -1))
		return;
	signal = get_u64(w->buf, l->signal);
	if (l->has_thread_head) {
		if (signal)
			walk_list(w, signal + l->thread_head, l->thread_node, "signal->thread_head", add_thread);
	} else {
		walk_list(w, leader + l->thread_group, l->thread_group, "task->thread_group", add_thread);
	}
}

/* Lookups whose failure only means "try another way". */
static gboolean try_percpu(OlKmem *t, const char *name, guint cpu, guint64 *addr)
{
	g_autoptr(GError) err = ol_kmem_percpu(t, name, cpu, addr);

	return !err;
}

/* The CPUs that have an idle task: __cpu_present_mask below nr_cpu_ids
 * (not the online mask: panic() takes the other CPUs offline as it stops
 * them), or the dump's CPUs if those cannot be read. */
static GArray *present_cpus(OlKmem *t)
{
	GArray *cpus = g_array_new(FALSE, FALSE, sizeof(guint));
	guint64 mask, nr, bits = 0;
	guint32 n = 0;
	g_autoptr(GError) err = NULL;

	if (ol_kmem_try_symbol(t, "__cpu_present_mask", &mask) && ol_kmem_try_symbol(t, "nr_cpu_ids", &nr) &&
	    !(err = ol_kmem_read_u32(t, nr, &n)) && n > 0 && n <= MAX_CPUS) {
		for (guint cpu = 0; cpu < n; cpu++) {
			if (cpu % 64 == 0 && !ol_kmem_try_read_u64(t, mask + cpu / 8, &bits))
				break;
			if (bits & (G_GUINT64_CONSTANT(1) << (cpu % 64)))
				g_array_append_val(cpus, cpu);
		}
	}
	if (cpus->len == 0)
		for (guint cpu = 0; cpu < ol_dump_n_cpus(ol_kmem_dump(t)); cpu++)
			g_array_append_val(cpus, cpu);
	return cpus;
}

/* The idle task of CPU: runqueues[cpu].idle, or idle_threads[cpu] (only
 * for CPUs brought up after boot; CPU 0's is init_task). */
static guint64 idle_task(OlKmem *t, guint cpu)
{
	guint64 addr, off, task = 0;

	if (try_percpu(t, "runqueues", cpu, &addr) && ol_kmem_try_member(t, "rq", "idle", &off, NULL) &&
	    ol_kmem_try_read_u64(t, addr + off, &task) && task)
		return task;
	if (try_percpu(t, "idle_threads", cpu, &addr) && ol_kmem_try_read_u64(t, addr, &task) && task)
		return task;
	if (cpu == 0 && ol_kmem_try_symbol(t, "init_task", &addr))
		return addr;
	return 0;
}

/* The task current on CPU: what `current` reads there, the per-CPU
 * current_task (in pcpu_hot from 6.2). The run queue's curr is only the
 * fallback: it changes before the switch, so a CPU stopped in between
 * runs on the previous task's stack. */
static guint64 current_task(OlKmem *t, guint cpu)
{
	guint64 addr, off, task = 0;

	if (try_percpu(t, "current_task", cpu, &addr) && ol_kmem_try_read_u64(t, addr, &task) && task)
		return task;
	if (try_percpu(t, "pcpu_hot", cpu, &addr) && ol_kmem_try_member(t, "pcpu_hot", "current_task", &off, NULL) &&
	    ol_kmem_try_read_u64(t, addr + off, &task) && task)
		return task;
	if (try_percpu(t, "runqueues", cpu, &addr) && ol_kmem_try_member(t, "rq", "curr", &off, NULL) &&
	    ol_kmem_try_read_u64(t, addr + off, &task))
		return task;
	return 0;
}

GError *ol_tasks_read(OlKmem *t, GArray **out, GPtrArray *warnings)
{
	Layout l;
	g_autoptr(GArray) tasks = g_array_new(FALSE, TRUE, sizeof(OlTask));
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GHashTable) tids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GHashTable) on_cpu = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) cpus = NULL;
	g_autofree guint8 *buf = NULL;
	guint64 init_task;
	Walk w = {.t = t, .l = &l, .tasks = tasks, .seen = seen, .tids = tids, .warnings = warnings};
	GError *err;

	if (!ol_kmem_dwarf(t))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "the task list needs vmlinux with debug info");
	if ((err = read_layout(t, &l, warnings)) || (err = ol_kmem_symbol(t, "init_task", &init_task)))
		return err;
	w.buf = buf = g_malloc(l.span);

	cpus = present_cpus(t);
	for (guint i = 0; i < cpus->len; i++) {
		guint cpu = g_array_index(cpus, guint, i);
		guint64 idle = idle_task(t, cpu);

		if (idle && !add_task(&w, idle, (int)cpu))
			warn(&w, "CPU %u: idle task 0x%" G_GINT64_MODIFIER "x listed twice or unreadable", cpu, idle);
	}
	walk_list(&w, init_task + l.tasks, l.tasks, "init_task.tasks", add_process);

	/* Which tasks the dump's CPUs were running: those take the CPU's
	 * registers instead of their last switch frame. A task that exits is
	 * off the lists before it runs for the last time: list it too. */
	for (guint cpu = 0; cpu < ol_dump_n_cpus(ol_kmem_dump(t)); cpu++) {
		guint64 cur = current_task(t, cpu);

		if (!cur)
			continue;
		g_hash_table_insert(on_cpu, g_memdup2(&cur, sizeof(cur)), GUINT_TO_POINTER(cpu + 1));
		if (!g_hash_table_contains(seen, &cur))
			add_task(&w, cur, -1);
	}
	for (guint i = 0; i < tasks->len; i++) {
		OlTask *task = &g_array_index(tasks, OlTask, i);
		gpointer cpu1 = g_hash_table_lookup(on_cpu, &task->addr);

		if (cpu1) {
			task->running = (int)GPOINTER_TO_UINT(cpu1) - 1;
			memset(&task->regs, 0, sizeof(task->regs));
		}
	}
	*out = g_steal_pointer(&tasks);
	return NULL;
}

/* crash's order: by pid, the idle tasks by CPU. */
static gint by_pid(gconstpointer a, gconstpointer b)
{
	const OlTask *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->idle_cpu < y->idle_cpu ? -1 : x->idle_cpu > y->idle_cpu;
}

char *ol_tasks_monitor_ps(OlKmem *t, const char *args, GError **error)
{
	g_autoptr(GArray) tasks = NULL;
	GString *out;

	if (*args) {
		g_set_error(error, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "takes no arguments");
		return NULL;
	}
	if ((*error = ol_tasks_read(t, &tasks, NULL)))
		return NULL;
	g_array_sort(tasks, by_pid);
	out = g_string_new("      PID    PPID  CPU       TASK        ST  COMM\n");
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *task = &g_array_index(tasks, OlTask, i);

		/* As in crash: ">" for the tasks on a CPU, kernel threads in []. */
		g_string_append_printf(out, "%c %7d %7d %4d  %16" G_GINT64_MODIFIER "x  %c   %s%s%s\n",
				       task->running >= 0 ? '>' : ' ', task->pid, task->ppid, task->cpu,
				       task->addr, task->st, task->kthread ? "[" : "", task->comm,
				       task->kthread ? "]" : "");
	}
	g_string_append_printf(out, "%u tasks; ST is ps's state letter (R S D T t X Z P I). gdb threads: tid %u + pid, "
				    "%u + CPU for the idle tasks (pid 0).\n",
			       tasks->len, OL_TID_TASK_BASE, OL_TID_IDLE_BASE);
	return g_string_free(out, FALSE);
}
