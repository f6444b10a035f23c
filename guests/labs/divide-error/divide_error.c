// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: an integer division by zero. x86 raises #DE ("divide error")
 * for it; in the kernel that is an oops like any other. The shape of the bug:
 * an average taken over a sample set that is still empty.
 */
#include "../common/oopslab-lab.h"

struct lab_latency_stats {
	u64 total_ns;
	u32 samples;
};

/* volatile: the compiler must not see that samples is always 0 here */
static volatile struct lab_latency_stats lab_stats;

static noinline u64 lab_average_latency(void)
{
	return lab_stats.total_ns / lab_stats.samples; /* oopslab: crash here */
}

static noinline void divide_error_crash(void)
{
	pr_info("oopslab: average latency %llu ns\n", lab_average_latency());
}

OOPSLAB_LAB(divide_error_crash, "divide error (division by zero)");
