// SPDX-License-Identifier: GPL-2.0
/* oopslab report zoo: a stack array read out of bounds (KASAN: "stack-out-of-bounds"). */
#include "../common/oopslab-lab.h"

static int zoo_count = 8;
module_param_named(count, zoo_count, int, 0644);

static noinline int zoo_sum(const int *v, int n)
{
	int sum = 0, i;

	for (i = 0; i < n; i++)
		sum += READ_ONCE(v[i]); /* oopslab: crash here */
	return sum;
}

static noinline void zoo_stack_oob_crash(void)
{
	int samples[4] = { 1, 2, 3, 4 };

	pr_info("oopslab: sum %d\n", zoo_sum(samples, zoo_count));	/* the bug: 8 > 4 */
}

OOPSLAB_LAB(zoo_stack_oob_crash, "report zoo: stack out-of-bounds read (KASAN)");
