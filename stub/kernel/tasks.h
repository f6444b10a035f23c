/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's tasks, read from the dump through vmlinux's DWARF: every
 * thread of every process (init_task.tasks, then each process's
 * signal->thread_head), and each CPU's idle task. Each becomes a gdb thread
 * after the vCPU threads, with the registers it would resume with.
 *
 * Thread ids (gdb shows them as "Thread N"):
 *   vCPU threads             tid = cpu + 1        (1 .. NR_CPUS <= 8192)
 *   idle task of CPU n       tid = 900000 + n     (pid 0, "swapper/n")
 *   any other task, pid P    tid = 1000000 + P    (P <= PID_MAX_LIMIT = 4194304)
 * The three ranges never overlap, a task keeps its tid across sessions and
 * stubs, and the pid is the tid's last six digits for pids below 1000000.
 */
#pragma once
#include <glib.h>

#include "kmem.h"

#define OL_TID_IDLE_BASE 900000u
#define OL_TID_TASK_BASE 1000000u

typedef struct {
	guint64 addr;     /* the task_struct */
	guint64 tid;      /* gdb thread id, see above */
	gint32 pid, tgid;
	gint32 ppid;      /* pid of task->parent, as crash shows it */
	guint32 state;    /* task->__state */
	guint32 exit_state;
	char st;          /* ps state letter: ol_task_state_char() */
	int cpu;          /* task_cpu(): the CPU it last ran on */
	int running;      /* the CPU it is current on at the dump, or -1 */
	int idle_cpu;     /* the CPU whose idle task it is, or -1 */
	gboolean kthread; /* no mm: a kernel thread */
	char comm[17];
	/* Tasks not running: the registers saved by the last context switch
	 * (struct inactive_task_frame at task->thread.sp); nothing valid if
	 * that could not be read. Running tasks: unset, their CPU's apply. */
	OlRegs regs;
} OlTask;

/* ps's letter for a task's __state and exit_state (R S D T t X Z P I), as
 * the kernel's task_state_index() / get_task_state() compute it (Linux
 * 4.14 and later: the bit values of those kernels). */
char ol_task_state_char(guint32 state, guint32 exit_state);

/* Every task (OlTask), idle tasks first in CPU order, then the process
 * list's order with each process's threads after it. Needs vmlinux with
 * DWARF. Problems that leave the list usable (a task whose switch frame
 * cannot be read, a loop in a list) are added to WARNINGS if not NULL. */
GError *ol_tasks_read(OlKmem *t, GArray **out, GPtrArray *warnings) G_GNUC_WARN_UNUSED_RESULT;

/* `monitor ps`: one line per task like crash's ps, running tasks marked
 * with ">". */
char *ol_tasks_monitor_ps(OlKmem *t, const char *args, GError **error);
