// SPDX-License-Identifier: GPL-2.0
/* oopslab report zoo: a double free (KASAN: "double-free"). */
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

static noinline void zoo_buffer_release(void *buf)
{
	kfree(buf); /* oopslab: crash here */
}

static noinline void zoo_double_free_crash(void)
{
	void *buf = kmalloc(32, GFP_KERNEL); /* oopslab: allocated here */

	zoo_buffer_release(buf);
	zoo_buffer_release(buf);	/* the bug: released twice */
}

OOPSLAB_LAB(zoo_double_free_crash, "report zoo: double free (KASAN)");
