// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a soft lockup. A task polls a device status word in a loop
 * that never sleeps and never calls cond_resched(). Interrupts stay on, so
 * the watchdog's timer still runs on this CPU, but nothing else is ever
 * scheduled here: after 2 * watchdog_thresh seconds the watchdog reports
 * "BUG: soft lockup", and softlockup_panic=1 turns that into a panic.
 */
#include "../common/oopslab-lab.h"

#define LAB_STATUS_BUSY 0x1

struct lab_device {
	unsigned int status;
};

/* The "hardware" never clears BUSY. */
static struct lab_device lab_dev = { .status = LAB_STATUS_BUSY };

static noinline void lab_wait_idle(void)
{
	/*
	 * Busy-wait for the device. The bug: no timeout, no cond_resched(),
	 * no sleep. (No cpu_relax() either, so that every instruction of the
	 * loop is on the marked line, wherever the timer interrupt lands.)
	 */
	while (READ_ONCE(lab_dev.status) & LAB_STATUS_BUSY); /* oopslab: spins here */
}

static noinline void soft_lockup_crash(void)
{
	lab_wait_idle();
	pr_info("oopslab: device idle\n");
}

OOPSLAB_LAB(soft_lockup_crash, "soft lockup (a busy loop that never schedules)");
