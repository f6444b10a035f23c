// SPDX-License-Identifier: GPL-2.0
/* oopslab report zoo: an entry deleted from a list twice (CONFIG_DEBUG_LIST: "list_del corruption"). */
#include <linux/list.h>
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

struct zoo_item {
	struct list_head node;
	int id;
};

static LIST_HEAD(zoo_items);

static noinline void zoo_item_remove(struct zoo_item *it)
{
	list_del(&it->node); /* oopslab: crash here */
}

static noinline void zoo_list_del_crash(void)
{
	static struct zoo_item it = { .id = 1 };

	list_add(&it.node, &zoo_items);
	zoo_item_remove(&it);
	zoo_item_remove(&it);	/* the bug: removed twice, its links are poison */
}

OOPSLAB_LAB(zoo_list_del_crash, "report zoo: list_del of a deleted entry (DEBUG_LIST)");
