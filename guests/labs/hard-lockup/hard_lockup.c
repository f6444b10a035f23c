// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a hard lockup. Every CPU spins with interrupts disabled: no
 * timer interrupt runs anywhere, so neither the scheduler, nor RCU, nor the
 * soft-lockup watchdog can notice. Only an NMI gets through: the perf NMI
 * watchdog's ("Watchdog detected hard LOCKUP", hardlockup_panic) where the
 * CPU has a PMU (KVM), or, under TCG, where there is none, the harness's own
 * NMI after the lab's timeout (unknown_nmi_panic=1: "NMI: Not continuing").
 *
 * The shape of the bug: a cross-CPU rendezvous. on_each_cpu(..., wait=1)
 * runs lab_park_cpu() on every CPU (the others in their IPI handler, this
 * one directly; all with interrupts off) and waits for all of them to
 * return. They wait for lab_release, which the initiator only sets after
 * on_each_cpu() has returned: never.
 */
#include <linux/smp.h>
#include "../common/oopslab-lab.h"

static bool lab_release;

static void lab_park_cpu(void *unused)
{
	/* Every instruction of the loop is on the marked line (no cpu_relax()). */
	while (!READ_ONCE(lab_release)); /* oopslab: spins here */
}

static noinline void hard_lockup_crash(void)
{
	on_each_cpu(lab_park_cpu, NULL, 1);
	WRITE_ONCE(lab_release, true);
	pr_info("oopslab: all CPUs released\n");
}

OOPSLAB_LAB(hard_lockup_crash, "hard lockup (every CPU spinning with interrupts off)");
