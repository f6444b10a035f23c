/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-sig.h"

#include "cmd-util.h"

/* x86_64: _NSIG 64; TIF_SIGPENDING is bit 2 of thread_info.flags. */
#define KERNEL_NSIG 64
#define TIF_SIGPENDING 2
/* A sigqueue longer than the default RLIMIT_SIGPENDING ceiling is corrupt. */
#define MAX_SIGQUEUE 1000000u

static void flag_names(guint64 flags, GString *out)
{
	static const struct {
		guint64 bit;
		const char *name;
	} names[] = {
		{0x1, "SA_NOCLDSTOP"}, {0x2, "SA_NOCLDWAIT"}, {0x4, "SA_SIGINFO"}, {0x04000000, "SA_RESTORER"},
		{0x08000000, "SA_ONSTACK"}, {0x10000000, "SA_RESTART"}, {0x40000000, "SA_NODEFER"},
		{0x80000000, "SA_RESETHAND"},
	};
	gboolean any = FALSE;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (!(flags & names[i].bit))
			continue;
		g_string_append_printf(out, "%s%s", any ? "|" : "(", names[i].name);
		any = TRUE;
	}
	if (any)
		g_string_append_c(out, ')');
}

static void pending(OlRd *r, guint64 sigpending, const char *title, GString *out)
{
	guint64 head = sigpending + ol_rd_off(r, "sigpending", "list");
	guint64 link = ol_rd_off(r, "sigqueue", "list");
	guint64 pos;
	guint n = 0;

	g_string_append_printf(out, "%s\n    SIGNAL: %016" G_GINT64_MODIFIER "x\n", title,
			       ol_rd_member(r, sigpending, "sigpending", "signal"));
	for (pos = ol_rd_u64(r, head); pos != head && !r->err && n < MAX_SIGQUEUE;
	     pos = ol_rd_u64(r, pos), n++) {
		if (n == 0)
			g_string_append(out, "  SIGQUEUE:  SIG  SIGINFO\n");
		g_string_append_printf(out, "             %3u  %016" G_GINT64_MODIFIER "x\n",
				       (guint)ol_rd_member(r, pos - link, "sigqueue", "info.si_signo"),
				       pos - link + ol_rd_off(r, "sigqueue", "info"));
	}
	if (n == 0)
		g_string_append(out, "  SIGQUEUE: (empty)\n");
}

char *ol_cmd_sig(OlKmem *t, const char *args, GError **error)
{
	OlTask task;
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GString) out = g_string_new(NULL);
	guint64 sig, hand, action, ksize = 0, flags;

	if ((*error = ol_cmd_find_task(t, args, &task)))
		return NULL;
	sig = ol_rd_member(&r, task.addr, "task_struct", "signal");
	hand = ol_rd_member(&r, task.addr, "task_struct", "sighand");
	action = hand + ol_rd_off(&r, "sighand_struct", "action");
	if (!r.err)
		r.err = ol_dwarf_sizeof(ol_kmem_dwarf(t), "k_sigaction", &ksize);
	ol_cmd_task_header(out, &task);
	g_string_append_printf(out, "SIGNAL_STRUCT: %016" G_GINT64_MODIFIER "x  NR_THREADS: %u\n", sig,
			       (guint)ol_rd_member(&r, sig, "signal_struct", "nr_threads"));
	g_string_append(out, " SIG    SIGACTION        HANDLER       MASK       FLAGS           \n");
	for (guint i = 0; i < KERNEL_NSIG && !r.err; i++) {
		guint64 ka = action + ksize * i;
		guint64 handler = ol_rd_member(&r, ka, "k_sigaction", "sa.sa_handler");
		guint64 mask = ol_rd_member(&r, ka, "k_sigaction", "sa.sa_mask");
		guint64 saf = ol_rd_member(&r, ka, "k_sigaction", "sa.sa_flags");
		g_autofree char *num = g_strdup_printf("[%u]", i + 1);
		g_autofree char *h = handler == 0 ? g_strdup("SIG_DFL") :
				     handler == 1 ? g_strdup("SIG_IGN") :
				     g_strdup_printf("%" G_GINT64_MODIFIER "x", handler);

		g_string_append_printf(out, "%4s %016" G_GINT64_MODIFIER "x %10s %016" G_GINT64_MODIFIER "x %"
				       G_GINT64_MODIFIER "x ", num, ka, h, mask, saf);
		flag_names(saf, out);
		g_string_append_c(out, '\n');
	}
	flags = ol_rd_member(&r, task.addr, "task_struct", "thread_info.flags");
	g_string_append_printf(out, "SIGPENDING: %s\n   BLOCKED: %016" G_GINT64_MODIFIER "x\n",
			       (flags >> TIF_SIGPENDING) & 1 ? "yes" : "no",
			       ol_rd_member(&r, task.addr, "task_struct", "blocked"));
	pending(&r, task.addr + ol_rd_off(&r, "task_struct", "pending"), "PRIVATE_PENDING", out);
	pending(&r, sig + ol_rd_off(&r, "signal_struct", "shared_pending"), "SHARED_PENDING", out);
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}
