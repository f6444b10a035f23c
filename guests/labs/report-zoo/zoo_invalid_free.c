// SPDX-License-Identifier: GPL-2.0
/* oopslab report zoo: freeing a pointer into the middle of an object (KASAN: "invalid-free"). */
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

struct zoo_packet {
	u64 header;
	char payload[56];
};

static noinline void zoo_payload_free(char *payload)
{
	kfree(payload); /* oopslab: crash here */
}

static noinline void zoo_invalid_free_crash(void)
{
	struct zoo_packet *p = kmalloc(sizeof(*p), GFP_KERNEL);

	if (p)
		zoo_payload_free(p->payload);	/* the bug: not the object's start */
}

OOPSLAB_LAB(zoo_invalid_free_crash, "report zoo: invalid free (KASAN)");
