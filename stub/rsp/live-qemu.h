/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client of QEMU's gdbstub (the live proxy's upstream): packets over
 * its Unix socket, its register layout (from its target description), and
 * its guest-physical memory map (`info mtree -f` through qRcmd).
 *
 * QEMU pauses the guest when a debugger connects and resumes it when the
 * debugger detaches. Every reply is bounded by QEMU's PacketSize; replies
 * longer than LIVE_QEMU_MAX_PACKET are an error.
 */
#pragma once
#include <glib.h>

#include "dump.h"
#include "live.h"
#include "registers.h"

#define LIVE_QEMU_MAX_PACKET 0x40000

typedef struct LiveQemu LiveQemu;

/* OOPSLAB_LIVE_TRACE=FILE: one line per packet, WHO saying which way. */
void live_trace(const char *who, const char *data, gsize len);

GError *live_qemu_connect(const char *socket_path, LiveQemu **out) G_GNUC_WARN_UNUSED_RESULT;
void live_qemu_free(LiveQemu *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LiveQemu, live_qemu_free)
int live_qemu_fd(const LiveQemu *q);

/* Send PACKET and wait for its reply. `O` console packets before the reply
 * are appended, decoded, to CONSOLE (if not NULL). */
GError *live_qemu_request(LiveQemu *q, const char *packet, GString *reply,
			  GString *console) G_GNUC_WARN_UNUSED_RESULT;
/* Send PACKET whose answer comes later (a resume: the stop reply). */
GError *live_qemu_send(LiveQemu *q, const char *packet) G_GNUC_WARN_UNUSED_RESULT;
/*
 * QEMU masks interrupts and timers during a gdb single step only if its
 * setting says so (qqemu.sstep; TCG's default does, but the setting is
 * QEMU's, kept across debugger sessions, and anyone may have changed it).
 * Without it a step can take an interrupt instead of the instruction: it
 * ends in the handler, or where it started (an APIC poll), and gdb's
 * `next` over a breakpoint then reports that breakpoint again. Turn the
 * masking on; *MASKED says whether QEMU does it (KVM without
 * KVM_GUESTDBG_BLOCKIRQ cannot). A QEMU without the setting: *MASKED
 * FALSE and no error.
 */
GError *live_qemu_mask_irqs_in_steps(LiveQemu *q, gboolean *masked) G_GNUC_WARN_UNUSED_RESULT;
/* Leave QEMU as we found it (physical-memory mode off) and detach: the
 * guest resumes. */
GError *live_qemu_detach(LiveQemu *q) G_GNUC_WARN_UNUSED_RESULT;
/* The guest runs: send the interrupt byte. */
GError *live_qemu_interrupt(LiveQemu *q) G_GNUC_WARN_UNUSED_RESULT;
/* After poll() said the socket is readable: read what is there; *got is
 * TRUE and REPLY holds a packet if one is complete (`O` packets go to
 * CONSOLE). EOF is an error. */
GError *live_qemu_poll_packet(LiveQemu *q, GString *reply, GString *console,
			      gboolean *got) G_GNUC_WARN_UNUSED_RESULT;

/* Thread ids: QEMU's form of vCPU thread TID ("p1.2" or "2"); parse
 * either form at *p (advanced); a stop reply's "thread:pP.T;" made plain. */
char *live_qemu_tid(const LiveQemu *q, guint64 tid);
gboolean live_qemu_parse_tid(LiveQemu *q, const char **p, guint64 *tid);
void live_qemu_plain_stop(LiveQemu *q, GString *reply);

/* QEMU's registers as its target description numbers them. */
guint live_qemu_n_regs(const LiveQemu *q);
/* Read every vCPU's thread id (qfThreadInfo), in QEMU's order. */
GError *live_qemu_threads(LiveQemu *q, GArray **tids) G_GNUC_WARN_UNUSED_RESULT;
/* The registers of vCPU thread TID in our layout (registers.h). */
GError *live_qemu_read_regs(LiveQemu *q, guint64 tid, OlRegs *regs) G_GNUC_WARN_UNUSED_RESULT;
/* Write our register N of thread TID (VALUE in target byte order, as hex
 * text of rsp_reg_size(N) bytes). */
GError *live_qemu_write_reg(LiveQemu *q, guint64 tid, guint n,
			    const char *hex_value) G_GNUC_WARN_UNUSED_RESULT;

/* Guest-physical memory through the gdbstub (Qqemu.PhyMemMode): an
 * OlLiveReadFn; CTX is the LiveQemu. */
GError *live_qemu_read_phys(void *ctx, guint64 paddr, void *buf, gsize len) G_GNUC_WARN_UNUSED_RESULT;
/* Virtual memory as vCPU TID sees it (for what the kernel's page tables do
 * not map: user space); *done bytes were read. */
GError *live_qemu_read_virt(LiveQemu *q, guint64 tid, guint64 addr, void *buf, gsize len,
			    gsize *done) G_GNUC_WARN_UNUSED_RESULT;

/* The RAM of memory region REGION (NULL: the largest RAM region) from
 * `info mtree -f`: which guest-physical ranges are which offsets of it. */
GError *live_qemu_ram_layout(LiveQemu *q, const char *region, GArray **ranges) G_GNUC_WARN_UNUSED_RESULT;
/* The parser alone, for tests: TEXT is `info mtree -f` output. */
GError *live_mtree_parse(const char *text, const char *region, GArray **ranges) G_GNUC_WARN_UNUSED_RESULT;
