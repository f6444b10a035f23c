// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: an AB-BA deadlock. The rule is "queue lock, then stats
 * lock", and lab_queue_flush() follows it; lab_stats_reset() takes them
 * the other way round. A flusher thread holds the queue lock and waits for
 * the stats lock while the trigger holds the stats lock and waits for the
 * queue lock: both sleep in D state forever. lockdep, which saw the right
 * order once, reports the wrong one the moment it is attempted ("WARNING:
 * possible circular locking dependency detected"), before anything hangs;
 * without lockdep only khungtaskd notices, 2 s later (hung_task_panic=1).
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include "../common/oopslab-lab.h"

static DEFINE_MUTEX(lab_queue_lock);
static DEFINE_MUTEX(lab_stats_lock);
static DECLARE_COMPLETION(lab_flusher_holds_queue);
static int lab_queued, lab_flushed;

/* The documented order: queue, then stats. */
static noinline void lab_queue_flush(void)
{
	mutex_lock(&lab_queue_lock);
	mutex_lock(&lab_stats_lock);
	lab_flushed += lab_queued;
	lab_queued = 0;
	mutex_unlock(&lab_stats_lock);
	mutex_unlock(&lab_queue_lock);
}

static int lab_flusher(void *unused)
{
	mutex_lock(&lab_queue_lock);
	complete(&lab_flusher_holds_queue);
	mutex_lock(&lab_stats_lock);
	lab_flushed += lab_queued;
	mutex_unlock(&lab_stats_lock);
	mutex_unlock(&lab_queue_lock);
	return 0;
}

/* The bug: stats, then queue. */
static noinline void lab_stats_reset(void)
{
	mutex_lock(&lab_stats_lock);
	wait_for_completion(&lab_flusher_holds_queue);
	mutex_lock(&lab_queue_lock); /* oopslab: crash here */
	lab_flushed = 0;
	mutex_unlock(&lab_queue_lock);
	mutex_unlock(&lab_stats_lock);
}

static noinline void lockdep_abba_crash(void)
{
	struct task_struct *t;

	lab_queued = 3;
	lab_queue_flush();	/* once in the right order: lockdep learns it */
	t = kthread_run(lab_flusher, NULL, "lab_flusher");
	if (IS_ERR(t))
		return;
	lab_stats_reset();
}

OOPSLAB_LAB(lockdep_abba_crash, "AB-BA deadlock between two mutexes (lockdep: circular locking dependency)");
