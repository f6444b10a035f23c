#include "oops.h"

#include <stdio.h>
#include <string.h>

void oops_frame_free(OopsFrame *f)
{
	if (!f)
		return;
	g_free(f->function);
	g_free(f->module);
	g_free(f->context);
	g_free(f->file);
	if (f->inlined)
		g_ptr_array_unref(f->inlined);
	g_free(f);
}

void oops_free(Oops *o)
{
	if (!o)
		return;
	g_free(o->type);
	g_free(o->title);
	g_free(o->header);
	g_free(o->function);
	oops_frame_free(o->rip);
	g_ptr_array_unref(o->trace);
	g_free(o->comm);
	g_free(o->taint);
	g_free(o->panic_message);
	g_free(o);
}

char *oops_frame_symbol(const OopsFrame *f)
{
	return g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x/0x%" G_GINT64_MODIFIER "x%s%s%s", f->function, f->offset,
			       f->size, f->module ? " [" : "", f->module ? f->module : "", f->module ? "]" : "");
}

/*
 * Report headers, first match wins; the title is TITLE " in " the function
 * the crash is in. A header must also contain MUST_CONTAIN, if set.
 */
static const struct {
	const char *prefix;
	const char *must_contain;
	const char *type;
	const char *title;
} headers[] = {
	{"BUG: kernel NULL pointer dereference", NULL, "null-pointer-dereference", "BUG: kernel NULL pointer dereference"},
	{"BUG: unable to handle page fault", NULL, "page-fault", "BUG: unable to handle page fault"},
	/* "BUG: TASK stack guard page was hit at ..." (TASK, IRQ, NMI, #DF... stack) */
	{"BUG: ", " stack guard page was hit", "stack-overflow", "BUG: stack guard page was hit"},
	/* slab poison (slub_debug=P) in a pointer: a freed object was used */
	{"general protection fault", "0x6b6b6b6b6b6b6b6b", "use-after-free", "use-after-free (slab poison)"},
	{"general protection fault", NULL, "general-protection-fault", "general protection fault"},
	{"kernel BUG at ", NULL, "bug", "kernel BUG"},
	{"WARNING: CPU: ", NULL, "warning", "WARNING"},
	{"divide error: ", NULL, "divide-error", "divide error"},
	{"invalid opcode: ", NULL, "invalid-opcode", "invalid opcode"},
	{"watchdog: BUG: soft lockup", NULL, "soft-lockup", "BUG: soft lockup"},
	{"NMI watchdog: Watchdog detected hard LOCKUP", NULL, "hard-lockup", "BUG: hard lockup"},
	{"INFO: task ", "blocked for more than", "hung-task", "INFO: task hung"},
	{"rcu: INFO: ", "detected stall", "rcu-stall", "INFO: rcu detected stall"},
	{"rcu: INFO: ", "self-detected stall", "rcu-stall", "INFO: rcu detected stall"},
	{"Uhhuh. NMI received for unknown reason", NULL, "unknown-nmi", "unknown NMI"},
	{"Kernel panic - not syncing: sysrq triggered crash", NULL, "sysrq", "sysrq triggered crash"},
	{"Kernel panic - not syncing: Out of memory", NULL, "oom", "out of memory"},
	{"Oops: ", NULL, "oops", "Oops"},
	{"Kernel panic - not syncing: ", NULL, "panic", "panic"},
};

/* A header that only says an OOM is coming: the panic, later, is the report. */
static gboolean is_oom_start(const char *line)
{
	return strstr(line, " invoked oom-killer: ") != NULL;
}

/*
 * Frames that are how the kernel reports or waits, not where the bug is;
 * the title names the first frame that is not one of these (as syzkaller's
 * reports skip their "common" frames).
 */
static gboolean is_plumbing(const char *fn)
{
	static const char *const prefixes[] = {
		"dump_stack", "show_stack", "panic", "nmi_panic", "__warn", "warn_slowpath", "report_bug",
		"handle_bug", "exc_", "asm_exc_", "asm_sysvec_", "sysvec_", "__sysvec_", "do_error_trap", "do_trap",
		"die", "__die", "oops_", "do_int3", "__schedule", "schedule", "io_schedule", "wait_for_completion",
		"__wait_for_common", "do_wait_for_common", "wait_for_common", "schedule_timeout", "msleep",
		"usleep_range", "out_of_memory", "oom_", "__alloc_pages", "alloc_pages", "__kmalloc", "kmalloc",
		"kmem_cache_alloc", "__get_free_pages", "dump_header", "rcu_", "print_cpu_stall", "check_cpu_stall",
		/* the slab allocator between an allocation and the page allocator */
		"allocate_slab", "new_slab", "___slab_alloc", "__slab_alloc", "__kmem_cache_alloc", "kmemdup",
		"kstrdup", "krealloc", "kvmalloc", "__vmalloc", "vmalloc",
		/* sleeping locks: a hung task waits in these, for its caller's lock */
		"__mutex_lock", "mutex_lock", "rwsem_down", "down_read", "down_write", "__down", "down",
		"watchdog_timer_fn", "__hrtimer_run_queues", "hrtimer_interrupt", "__sysvec", "update_process_times",
		"tick_", "irq_exit", "__irq_exit_rcu", "default_do_nmi", "exc_nmi", "end_repeat_nmi", "nmi_handle",
		"unknown_nmi_error", "handle_mm_fault", "native_", "arch_",
		"__x86_return_thunk", "ret_from_fork", "kthread", "entry_SYSCALL", "do_syscall_64", "x64_sys_call",
		"handle_exception", "fixup_exception", "page_fault_oops", "kernelmode_fixup_or_oops",
		"__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault", "handle_page_fault",
		"do_kern_addr_fault", "handle_stack_overflow", "do_double_fault", "pvpanic", "atomic_notifier",
		"notifier_call_chain", "watchdog", "kthread", "smpboot_thread_fn", "cpu_startup_entry",
	};

	for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (g_str_has_prefix(fn, prefixes[i]))
			return TRUE;
	return FALSE;
}

static const char *strip_timestamp(const char *line)
{
	if (line[0] == '[') {
		const char *p = strchr(line, ']');

		if (p) {
			p++;
			while (*p == ' ')
				p++;
			return p;
		}
	}
	return line;
}

/* "fct+0xoff/0xsize [mod]" at the start of S (after "? " if any). */
static OopsFrame *parse_symbol(const char *s)
{
	char fn[256], mod[128] = {0};
	unsigned long long off, size;
	gboolean reliable = TRUE;
	OopsFrame *f;

	while (*s == ' ')
		s++;
	if (s[0] == '?' && s[1] == ' ') {
		reliable = FALSE;
		s += 2;
	}
	if (sscanf(s, "%255[^+ ]+0x%llx/0x%llx [%127[^]]]", fn, &off, &size, mod) < 3)
		return NULL;
	f = g_new0(OopsFrame, 1);
	f->function = g_strdup(fn);
	f->offset = off;
	f->size = size;
	f->module = mod[0] ? g_strdup(mod) : NULL;
	f->reliable = reliable;
	return f;
}

static char *squeeze(const char *s)
{
	g_auto(GStrv) words = g_strsplit_set(s, " ", -1);
	GString *out = g_string_new(NULL);

	for (char **w = words; *w; w++) {
		if (!**w)
			continue;
		if (out->len)
			g_string_append_c(out, ' ');
		g_string_append(out, *w);
	}
	return g_string_free(out, FALSE);
}

/* "CPU: 1 PID: 54 Comm: sh Tainted: G           O       6.1.192 #1" */
static void parse_cpu_line(Oops *o, const char *line)
{
	char comm[64];
	int cpu, pid;
	const char *t;

	if (sscanf(line, "CPU: %d PID: %d Comm: %63s", &cpu, &pid, comm) != 3)
		return;
	o->cpu = cpu;
	o->pid = pid;
	g_free(o->comm);
	o->comm = g_strdup(comm);
	if ((t = strstr(line, " Not tainted ")))
		o->taint = g_strdup("Not tainted");
	else if ((t = strstr(line, " Tainted: "))) {
		/* the flags run up to the release, which follows a run of spaces */
		g_autofree char *rest = g_strdup(t + strlen(" Tainted: "));
		char *end = rest;

		/* flags are single letters separated by spaces; the release is a longer word */
		for (char *p = rest; *p; p++) {
			if (*p != ' ' && p[1] && p[1] != ' ')
				break;
			end = p + 1;
		}
		*end = '\0';
		o->taint = squeeze(rest);
	}
}

static gboolean is_trace_noise(const char *l)
{
	/* register dumps of an interrupted context inside a trace */
	static const char *const regs[] = {"Code: ", "RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ", "R13: ",
					   "FS: ", "CS: ", "CR2: ", "DR0: ", "DR3: ", "PKRU: "};

	for (guint i = 0; i < G_N_ELEMENTS(regs); i++)
		if (g_str_has_prefix(l, regs[i]))
			return TRUE;
	return FALSE;
}

Oops *oops_parse(const char *console)
{
	g_auto(GStrv) lines = g_strsplit(console, "\n", -1);
	g_autoptr(Oops) o = g_new0(Oops, 1);
	int start = -1, h = -1;
	gboolean in_trace = FALSE, trace_done = FALSE, rip_seen = FALSE, rip_eflags_next = FALSE;
	unsigned long rip_eflags = 0x200; /* of the first kernel RIP: an NMI's is inside its trace */
	g_autofree char *context = NULL;
	const char *fn = NULL;
	gboolean hard_lockup_via_nmi = FALSE;

	/* serial consoles end lines with \r\n */
	for (int i = 0; lines[i]; i++)
		g_strchomp(lines[i]);
	o->cpu = o->pid = -1;
	o->trace = g_ptr_array_new_with_free_func((GDestroyNotify)oops_frame_free);
	for (int i = 0; lines[i] && start < 0; i++) {
		const char *l = strip_timestamp(lines[i]);

		if (is_oom_start(l)) {
			start = i;
			h = -2; /* decided by the panic line below */
			break;
		}
		for (guint k = 0; k < G_N_ELEMENTS(headers); k++) {
			if (g_str_has_prefix(l, headers[k].prefix) &&
			    (!headers[k].must_contain || strstr(l, headers[k].must_contain))) {
				start = i;
				h = (int)k;
				break;
			}
		}
	}
	if (start < 0)
		return NULL;
	o->header = g_strdup(strip_timestamp(lines[start]));

	for (int i = start; lines[i]; i++) {
		const char *l = strip_timestamp(lines[i]);
		OopsFrame *f;

		if (g_str_has_prefix(l, "Kernel panic - not syncing: ")) {
			if (!o->panic_message)
				o->panic_message = g_strdup(l + strlen("Kernel panic - not syncing: "));
		}
		if (g_str_has_prefix(l, "---[ end Kernel panic"))
			break;
		if (!o->comm && g_str_has_prefix(l, "CPU: "))
			parse_cpu_line(o, l);
		if (g_str_has_prefix(l, "RIP: 0010:")) {
			f = parse_symbol(l + strlen("RIP: 0010:"));
			if (f) {
				f->exact = TRUE;
				rip_eflags_next = !rip_seen;
				rip_seen = TRUE;
				if (!o->rip && !in_trace && !trace_done) {
					o->rip = f;
				} else if (in_trace) {
					/* the interrupted context inside a trace: a frame */
					f->context = g_strdup(context);
					g_ptr_array_add(o->trace, f);
				} else {
					oops_frame_free(f);
				}
			}
			continue;
		}
		if (rip_eflags_next && g_str_has_prefix(l, "RSP: ") && strstr(l, " EFLAGS: ")) {
			rip_eflags = strtoul(strstr(l, " EFLAGS: ") + strlen(" EFLAGS: "), NULL, 16);
			rip_eflags_next = FALSE;
		}
		if (trace_done)
			continue;
		if (g_str_has_prefix(l, "Call Trace:")) {
			in_trace = TRUE;
			continue;
		}
		if (!in_trace)
			continue;
		if (l[0] == '<') {
			/* <TASK>, </TASK>, <IRQ>, <NMI>, <SOFTIRQ> */
			g_free(context);
			context = l[1] == '/' ? NULL : g_strndup(l + 1, strcspn(l + 1, ">"));
			if (g_str_equal(l, "</TASK>"))
				trace_done = TRUE;
			continue;
		}
		if (g_str_has_prefix(l, "RIP: 0033:") || is_trace_noise(l))
			continue;
		f = parse_symbol(l);
		if (!f) {
			/* anything else ends a trace that had no <TASK> markers */
			if (o->trace->len)
				trace_done = TRUE;
			continue;
		}
		f->context = g_strdup(context);
		g_ptr_array_add(o->trace, f);
	}

	/* An OOM report becomes the panic's when panic_on_oom fired. */
	if (h == -2) {
		h = -1;
		for (guint k = 0; k < G_N_ELEMENTS(headers); k++)
			if (g_str_equal(headers[k].type, "oom"))
				h = (int)k;
	}
	o->type = g_strdup(headers[h].type);
	/* An unknown NMI (an operator's, a hypervisor's) that caught a CPU with
	 * interrupts off (EFLAGS.IF clear) in kernel code: a hard lockup that
	 * no NMI watchdog reported (none, e.g. no PMU under TCG). */
	if (g_str_equal(o->type, "unknown-nmi") && rip_seen && !(rip_eflags & 0x200)) {
		g_free(o->type);
		o->type = g_strdup("hard-lockup");
		hard_lockup_via_nmi = TRUE;
	}

	/* The function the crash is "in": the RIP, unless that is plumbing
	 * (an NMI or a lockup that caught a CPU in the scheduler), else the
	 * first reliable trace frame that is not. */
	if (o->rip && !is_plumbing(o->rip->function))
		fn = o->rip->function;
	for (guint i = 0; !fn && i < o->trace->len; i++) {
		OopsFrame *f = g_ptr_array_index(o->trace, i);

		if (f->reliable && !is_plumbing(f->function))
			fn = f->function;
	}
	if (!fn && o->rip)
		fn = o->rip->function;
	o->function = fn ? g_strdup(fn) : NULL;
	o->title = g_strdup_printf("%s in %s", hard_lockup_via_nmi ? "BUG: hard lockup (unknown NMI, interrupts off)"
								  : headers[h].title, fn ? fn : "an unknown function");
	return g_steal_pointer(&o);
}
