// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a use-after-free write that KASAN names. A request is
 * completed, which frees it, and the completion path then records its
 * status in the freed object. Without a detector the write lands in free
 * slab memory and corrupts whatever is allocated there next, far from
 * here; KASAN keeps freed objects in quarantine with poisoned shadow and
 * reports the write itself ("BUG: KASAN: use-after-free", "Write of size
 * 4"), with the stacks that allocated and that freed the object.
 */
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

struct lab_request {
	int id;
	int status;
	void (*done)(struct lab_request *rq);
};

static void lab_request_free(struct lab_request *rq)
{
	pr_info("oopslab: request %d done\n", rq->id);
	kfree(rq); /* oopslab: freed here */
}

static noinline void lab_request_complete(struct lab_request *rq, int status)
{
	rq->done(rq);		/* the bug: done() frees the request... */
	rq->status = status;	/* oopslab: crash here */
}

static noinline void kasan_use_after_free_crash(void)
{
	struct lab_request *rq = kzalloc(sizeof(*rq), GFP_KERNEL); /* oopslab: allocated here */

	if (!rq)
		return;
	rq->id = 7;
	rq->done = lab_request_free;
	lab_request_complete(rq, 0);
}

OOPSLAB_LAB(kasan_use_after_free_crash, "use-after-free write (KASAN: a completion callback frees the request)");
