// SPDX-License-Identifier: GPL-2.0
/*
 * oopslab lab: a use after free. An error path drops a reference it does not
 * own, the session is freed, and the caller goes on to use it. Without
 * KASAN nothing notices the free itself; with slub_debug=P on the session
 * cache (this lab's command line: slub_debug=FZP,lab_session) a freed
 * object is filled with the poison byte 0x6b, so the stale ops pointer reads
 * as 0x6b6b6b6b6b6b6b6b, a non-canonical address: the next dereference is a
 * general protection fault whose address gives the bug away.
 */
#include <linux/kref.h>
#include <linux/slab.h>
#include "../common/oopslab-lab.h"

struct lab_session;

struct lab_session_ops {
	void (*close)(struct lab_session *s);
	int (*start)(struct lab_session *s);
};

struct lab_session {
	const struct lab_session_ops *ops;
	struct kref ref;
	int id;
};

static struct kmem_cache *lab_session_cache;

static void lab_session_release(struct kref *ref)
{
	kmem_cache_free(lab_session_cache, container_of(ref, struct lab_session, ref)); /* oopslab: freed here */
}

static void lab_session_put(struct lab_session *s)
{
	kref_put(&s->ref, lab_session_release);
}

static int lab_start(struct lab_session *s)
{
	return -EIO;	/* the device is not there */
}

static void lab_close(struct lab_session *s)
{
	pr_info("oopslab: session %d closed\n", s->id);
}

static const struct lab_session_ops lab_ops = {
	.close = lab_close,
	.start = lab_start,
};

static noinline int lab_session_start(struct lab_session *s)
{
	int err = s->ops->start(s);

	if (err)
		lab_session_put(s);	/* the bug: this reference is the caller's */
	return err;
}

static noinline void lab_session_close(struct lab_session *s)
{
	s->ops->close(s); /* oopslab: crash here */
}

static noinline void use_after_free_crash(void)
{
	struct lab_session *s = kmem_cache_alloc(lab_session_cache, GFP_KERNEL); /* oopslab: allocated here */

	if (!s)
		return;
	s->ops = &lab_ops;
	s->id = 1;
	kref_init(&s->ref);
	if (lab_session_start(s))
		pr_info("oopslab: session %d failed to start\n", s->id); /* oopslab: KASAN catches it here */
	lab_session_close(s);
	lab_session_put(s);
}

static int __init lab_init(void)
{
	lab_session_cache = KMEM_CACHE(lab_session, 0);
	return lab_session_cache ? 0 : -ENOMEM;
}
module_init(lab_init);

static void __exit lab_exit(void)
{
	kmem_cache_destroy(lab_session_cache);
}
module_exit(lab_exit);

OOPSLAB_LAB(use_after_free_crash, "use after free (slub_debug poison, then a #GP on 0x6b6b...)");
