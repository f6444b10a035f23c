// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: out of memory. A request path allocates a buffer per request
 * and keeps it on a list that nothing ever trims: a leak, made fast. The
 * kernel allocation (GFP_KERNEL) cannot fail, so the allocator reclaims what
 * it can, finds nothing, and calls the OOM killer; vm.panic_on_oom=1 makes
 * that a panic ("Out of memory: system-wide panic_on_oom is enabled") after
 * the OOM report, whose call trace shows who was allocating.
 */
#include <linux/list.h>
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

#define LAB_REQUEST_BYTES 4000

struct lab_request {
	struct list_head node;
	char payload[LAB_REQUEST_BYTES];
};

static LIST_HEAD(lab_requests);
static unsigned long lab_nr_requests;

static const struct lab_request lab_request_template;

/* Queue a new request, made from the template. */
static noinline struct lab_request *lab_request_submit(void)
{
	struct lab_request *req;

	req = kmemdup(&lab_request_template, sizeof(*req), GFP_KERNEL); /* oopslab: allocates here */
	if (!req)
		return NULL;
	list_add(&req->node, &lab_requests);	/* the bug: never removed, never freed */
	lab_nr_requests++;
	return req;
}

static noinline void oom_crash(void)
{
	while (lab_request_submit())
		;
	pr_info("oopslab: %lu requests\n", lab_nr_requests);
}

OOPSLAB_LAB(oom_crash, "out of memory (a kernel memory leak until the OOM killer)");
