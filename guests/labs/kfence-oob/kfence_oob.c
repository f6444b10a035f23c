// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: an out-of-bounds read that KFENCE catches. KFENCE samples
 * one heap allocation now and then (every kfence.sample_interval ms) and
 * serves it from its own pool: one object per page, next to a guard page.
 * The lab allocates 64-byte records until one of them is a KFENCE object
 * placed against the end of its page, then sums one element too many: the
 * read past the record touches the guard page, KFENCE's fault handler
 * reports "BUG: KFENCE: out-of-bounds read", and panic_on_warn=1 makes the
 * report a panic. Without KFENCE the lab finds no such object and says so.
 */
#include <linux/delay.h>
#include <linux/kfence.h>
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

#define LAB_SAMPLES 8	/* 8 x 8 bytes: a 64-byte record, kmalloc-64 */
#define LAB_TRIES 20000	/* about 20 s at one try per millisecond */

struct lab_record {
	u64 sample[LAB_SAMPLES];
};

static noinline u64 lab_record_sum(const struct lab_record *r)
{
	u64 sum = 0;
	int i;

	for (i = 0; i <= LAB_SAMPLES; i++)	/* the bug: <= reads one past the end */
		sum += READ_ONCE(r->sample[i]); /* oopslab: crash here */
	return sum;
}

/* A KFENCE object whose end is its page's end: the next byte is a guard page. */
static struct lab_record *lab_record_alloc_guarded(void)
{
	int tries;

	for (tries = 0; tries < LAB_TRIES; tries++) {
		struct lab_record *r = kmalloc(sizeof(*r), GFP_KERNEL);

		if (!r)
			return NULL;
		if (is_kfence_address(r) && offset_in_page((char *)r + sizeof(*r)) == 0)
			return r;
		kfree(r);
		usleep_range(500, 1000);
	}
	return NULL;
}

static noinline void kfence_oob_crash(void)
{
	struct lab_record *r = lab_record_alloc_guarded();

	if (!r) {
		pr_info("oopslab: no KFENCE object after %d allocations (is KFENCE on?)\n", LAB_TRIES);
		return;
	}
	memset(r, 0, sizeof(*r));
	pr_info("oopslab: record sum %llu\n", lab_record_sum(r));
	kfree(r);
}

OOPSLAB_LAB(kfence_oob_crash, "out-of-bounds read into a KFENCE guard page (an off-by-one loop)");
