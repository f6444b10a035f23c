// SPDX-License-Identifier: GPL-2.0
/* oopslab report zoo: a shift by more than the type's width (UBSAN: "shift-out-of-bounds"). */
#include "../common/oopslab-lab.h"

static int zoo_order = 40;
module_param_named(order, zoo_order, int, 0644);

static noinline int zoo_order_to_pages(int order)
{
	return 1 << order; /* oopslab: crash here */
}

static noinline void zoo_shift_crash(void)
{
	pr_info("oopslab: %d pages\n", zoo_order_to_pages(zoo_order));
}

OOPSLAB_LAB(zoo_shift_crash, "report zoo: shift exponent too large (UBSAN)");
