// SPDX-License-Identifier: GPL-2.0
/* oopslab report zoo: a global array read out of bounds (KASAN: "global-out-of-bounds"). */
#include "../common/oopslab-lab.h"

static char zoo_names[4][8] = { "zero", "one", "two", "three" };
static int zoo_index = 4;
module_param_named(index, zoo_index, int, 0644);

static noinline char zoo_name_initial(int i)
{
	return READ_ONCE(zoo_names[i][0]); /* oopslab: crash here */
}

static noinline void zoo_global_oob_crash(void)
{
	pr_info("oopslab: initial %c\n", zoo_name_initial(zoo_index));
}

OOPSLAB_LAB(zoo_global_oob_crash, "report zoo: global out-of-bounds read (KASAN)");
