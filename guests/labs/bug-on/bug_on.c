// SPDX-License-Identifier: GPL-2.0
/* oopslab lab: an assertion (BUG_ON) that fails in a module function. */
#include "../common/oopslab-lab.h"

static int volatile lab_refcount;

static noinline void bug_on_crash(void)
{
	int refs = lab_refcount;

	BUG_ON(refs == 0); /* oopslab: crash here */
	pr_info("oopslab: refcount %d\n", refs);
}

OOPSLAB_LAB(bug_on_crash, "BUG_ON");
