// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab report zoo: a spinlock taken in process context with softirqs on,
 * and in a timer (softirq) callback: lockdep's "inconsistent lock state".
 * Nothing deadlocks here (one CPU would, if the timer fired while the lock
 * was held): the report is a finding, the lab returns.
 */
#include <linux/delay.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include "../common/oopslab-lab.h"

static DEFINE_SPINLOCK(zoo_stats_lock);
static unsigned long zoo_ticks;
static struct timer_list zoo_timer;

static void zoo_timer_fn(struct timer_list *t)
{
	spin_lock(&zoo_stats_lock); /* oopslab: crash here */
	zoo_ticks++;
	spin_unlock(&zoo_stats_lock);
}

static noinline void zoo_stats_reset(void)
{
	spin_lock(&zoo_stats_lock);	/* the bug: spin_lock_bh() needed */
	zoo_ticks = 0;
	spin_unlock(&zoo_stats_lock);
}

static noinline void zoo_irq_lock_crash(void)
{
	zoo_stats_reset();
	timer_setup(&zoo_timer, zoo_timer_fn, 0);
	mod_timer(&zoo_timer, jiffies + 1);
	msleep(200);
	del_timer_sync(&zoo_timer);
}

OOPSLAB_LAB(zoo_irq_lock_crash, "report zoo: inconsistent lock state (lockdep, a softirq-unsafe lock)");
