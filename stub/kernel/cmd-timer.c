/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-sched.h"

#include <string.h>

#include "cmd-util.h"

/* Timers on one wheel: far more than any kernel arms is a corrupt list. */
#define MAX_TIMERS 1000000u

typedef struct {
	guint64 expires, timer, fn;
} Timer;

static gint by_expiry(gconstpointer a, gconstpointer b)
{
	const Timer *x = a, *y = b;

	return x->expires < y->expires ? -1 : x->expires > y->expires;
}

static void wheel(OlRd *r, guint64 base, GArray *timers)
{
	guint64 vsize = 0, voff = 0, link = ol_rd_off(r, "timer_list", "entry");

	if (r->err || (r->err = ol_kmem_member(r->t, "timer_base", "vectors", &voff, &vsize)))
		return;
	for (guint64 v = 0; v < vsize / 8 && !r->err; v++) {
		guint64 node = ol_rd_u64(r, base + voff + 8 * v);

		for (guint n = 0; node && !r->err && timers->len < MAX_TIMERS; n++) {
			Timer tm = {.timer = node - link};

			tm.expires = ol_rd_member(r, tm.timer, "timer_list", "expires");
			tm.fn = ol_rd_member(r, tm.timer, "timer_list", "function");
			g_array_append_val(timers, tm);
			node = ol_rd_member(r, node, "hlist_node", "next");
		}
	}
	g_array_sort(timers, by_expiry); /* stable enough: glib's is a merge sort */
}

static void print_base(OlRd *r, const OlSymtab *syms, guint64 jiffies, GArray *timers, GString *out)
{
	guint w = 3;

	for (guint i = 0; i < timers->len; i++) {
		g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT,
						     (gint64)(g_array_index(timers, Timer, i).expires - jiffies));
		w = MAX(w, strlen(s) + 1);
	}
	g_string_append_printf(out, "  EXPIRES        TTE%*sTIMER_LIST     FUNCTION\n", (int)w + 2, "");
	for (guint i = 0; i < timers->len; i++) {
		const Timer *tm = &g_array_index(timers, Timer, i);
		g_autofree char *name = ol_symtab_lookup(syms, tm->fn, FALSE);

		g_string_append_printf(out, "  %-10" G_GINT64_MODIFIER "u  %*" G_GINT64_FORMAT "  %016" G_GINT64_MODIFIER
				       "x  %016" G_GINT64_MODIFIER "x  <%s>\n", tm->expires, (int)w,
				       (gint64)(tm->expires - jiffies), tm->timer, tm->fn, name ? name : "?");
	}
}

/* hrtimers queued on one clock base: an rb tree of hrtimer.node, soonest
 * (leftmost) first. */
static void hr_walk(OlRd *r, guint64 node, guint depth, guint *n, const OlSymtab *syms, GString *out)
{
	guint64 hr, fn;
	g_autofree char *name = NULL;

	if (!node || r->err || depth > 128 || *n >= MAX_TIMERS)
		return;
	hr_walk(r, ol_rd_member(r, node, "rb_node", "rb_left"), depth + 1, n, syms, out);
	hr = node - ol_rd_off(r, "hrtimer", "node.node");
	fn = ol_rd_member(r, hr, "hrtimer", "function");
	name = ol_symtab_lookup(syms, fn, FALSE);
	g_string_append_printf(out, "  %15" G_GINT64_FORMAT "  %15" G_GINT64_FORMAT "  %016" G_GINT64_MODIFIER "x  %016"
			       G_GINT64_MODIFIER "x  <%s>\n", (gint64)ol_rd_member(r, hr, "hrtimer", "_softexpires"),
			       (gint64)ol_rd_member(r, hr, "hrtimer", "node.expires"), hr, fn, name ? name : "?");
	(*n)++;
	hr_walk(r, ol_rd_member(r, node, "rb_node", "rb_right"), depth + 1, n, syms, out);
}

/* `timer -r`: each CPU's hrtimer clock bases, as crash lists them. */
static char *hrtimers(OlKmem *t, GError **error)
{
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(OlSymtab) syms = ol_symtab_new(t);
	guint64 boff = 0, bsize = 0, csize = 0;

	if (!(r.err = ol_kmem_member(t, "hrtimer_cpu_base", "clock_base", &boff, &bsize)))
		r.err = ol_dwarf_sizeof(ol_kmem_dwarf(t), "hrtimer_clock_base", &csize);
	for (guint cpu = 0; cpu < ol_dump_n_cpus(ol_kmem_dump(t)) && !r.err && csize; cpu++) {
		guint64 base = 0;

		r.err = ol_kmem_percpu(t, "hrtimer_bases", cpu, &base);
		g_string_append_printf(out, "%sCPU: %u  HRTIMER_CPU_BASE: %016" G_GINT64_MODIFIER "x\n", cpu ? "\n" : "", cpu,
				       base);
		for (guint c = 0; c < bsize / csize && !r.err; c++) {
			guint64 cb = base + boff + c * csize;
			g_autofree char *get = ol_symtab_lookup(syms, ol_rd_member(&r, cb, "hrtimer_clock_base", "get_time"), FALSE);
			guint64 root = ol_rd_member(&r, cb, "hrtimer_clock_base", "active.rb_root.rb_root.rb_node");
			guint n = 0;

			g_string_append_printf(out, "%s  CLOCK: %u  HRTIMER_CLOCK_BASE: %016" G_GINT64_MODIFIER "x  [%s]\n",
					       c ? "\n" : "", c, cb, get ? get : "?");
			if (!root) {
				g_string_append(out, "  (empty)\n");
				continue;
			}
			g_string_append(out, "      SOFTEXPIRES          EXPIRES       HRTIMER           FUNCTION\n");
			hr_walk(&r, root, 0, &n, syms, out);
		}
	}
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

char *ol_cmd_timer(OlKmem *t, const char *args, GError **error)
{
	static const char *const base_names[] = {"BASE_STD", "BASE_DEF"};
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(OlSymtab) syms = ol_symtab_new(t);
	guint64 jiffies = ol_rd_u64(&r, ol_rd_symbol(&r, "jiffies_64")), link, extent = 0, bsize = 0;
	guint nbases;

	if (g_str_equal(args, "-r"))
		return hrtimers(t, error);
	if (*args) {
		*error = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "usage: timer [-r] (-r: the hrtimers)");
		return NULL;
	}
	if (!r.err && !ol_vmlinux_symbol_extent(ol_kmem_vmlinux(t), "timer_bases", &link, &extent))
		r.err = ol_cmd_missing("timer_bases (the timer wheel of 4.8 and later)", NULL);
	if (!r.err)
		r.err = ol_dwarf_sizeof(ol_kmem_dwarf(t), "timer_base", &bsize);
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	nbases = (guint)MIN(bsize ? extent / bsize : 1, G_N_ELEMENTS(base_names));
	g_string_append_printf(out, "JIFFIES   \n%" G_GINT64_MODIFIER "u\n", jiffies);
	for (guint cpu = 0; cpu < ol_dump_n_cpus(ol_kmem_dump(t)) && !r.err; cpu++) {
		guint64 base0 = 0;

		r.err = ol_kmem_percpu(t, "timer_bases", cpu, &base0);
		for (guint b = 0; b < MAX(nbases, 1) && !r.err; b++) {
			g_autoptr(GArray) timers = g_array_new(FALSE, FALSE, sizeof(Timer));

			wheel(&r, base0 + b * bsize, timers);
			g_string_append_printf(out, "\nTIMER_BASES[%u][%s]: %016" G_GINT64_MODIFIER "x\n", cpu, base_names[b],
					       base0 + b * bsize);
			print_base(&r, syms, jiffies, timers, out);
		}
	}
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}
