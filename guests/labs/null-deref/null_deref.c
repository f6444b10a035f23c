// SPDX-License-Identifier: GPL-2.0
/* oopslab lab: a write through a NULL pointer in a module function. */
#include "../common/oopslab-lab.h"

struct lab_record {
	unsigned long id;
	unsigned long value;
};

/* volatile: the compiler must not prove the pointer NULL and drop the store */
static struct lab_record *volatile lab_current;

static noinline void null_deref_crash(void)
{
	struct lab_record *rec = lab_current;

	rec->value = 0x0bad; /* oopslab: crash here */
}

OOPSLAB_LAB(null_deref_crash, "NULL pointer dereference");
