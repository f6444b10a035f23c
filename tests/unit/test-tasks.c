/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ps state letter of a task, as the kernel's get_task_state() gives it. */
#include <glib.h>

#include "tasks.h"

static void test_states(void)
{
	static const struct {
		guint32 state, exit_state;
		char want;
		const char *what;
	} cases[] = {
		{0x0000, 0, 'R', "TASK_RUNNING"},
		{0x0001, 0, 'S', "TASK_INTERRUPTIBLE"},
		{0x2001, 0, 'S', "TASK_INTERRUPTIBLE | TASK_FREEZABLE (init in wait4)"},
		{0x0002, 0, 'D', "TASK_UNINTERRUPTIBLE"},
		{0x0102, 0, 'D', "TASK_KILLABLE"},
		{0x0402, 0, 'I', "TASK_IDLE (an idle kworker)"},
		{0x0104, 0, 'T', "TASK_STOPPED"},
		{0x0008, 0, 't', "TASK_TRACED"},
		{0x0080, 0x10, 'X', "TASK_DEAD, EXIT_DEAD"},
		{0x0000, 0x20, 'Z', "EXIT_ZOMBIE (still TASK_RUNNING in __state)"},
		{0x0080, 0x20, 'Z', "TASK_DEAD, EXIT_ZOMBIE"},
		{0x0040, 0, 'P', "TASK_PARKED"},
		{0x1000, 0, 'D', "TASK_RTLOCK_WAIT: shown as uninterruptible"},
		{0x8001, 0, 'D', "TASK_FROZEN: shown as uninterruptible"},
		{0x0200, 0, 'R', "TASK_WAKING: not a state ps shows"},
		{0x0800, 0, 'R', "TASK_NEW: not a state ps shows"},
		{0x0003, 0, 'D', "the highest bit wins (fls)"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		char got = ol_task_state_char(cases[i].state, cases[i].exit_state);

		if (got != cases[i].want)
			g_test_message("%s: state %#x exit_state %#x: got %c, want %c", cases[i].what, cases[i].state,
				       cases[i].exit_state, got, cases[i].want);
		g_assert_cmpint(got, ==, cases[i].want);
	}
}

/* Every tid range apart: vCPUs (<= NR_CPUS 8192), idle tasks, pids. */
static void test_tid_ranges(void)
{
	g_assert_cmpuint(8192, <, OL_TID_IDLE_BASE);
	g_assert_cmpuint(OL_TID_IDLE_BASE + 8192, <=, OL_TID_TASK_BASE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tasks/states", test_states);
	g_test_add_func("/tasks/tid-ranges", test_tid_ranges);
	return g_test_run();
}
