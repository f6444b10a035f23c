// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a slab out-of-bounds write. A label is copied into a buffer
 * sized for its characters but not for its terminating NUL: the NUL lands
 * one byte past the object. kmalloc(13) comes from the 16-byte cache, so
 * without KASAN the byte falls in the slot's slack and nothing ever notices;
 * KASAN knows the object is 13 bytes and reports the write at once
 * ("BUG: KASAN: slab-out-of-bounds", "Write of size 1"), with the stack
 * that allocated the buffer. kasan.fault=panic makes the report a panic.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include "../common/oopslab-lab.h"

static const char *lab_default_label = "oopslab-label";
static char *lab_label;

static noinline char *lab_label_dup(const char *src)
{
	size_t len = strlen(src);
	char *dst = kmalloc(len, GFP_KERNEL); /* oopslab: allocated here (the bug: no room for the NUL) */

	if (!dst)
		return NULL;
	memcpy(dst, src, len);
	dst[len] = '\0'; /* oopslab: crash here */
	return dst;
}

static noinline void slab_out_of_bounds_crash(void)
{
	kfree(lab_label);
	lab_label = lab_label_dup(lab_default_label);
	pr_info("oopslab: label set to %s\n", lab_label ? lab_label : "(none)");
}

static void __exit lab_exit(void)
{
	kfree(lab_label);
}
module_exit(lab_exit);

OOPSLAB_LAB(slab_out_of_bounds_crash, "slab out-of-bounds write (KASAN: a string's NUL past a kmalloc'd buffer)");
