// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab report zoo: sleeping with a spinlock held (DEBUG_ATOMIC_SLEEP:
 * "BUG: sleeping function called from invalid context"). A finding, not a
 * crash: the lab returns.
 */
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include "../common/oopslab-lab.h"

static DEFINE_SPINLOCK(zoo_cache_lock);
static DEFINE_MUTEX(zoo_io_lock);

static noinline void zoo_cache_flush(void)
{
	mutex_lock(&zoo_io_lock); /* oopslab: crash here */
	mutex_unlock(&zoo_io_lock);
}

static noinline void zoo_sleep_atomic_crash(void)
{
	spin_lock(&zoo_cache_lock);
	zoo_cache_flush();	/* the bug: may sleep under a spinlock */
	spin_unlock(&zoo_cache_lock);
}

OOPSLAB_LAB(zoo_sleep_atomic_crash, "report zoo: sleeping in atomic context (DEBUG_ATOMIC_SLEEP)");
