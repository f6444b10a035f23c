// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab report zoo: a NULL pointer read under KASAN. Inline KASAN checks
 * the shadow of the address first; the shadow of NULL is non-canonical, so
 * the check itself faults: "general protection fault", then "KASAN:
 * null-ptr-deref in range [...]".
 */
#include "../common/oopslab-lab.h"

struct zoo_device {
	const char *name;
	int flags;
};

/* not static: gcc would know it is never set and fold the NULL into a clone */
struct zoo_device *zoo_current;

static noinline int zoo_device_flags(const struct zoo_device *d)
{
	return READ_ONCE(d->flags); /* oopslab: crash here (READ_ONCE: gcc would move a plain load into the caller) */
}

static noinline void zoo_null_deref_crash(void)
{
	pr_info("oopslab: flags %d\n", zoo_device_flags(READ_ONCE(zoo_current)));
}

OOPSLAB_LAB(zoo_null_deref_crash, "report zoo: NULL pointer read (KASAN's GPF decoding)");
