// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a hung task. A function takes a mutex and calls a helper that
 * takes the same mutex again: the task sleeps in mutex_lock() in
 * TASK_UNINTERRUPTIBLE ("D" state) forever, waiting for itself. Nothing
 * spins, every CPU is idle, only khungtaskd notices: "INFO: task sh:N
 * blocked for more than 2 seconds", and hung_task_panic=1 makes it panic.
 */
#include <linux/mutex.h>
#include "../common/oopslab-lab.h"

static DEFINE_MUTEX(lab_config_lock);
static int lab_config_generation;

/* Called with lab_config_lock held... except that it takes it itself. */
static noinline void lab_config_bump(void)
{
	mutex_lock(&lab_config_lock); /* oopslab: blocks here */
	lab_config_generation++;
	mutex_unlock(&lab_config_lock);
}

static noinline void hung_task_crash(void)
{
	mutex_lock(&lab_config_lock);
	lab_config_bump();
	mutex_unlock(&lab_config_lock);
}

OOPSLAB_LAB(hung_task_crash, "hung task (a self-deadlock on a mutex, D state)");
