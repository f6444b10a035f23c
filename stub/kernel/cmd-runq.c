/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-sched.h"

#include "cmd-util.h"

/* Tasks on one run queue: no more than pids exist. RT priorities 0..99. */
#define MAX_QUEUED (4u * 1024 * 1024)
#define MAX_RT_PRIO 100
#define RB_MAX_DEPTH 128

static void task_line(OlRd *r, guint64 task, const char *indent, GString *out)
{
	g_autofree char *comm = ol_rd_string(r, task + ol_rd_off(r, "task_struct", "comm"), 16);

	g_string_append_printf(out, "%sPID: %-6d TASK: %016" G_GINT64_MODIFIER "x  COMMAND: \"%s\"\n", indent,
			       (gint32)ol_rd_member(r, task, "task_struct", "pid"), task, comm);
}

/* In-order walk of an rb tree of sched_entity.run_node: queued CFS tasks,
 * leftmost (next to run) first. */
static void rb_walk(OlRd *r, guint64 node, guint depth, guint *n, GString *out)
{
	guint64 se_off, task;

	if (!node || r->err || depth > RB_MAX_DEPTH || *n >= MAX_QUEUED)
		return;
	rb_walk(r, ol_rd_member(r, node, "rb_node", "rb_left"), depth + 1, n, out);
	se_off = ol_rd_off(r, "task_struct", "se") + ol_rd_off(r, "sched_entity", "run_node");
	task = node - se_off;
	g_string_append_printf(out, "     [%3d] ", (gint32)ol_rd_member(r, task, "task_struct", "prio"));
	task_line(r, task, "", out);
	(*n)++;
	rb_walk(r, ol_rd_member(r, node, "rb_node", "rb_right"), depth + 1, n, out);
}

static void rt_queue(OlRd *r, guint64 array, GString *out)
{
	guint64 q0 = array + ol_rd_off(r, "rt_prio_array", "queue");
	guint64 link = ol_rd_off(r, "task_struct", "rt") + ol_rd_off(r, "sched_rt_entity", "run_list");
	guint64 lh = 0;
	guint n = 0;

	if (!r->err)
		r->err = ol_dwarf_sizeof(ol_kmem_dwarf(r->t), "list_head", &lh);
	for (guint prio = 0; prio < MAX_RT_PRIO && !r->err; prio++) {
		guint64 head = q0 + lh * prio, pos;

		for (pos = ol_rd_u64(r, head); pos != head && !r->err && n < MAX_QUEUED;
		     pos = ol_rd_u64(r, pos), n++) {
			g_string_append_printf(out, "     [%3u] ", prio);
			task_line(r, pos - link, "", out);
		}
	}
	if (!n)
		g_string_append(out, "     [no tasks queued]\n");
}

char *ol_cmd_runq(OlKmem *t, const char *args, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	OlRd r = OL_RD_INIT(t);

	for (guint cpu = 0; cpu < ol_dump_n_cpus(ol_kmem_dump(t)) && !r.err; cpu++) {
		guint64 rq = 0, rt, cfs;
		guint n = 0;

		r.err = ol_kmem_percpu(t, "runqueues", cpu, &rq);
		rt = rq + ol_rd_off(&r, "rq", "rt.active");
		cfs = rq + ol_rd_off(&r, "rq", "cfs.tasks_timeline");
		g_string_append_printf(out, "%sCPU %u RUNQUEUE: %016" G_GINT64_MODIFIER "x\n", cpu ? "\n" : "", cpu, rq);
		task_line(&r, ol_rd_member(&r, rq, "rq", "curr"), "  CURRENT: ", out);
		g_string_append_printf(out, "  RT PRIO_ARRAY: %016" G_GINT64_MODIFIER "x\n", rt);
		rt_queue(&r, rt, out);
		g_string_append_printf(out, "  CFS RB_ROOT: %016" G_GINT64_MODIFIER "x\n", cfs);
		rb_walk(&r, ol_rd_member(&r, cfs, "rb_root_cached", "rb_root.rb_node"), 0, &n, out);
		if (!n)
			g_string_append(out, "     [no tasks queued]\n");
	}
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}
