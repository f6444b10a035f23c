/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Notes from `info registers -a` (qemu-notes.h). */
#include "qemu-notes.h"

#include <gio/gio.h>
#include <string.h>

#include "dump.h"

#define PRSTATUS_SIZE 336 /* x86_64 struct elf_prstatus */
#define PRSTATUS_PID 32
#define PRSTATUS_REGS 112
#define QEMU_STATE_SIZE 432 /* QEMUCPUState without kernel_gs_base, which the monitor does not show */
#define MAX_CPUS 8192

typedef struct {
	guint64 gpr[16]; /* RAX RBX RCX RDX RSI RDI RBP RSP R8..R15, as the monitor lists them */
	guint64 rip, rflags;
	guint64 seg[10][4]; /* ES CS SS DS FS GS LDT TR GDT IDT: selector, base, limit, flags */
	guint64 cr[5];
	guint found; /* fields seen, to refuse a CPU the text did not describe */
} Cpu;

static const char *const gpr_names[16] = {"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
					   "R8",  "R9",  "R10", "R11", "R12", "R13", "R14", "R15"};
/* A vCPU not in long mode (one Linux never started, still waiting for its
 * SIPI) is shown with 32-bit names and no R8-R15. */
static const char *const gpr32_names[8] = {"EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP"};
static const char *const seg_names[10] = {"ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR", "GDT", "IDT"};

static void put32(GByteArray *b, guint32 v)
{
	v = GUINT32_TO_LE(v);
	g_byte_array_append(b, (const guint8 *)&v, 4);
}

static void put64(GByteArray *b, guint64 v)
{
	v = GUINT64_TO_LE(v);
	g_byte_array_append(b, (const guint8 *)&v, 8);
}

static void note_header(GByteArray *b, const char *name, guint32 descsz, guint32 type)
{
	static const guint8 pad[4];
	guint32 namesz = (guint32)strlen(name) + 1;

	put32(b, namesz);
	put32(b, descsz);
	put32(b, type);
	g_byte_array_append(b, (const guint8 *)name, namesz);
	g_byte_array_append(b, pad, (4 - namesz % 4) % 4);
}

/* "NAME=HEX" words of one line: general registers, RIP, RFL, CRn. */
static void scan_words(Cpu *c, const char *line)
{
	g_autoptr(GString) joined = g_string_new(line);
	g_auto(GStrv) words = NULL;

	/* "R8 =..." as "R8=..." */
	while (g_string_replace(joined, " =", "=", 0))
		;
	words = g_strsplit_set(joined->str, " \t", -1);

	for (char **w = words; *w; w++) {
		char *eq = strchr(*w, '=');
		g_autofree char *name = NULL;
		guint64 v;

		if (!eq || !eq[1])
			continue;
		name = g_strndup(*w, eq - *w);
		v = g_ascii_strtoull(eq + 1, NULL, 16);
		for (guint i = 0; i < 16; i++)
			if (g_str_equal(name, gpr_names[i]) && !(c->found & (1u << i))) {
				c->gpr[i] = v;
				c->found |= 1u << i;
			}
		for (guint i = 0; i < 8; i++)
			if (g_str_equal(name, gpr32_names[i]) && !(c->found & (1u << i))) {
				c->gpr[i] = v;
				c->found |= 1u << i | 0xff00u; /* R8-R15: none in that mode */
			}
		if (g_str_equal(name, "RIP") || g_str_equal(name, "EIP"))
			c->rip = v, c->found |= 1u << 16;
		else if (g_str_equal(name, "RFL") || g_str_equal(name, "EFL"))
			c->rflags = v, c->found |= 1u << 17;
		else if (strlen(name) == 3 && g_str_has_prefix(name, "CR") && name[2] >= '0' &&
			 name[2] <= '4')
			c->cr[name[2] - '0'] = v;
	}
}

/* "CS =0010 0000000000000000 ffffffff 00a09b00 ..." and "GDT=     base limit" */
static void scan_segment(Cpu *c, const char *line)
{
	for (guint i = 0; i < 10; i++) {
		gsize n = strlen(seg_names[i]);
		const char *p = line + n;
		guint64 v[4] = {0};

		if (strncmp(line, seg_names[i], n) != 0)
			continue;
		while (*p == ' ')
			p++;
		if (*p++ != '=')
			continue;
		for (guint k = i >= 8 ? 1 : 0; k < (i >= 8 ? 3u : 4u); k++) {
			char *end;

			v[k] = g_ascii_strtoull(p, &end, 16);
			if (end == p)
				return;
			p = end;
		}
		memcpy(c->seg[i], v, sizeof(v));
		c->found |= 1u << (18 + i);
		return;
	}
}

static void prstatus(GByteArray *b, const Cpu *c, guint cpu)
{
	guint64 r[OL_N_PRSTATUS_REGS] = {
		[OL_REG_R15] = c->gpr[15], [OL_REG_R14] = c->gpr[14], [OL_REG_R13] = c->gpr[13],
		[OL_REG_R12] = c->gpr[12], [OL_REG_RBP] = c->gpr[6],  [OL_REG_RBX] = c->gpr[1],
		[OL_REG_R11] = c->gpr[11], [OL_REG_R10] = c->gpr[10], [OL_REG_R9] = c->gpr[9],
		[OL_REG_R8] = c->gpr[8],   [OL_REG_RAX] = c->gpr[0],  [OL_REG_RCX] = c->gpr[2],
		[OL_REG_RDX] = c->gpr[3],  [OL_REG_RSI] = c->gpr[4],  [OL_REG_RDI] = c->gpr[5],
		[OL_REG_RIP] = c->rip,     [OL_REG_CS] = c->seg[1][0], [OL_REG_EFLAGS] = c->rflags,
		[OL_REG_RSP] = c->gpr[7],  [OL_REG_SS] = c->seg[2][0], [OL_REG_FS_BASE] = c->seg[4][1],
		[OL_REG_GS_BASE] = c->seg[5][1], [OL_REG_DS] = c->seg[3][0], [OL_REG_ES] = c->seg[0][0],
		[OL_REG_FS] = c->seg[4][0], [OL_REG_GS] = c->seg[5][0],
	};
	guint8 desc[PRSTATUS_SIZE] = {0};
	guint32 pid = GUINT32_TO_LE(cpu + 1); /* as QEMU: cpu_index + 1 */

	memcpy(desc + PRSTATUS_PID, &pid, 4);
	for (guint i = 0; i < OL_N_PRSTATUS_REGS; i++) {
		guint64 v = GUINT64_TO_LE(r[i]);

		memcpy(desc + PRSTATUS_REGS + 8 * i, &v, 8);
	}
	note_header(b, "CORE", PRSTATUS_SIZE, 1);
	g_byte_array_append(b, desc, sizeof(desc));
}

/* QEMUCPUState: the order QEMU's x86 dump code writes it in. */
static void qemu_state(GByteArray *b, const Cpu *c)
{
	static const guint order[16] = {0, 1, 2, 3, 4, 5, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	static const guint segs[10] = {1, 3, 0, 4, 5, 2, 6, 7, 8, 9}; /* cs ds es fs gs ss ldt tr gdt idt */

	note_header(b, "QEMU", QEMU_STATE_SIZE, 0);
	put32(b, 1);
	put32(b, QEMU_STATE_SIZE);
	for (guint i = 0; i < 16; i++)
		put64(b, c->gpr[order[i]]); /* rax rbx rcx rdx rsi rdi rsp rbp r8..r15 */
	put64(b, c->rip);
	put64(b, c->rflags);
	for (guint i = 0; i < 10; i++) {
		const guint64 *s = c->seg[segs[i]];

		put32(b, (guint32)s[0]);
		put32(b, (guint32)s[2]);
		put32(b, (guint32)s[3]);
		put32(b, 0);
		put64(b, s[1]);
	}
	for (guint i = 0; i < 5; i++)
		put64(b, c->cr[i]);
}

static GError *add_cpu(GByteArray *b, const Cpu *c, guint n)
{
	if ((c->found & 0xfffffffu) != 0xfffffffu)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				   "info registers: CPU %u lacks registers (have mask 0x%x)", n, c->found);
	prstatus(b, c, n);
	qemu_state(b, c);
	return NULL;
}

GError *qemu_notes_build(const char *text, const char *vmcoreinfo, gsize len, GByteArray **out)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GByteArray) b = g_byte_array_new();
	Cpu c = {0};
	guint n = 0;
	gboolean in_cpu = FALSE;
	GError *err;

	/* bounded by the text's lines; CPU blocks start with "CPU#N" */
	for (char **l = lines; *l; l++) {
		const char *line = g_strstrip(*l);

		if (g_str_has_prefix(line, "CPU#")) {
			if (in_cpu && (err = add_cpu(b, &c, n++)))
				return err;
			if (n >= MAX_CPUS)
				break;
			memset(&c, 0, sizeof(c));
			in_cpu = TRUE;
			continue;
		}
		scan_segment(&c, line);
		scan_words(&c, line);
	}
	if (!in_cpu)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "info registers: no CPU#N in the reply");
	if ((err = add_cpu(b, &c, n)))
		return err;
	if (vmcoreinfo && len) {
		static const guint8 pad[4];

		note_header(b, "VMCOREINFO", (guint32)len, 0);
		g_byte_array_append(b, (const guint8 *)vmcoreinfo, (guint)len);
		g_byte_array_append(b, pad, (4 - len % 4) % 4);
	}
	*out = g_steal_pointer(&b);
	return NULL;
}
