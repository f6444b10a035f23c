/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ELF notes: NT_PRSTATUS per CPU, QEMU's CPU state, VMCOREINFO.  Shared by
 * every format that carries an ELF note blob (ELF cores, kdump-compressed). */
#include "dump-private.h"

#define NOTE_HEADER_SIZE 12
#define PRSTATUS_SIZE 336       /* x86_64 struct elf_prstatus */
#define PRSTATUS_PID_OFFSET 32
#define PRSTATUS_REG_OFFSET 112
#define QEMU_STATE_SIZE_V1 432
#define QEMU_STATE_SIZE_GSBASE 440 /* with kernel_gs_base appended */
#define NT_PRSTATUS_TYPE 1

void ol_note_state_clear(OlNoteState *st)
{
	g_clear_pointer(&st->qemu, g_array_unref);
	st->n_prstatus = 0;
	st->n_qemu = 0;
}

static guint64 align_up(guint64 v, guint align)
{
	return (v + align - 1) & ~(guint64)(align - 1);
}

/* Writers differ on whether n_namesz counts the NUL; accept both. */
static gboolean name_is(const guint8 *name, guint32 namesz, const char *want)
{
	gsize n = strlen(want);
	if (namesz == n + 1)
		return memcmp(name, want, n + 1) == 0;
	if (namesz == n)
		return memcmp(name, want, n) == 0;
	return FALSE;
}

static void parse_prstatus(OlDump *d, const guint8 *desc, guint64 note_offset)
{
	OlCpuNote cpu = { 0 };
	cpu.pr_pid = ol_le32(desc + PRSTATUS_PID_OFFSET);
	for (guint i = 0; i < OL_N_PRSTATUS_REGS; i++)
		cpu.regs[i] = ol_le64(desc + PRSTATUS_REG_OFFSET + 8 * i);
	cpu.note_offset = note_offset;
	g_array_append_val(d->cpus, cpu);
}

static OlQemuSegment qemu_segment(const guint8 *p)
{
	return (OlQemuSegment){
		.selector = ol_le32(p),
		.limit = ol_le32(p + 4),
		.flags = ol_le32(p + 8),
		.base = ol_le64(p + 16),
	};
}

/* Layout from QEMU target/i386/arch_dump.c (QEMUCPUState). */
static GError *parse_qemu_state(OlDump *d, OlNoteState *st, const guint8 *desc,
				guint32 descsz, guint64 note_offset)
{
	OlQemuCpuState s = { 0 };
	guint64 *gpr[] = { &s.rax, &s.rbx, &s.rcx, &s.rdx, &s.rsi, &s.rdi, &s.rsp, &s.rbp,
			   &s.r8, &s.r9, &s.r10, &s.r11, &s.r12, &s.r13, &s.r14, &s.r15,
			   &s.rip, &s.rflags };
	OlQemuSegment *seg[] = { &s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss,
				 &s.ldt, &s.tr, &s.gdt, &s.idt };

	s.version = ol_le32(desc);
	s.size = ol_le32(desc + 4);
	if (s.version != 1)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "QEMU note at offset " X64 " has version %u, expected 1",
				     note_offset, s.version);
	if (s.size < QEMU_STATE_SIZE_V1 || s.size > descsz)
		return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
				     "QEMU note at offset " X64 " has size field %u, not between %u and its n_descsz %u",
				     note_offset, s.size, QEMU_STATE_SIZE_V1, descsz);

	for (guint i = 0; i < G_N_ELEMENTS(gpr); i++)
		*gpr[i] = ol_le64(desc + 8 + 8 * i);
	for (guint i = 0; i < G_N_ELEMENTS(seg); i++)
		*seg[i] = qemu_segment(desc + 152 + 24 * i);
	for (guint i = 0; i < G_N_ELEMENTS(s.cr); i++)
		s.cr[i] = ol_le64(desc + 392 + 8 * i);
	/* Appended later without a version bump: the size field says. */
	if (s.size >= QEMU_STATE_SIZE_GSBASE) {
		s.has_kernel_gs_base = TRUE;
		s.kernel_gs_base = ol_le64(desc + 432);
	}
	g_array_append_val(st->qemu, s);
	return NULL;
}

/* Append the note at P (header already parsed) to d->note_blob, 4-aligned
 * as QEMU and the kernel write notes, whatever alignment it came with; the
 * desc's offset in the blob is returned. */
static gsize blob_append(OlDump *d, const guint8 *hdr, const guint8 *name, guint32 namesz,
			 const guint8 *desc, guint32 descsz)
{
	static const guint8 zeros[4];
	GByteArray *b;
	gsize desc_off;

	if (!d->note_blob) {
		d->note_blob = g_byte_array_new();
		d->vmcoreinfo_desc = G_MAXSIZE;
	}
	b = d->note_blob;
	g_byte_array_append(b, hdr, NOTE_HEADER_SIZE);
	g_byte_array_append(b, name, namesz);
	g_byte_array_append(b, zeros, (guint)(align_up(namesz, 4) - namesz));
	desc_off = b->len;
	g_byte_array_append(b, desc, descsz);
	g_byte_array_append(b, zeros, (guint)(align_up(descsz, 4) - descsz));
	return desc_off;
}

/* What a note of TYPE and NAME gives: CPU registers, QEMU's CPU state or
 * VMCOREINFO (its descriptor at BLOB_DESC in the note blob). */
static GError *take_note(OlDump *d, OlNoteState *st, guint32 type, const guint8 *name, guint32 namesz,
			 const guint8 *desc, guint32 descsz, guint64 note_offset, gsize blob_desc)
{
	GError *err;

	if (type == NT_PRSTATUS_TYPE && name_is(name, namesz, "CORE")) {
		if (descsz != PRSTATUS_SIZE)
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
					     "NT_PRSTATUS note at offset " X64 " has n_descsz %u, expected %u (x86_64 elf_prstatus)",
					     note_offset, descsz, PRSTATUS_SIZE);
		parse_prstatus(d, desc, note_offset);
		st->n_prstatus++;
	} else if (type == 0 && name_is(name, namesz, "QEMU")) {
		if (descsz < QEMU_STATE_SIZE_V1)
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
					     "QEMU note at offset " X64 " has n_descsz %u, expected at least %u",
					     note_offset, descsz, QEMU_STATE_SIZE_V1);
		err = parse_qemu_state(d, st, desc, descsz, note_offset);
		if (err)
			return err;
		st->n_qemu++;
	} else if (type == 0 && name_is(name, namesz, "VMCOREINFO")) {
		/* There is one; if a writer repeated it, the first wins. */
		if (!d->vmcoreinfo) {
			gsize n = strnlen((const char *)desc, descsz);
			d->vmcoreinfo = g_strndup((const char *)desc, n);
			d->vmcoreinfo_len = n;
			d->vmcoreinfo_desc = blob_desc;
		}
	}
	return NULL;
}

GError *ol_notes_parse(OlDump *d, OlNoteState *st, guint64 file_offset,
		       const guint8 *p, guint64 len, guint align)
{
	guint64 pos;

	g_assert(align == 4 || align == 8);
	if (!st->qemu)
		st->qemu = g_array_new(FALSE, TRUE, sizeof(OlQemuCpuState));

	pos = 0;
	while (pos < len) {
		guint64 note_offset = file_offset + pos;
		guint32 namesz;
		guint32 descsz;
		guint32 type;
		guint64 name_pos;
		guint64 desc_pos;
		const guint8 *name;
		const guint8 *desc;
		gsize blob_desc;
		GError *err;

		if (len - pos < NOTE_HEADER_SIZE) {
			/* Zero padding at the end of the segment is harmless. */
			for (guint64 i = pos; i < len; i++)
				if (p[i] != 0)
					return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
							     "note at offset " X64 " has only %u bytes left in its segment, a note header needs 12",
							     note_offset, (guint)(len - pos));
			break;
		}
		namesz = ol_le32(p + pos);
		descsz = ol_le32(p + pos + 4);
		type = ol_le32(p + pos + 8);
		if (namesz == 0 && descsz == 0 && type == 0) {
			/* kdump's crash_notes end in an empty note; skip it
			 * and any zero fill after it. */
			pos += NOTE_HEADER_SIZE;
			continue;
		}

		/* 64-bit arithmetic: sizes are u32, so none of this overflows. */
		name_pos = pos + NOTE_HEADER_SIZE;
		desc_pos = align_up(name_pos + namesz, align);
		if (desc_pos > len || descsz > len - desc_pos)
			return ol_dump_error(d, OL_DUMP_ERROR_CORRUPT,
					     "note at offset " X64 " (n_namesz %u, n_descsz %u) runs past the end of its segment at offset " X64,
					     note_offset, namesz, descsz, file_offset + len);
		name = p + name_pos;
		desc = p + desc_pos;
		blob_desc = blob_append(d, p + pos, name, namesz, desc, descsz);

		err = take_note(d, st, type, name, namesz, desc, descsz, note_offset, blob_desc);
		if (err)
			return err;
		/* Other notes (NT_PRFPREG, Xen's, ...) are not needed. */

		/* The last note's padding may be missing. */
		pos = MIN(align_up(desc_pos + descsz, align), len);
	}
	return NULL;
}

void ol_notes_add_vmcoreinfo(OlDump *d, const char *text, gsize len)
{
	static const guint8 name[] = "VMCOREINFO";
	gsize n = strnlen(text, len);
	guint8 hdr[NOTE_HEADER_SIZE];

	ol_put_le32(hdr, (guint32)sizeof(name));
	ol_put_le32(hdr + 4, (guint32)n);
	memset(hdr + 8, 0, 4); /* type 0 */
	g_free(d->vmcoreinfo);
	d->vmcoreinfo = g_strndup(text, n);
	d->vmcoreinfo_len = n;
	d->vmcoreinfo_desc = blob_append(d, hdr, name, sizeof(name), (const guint8 *)text, (guint32)n);
}

static gint cmp_pid(gconstpointer pa, gconstpointer pb)
{
	const OlCpuNote *a = pa, *b = pb;
	return a->pr_pid < b->pr_pid ? -1 : a->pr_pid > b->pr_pid;
}

void ol_notes_finish(OlDump *d, OlNoteState *st, gboolean order_by_pid)
{
	/* QEMU writes all NT_PRSTATUS, then all QEMU notes, each in CPU order,
	 * so the i-th of one belongs with the i-th of the other.  If the counts
	 * differ we cannot pair them safely and leave has_qemu unset. */
	if (st->qemu && st->n_qemu == d->cpus->len) {
		for (guint i = 0; i < d->cpus->len; i++) {
			OlCpuNote *cpu = &g_array_index(d->cpus, OlCpuNote, i);
			cpu->qemu = g_array_index(st->qemu, OlQemuCpuState, i);
			cpu->has_qemu = TRUE;
		}
	}
	/* QEMU's pr_pid is cpu_index + 1.  g_array_sort is stable. */
	if (order_by_pid)
		g_array_sort(d->cpus, cmp_pid);
	d->cpu_order_known = order_by_pid;
}
