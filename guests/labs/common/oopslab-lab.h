/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared plumbing of the oopslab lab modules.
 *
 * A lab module does nothing when loaded: it crashes when 1 is written to
 * /sys/module/<name>/parameters/trigger. Loading and crashing are two steps so
 * that the guest's /init can print /sys/module/<name>/sections (the addresses
 * gdb's add-symbol-file needs) before the crash, and so that the crashing code
 * sits in the module's .text, not in its freed-after-use .init.text.
 */
#ifndef OOPSLAB_LAB_H
#define OOPSLAB_LAB_H

#include <linux/module.h>
#include <linux/moduleparam.h>

#define OOPSLAB_LAB(crash_fn, desc)						\
	static int oopslab_trigger_set(const char *val,				\
				       const struct kernel_param *kp)		\
	{									\
		pr_info("oopslab: triggering %s\n", #crash_fn);			\
		crash_fn();							\
		return 0;							\
	}									\
	static const struct kernel_param_ops oopslab_trigger_ops = {		\
		.set = oopslab_trigger_set,					\
	};									\
	module_param_cb(trigger, &oopslab_trigger_ops, NULL, 0200);		\
	MODULE_PARM_DESC(trigger, "write 1 to crash the kernel");		\
	MODULE_DESCRIPTION("oopslab lab: " desc);				\
	MODULE_LICENSE("GPL")

#endif
