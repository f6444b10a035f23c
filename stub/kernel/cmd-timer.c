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
		const Timer *tm = &g_array_index(timers, Timer, i);
		g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)(tm->expires - jiffies));

		w = MAX(w, strlen(s) + 1);
	}
	g_string_append_printf(out, "  EXPIRES        TTE%*sTIMER_LIST     FUNCTION\n", (int)w + 2, "");
	for (guint i = 0; i < timers->len; i++) {
		const Timer *tm = &g_array_index(timers, Timer, i);
		g_autofree char *name = ol_symtab_lookup(syms, tm->fn, FALSE);

		g_string_append_printf(out, "  %-10" G_GINT64_MODIFIER "u  %*" G_GINT64_FORMAT
				       "  %016" G_GINT64_MODIFIER "x  %016" G_GINT64_MODIFIER "x  <%s>\n",
				       tm->expires, (int)w, (gint64)(tm->expires - jiffies), tm->timer,
				       tm->fn, name ? name : "?");
	}
}

/* crash's mkstring(): S in WIDTH columns, centred (one more space on the
 * left when it cannot be exactly) or right-justified; never cut. */
static void put(GString *out, const char *s, guint width, gboolean centre)
{
	guint len = strlen(s), extra = width > len ? width - len : 0;
	guint left = centre ? extra - extra / 2 : extra;

	g_string_append_printf(out, "%*s%s%*s", (int)left, "", s, (int)(extra - left), "");
}

static void put_int(GString *out, gint64 v, guint width, gboolean centre)
{
	g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT, v);

	put(out, s, width, centre);
}

static guint int_width(gint64 v)
{
	g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT, v);

	return strlen(s);
}

/* The hrtimers queued on one clock base: an rb tree of hrtimer.node, soonest
 * (leftmost) first. */
static void hr_walk(OlRd *r, guint64 node, guint depth, GArray *timers)
{
	guint64 hr;

	if (!node || r->err || depth > 128 || timers->len >= MAX_TIMERS)
		return;
	hr_walk(r, ol_rd_member(r, node, "rb_node", "rb_left"), depth + 1, timers);
	hr = node - ol_rd_off(r, "hrtimer", "node.node");
	g_array_append_val(timers, hr);
	hr_walk(r, ol_rd_member(r, node, "rb_node", "rb_right"), depth + 1, timers);
}

/* One hrtimer row: SOFTEXPIRES, EXPIRES, TTE, HRTIMER, FUNCTION. */
static void hr_row(OlRd *r, const OlSymtab *syms, guint64 hr, gint64 now, const guint w[3], GString *out)
{
	gint64 soft = (gint64)ol_rd_member(r, hr, "hrtimer", "_softexpires");
	gint64 exp = (gint64)ol_rd_member(r, hr, "hrtimer", "node.expires");
	guint64 fn = ol_rd_member(r, hr, "hrtimer", "function");
	g_autofree char *name = ol_symtab_lookup(syms, fn, TRUE);

	g_string_append(out, "  ");
	put_int(out, soft, w[0], TRUE);
	g_string_append(out, "  ");
	put_int(out, exp, w[1], TRUE);
	g_string_append(out, "  ");
	put_int(out, exp - now, w[2], FALSE);
	g_string_append_printf(out, "  %016" G_GINT64_MODIFIER "x  %016" G_GINT64_MODIFIER "x  <%s>\n", hr, fn,
			       name ? name : "?");
}

/* One clock base's timers with crash's columns. As crash, the widths are
 * the last (latest) timer's; NOW is the base's current time. */
static void hr_base(OlRd *r, const OlSymtab *syms, guint64 root, gint64 now, GString *out)
{
	g_autoptr(GArray) timers = g_array_new(FALSE, FALSE, sizeof(guint64));
	guint64 last;
	guint w[3];

	hr_walk(r, root, 0, timers);
	if (r->err || !timers->len) {
		g_string_append(out, "  (empty)\n");
		return;
	}
	last = g_array_index(timers, guint64, timers->len - 1);
	w[0] = MAX(int_width((gint64)ol_rd_member(r, last, "hrtimer", "_softexpires")), 11);
	w[1] = MAX(int_width((gint64)ol_rd_member(r, last, "hrtimer", "node.expires")), 7);
	w[2] = int_width((gint64)ol_rd_member(r, last, "hrtimer", "node.expires") - now);
	g_string_append(out, "  ");
	put(out, "CURRENT", w[0], TRUE);
	g_string_append(out, "\n  ");
	put_int(out, now, w[0], TRUE);
	g_string_append(out, "\n  ");
	put(out, "SOFTEXPIRES", w[0], TRUE);
	g_string_append(out, "  ");
	put(out, "EXPIRES", w[1], TRUE);
	g_string_append(out, "  ");
	put(out, "TTE", w[2], TRUE);
	g_string_append(out, "      HRTIMER           FUNCTION    \n");
	for (guint i = 0; i < timers->len && !r->err; i++)
		hr_row(r, syms, g_array_index(timers, guint64, i), now, w, out);
}

/* ktime_get() at the dump: the timekeeper's monotonic base and the
 * nanoseconds accumulated since (shadow_timekeeper, as sys reads it). */
static gint64 mono_now(OlRd *r)
{
	guint64 tk = ol_rd_symbol(r, "shadow_timekeeper");
	guint64 base = ol_rd_member(r, tk, "timekeeper", "tkr_mono.base");
	guint64 nsec = ol_rd_member(r, tk, "timekeeper", "tkr_mono.xtime_nsec");
	guint64 shift = ol_rd_member(r, tk, "timekeeper", "tkr_mono.shift");

	return (gint64)(base + (shift < 64 ? nsec >> shift : 0));
}

/* `timer -r`: each CPU's hrtimer clock bases, as crash lists them. CURRENT
 * is the base's time at the dump as the kernel has it (ktime_get() plus the
 * base's offset, as /proc/timer_list), not crash's jiffies since boot. */
static char *hrtimers(OlKmem *t, GError **error)
{
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(OlSymtab) syms = ol_symtab_new(t);
	guint64 boff = 0, bsize = 0, csize = 0;
	gint64 now = mono_now(&r);

	if (!r.err && !(r.err = ol_kmem_member(t, "hrtimer_cpu_base", "clock_base", &boff, &bsize)))
		r.err = ol_dwarf_sizeof(ol_kmem_dwarf(t), "hrtimer_clock_base", &csize);
	for (guint cpu = 0; cpu < ol_dump_n_cpus(ol_kmem_dump(t)) && !r.err && csize; cpu++) {
		guint64 base = 0;

		r.err = ol_kmem_percpu(t, "hrtimer_bases", cpu, &base);
		g_string_append_printf(out, "%sCPU: %u  HRTIMER_CPU_BASE: %016" G_GINT64_MODIFIER "x\n", cpu ? "\n" : "", cpu,
				       base);
		for (guint c = 0; c < bsize / csize && !r.err; c++) {
			guint64 cb = base + boff + c * csize;
			guint64 get_fn = ol_rd_member(&r, cb, "hrtimer_clock_base", "get_time");
			g_autofree char *get = ol_symtab_lookup(syms, get_fn, TRUE);
			guint64 root = ol_rd_member(&r, cb, "hrtimer_clock_base", "active.rb_root.rb_root.rb_node");
			gint64 offset = (gint64)ol_rd_member(&r, cb, "hrtimer_clock_base", "offset");

			g_string_append_printf(out, "%s  CLOCK: %u  HRTIMER_CLOCK_BASE: %016" G_GINT64_MODIFIER "x  [%s]\n",
					       c ? "\n" : "", c, cb, get ? get : "?");
			hr_base(&r, syms, root, now + offset, out);
		}
	}
	if (!r.err)
		g_string_append(out, "\nCURRENT: ktime_get() at the dump plus the clock's offset, as /proc/timer_list; "
				"TTE = EXPIRES - CURRENT (crash counts CURRENT in jiffies since boot)\n");
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
