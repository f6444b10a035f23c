// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a WARN_ON() that fires. A WARN is not fatal by itself: the
 * kernel prints "WARNING: CPU: ... at FILE:LINE FUNCTION", the registers and
 * a call trace, taints itself and goes on. With panic_on_warn=1 (what
 * fleets and fuzzers use to catch them) it panics right after the report.
 * The shape of the bug: a reference dropped once too often.
 */
#include "../common/oopslab-lab.h"

struct lab_object {
	int users;
};

static struct lab_object lab_obj = { .users = 1 };
/* volatile: the compiler must not know which object the caller holds */
static struct lab_object *volatile lab_held = &lab_obj;

static noinline void lab_object_put(struct lab_object *obj)
{
	if (WARN_ON(obj->users <= 0)) /* oopslab: crash here */
		return;
	obj->users--;
}

static noinline void warn_crash(void)
{
	struct lab_object *obj = lab_held;

	lab_object_put(obj);
	lab_object_put(obj);	/* the bug: one put too many */
}

OOPSLAB_LAB(warn_crash, "WARN_ON (with panic_on_warn)");
