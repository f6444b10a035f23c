/* SPDX-License-Identifier: GPL-2.0-or-later */
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
	g_free(o->detector);
	g_free(o->bug_type);
	g_free(o->access);
	g_free(o->access_addr);
	g_free(o->location);
	g_ptr_array_unref(o->alloc_trace);
	g_ptr_array_unref(o->free_trace);
	g_free(o);
}

char *oops_frame_symbol(const OopsFrame *f)
{
	return g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x/0x%" G_GINT64_MODIFIER "x%s%s%s", f->function, f->offset,
			       f->size, f->module ? " [" : "", f->module ? f->module : "",
			       f->module ? "]" : "");
}

/* How a report names its bug, beyond its header's prefix. */
enum report_kind {
	PLAIN,   /* TITLE in FUNC */
	KASAN,   /* "BUG: KASAN: TYPE in FUNC", then "Read|Write of size N at addr A" */
	KFENCE,  /* "BUG: KFENCE: TYPE [read|write] in FUNC", then the access's stack */
	UBSAN,   /* "UBSAN: TYPE in FILE:LINE:COL" */
	LOCKDEP, /* "WARNING: ...", the function on the first "at: FUNC" line */
};

/*
 * Report headers, first match wins; the title is TITLE " in " the function
 * the crash is in. A header must also contain MUST_CONTAIN, if set. The
 * titles are syzkaller's (pkg/report), so CI can compare the two.
 */
static const struct {
	const char *prefix;
	const char *must_contain;
	const char *type;
	const char *title;
	enum report_kind kind;
} headers[] = {
	{"BUG: KASAN: ", NULL, "kasan", "KASAN", KASAN},
	{"BUG: KFENCE: ", NULL, "kfence", "KFENCE", KFENCE},
	{"UBSAN: ", NULL, "ubsan", "UBSAN", UBSAN},
	{"WARNING: possible recursive locking detected", NULL, "lockdep-recursive-locking", "possible deadlock", LOCKDEP},
	{"WARNING: possible circular locking dependency detected", NULL, "lockdep-circular-locking", "possible deadlock",
	 LOCKDEP},
	{"WARNING: possible irq lock inversion dependency detected", NULL, "lockdep-irq-lock-inversion",
	 "possible deadlock", LOCKDEP},
	/* "WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected" */
	{"WARNING: ", "-safe -> ", "lockdep-irq-lock-order", "possible deadlock", LOCKDEP},
	{"WARNING: inconsistent lock state", NULL, "lockdep-inconsistent-lock-state", "inconsistent lock state", LOCKDEP},
	{"WARNING: bad unlock balance detected!", NULL, "lockdep-bad-unlock-balance", "WARNING: bad unlock balance",
	 LOCKDEP},
	{"WARNING: suspicious RCU usage", NULL, "suspicious-rcu-usage", "WARNING: suspicious RCU usage", PLAIN},
	{"BUG: sleeping function called from invalid context", NULL, "sleeping-in-atomic",
	 "BUG: sleeping function called from invalid context", PLAIN},
	{"BUG: Invalid wait context", NULL, "lockdep-invalid-wait-context", "WARNING: locking bug", PLAIN},
	{"BUG: bad unlock balance detected!", NULL, "lockdep-bad-unlock-balance", "BUG: bad unlock balance", LOCKDEP},
	{"BUG: scheduling while atomic", NULL, "scheduling-while-atomic", "BUG: scheduling while atomic", PLAIN},
	/* CONFIG_DEBUG_LIST: the message, then a WARNING (or a BUG) at lib/list_debug.c */
	{"list_add corruption", NULL, "list-corruption", "list_add corruption", PLAIN},
	{"list_del corruption", NULL, "list-corruption", "list_del corruption", PLAIN},
	{"BUG: kernel NULL pointer dereference", NULL, "null-pointer-dereference", "BUG: kernel NULL pointer dereference", PLAIN},
	{"BUG: unable to handle page fault", NULL, "page-fault", "BUG: unable to handle page fault", PLAIN},
	/* "BUG: TASK stack guard page was hit at ..." (TASK, IRQ, NMI, #DF... stack) */
	{"BUG: ", " stack guard page was hit", "stack-overflow", "BUG: stack guard page was hit", PLAIN},
	/* slab poison (slub_debug=P) in a pointer: a freed object was used */
	{"general protection fault", "0x6b6b6b6b6b6b6b6b", "use-after-free", "use-after-free (slab poison)", PLAIN},
	{"general protection fault", NULL, "general-protection-fault", "general protection fault", PLAIN},
	{"kernel BUG at ", NULL, "bug", "kernel BUG", PLAIN},
	{"WARNING: CPU: ", NULL, "warning", "WARNING", PLAIN},
	{"divide error: ", NULL, "divide-error", "divide error", PLAIN},
	{"invalid opcode: ", NULL, "invalid-opcode", "invalid opcode", PLAIN},
	{"watchdog: BUG: soft lockup", NULL, "soft-lockup", "BUG: soft lockup", PLAIN},
	{"NMI watchdog: Watchdog detected hard LOCKUP", NULL, "hard-lockup", "BUG: hard lockup", PLAIN},
	{"INFO: task ", "blocked for more than", "hung-task", "INFO: task hung", PLAIN},
	{"rcu: INFO: ", "detected stall", "rcu-stall", "INFO: rcu detected stall", PLAIN},
	{"rcu: INFO: ", "self-detected stall", "rcu-stall", "INFO: rcu detected stall", PLAIN},
	{"Uhhuh. NMI received for unknown reason", NULL, "unknown-nmi", "unknown NMI", PLAIN},
	{"Kernel panic - not syncing: sysrq triggered crash", NULL, "sysrq", "sysrq triggered crash", PLAIN},
	{"Kernel panic - not syncing: Out of memory", NULL, "oom", "out of memory", PLAIN},
	{"Oops: ", NULL, "oops", "Oops", PLAIN},
	{"Kernel panic - not syncing: ", NULL, "panic", "panic", PLAIN},
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
		/* sanitizers and the lock validator reporting (syzkaller skips the same) */
		"print_report", "print_address_description", "kasan_report", "kasan_check", "__kasan", "___kasan",
		"____kasan", "kasan_save",
		"kasan_set_track", "kasan_slab", "kasan_kmalloc", "__asan", "check_memory_region", "kfence_report",
		"kfence_handle", "__kfence", "__ubsan", "ubsan_", "lockdep_", "lock_acquire", "__lock_acquire",
		"lock_release", "validate_chain", "check_prev_add", "check_noncircular", "check_deadlock",
		"print_circular_bug", "print_deadlock_bug", "print_usage_bug", "print_irq_inversion_bug", "mark_lock",
		"mark_usage", "mark_held_locks", "reacquire_held_locks", "valid_state", "check_usage",
		"check_irq_usage", "lock_class", "register_lock_class", "look_up_lock_class", "__might_sleep",
		"__might_resched", "might_sleep", "__might_fault", "_raw_spin_lock", "_raw_spin_unlock",
		"_raw_read_lock", "_raw_write_lock", "spin_lock", "memcpy", "memset", "memmove", "__memcpy",
		"__memset", "strcpy", "strncpy", "strlen", "strcmp", "memcmp", "_copy_to_user", "_copy_from_user",
		"copy_to_user", "copy_from_user", "__list_add_valid", "__list_del_entry_valid", "list_add",
		"list_del", "kfree", "kmem_cache_free", "slab_free", "__slab_free", "do_slab_free", "__kmem_cache_free",
		"kvfree", "stack_trace_save", "kmalloc_trace", "kmem_cache_alloc_trace", "kzalloc",
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

/* " ? 0xffffffffc0000000": a stack word the unwinder could not name (a
 * module's base, a freed page), inside a trace; not the trace's end. */
static gboolean is_bare_address(const char *l)
{
	while (*l == ' ')
		l++;
	if (l[0] == '?' && l[1] == ' ')
		l += 2;
	return g_str_has_prefix(l, "0x") && l[2 + strspn(l + 2, "0123456789abcdef")] == '\0';
}

/* LINE's headers[] index, or -1. */
static int header_index(const char *l)
{
	for (guint k = 0; k < G_N_ELEMENTS(headers); k++)
		if (g_str_has_prefix(l, headers[k].prefix) &&
		    (!headers[k].must_contain || strstr(l, headers[k].must_contain)))
			return (int)k;
	return -1;
}

gboolean oops_is_report_line(const char *line)
{
	/* the families headers[] refines: any of them is a report */
	return g_str_has_prefix(line, "BUG: ") || g_str_has_prefix(line, "WARNING: ") || header_index(line) >= 0;
}

/* The first line, at or after FROM, with a known report header; -1 if none.
 * *H is its headers[] index, -2 for the start of an OOM report. */
static int find_header(char **lines, int from, int *h)
{
	for (int i = from; lines[i]; i++) {
		const char *l = strip_timestamp(lines[i]);

		if (is_oom_start(l)) {
			*h = -2; /* decided by the panic line, later */
			return i;
		}
		if ((*h = header_index(l)) >= 0)
			return i;
	}
	return -1;
}

/* Frames, one a line, from line I on; ends at the first line that is not one.
 * Returns the index of that line. */
static int parse_stack(char **lines, int i, GPtrArray *out)
{
	for (; lines[i]; i++) {
		OopsFrame *f = parse_symbol(strip_timestamp(lines[i]));

		if (!f)
			break;
		g_ptr_array_add(out, f);
	}
	return i;
}

typedef struct {
	gboolean in_trace, trace_done, rip_seen, rip_eflags_next;
	unsigned long rip_eflags; /* of the first kernel RIP: an NMI's is inside its trace */
	char *context;
	gboolean stack_after_colon; /* KFENCE: the access's stack follows its "...:" line */
	gboolean first_exact;       /* KFENCE, a faulting access: that stack starts at the fault's IP */
} BodyState;

/* One line of the report's body: the CPU line, the RIP, the first call trace. */
static void parse_body_line(Oops *o, BodyState *st, const char *l)
{
	OopsFrame *f;

	if (!o->comm && g_str_has_prefix(l, "CPU: "))
		parse_cpu_line(o, l);
	if (g_str_has_prefix(l, "RIP: 0010:")) {
		f = parse_symbol(l + strlen("RIP: 0010:"));
		if (!f)
			return;
		f->exact = TRUE;
		st->rip_eflags_next = !st->rip_seen;
		st->rip_seen = TRUE;
		if (!o->rip && !st->in_trace && !st->trace_done) {
			o->rip = f;
		} else if (st->in_trace) {
			/* the interrupted context inside a trace: a frame */
			f->context = g_strdup(st->context);
			g_ptr_array_add(o->trace, f);
		} else {
			oops_frame_free(f);
		}
		return;
	}
	if (st->rip_eflags_next && g_str_has_prefix(l, "RSP: ") && strstr(l, " EFLAGS: ")) {
		st->rip_eflags = strtoul(strstr(l, " EFLAGS: ") + strlen(" EFLAGS: "), NULL, 16);
		st->rip_eflags_next = FALSE;
	}
	if (st->trace_done)
		return;
	if (g_str_has_prefix(l, "Call Trace:") ||
	    (st->stack_after_colon && !st->in_trace && *l && g_str_has_suffix(l, ":"))) {
		st->in_trace = TRUE;
		return;
	}
	if (!st->in_trace)
		return;
	if (l[0] == '<') {
		/* <TASK>, </TASK>, <IRQ>, <NMI>, <SOFTIRQ> */
		g_free(st->context);
		st->context = l[1] == '/' ? NULL : g_strndup(l + 1, strcspn(l + 1, ">"));
		if (g_str_equal(l, "</TASK>"))
			st->trace_done = TRUE;
		return;
	}
	if (g_str_has_prefix(l, "RIP: 0033:") || is_trace_noise(l) || is_bare_address(l))
		return;
	f = parse_symbol(l);
	if (!f) {
		/* anything else ends a trace that had no <TASK> markers */
		if (o->trace->len)
			st->trace_done = TRUE;
		return;
	}
	/* KFENCE saved the access's stack from the fault's registers: its
	 * first entry is the faulting instruction, not a return address */
	f->exact = st->first_exact && o->trace->len == 0;
	f->context = g_strdup(st->context);
	g_ptr_array_add(o->trace, f);
}

/* "Read of size 8 at addr ffff... by task sh/60", "Write at addr ...",
 * "Free of addr ..." (KASAN's second line) */
static void parse_kasan_access(Oops *o, const char *l)
{
	unsigned long long size;
	char addr[40];

	if (o->access)
		return;
	if (sscanf(l, "Read of size %llu at addr %39s", &size, addr) == 2 ||
	    sscanf(l, "Write of size %llu at addr %39s", &size, addr) == 2) {
		o->access = g_strndup(l, strcspn(l, " "));
		o->access_size = (gint64)size;
		o->access_addr = g_strdup(addr);
	} else if (sscanf(l, "Read at addr %39s", addr) == 1 || sscanf(l, "Write at addr %39s", addr) == 1 ||
		   sscanf(l, "Free of addr %39s", addr) == 1) {
		o->access = g_strndup(l, strcspn(l, " "));
		o->access_addr = g_strdup(addr);
	}
}

/* The allocation and free stacks of a KASAN or KFENCE report, up to its end. */
static void parse_object_stacks(Oops *o, char **lines, int start)
{
	for (int i = start + 1; lines[i];) {
		const char *l = strip_timestamp(lines[i]);

		if (g_str_has_prefix(l, "=====") || g_str_has_prefix(l, "Kernel panic - not syncing"))
			return;
		if (g_ascii_strncasecmp(l, "Allocated by task ", 18) == 0 && o->alloc_trace->len == 0)
			i = parse_stack(lines, i + 1, o->alloc_trace);
		else if (g_ascii_strncasecmp(l, "Freed by task ", 14) == 0 && o->free_trace->len == 0)
			i = parse_stack(lines, i + 1, o->free_trace);
		else
			i++;
	}
}

static void parse_body(Oops *o, char **lines, int start, enum report_kind kind, BodyState *st)
{
	st->rip_eflags = 0x200;
	st->stack_after_colon = kind == KFENCE;
	/* "BUG: KFENCE: out-of-bounds read in ...": reported from the page
	 * fault, with its registers (a corruption or invalid free is found in
	 * kfree(), from a stack of return addresses) */
	st->first_exact = kind == KFENCE && (strstr(o->header, " read in ") || strstr(o->header, " write in "));
	for (int i = start; lines[i]; i++) {
		const char *l = strip_timestamp(lines[i]);

		if (g_str_has_prefix(l, "Kernel panic - not syncing: ")) {
			if (!o->panic_message)
				o->panic_message = g_strdup(l + strlen("Kernel panic - not syncing: "));
		}
		if (g_str_has_prefix(l, "---[ end Kernel panic"))
			break;
		if (kind == KASAN && i <= start + 3)
			parse_kasan_access(o, l);
		/* lockdep: "ffff... (lock){+.+.}-{3:3}, at: fn+0x1e/0x50 [mod]" */
		if (kind == LOCKDEP && !o->location && strstr(l, "at: ")) {
			OopsFrame *f = parse_symbol(strstr(l, "at: ") + strlen("at: "));

			if (f) {
				o->location = oops_frame_symbol(f);
				oops_frame_free(f);
			}
		}
		if (i > start)
			parse_body_line(o, st, l);
	}
	if (kind == KASAN || kind == KFENCE)
		parse_object_stacks(o, lines, start);
}

/* The function a title names: CANDIDATE (a report's own function), unless it
 * is plumbing, else the RIP's, else the first reliable trace frame that is
 * not plumbing (an NMI or a lockup that caught a CPU in the scheduler). */
static const char *title_function(const Oops *o, const char *candidate)
{
	if (candidate && !is_plumbing(candidate))
		return candidate;
	if (o->rip && !is_plumbing(o->rip->function))
		return o->rip->function;
	for (guint i = 0; i < o->trace->len; i++) {
		OopsFrame *f = g_ptr_array_index(o->trace, i);

		if (f->reliable && !is_plumbing(f->function))
			return f->function;
	}
	if (candidate)
		return candidate;
	return o->rip ? o->rip->function : NULL;
}

/* "fn+0x5e/0x80 [mod]" after " in " in L, as a function name, or NULL. */
static char *function_after_in(const char *l)
{
	const char *in = strstr(l, " in ");
	g_autoptr(OopsFrame) f = NULL;

	if (!in || !(f = parse_symbol(in + 4)))
		return NULL;
	return g_strdup(f->function);
}

/* KASAN, KFENCE, UBSAN: the detector's bug type and the title's prefix. */
static char *sanitizer_title(Oops *o, enum report_kind kind, const char *what, char **fn)
{
	const char *in = strstr(what, " in ");
	g_autofree char *bug = g_strndup(what, in ? (gsize)(in - what) : strlen(what));
	g_autofree char *type = NULL;

	switch (kind) {
	case KASAN:
		o->detector = g_strdup("KASAN");
		*fn = function_after_in(what);
		o->bug_type = g_strdup(bug);
		type = g_strdup_printf("kasan-%s", bug);
		g_free(o->type);
		o->type = g_steal_pointer(&type);
		if (o->access && !g_str_equal(o->access, "Free"))
			return g_strdup_printf("KASAN: %s %s", bug, o->access);
		/* syzkaller names a double free an invalid free too (older
		 * kernels could not tell them apart) */
		if (g_str_equal(bug, "double-free") || g_str_equal(bug, "double-free or invalid-free"))
			return g_strdup("KASAN: invalid-free");
		return g_strdup_printf("KASAN: %s", bug);
	case KFENCE: {
		char *sp = strrchr(bug, ' ');

		o->detector = g_strdup("KFENCE");
		*fn = function_after_in(what);
		if (sp && (g_str_equal(sp + 1, "read") || g_str_equal(sp + 1, "write"))) {
			o->access = g_strdup(sp + 1);
			o->bug_type = g_strndup(bug, sp - bug);
		} else {
			o->bug_type = g_strdup(bug);
			if (g_str_equal(bug, "invalid free"))
				o->access = g_strdup("Free");
		}
		type = g_strdup_printf("kfence-%s", g_str_equal(o->bug_type, "invalid") ? "invalid-access" : o->bug_type);
		g_strdelimit(type, " ", '-');
		g_free(o->type);
		o->type = g_steal_pointer(&type);
		/* syzkaller drops the access of an out-of-bounds or use-after-free
		 * ("KFENCE: out-of-bounds in FUNC"), keeps an invalid one's */
		if (g_str_equal(o->bug_type, "out-of-bounds") || g_str_equal(o->bug_type, "use-after-free"))
			return g_strdup_printf("KFENCE: %s", o->bug_type);
		return g_strdup_printf("KFENCE: %s", bug);
	}
	case UBSAN: {
		o->detector = g_strdup("UBSAN");
		/* old kernels: "UBSAN: Undefined behaviour in FILE" */
		o->bug_type = g_ascii_strcasecmp(bug, "Undefined behaviour") == 0 ? g_strdup("undefined-behaviour")
										     : g_strdup(bug);
		o->location = in ? g_strdup(in + 4) : NULL;
		g_free(o->type);
		o->type = g_strdup_printf("ubsan-%s", o->bug_type);
		return g_strdup_printf("UBSAN: %s", o->bug_type);
	}
	default:
		return NULL;
	}
}

/* After a "general protection fault" header: KASAN's decoding of the
 * address ("KASAN: null-ptr-deref in range [...]"). The title stays
 * syzkaller's "general protection fault in FUNC". */
static void kasan_gpf_hint(Oops *o, char **lines, int start)
{
	for (int i = start + 1; lines[i] && i <= start + 2; i++) {
		const char *l = strip_timestamp(lines[i]);
		const char *kind, *range;

		if (!g_str_has_prefix(l, "KASAN: "))
			continue;
		kind = l + strlen("KASAN: ");
		if (g_str_has_prefix(kind, "probably "))
			kind += strlen("probably ");
		else if (g_str_has_prefix(kind, "maybe "))
			kind += strlen("maybe ");
		/* after the hedge: "KASAN: probably in range" names no kind */
		if (!(range = strstr(kind, " in range ")))
			continue;
		o->detector = g_strdup("KASAN");
		o->bug_type = g_strndup(kind, range - kind);
		g_free(o->type);
		o->type = g_strdup_printf("kasan-%s", o->bug_type);
		return;
	}
}

/* "WARNING: CPU: 1 PID: 60 at lib/list_debug.c:56 fn+0x7c/0xa0" */
static void warning_location(Oops *o)
{
	const char *at = strstr(o->header, " at ");

	if (at && !o->location)
		o->location = g_strndup(at + 4, strcspn(at + 4, " "));
}

static void set_title(Oops *o, char **lines, int start, int h, BodyState *st)
{
	const char *hdr = o->header;
	enum report_kind kind = headers[h].kind;
	g_autofree char *prefix = NULL, *own = NULL;
	const char *fn;

	o->type = g_strdup(headers[h].type);
	if (kind == KASAN || kind == KFENCE || kind == UBSAN)
		prefix = sanitizer_title(o, kind, hdr + strlen(headers[h].prefix), &own);
	else if (kind == LOCKDEP) {
		o->detector = g_strdup("lockdep");
		o->bug_type = g_strdup(hdr + strlen("WARNING: "));
		if (g_str_has_suffix(o->bug_type, " detected") || g_str_has_suffix(o->bug_type, " detected!"))
			*strrchr(o->bug_type, ' ') = '\0';
		/* the function from the first "at: FUNC" (the lock being taken);
		 * an inconsistent state is named after the stack, as syzkaller does */
		if (o->location && !g_str_equal(o->type, "lockdep-inconsistent-lock-state"))
			own = g_strndup(o->location, strcspn(o->location, "+"));
	} else if (g_str_equal(o->type, "general-protection-fault") || g_str_equal(o->type, "use-after-free"))
		kasan_gpf_hint(o, lines, start);
	else if (g_str_equal(o->type, "warning"))
		warning_location(o);

	/* An unknown NMI (an operator's, a hypervisor's) that caught a CPU with
	 * interrupts off (EFLAGS.IF clear) in kernel code: a hard lockup that
	 * no NMI watchdog reported (none, e.g. no PMU under TCG). */
	if (g_str_equal(o->type, "unknown-nmi") && st->rip_seen && !(st->rip_eflags & 0x200)) {
		g_free(o->type);
		o->type = g_strdup("hard-lockup");
		prefix = g_strdup("BUG: hard lockup (unknown NMI, interrupts off)");
	}
	fn = title_function(o, own);
	o->function = fn ? g_strdup(fn) : NULL;
	/* the title names the source function: without gcc's clone suffixes
	 * (".constprop.0", ".isra.0", ".part.0", ".cold"), as syzkaller's */
	o->title = g_strdup_printf("%s in %.*s", prefix ? prefix : headers[h].title,
				   fn ? (int)strcspn(fn, ".") : 20, fn ? fn : "an unknown function");
}

static gboolean is_panic_header(int h)
{
	return g_str_has_prefix(headers[h].prefix, "Kernel panic");
}

/* Lines after a report's first line where another header is still the same
 * report: "BUG: kernel NULL pointer dereference" then "Oops: 0002", a
 * "list_del corruption" message then its "WARNING: CPU:" line. */
#define SAME_REPORT_LINES 5

/* The first line of the report after the one starting at START, or -1. A
 * "Kernel panic" belongs to the report it ends. */
static int next_report(char **lines, int start)
{
	int h, i = find_header(lines, start + 1, &h);

	while (i >= 0 && (i <= start + SAME_REPORT_LINES || (h >= 0 && is_panic_header(h))))
		i = find_header(lines, i + 1, &h);
	return i;
}

/* Where the report starting at START ends: its detector's closing line
 * ("=====...", "---[ end trace ...]---"), or the line before the next
 * report, whichever comes first; -1 at the end of the console. */
static int report_end(char **lines, int start)
{
	int next = next_report(lines, start);

	for (int i = start + 1; lines[i] && (next < 0 || i < next); i++) {
		const char *l = strip_timestamp(lines[i]);

		if (g_str_has_prefix(l, "---[ end ") || g_str_has_prefix(l, "===================="))
			return i;
	}
	return next < 0 ? -1 : next - 1;
}

GPtrArray *oops_parse_all(const char *console)
{
	g_auto(GStrv) lines = g_strsplit(console, "\n", -1);
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)oops_free);
	int h, start = find_header(lines, 0, &h);

	/* each report is parsed on its own lines; the "Kernel panic" a fatal
	 * report ends with is that report's, and nothing after the panic's
	 * end is a report of this boot's kernel */
	while (start >= 0) {
		int next = next_report(lines, start), end = report_end(lines, start);
		/* the report's lines, up to the next one: its panic, if any, is in
		 * there, and another report's is not */
		g_autofree char *own = NULL;
		Oops *o;

		if (next >= 0) {
			char *saved = lines[next];

			lines[next] = NULL;
			own = g_strjoinv("\n", lines + start);
			lines[next] = saved;
		} else {
			own = g_strjoinv("\n", lines + start);
		}
		o = oops_parse(own);
		if (o && (all->len == 0 || !g_str_has_prefix(o->header, "Kernel panic - not syncing")))
			g_ptr_array_add(all, o);
		else
			oops_free(o);
		if (end < 0 || g_str_has_prefix(strip_timestamp(lines[end]), "---[ end Kernel panic"))
			break;
		start = next;
	}
	return all;
}

Oops *oops_parse(const char *console)
{
	g_auto(GStrv) lines = g_strsplit(console, "\n", -1);
	g_autoptr(Oops) o = g_new0(Oops, 1);
	BodyState st = {0};
	int start, h = -1;

	/* serial consoles end lines with \r\n */
	for (int i = 0; lines[i]; i++)
		g_strchomp(lines[i]);
	o->cpu = o->pid = -1;
	o->access_size = -1;
	o->trace = g_ptr_array_new_with_free_func((GDestroyNotify)oops_frame_free);
	o->alloc_trace = g_ptr_array_new_with_free_func((GDestroyNotify)oops_frame_free);
	o->free_trace = g_ptr_array_new_with_free_func((GDestroyNotify)oops_frame_free);
	start = find_header(lines, 0, &h);
	if (start < 0)
		return NULL;
	o->header = g_strdup(strip_timestamp(lines[start]));
	/* An OOM report becomes the panic's when panic_on_oom fired. */
	if (h == -2)
		for (guint k = 0; k < G_N_ELEMENTS(headers); k++)
			if (g_str_equal(headers[k].type, "oom"))
				h = (int)k;
	parse_body(o, lines, start, headers[h].kind, &st);
	g_free(st.context);
	o->fatal = o->panic_message != NULL;
	set_title(o, lines, start, h, &st);
	return g_steal_pointer(&o);
}
