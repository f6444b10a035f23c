// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: an array index out of bounds. A priority level read from
 * outside (here: the lab's level parameter, 8 by default) indexes an
 * 8-entry table without a range check. Without UBSAN the load reads the
 * word after the table, whatever it is; UBSAN's bounds check reports
 * "UBSAN: array-index-out-of-bounds in FILE:LINE", "index 8 is out of
 * range for type 'int [8]'", and panic_on_warn=1 makes that a panic.
 */
#include "../common/oopslab-lab.h"

#define LAB_LEVELS 8

static int lab_level_weight[LAB_LEVELS] = { 1, 2, 4, 8, 16, 32, 64, 128 };
static int lab_level = LAB_LEVELS;
module_param_named(level, lab_level, int, 0644);
MODULE_PARM_DESC(level, "the priority level the lab looks up (0-7 are valid)");

static noinline int lab_level_to_weight(int level)
{
	return lab_level_weight[level]; /* oopslab: crash here */
}

static noinline void ubsan_bounds_crash(void)
{
	pr_info("oopslab: level %d has weight %d\n", lab_level, lab_level_to_weight(lab_level));
}

OOPSLAB_LAB(ubsan_bounds_crash, "array index out of bounds (UBSAN: an unchecked index into an 8-entry table)");
