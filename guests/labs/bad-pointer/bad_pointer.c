// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a write through a non-canonical pointer, which x86_64 turns
 * into a general protection fault (not a page fault). The value is the list
 * poison a list_del()ed entry carries, as in real use-after-list_del bugs.
 */
#include <linux/poison.h>
#include "../common/oopslab-lab.h"

struct lab_node {
	struct lab_node *next;
	unsigned long value;
};

static struct lab_node *volatile lab_stale = (struct lab_node *)LIST_POISON1;

static noinline void bad_pointer_crash(void)
{
	struct lab_node *node = lab_stale;

	node->value = 1; /* oopslab: crash here */
}

OOPSLAB_LAB(bad_pointer_crash, "general protection fault on a non-canonical address");
