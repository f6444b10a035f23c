// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a kernel stack overflow. A recursive walk of a tree that has
 * a cycle (a node was re-parented under its own child) never ends, and each
 * level reserves 1 KiB of stack for a message buffer it only uses on an
 * error path. The 16 KiB task stack (CONFIG_VMAP_STACK: vmalloc'ed, with an
 * unmapped guard page below it) runs out after a dozen levels: the push of
 * the next return address hits the guard page, the CPU cannot deliver the
 * page fault on that stack and raises a double fault instead, and the
 * kernel reports "BUG: TASK stack guard page was hit".
 *
 * Which instruction touches the guard page first? Each level's frame is the
 * return address and the saved frame pointer (16 bytes), then the 1 KiB
 * buffer at the bottom, which its initialisation clears starting with the
 * lowest byte. Unless the page boundary happens to fall right at one of the
 * two 8-byte slots or at the very bottom of a frame (about 1.5 % of the
 * possible stack layouts, fixed for a given kernel and compiler), the
 * faulting instruction is that clearing, on the buffer's line.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include "../common/oopslab-lab.h"

#define LAB_MSG_MAX 1024

struct lab_node {
	struct lab_node *child;
	const char *name;
	bool bad;
};

static struct lab_node lab_leaf = { .name = "leaf" };
static struct lab_node lab_root = { .child = &lab_leaf, .name = "root" };

static noinline void lab_report(const char *msg)
{
	pr_err("oopslab: %s\n", msg);
}

/* How deep the tree below n goes, or -EINVAL for a bad node. */
static noinline int lab_node_depth(const struct lab_node *n)
{
	/* For the error path only, but every level reserves and clears it. */
	char msg[LAB_MSG_MAX] = ""; /* oopslab: crash here */
	int depth;

	if (!n)
		return 0;
	if (n->bad) {
		snprintf(msg, sizeof(msg), "bad node %s", n->name);
		lab_report(msg);
		return -EINVAL;
	}
	depth = lab_node_depth(n->child);
	return depth < 0 ? depth : depth + 1;
}

static noinline void stack_overflow_crash(void)
{
	/* The bug: the leaf is re-parented under... its own descendant. */
	WRITE_ONCE(lab_leaf.child, &lab_root);
	pr_info("oopslab: tree depth %d\n", lab_node_depth(&lab_root));
}

OOPSLAB_LAB(stack_overflow_crash, "kernel stack overflow (unbounded recursion into the guard page)");
