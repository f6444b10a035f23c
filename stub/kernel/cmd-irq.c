/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-sched.h"

#include "cmd-util.h"

/* nr_irqs is at most NR_IRQS (a few thousand per CPU); actions sharing one
 * line are few. An XArray node has 16 or 64 slots (BASE_SMALL or not): at
 * most 16 levels cover 64-bit indexes. */
#define MAX_IRQS 1000000u
#define MAX_ACTIONS 1000u
#define XA_MAX_DEPTH 16

static gboolean xa_is_node(guint64 entry)
{
	return (entry & 3) == 2 && entry > 4096;
}

/* xa_load(): the entry at INDEX of the XArray (radix tree) at ROOT. */
static guint64 xa_load(OlRd *r, guint64 root, guint64 index)
{
	guint64 entry = ol_rd_member(r, root, "xarray", "xa_head");
	guint64 slots_off = 0, slots_size = 0, mask;

	if (!r->err)
		r->err = ol_kmem_member(r->t, "xa_node", "slots", &slots_off, &slots_size);
	mask = slots_size / 8 - 1; /* XA_CHUNK_MASK */
	if (r->err || !slots_size || (mask & (mask + 1)))
		return 0;
	if (!xa_is_node(entry))
		return index == 0 ? entry : 0;
	for (guint depth = 0; xa_is_node(entry) && depth < XA_MAX_DEPTH && !r->err; depth++) {
		guint64 node = entry - 2;
		guint shift = (guint)ol_rd_member(r, node, "xa_node", "shift") & 0xff;

		if (shift >= 64 || (depth == 0 && (index >> shift) > mask))
			return 0;
		entry = ol_rd_u64(r, node + slots_off + 8 * ((index >> shift) & mask));
	}
	return xa_is_node(entry) || (entry & 3) ? 0 : entry;
}

static guint64 irq_to_desc(OlRd *r, guint irq)
{
	guint64 tree, array, size = 0;

	if (ol_kmem_try_symbol(r->t, "irq_desc_tree", &tree))
		return xa_load(r, tree, irq);
	/* without SPARSE_IRQ: the irq_desc[] array */
	if (!ol_kmem_try_symbol(r->t, "irq_desc", &array)) {
		if (!r->err)
			r->err = ol_cmd_missing("irq_desc_tree or irq_desc[]", NULL);
		return 0;
	}
	if (r->err || (r->err = ol_dwarf_sizeof(ol_kmem_dwarf(r->t), "irq_desc", &size)))
		return 0;
	return array + size * irq;
}

char *ol_cmd_irq(OlKmem *t, const char *args, GError **error)
{
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GString) out = g_string_new(" IRQ   IRQ_DESC/_DATA      IRQACTION      NAME\n");
	guint n = MIN(ol_rd_u32(&r, ol_rd_symbol(&r, "nr_irqs")), MAX_IRQS);

	for (guint irq = 0; irq < n && !r.err; irq++) {
		guint64 desc = irq_to_desc(&r, irq);
		guint64 action = desc ? ol_rd_member(&r, desc, "irq_desc", "action") : 0;

		if (!desc) {
			g_string_append_printf(out, "%3u       (unused)          (unused)      \n", irq);
			continue;
		}
		if (!action) {
			g_string_append_printf(out, "%3u   %016" G_GINT64_MODIFIER "x      (unused)      \n", irq, desc);
			continue;
		}
		for (guint a = 0; action && a < MAX_ACTIONS && !r.err; a++) {
			guint64 name_addr = ol_rd_member(&r, action, "irqaction", "name");
			g_autofree char *name = ol_rd_string(&r, name_addr, 64);

			if (a == 0)
				g_string_append_printf(out, "%3u   %016" G_GINT64_MODIFIER "x  ", irq, desc);
			else
				g_string_append(out, "                        ");
			g_string_append_printf(out, "%016" G_GINT64_MODIFIER "x  \"%s\"\n", action, name);
			action = ol_rd_member(&r, action, "irqaction", "next");
		}
	}
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}
