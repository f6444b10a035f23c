// SPDX-License-Identifier: GPL-2.0
/* oopslab report zoo: memset() through a wild pointer (KASAN: "wild-memory-access"). */
#include <linux/string.h>
#include "../common/oopslab-lab.h"

static unsigned long zoo_cookie = 0xdead000000000100UL;	/* a list poison value */
static size_t zoo_len = 16;	/* not a constant: gcc would inline a constant memset */

static noinline void zoo_clear(void *p)
{
	memset(p, 0, READ_ONCE(zoo_len)); /* oopslab: crash here */
}

static noinline void zoo_wild_access_crash(void)
{
	zoo_clear((void *)READ_ONCE(zoo_cookie));
}

OOPSLAB_LAB(zoo_wild_access_crash, "report zoo: wild memory access (KASAN, through memset)");
