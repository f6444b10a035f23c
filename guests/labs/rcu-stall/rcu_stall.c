// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: an RCU CPU stall. A reader walks an RCU-protected list inside
 * rcu_read_lock() and never leaves it, because the list has a cycle: the same
 * entry was added twice, so it now points at itself. The updater has
 * replaced the table and queued the old one with call_rcu(), so a grace
 * period is waiting for this CPU, which never passes a quiescent state.
 * After rcupdate.rcu_cpu_stall_timeout seconds RCU reports "rcu_sched
 * self-detected stall on CPU", and kernel.panic_on_rcu_stall=1 panics.
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

struct lab_entry {
	struct lab_entry __rcu *next;
	int key;
};

struct lab_table {
	struct lab_entry __rcu *head;
	struct rcu_head rcu;
};

static struct lab_table __rcu *lab_table;
static struct lab_entry lab_entries[2] = { { .key = 1 }, { .key = 2 } };

static noinline void lab_table_add(struct lab_table *t, struct lab_entry *e)
{
	RCU_INIT_POINTER(e->next, rcu_dereference_protected(t->head, 1));
	rcu_assign_pointer(t->head, e);
}

static void lab_table_free(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct lab_table, rcu));
}

static noinline int lab_table_count(void)
{
	struct lab_table *t;
	struct lab_entry *e;
	int n = 0;

	rcu_read_lock();
	t = rcu_dereference(lab_table);
	/* One line, so that wherever the timer interrupt lands it is this one. */
	for (e = rcu_dereference(t->head); e; e = rcu_dereference(e->next)) n++; /* oopslab: spins here */
	rcu_read_unlock();
	return n;
}

static noinline void rcu_stall_crash(void)
{
	struct lab_table *old = rcu_dereference_protected(lab_table, 1);
	struct lab_table *new = kzalloc(sizeof(*new), GFP_KERNEL);

	if (!new)
		return;
	lab_table_add(new, &lab_entries[0]);
	lab_table_add(new, &lab_entries[1]);
	/* A retry path adds the last entry again: lab_entries[1].next = &lab_entries[1]. */
	lab_table_add(new, &lab_entries[1]);
	rcu_assign_pointer(lab_table, new);
	call_rcu(&old->rcu, lab_table_free);
	pr_info("oopslab: table has %d entries\n", lab_table_count());
}

static int __init lab_init(void)
{
	struct lab_table *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	RCU_INIT_POINTER(lab_table, t);
	return 0;
}
module_init(lab_init);

OOPSLAB_LAB(rcu_stall_crash, "RCU CPU stall (an endless walk of a cyclic list under rcu_read_lock)");
