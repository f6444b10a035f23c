/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-vm.h"

#include <string.h>

#include "cmd-util.h"

/* vm.max_map_count defaults to 65530; a walk finding far more is going
 * round a corrupt tree. Maple trees are at most 31 levels high. */
#define MAX_VMAS (1u << 20)
#define MAX_NODES (1u << 20)
#define MAPLE_HEIGHT_MAX 31

/* Encoded maple node pointers (include/linux/maple_tree.h): the node type
 * in bits 3..6, the node 256-byte aligned; internal entries end in 0b10. */
#define MAPLE_NODE_MASK 0xffu
#define MAPLE_LEAF_64 1
#define MAPLE_RANGE_64 2
#define MAPLE_ARANGE_64 3

typedef struct {
	OlRd *r;
	GArray *vmas;
	guint nodes;
} MapleWalk;

static gboolean is_node(guint64 entry)
{
	return (entry & 3) == 2 && entry > 4096;
}

static void maple_node(MapleWalk *w, guint64 enode, guint depth)
{
	guint type = (enode >> 3) & 0xf;
	guint64 node = enode & ~(guint64)MAPLE_NODE_MASK;
	const char *st = type == MAPLE_ARANGE_64 ? "maple_arange_64" : "maple_range_64";
	guint64 size = 0, off;
	guint64 slots[32];
	gsize done = 0;

	if (depth > MAPLE_HEIGHT_MAX || ++w->nodes > MAX_NODES || w->r->err ||
	    (type != MAPLE_LEAF_64 && type != MAPLE_RANGE_64 && type != MAPLE_ARANGE_64))
		return;
	if ((w->r->err = ol_kmem_member(w->r->t, st, "slot", &off, &size)))
		return;
	size = MIN(size / 8, G_N_ELEMENTS(slots));
	if ((w->r->err = ol_kmem_read(w->r->t, node + off, slots, size * 8, &done)))
		return;
	for (guint i = 0; i < size && w->vmas->len < MAX_VMAS; i++) {
		if (!slots[i])
			continue;
		if (type != MAPLE_LEAF_64)
			maple_node(w, slots[i], depth + 1);
		else if ((slots[i] & 3) == 0) /* a VMA, not an internal entry */
			g_array_append_val(w->vmas, slots[i]);
	}
}

static gint by_start(gconstpointer a, gconstpointer b, gpointer data)
{
	OlRd *r = data;
	guint64 sa = ol_rd_member(r, *(const guint64 *)a, "vm_area_struct", "vm_start");
	guint64 sb = ol_rd_member(r, *(const guint64 *)b, "vm_area_struct", "vm_start");

	return sa < sb ? -1 : sa > sb;
}

GError *ol_cmd_vmas(OlKmem *t, guint64 mm, GArray **out)
{
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GArray) vmas = g_array_new(FALSE, FALSE, sizeof(guint64));
	GError *err;

	if (ol_rd_try_has(t, "mm_struct", "mm_mt")) {
		MapleWalk w = {.r = &r, .vmas = vmas};
		guint64 root = ol_rd_member(&r, mm, "mm_struct", "mm_mt.ma_root");

		if (is_node(root))
			maple_node(&w, root, 0);
		else if (root && (root & 3) == 0)
			g_array_append_val(vmas, root);
		if (!r.err)
			g_array_sort_with_data(vmas, by_start, &r);
	} else {
		/* before 6.1: the mmap list, in address order */
		guint64 v = ol_rd_member(&r, mm, "mm_struct", "mmap");

		for (guint n = 0; v && !r.err && n < MAX_VMAS; n++) {
			g_array_append_val(vmas, v);
			v = ol_rd_member(&r, v, "vm_area_struct", "vm_next");
		}
	}
	if ((err = ol_rd_finish(&r)))
		return err;
	*out = g_steal_pointer(&vmas);
	return NULL;
}

static void centered(GString *out, const char *s, int width)
{
	int pad = MAX(width - (int)strlen(s), 0);

	g_string_append_printf(out, "%*s%s%*s", pad / 2, "", s, pad - pad / 2, "");
}

/* RSS in pages: the mm's file, anon and shmem counters, plus what each of
 * its threads has not yet folded in (SPLIT_RSS_COUNTING), as crash adds. */
static guint64 rss_pages(OlKmem *t, OlRd *r, guint64 mm)
{
	static const char *const kinds[] = {"MM_FILEPAGES", "MM_ANONPAGES", "MM_SHMEMPAGES"};
	g_autoptr(GArray) tasks = NULL;
	gint64 sum = 0;
	gboolean split = ol_rd_try_has(t, "task_struct", "rss_stat");

	if (split && !r->err)
		r->err = ol_tasks_read(t, &tasks, NULL);
	for (guint k = 0; k < G_N_ELEMENTS(kinds) && !r->err; k++) {
		gint64 idx;
		g_autoptr(GError) no = ol_dwarf_enumerator(ol_kmem_dwarf(t), kinds[k], &idx);

		if (no)
			continue;
		sum += (gint64)ol_rd_u64(r, mm + ol_rd_off(r, "mm_struct", "rss_stat") + 8 * (guint64)idx);
		for (guint i = 0; split && tasks && i < tasks->len && !r->err; i++) {
			guint64 ta = g_array_index(tasks, OlTask, i).addr;

			if (ol_rd_member(r, ta, "task_struct", "mm") == mm)
				sum += (gint32)ol_rd_u32(r, ta + ol_rd_off(r, "task_struct", "rss_stat.count") +
							 4 * (guint64)idx);
		}
	}
	return sum > 0 ? (guint64)sum : 0;
}

static GError *vma_line(OlKmem *t, guint64 vma, GString *out)
{
	OlRd r = OL_RD_INIT(t);
	guint64 start = ol_rd_member(&r, vma, "vm_area_struct", "vm_start");
	guint64 end = ol_rd_member(&r, vma, "vm_area_struct", "vm_end");
	guint64 flags = ol_rd_member(&r, vma, "vm_area_struct", "vm_flags");
	guint64 file = ol_rd_member(&r, vma, "vm_area_struct", "vm_file");
	guint64 fpath = file + ol_rd_off(&r, "file", "f_path");
	g_autofree char *path = NULL;
	GError *err;

	if (file && !r.err)
		r.err = ol_cmd_d_path(t, ol_rd_member(&r, fpath, "path", "mnt"),
				      ol_rd_member(&r, fpath, "path", "dentry"), &path);
	if ((err = ol_rd_finish(&r)))
		return err;
	g_string_append_printf(out, "%016" G_GINT64_MODIFIER "x %10" G_GINT64_MODIFIER "x %10" G_GINT64_MODIFIER
			       "x %" G_GINT64_MODIFIER "x %s\n", vma, start, end, flags, path ? path : "");
	return NULL;
}

GError *ol_cmd_vm_task(OlKmem *t, const OlTask *task, GString *out)
{
	OlRd r = OL_RD_INIT(t);
	guint64 mm = ol_rd_member(&r, task->addr, "task_struct", "mm");
	g_autoptr(GArray) vmas = NULL;
	g_autofree char *rss = NULL, *total = NULL;
	GError *err;

	ol_cmd_task_header(out, task);
	if ((err = ol_rd_finish(&r)))
		return err;
	if (!mm) {
		g_string_append(out, "       MM               PGD          RSS    TOTAL_VM\n"
				     "       0                 0            0k      0k    \n");
		return NULL;
	}
	rss = g_strdup_printf("%" G_GINT64_MODIFIER "uk", rss_pages(t, &r, mm) * 4);
	total = g_strdup_printf("%" G_GINT64_MODIFIER "uk", ol_rd_member(&r, mm, "mm_struct", "total_vm") * 4);
	g_string_append_printf(out, "       MM               PGD          RSS    TOTAL_VM\n%016" G_GINT64_MODIFIER
			       "x  %016" G_GINT64_MODIFIER "x  ", mm, ol_rd_member(&r, mm, "mm_struct", "pgd"));
	centered(out, rss, 6);
	g_string_append(out, "  ");
	centered(out, total, 8);
	g_string_append_c(out, '\n');
	if ((err = ol_rd_finish(&r)) || (err = ol_cmd_vmas(t, mm, &vmas)))
		return err;
	g_string_append(out, "      VMA           START       END     FLAGS FILE\n");
	for (guint i = 0; i < vmas->len; i++)
		if ((err = vma_line(t, g_array_index(vmas, guint64, i), out)))
			return err;
	return NULL;
}

char *ol_cmd_vm(OlKmem *t, const char *args, GError **error)
{
	OlTask task;
	g_autoptr(GString) out = g_string_new(NULL);

	if ((*error = ol_cmd_find_task(t, args, &task)) || (*error = ol_cmd_vm_task(t, &task, out)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}
