/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "live-proxy.h"
#include "transport.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live-qemu.h"
#include "live.h"
#include "packet.h"
#include "server.h"
#include "target.h"
#include "tasks.h"

#define TID_FMT "%" G_GINT64_MODIFIER "x"
/* Largest memory read per `m`, as the dump server: two hex digits a byte. */
#define MAX_READ ((RSP_PACKET_SIZE - 16) / 2)
/* Longest kernel VMCOREINFO we take (the kernel's is one page). */
#define MAX_VMCOREINFO 4096

typedef struct {
	const LiveOptions *opt;
	int in_fd, out_fd;
	RspReader reader;
	gboolean no_ack, no_ack_next, done, running;
	LiveQemu *q;
	OlTarget *t;
	OlDump *dump;     /* owned by t */
	RspDumpHandler *dh;
	GArray *tids;     /* vCPU thread ids (guint64), QEMU's order */
	GArray *vcpu_regs; /* OlRegs, as of this stop */
	guint64 g_tid;    /* Hg: 0 = the stop thread */
	guint64 stop_tid;
	GString *stop;    /* the stop reply as gdb gets it */
	char *libraries;  /* library list gdb was told about */
	gboolean said_all_stop, said_read_only, said_panic;
	gboolean offer_exec;  /* gdb gets vmlinux from us: KASLR or --serve-vmlinux (offer_exec_file) */
	/* QEMU 7.2 keeps a debug event pending on a vCPU when a watchpoint
	 * ended a step: its next resume stops at once with a bare SIGTRAP, a
	 * step without running an instruction (gdb's `stepi` then stays
	 * put). step_cut: the last stop was such a step; retry: the resume
	 * being waited for is the one to redo once (try_leftover_stop). */
	gboolean last_step, step_cut, retry;
	char *resumed_with;
	GError *io_error;
} Live;

/* PAYLOAD may be binary (qXfer, vFile): LEN bytes. */
static void send_gdb_len(Live *s, const char *payload, gsize len_in)
{
	g_autoptr(GString) wire = g_string_new(NULL);

	rsp_frame(wire, payload, len_in);
	live_trace("stub>gdb", payload, len_in);
	if (!s->io_error)
		s->io_error = rsp_write_all(s->out_fd, wire->str, wire->len);
}

static void send_gdb(Live *s, const char *payload)
{
	send_gdb_len(s, payload, strlen(payload));
}

static void send_gdb_raw(Live *s, const char *bytes)
{
	if (!s->io_error && write(s->out_fd, bytes, strlen(bytes)) != (ssize_t)strlen(bytes))
		s->io_error = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "write to gdb: %s", g_strerror(errno));
}

static void console(Live *s, const char *text)
{
	g_autoptr(GString) p = g_string_new("O");

	rsp_append_hex(p, text, strlen(text));
	send_gdb(s, p->str);
}

static gint vcpu_index(Live *s, guint64 tid)
{
	for (guint i = 0; i < s->tids->len; i++)
		if (g_array_index(s->tids, guint64, i) == tid)
			return (gint)i;
	return -1;
}

/* ---- the model, rebuilt at every stop ---- */

/* The kernel's own VMCOREINFO text (what a dump's note holds), so the
 * model finds its bearings the way it does in a dump. */
static void load_vmcoreinfo(Live *s)
{
	guint64 data_sym, size_sym, data = 0;
	guint32 size = 0;
	g_autofree char *text = g_malloc0(MAX_VMCOREINFO + 1);
	gsize done = 0;
	OlKmem *k = ol_target_kmem(s->t);
	g_autoptr(GError) err = NULL;

	if ((err = ol_kmem_symbol(k, "vmcoreinfo_data", &data_sym)) ||
	    (err = ol_kmem_symbol(k, "vmcoreinfo_size", &size_sym)) ||
	    (err = ol_kmem_read_u64(k, data_sym, &data)) || (err = ol_kmem_read_u32(k, size_sym, &size)))
		return;
	if (!data || size == 0 || size > MAX_VMCOREINFO)
		return;
	if ((err = ol_kmem_read(k, data, text, size, &done)))
		return;
	ol_dump_live_set_vmcoreinfo(s->dump, text, done);
}

static GError *read_vcpus(Live *s)
{
	g_autoptr(GArray) notes = g_array_new(FALSE, TRUE, sizeof(OlCpuNote));
	GError *err;

	if (s->tids)
		g_array_unref(s->tids);
	s->tids = NULL;
	if ((err = live_qemu_threads(s->q, &s->tids)))
		return err;
	g_array_set_size(s->vcpu_regs, s->tids->len);
	g_array_set_size(notes, s->tids->len);
	for (guint i = 0; i < s->tids->len; i++) {
		OlRegs *r = &g_array_index(s->vcpu_regs, OlRegs, i);

		if ((err = live_qemu_read_regs(s->q, g_array_index(s->tids, guint64, i), r)))
			return err;
		ol_regs_to_cpu_note(r, i, &g_array_index(notes, OlCpuNote, i));
	}
	ol_dump_live_set_cpus(s->dump, (const OlCpuNote *)notes->data, notes->len);
	return NULL;
}

static void warn_all(GPtrArray *warnings)
{
	for (guint i = 0; i < warnings->len; i++)
		fprintf(stderr, "oopslab-stub: warning: %s\n", (const char *)warnings->pdata[i]);
}

/*
 * After a KASLR boot gdb is started with no file (run --gdb --kaslr). The
 * offset the page tables gave at this first stop (the dump mode's way,
 * kernel-library.h) is then served as in the dump mode: the exec file is
 * offered, gdb takes it and asks qOffsets, and the library list holds
 * vmlinux relocated (ol_target_use_exec_file), so gdb has every kernel
 * symbol where it is with no command. Without an offset gdb has vmlinux
 * itself, and no exec file is offered (unless --serve-vmlinux says gdb
 * has none): gdb 13 would take the entry-code CFI for its program instead
 * of that vmlinux.
 */
static void offer_exec_file(Live *s)
{
	g_autofree char *note = NULL;

	if ((note = ol_target_kaslr_note(s->t)))
		fprintf(stderr, "oopslab-stub: %s\n", note);
	/* --serve-vmlinux: a KASLR boot may land at offset 0, and gdb has no file */
	s->offer_exec = note || (s->opt->serve_vmlinux && !s->opt->target.no_kernel_library &&
				 ol_target_exec_file(s->t));
}

static GError *refresh(Live *s)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	GError *err;

	ol_dump_live_invalidate(s->dump);
	if ((err = read_vcpus(s)))
		return err;
	if (!s->t) {
		g_autoptr(GPtrArray) w = NULL;
		OlDump *d = s->dump;

		s->dump = NULL;
		if ((err = ol_target_open_dump(d, &s->opt->target, &s->t, &w))) {
			if (w)
				warn_all(w);
			return err;
		}
		s->dump = d;
		warn_all(w);
		s->dh = rsp_dump_handler_new(s->t, s->out_fd);
		load_vmcoreinfo(s);
		offer_exec_file(s);
	}
	/* The first open said what it had to (missing vmlinux, ...); the
	 * same warnings at every stop would drown gdb's output. */
	return ol_target_refresh(s->t, warnings);
}

/* QEMU reports a guest panic (pvpanic, -action panic=pause) with a
 * signal number gdb does not know (0x8f in QEMU 7.2): when the kernel's
 * panic_cpu says it panicked, gdb is told SIGABRT, once, with a word. */
static void mark_panic(Live *s)
{
	guint64 addr;
	guint32 cpu = G_MAXUINT32;
	g_autoptr(GError) err = NULL;

	if (s->said_panic || s->stop->len < 3 || s->stop->str[0] != 'T')
		return;
	if ((err = ol_kmem_symbol(ol_target_kmem(s->t), "panic_cpu", &addr)) ||
	    (err = ol_kmem_read_u32(ol_target_kmem(s->t), addr, &cpu)) ||
	    cpu >= s->tids->len)
		return;
	s->said_panic = TRUE;
	memcpy(s->stop->str + 1, "06", 2);
	{
		g_autofree char *msg = g_strdup_printf("oopslab-stub: the kernel panicked on CPU %u (panic_cpu); "
						       "`bt` shows where, `monitor dmesg` why\n", cpu);

		console(s, msg);
	}
}

/* QEMU's stop reply as gdb gets it, the model rebuilt, and the library
 * list announced when it changed (a module came or went). */
static GError *on_stop(Live *s, const char *reply)
{
	g_autofree char *libs = NULL;
	const char *th;
	GError *err;

	s->running = FALSE;
	g_string_assign(s->stop, reply);
	live_qemu_plain_stop(s->q, s->stop);
	reply = s->stop->str;
	if (reply[0] != 'T' && reply[0] != 'S')
		return NULL; /* W, X: the guest is gone */
	if ((err = refresh(s)))
		return err;
	mark_panic(s);
	reply = s->stop->str;
	th = strstr(reply, "thread:");
	s->stop_tid = th ? g_ascii_strtoull(th + 7, NULL, 16) : g_array_index(s->tids, guint64, 0);
	s->g_tid = 0;
	libs = ol_target_libraries_xml(s->t);
	if (s->libraries && g_strcmp0(libs, s->libraries) != 0)
		g_string_append(s->stop, "library:;");
	g_free(s->libraries);
	s->libraries = g_steal_pointer(&libs);
	if (!s->libraries)
		s->libraries = g_strdup("");
	return NULL;
}

/* ---- registers ---- */

static guint64 reg_tid(Live *s)
{
	return s->g_tid ? s->g_tid : s->stop_tid;
}

static void h_regs(Live *s, const char *packet, GString *reply)
{
	gint i = vcpu_index(s, reg_tid(s));
	guint64 n;
	const char *p = packet + 1;

	if (i < 0) { /* a task: the model answers, read-only */
		GError *err = NULL;
		const GString *r = rsp_dump_handler_handle(s->dh, packet, &err);

		g_string_assign(reply, r->str);
		if (err)
			s->io_error = err;
		return;
	}
	g_string_truncate(reply, 0);
	if (packet[0] == 'g') {
		for (guint k = 0; k < OL_GDB_NREGS; k++)
			rsp_append_reg_hex(reply, &g_array_index(s->vcpu_regs, OlRegs, i), k);
		return;
	}
	if (!rsp_parse_hex(&p, &n) || *p)
		return (void)g_string_assign(reply, "E01");
	if (n < OL_GDB_NREGS)
		rsp_append_reg_hex(reply, &g_array_index(s->vcpu_regs, OlRegs, i), (guint)n);
}

static void h_write_reg(Live *s, const char *args, GString *reply)
{
	guint64 tid = reg_tid(s), n;
	gint i = vcpu_index(s, tid);
	const char *eq;
	g_autoptr(GError) err = NULL;

	/* No `O` packet here: gdb takes one only while the target runs or
	 * for qRcmd, and would read it as this packet's reply. */
	if (i < 0) {
		if (!s->said_read_only)
			fprintf(stderr, "oopslab-stub: a task's registers are its saved switch frame: read-only\n");
		s->said_read_only = TRUE;
		return (void)g_string_assign(reply, "E01");
	}
	if (!rsp_parse_hex(&args, &n) || *args != '=' || n >= OL_GDB_NREGS)
		return (void)g_string_assign(reply, "E01");
	eq = args + 1;
	if ((err = live_qemu_write_reg(s->q, tid, (guint)n, eq)) ||
	    (err = live_qemu_read_regs(s->q, tid, &g_array_index(s->vcpu_regs, OlRegs, i)))) {
		fprintf(stderr, "oopslab-stub: %s\n", err->message);
		return (void)g_string_assign(reply, "E01");
	}
	g_string_assign(reply, "OK");
}

/* ---- memory ---- */

static void h_read_memory(Live *s, const char *args, GString *reply)
{
	guint64 addr, len;
	gsize done = 0;
	g_autofree guint8 *buf = NULL;
	g_autoptr(GError) err = NULL;

	if (!rsp_parse_hex(&args, &addr) || *args++ != ',' || !rsp_parse_hex(&args, &len) || *args)
		return (void)g_string_assign(reply, "E01");
	len = MIN(len, MAX_READ);
	buf = g_malloc(len ? len : 1);
	/* Kernel addresses through the model (the kernel's page tables, guest
	 * RAM); anything else (user space) as the stopped vCPU sees it. */
	err = ol_kmem_read(ol_target_kmem(s->t), addr, buf, len, &done);
	if (done == 0 && len > 0) {
		guint64 tid = reg_tid(s) && vcpu_index(s, reg_tid(s)) >= 0 ? reg_tid(s) : s->stop_tid;

		g_clear_error(&err);
		err = live_qemu_read_virt(s->q, tid, addr, buf, len, &done);
	}
	if (done == 0 && len > 0)
		return (void)g_string_assign(reply, "E0e");
	g_string_truncate(reply, 0);
	rsp_append_hex(reply, buf, done);
}

static void h_write_memory(Live *s, const char *packet, GString *reply)
{
	g_autoptr(GError) err = NULL;

	if (!s->opt->allow_writes) {
		fprintf(stderr, "oopslab-stub: memory writes are off (oopslab-stub --allow-writes turns them on)\n");
		return (void)g_string_assign(reply, "E01");
	}
	if ((err = live_qemu_request(s->q, packet, reply, NULL))) {
		s->io_error = g_steal_pointer(&err);
		return;
	}
	/* what the model read may have changed */
	err = refresh(s);
	if (err)
		fprintf(stderr, "oopslab-stub: %s\n", err->message);
}

/* ---- run control ---- */

static void all_stop_note(Live *s)
{
	if (s->said_all_stop)
		return;
	s->said_all_stop = TRUE;
	console(s, "oopslab-stub: task threads do not run on their own: resuming one resumes the whole VM "
		   "(all-stop), and every CPU stops again at the next event\n");
}

/* A task thread's id in a resume action, as a vCPU's: the CPU it runs on,
 * or 0 (no thread: the action applies to all) for one that sleeps. FALSE:
 * a sleeping task cannot be stepped. */
static gboolean map_tid(Live *s, char action, guint64 *tid)
{
	const OlThread *th;

	if (vcpu_index(s, *tid) >= 0)
		return TRUE;
	all_stop_note(s);
	th = ol_target_find_thread(s->t, *tid);
	if (th && th->cpu >= 0 && (guint)th->cpu < s->tids->len) {
		*tid = g_array_index(s->tids, guint64, th->cpu);
		return TRUE;
	}
	*tid = 0;
	return action == 'c' || action == 'C';
}

/* vCont;ACTION[:TID]... with task threads mapped to vCPUs. NULL if the
 * request cannot be done (a message was sent). */
static char *map_vcont(Live *s, const char *args)
{
	g_auto(GStrv) parts = g_strsplit(args, ";", 64);
	GString *out = g_string_new("vCont");

	if (s->g_tid && vcpu_index(s, s->g_tid) < 0)
		all_stop_note(s);
	for (guint i = 0; parts[i]; i++) {
		char *colon = strchr(parts[i], ':');
		guint64 tid;
		const char *p;

		if (!*parts[i])
			continue;
		if (!colon) {
			g_string_append_printf(out, ";%s", parts[i]);
			continue;
		}
		*colon = '\0';
		p = colon + 1;
		if (g_str_equal(p, "-1") || !rsp_parse_hex(&p, &tid)) {
			g_string_append_printf(out, ";%s", parts[i]);
			continue;
		}
		if (!map_tid(s, parts[i][0], &tid)) {
			console(s, "oopslab-stub: that task is not on a CPU, so it cannot be stepped: select a CPU "
				   "thread (thread 1 ...) or continue\n");
			g_string_free(out, TRUE);
			return NULL;
		}
		if (tid) {
			g_autofree char *id = live_qemu_tid(s->q, tid);

			g_string_append_printf(out, ";%s:%s", parts[i], id);
		}
		else
			g_string_append_printf(out, ";%s", parts[i]);
	}
	return g_string_free(out, FALSE);
}

static void resume(Live *s, const char *packet, GString *reply)
{
	g_autofree char *fwd = NULL;
	GError *err;

	if (g_str_has_prefix(packet, "vCont;")) {
		if (!(fwd = map_vcont(s, packet + strlen("vCont"))))
			return (void)g_string_printf(reply, "T02thread:" TID_FMT ";", s->stop_tid);
	} else {
		if (s->g_tid && vcpu_index(s, s->g_tid) < 0)
			all_stop_note(s);
		fwd = g_strdup(packet);
	}
	ol_dump_live_invalidate(s->dump);
	s->last_step = strstr(fwd, ";s") != NULL || fwd[0] == 's' || fwd[0] == 'S';
	s->retry = s->step_cut;
	s->step_cut = FALSE;
	g_free(s->resumed_with);
	s->resumed_with = g_strdup(fwd);
	if ((err = live_qemu_send(s->q, fwd))) {
		s->io_error = err;
		return;
	}
	s->running = TRUE;
	g_string_truncate(reply, 0); /* the stop reply comes later */
}

/* ---- everything else ---- */

static void forward(Live *s, const char *packet, GString *reply)
{
	GError *err = live_qemu_request(s->q, packet, reply, NULL);

	if (err)
		s->io_error = err;
}

/* QEMU's single-step settings (`maintenance packet qqemu.sstep`): QEMU's
 * to answer. Its other qqemu/Qqemu packets stay ours: the proxy keeps
 * QEMU's physical-memory mode itself (live-qemu.c). */
static gboolean is_sstep_packet(const char *packet)
{
	return g_str_equal(packet, "qqemu.sstepbits") || g_str_equal(packet, "qqemu.sstep") ||
	       g_str_has_prefix(packet, "Qqemu.sstep=");
}

static void monitor_qemu(Live *s, const char *cmd, GString *reply)
{
	g_autoptr(GString) req = g_string_new("qRcmd,"), out = g_string_new(NULL);
	GError *err;

	rsp_append_hex(req, cmd, strlen(cmd));
	if ((err = live_qemu_request(s->q, req->str, reply, out))) {
		s->io_error = err;
		return;
	}
	if (out->len)
		console(s, out->str);
}

static void delegate(Live *s, const char *packet, GString *reply)
{
	GError *err = NULL;
	const GString *r = rsp_dump_handler_handle(s->dh, packet, &err);

	g_string_truncate(reply, 0);
	g_string_append_len(reply, r->str, r->len);
	if (err)
		s->io_error = err;
}

static void h_monitor(Live *s, const char *packet, GString *reply)
{
	g_autoptr(GByteArray) raw = g_byte_array_new();
	const char *hex = packet + strlen("qRcmd,");
	g_autofree char *cmd = NULL;

	if (!rsp_decode_hex(hex, strlen(hex), raw))
		return (void)g_string_assign(reply, "E01");
	cmd = g_strndup((const char *)raw->data, raw->len);
	g_strstrip(cmd);
	/* `monitor qemu info registers`: QEMU's own monitor */
	if (g_str_has_prefix(cmd, "qemu ") || g_str_equal(cmd, "qemu"))
		return monitor_qemu(s, cmd + strlen("qemu"), reply);
	delegate(s, packet, reply);
	if (g_str_equal(cmd, "help"))
		console(s, "  monitor qemu CMD      QEMU's own monitor (HMP): e.g. `monitor qemu info registers`\n");
}

static void h_set_thread(Live *s, const char *packet, GString *reply)
{
	const char *p = packet + 2;
	guint64 tid = 0;

	delegate(s, packet, reply); /* checks the thread, and keeps Hg for task registers */
	if (packet[1] == 'g' && g_str_equal(reply->str, "OK"))
		s->g_tid = g_str_equal(p, "-1") || g_str_equal(p, "0") || !rsp_parse_hex(&p, &tid) ? 0 : tid;
}

static void handle(Live *s, const char *packet, GString *reply)
{
	g_string_truncate(reply, 0);
	if (g_str_has_prefix(packet, "qSupported")) {
		/* what the dump server offers (libraries, threads), and resuming;
		 * the exec file only after a KASLR boot (offer_exec_file) */
		g_auto(GStrv) features = NULL;

		delegate(s, packet, reply);
		features = g_strsplit(reply->str, ";", -1);
		g_string_truncate(reply, 0);
		for (guint i = 0; features[i]; i++)
			if (s->offer_exec || !g_str_has_prefix(features[i], "qXfer:exec-file"))
				g_string_append_printf(reply, "%s;", features[i]);
		g_string_append(reply, "vContSupported+");
	} else if (g_str_equal(packet, "QStartNoAckMode")) {
		g_string_assign(reply, "OK");
		s->no_ack_next = TRUE;
	} else if (g_str_equal(packet, "?"))
		g_string_assign(reply, s->stop->str);
	else if (packet[0] == 'g' || packet[0] == 'p')
		h_regs(s, packet, reply);
	else if (packet[0] == 'P')
		h_write_reg(s, packet + 1, reply);
	else if (packet[0] == 'G' || packet[0] == 'X')
		; /* unsupported: gdb uses P and M */
	else if (packet[0] == 'm')
		h_read_memory(s, packet + 1, reply);
	else if (packet[0] == 'M')
		h_write_memory(s, packet, reply);
	else if (packet[0] == 'Z' || packet[0] == 'z' || is_sstep_packet(packet))
		forward(s, packet, reply);
	else if (g_str_equal(packet, "vCont?"))
		g_string_assign(reply, "vCont;c;C;s;S");
	else if (strchr("cCsS", packet[0]) || g_str_has_prefix(packet, "vCont;"))
		resume(s, packet, reply);
	else if (packet[0] == 'H')
		h_set_thread(s, packet, reply);
	else if (g_str_equal(packet, "qC"))
		g_string_printf(reply, "QC" TID_FMT, s->stop_tid);
	else if (g_str_has_prefix(packet, "qRcmd,"))
		h_monitor(s, packet, reply);
	else if (packet[0] == 'D' || packet[0] == 'k') {
		/* Detach from QEMU either way: `kill` must not end the lab's VM. */
		GError *err = live_qemu_detach(s->q);

		if (err)
			s->io_error = err;
		g_string_assign(reply, "OK");
		s->done = TRUE;
	} else
		delegate(s, packet, reply);
}

static void on_gdb_packet(Live *s, const char *packet)
{
	g_autoptr(GString) reply = g_string_new(NULL);

	live_trace("gdb>stub", packet, strlen(packet));
	if (s->running) {
		/* all-stop: gdb sends nothing but ^C while the guest runs */
		fprintf(stderr, "oopslab-stub: packet while the guest runs, ignored: %.40s\n", packet);
		return;
	}
	handle(s, packet, reply);
	if (s->running || packet[0] == 'k')
		return;
	send_gdb_len(s, reply->str, reply->len);
	if (s->no_ack_next) {
		s->no_ack = TRUE;
		s->no_ack_next = FALSE;
	}
}

static void feed_gdb(Live *s, const guint8 *buf, gssize n)
{
	for (gssize i = 0; i < n && !s->done && !s->io_error; i++) {
		switch (rsp_reader_feed(&s->reader, buf[i])) {
		case RSP_EV_PACKET:
			if (!s->no_ack)
				send_gdb_raw(s, "+");
			on_gdb_packet(s, (const char *)s->reader.payload->data);
			break;
		case RSP_EV_BAD_CHECKSUM:
			if (!s->no_ack)
				send_gdb_raw(s, "-");
			break;
		case RSP_EV_TOO_LONG:
			send_gdb(s, "E01");
			break;
		case RSP_EV_INTERRUPT:
			live_trace("gdb>stub", "^C", 2);
			if (s->running && !s->io_error)
				s->io_error = live_qemu_interrupt(s->q);
			break;
		default:
			break;
		}
	}
}

/* The leftover of a step a watchpoint cut (Live.step_cut): after a
 * continue, its first bare SIGTRAP; after a step, a bare SIGTRAP that left
 * the stepped vCPU's rip where it was. */
static gboolean try_leftover_stop(Live *s, const char *reply)
{
	const char *p = reply + strlen("T05thread:");
	guint64 tid;
	gint i;
	OlRegs now;
	g_autoptr(GError) err = NULL;

	if (!s->retry || !g_regex_match_simple("^T05thread:[0-9a-fp.]+;$", reply, 0, 0))
		return FALSE;
	if (!s->last_step)
		return TRUE;
	if (!live_qemu_parse_tid(s->q, &p, &tid) || (i = vcpu_index(s, tid)) < 0 ||
	    (err = live_qemu_read_regs(s->q, tid, &now)))
		return FALSE;
	return now.value[OL_GDB_RIP] == g_array_index(s->vcpu_regs, OlRegs, i).value[OL_GDB_RIP];
}

static void on_qemu_readable(Live *s)
{
	g_autoptr(GString) reply = g_string_new(NULL), out = g_string_new(NULL);
	gboolean got = FALSE;
	GError *err;

	if ((err = live_qemu_poll_packet(s->q, reply, out, &got))) {
		s->io_error = err;
		return;
	}
	if (out->len)
		console(s, out->str);
	if (!got)
		return;
	if (!s->running) {
		fprintf(stderr, "oopslab-stub: unexpected packet from QEMU: %.40s\n", reply->str);
		return;
	}
	if (try_leftover_stop(s, reply->str)) {
		/* the leftover debug event (see Live.step_cut): resume again */
		s->retry = FALSE;
		if ((err = live_qemu_send(s->q, s->resumed_with)))
			s->io_error = err;
		return;
	}
	s->retry = FALSE;
	s->step_cut = s->last_step && g_regex_match_simple("(^|;)(r|a)?watch:", reply->str, 0, 0);
	if ((err = on_stop(s, reply->str))) {
		/* The stop stands; the model could not be rebuilt (say why). */
		g_autofree char *msg = g_strdup_printf("oopslab-stub: %s\n", err->message);

		console(s, msg);
		g_error_free(err);
	}
	send_gdb(s, s->stop->str);
	if (s->stop->str[0] == 'W' || s->stop->str[0] == 'X')
		s->done = TRUE;
}

static GError *open_memory(Live *s)
{
	g_autoptr(GArray) ranges = NULL;
	GError *err;

	/* The layout even without the file: it says which addresses are RAM. */
	if ((err = live_qemu_ram_layout(s->q, s->opt->ram_region, &ranges)))
		return err;
	if (!s->opt->ram_file)
		return ol_dump_open_live_reader(s->opt->qemu_socket, live_qemu_read_phys, s->q,
						(const OlLiveRange *)ranges->data, ranges->len, 0, &s->dump);
	return ol_dump_open_live_file(s->opt->ram_file, (const OlLiveRange *)ranges->data, ranges->len,
				      &s->dump);
}

static GError *start(Live *s)
{
	g_autoptr(GString) reply = g_string_new(NULL);
	gboolean masked = FALSE;
	GError *err;

	if ((err = live_qemu_connect(s->opt->qemu_socket, &s->q)) || (err = open_memory(s)) ||
	    (err = live_qemu_request(s->q, "?", reply, NULL)) ||
	    (err = live_qemu_mask_irqs_in_steps(s->q, &masked)))
		return err;
	if (!masked)
		fprintf(stderr, "oopslab-stub: QEMU does not mask interrupts during a single step (qqemu.sstep; KVM "
			"without KVM_GUESTDBG_BLOCKIRQ): `step` and `next` may stop in an interrupt handler\n");
	s->running = TRUE;
	/* oopslab run --gdb waits for this line (harness/run-gdb.c). It says
	 * what a refused write means: under `target remote |` later lines
	 * reach no one (live_serve). */
	fprintf(stderr, "oopslab-stub: attached to QEMU's gdbstub %s: the guest is stopped (memory: %s%s)\n",
		s->opt->qemu_socket, s->opt->ram_file ? s->opt->ram_file : "through the gdbstub",
		s->opt->allow_writes ? "" : "; memory writes are off: --allow-writes turns them on");
	return on_stop(s, reply->str);
}

static void serve_loop(Live *s)
{
	guint8 buf[65536];

	while (!s->done && !s->io_error) {
		struct pollfd p[2] = {{.fd = s->in_fd, .events = POLLIN},
				      {.fd = live_qemu_fd(s->q), .events = POLLIN}};
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR)
				s->io_error = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "poll: %s",
							  g_strerror(errno));
			continue;
		}
		if (p[1].revents)
			on_qemu_readable(s);
		if (!p[0].revents || s->done || s->io_error)
			continue;
		n = read(s->in_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* gdb went away: leave the guest running, as QEMU does */
			if (s->running)
				break;
			g_clear_error(&s->io_error);
			s->io_error = live_qemu_detach(s->q);
			break;
		}
		feed_gdb(s, buf, n);
	}
}

GError *live_serve(const LiveOptions *opt, int in_fd, int out_fd)
{
	Live s = {.opt = opt, .in_fd = in_fd, .out_fd = out_fd};
	GError *err;

	rsp_reader_init(&s.reader, RSP_PACKET_SIZE);
	s.stop = g_string_new(NULL);
	s.vcpu_regs = g_array_new(FALSE, TRUE, sizeof(OlRegs));
	err = start(&s);
	if (!err) {
		/* What start() said (attached, warnings) reaches gdb; then
		 * stderr is let go, or gdb polls it after every byte (transport.c). */
		rsp_log_take_stderr(opt->log_fd);
		serve_loop(&s);
		err = g_steal_pointer(&s.io_error);
	}
	if (s.q)
		fprintf(stderr, "oopslab-stub: detached from QEMU's gdbstub %s\n", opt->qemu_socket);
	rsp_dump_handler_free(s.dh);
	ol_target_free(s.t);
	if (!s.t)
		ol_dump_free(s.dump);
	live_qemu_free(s.q);
	rsp_reader_clear(&s.reader);
	g_string_free(s.stop, TRUE);
	if (s.tids)
		g_array_unref(s.tids);
	g_array_unref(s.vcpu_regs);
	g_free(s.libraries);
	g_free(s.resumed_with);
	return err;
}
