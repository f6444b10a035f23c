/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "registers.h"

typedef struct {
	const char *name;
	guint8 bits;
	const char *type;
	const char *group; /* or NULL */
} RegDesc;

static RegDesc desc[OL_GDB_NREGS];

static void fill(void)
{
	static const char *const gpr[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
					  "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
	static const char *const seg[] = {"cs", "ss", "ds", "es", "fs", "gs"};
	static const char *const fpu[] = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
	static char names[24][8];

	for (int i = 0; i < 16; i++)
		desc[i] = (RegDesc){gpr[i], 64, i == 6 || i == 7 ? "data_ptr" : "int64", NULL};
	desc[OL_GDB_RIP] = (RegDesc){"rip", 64, "code_ptr", NULL};
	desc[OL_GDB_EFLAGS] = (RegDesc){"eflags", 32, "i386_eflags", NULL};
	for (int i = 0; i < 6; i++)
		desc[OL_GDB_CS + i] = (RegDesc){seg[i], 32, "int32", NULL};
	for (int i = 0; i < 8; i++) {
		g_snprintf(names[i], sizeof(names[i]), "st%d", i);
		desc[OL_GDB_ST0 + i] = (RegDesc){names[i], 80, "i387_ext", NULL};
		desc[OL_GDB_FCTRL + i] = (RegDesc){fpu[i], 32, "int", "float"};
	}
	for (int i = 0; i < 16; i++) {
		g_snprintf(names[8 + i], sizeof(names[8 + i]), "xmm%d", i);
		desc[OL_GDB_XMM0 + i] = (RegDesc){names[8 + i], 128, "vec128", NULL};
	}
	desc[OL_GDB_MXCSR] = (RegDesc){"mxcsr", 32, "i386_mxcsr", "vector"};
	desc[OL_GDB_ORIG_RAX] = (RegDesc){"orig_rax", 64, "int", NULL};
	desc[OL_GDB_FS_BASE] = (RegDesc){"fs_base", 64, "int", NULL};
	desc[OL_GDB_GS_BASE] = (RegDesc){"gs_base", 64, "int", NULL};
	desc[OL_GDB_K_GS_BASE] = (RegDesc){"k_gs_base", 64, "int", "system"};
	desc[OL_GDB_CR0] = (RegDesc){"cr0", 64, "int", "system"};
	desc[OL_GDB_CR2] = (RegDesc){"cr2", 64, "int", "system"};
	desc[OL_GDB_CR3] = (RegDesc){"cr3", 64, "int", "system"};
	desc[OL_GDB_CR4] = (RegDesc){"cr4", 64, "int", "system"};
}

static const RegDesc *get_desc(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		fill();
		g_once_init_leave(&done, 1);
	}
	return desc;
}

guint rsp_reg_size(guint n)
{
	return n < OL_GDB_NREGS ? get_desc()[n].bits / 8 : 0;
}

static void flags(GString *x, const char *id, const char *const *names, const int *bits, int n)
{
	g_string_append_printf(x, "  <flags id=\"%s\" size=\"4\">\n", id);
	for (int i = 0; i < n; i++)
		g_string_append_printf(x, "    <field name=\"%s\" start=\"%d\" end=\"%d\"/>\n", names[i], bits[i], bits[i]);
	g_string_append(x, "  </flags>\n");
}

static void regs(GString *x, int from, int to)
{
	const RegDesc *d = get_desc();

	for (int i = from; i < to; i++) {
		/* Explicit numbers keep gdb's numbering equal to ours in every feature. */
		g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\"", d[i].name,
				       d[i].bits, d[i].type, i);
		if (d[i].group)
			g_string_append_printf(x, " group=\"%s\"", d[i].group);
		g_string_append(x, "/>\n");
	}
}

static char *build_xml(void)
{
	static const char *const ef_names[] = {"CF", "", "PF", "AF", "ZF", "SF", "TF", "IF",
					       "DF", "OF", "NT", "RF", "VM", "AC", "VIF", "VIP", "ID"};
	static const int ef_bits[] = {0, 1, 2, 4, 6, 7, 8, 9, 10, 11, 14, 16, 17, 18, 19, 20, 21};
	static const char *const mx_names[] = {"IE", "DE", "ZE", "OE", "UE", "PE", "DAZ",
					       "IM", "DM", "ZM", "OM", "UM", "PM", "FZ"};
	static const int mx_bits[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15};
	GString *x = g_string_new(NULL);

	/*
	 * gdb's amd64-linux description, feature by feature: gdb's i386/amd64
	 * code finds the registers by these feature and register names.
	 * The OS ABI is "none", not GNU/Linux: with GNU/Linux gdb handles
	 * libraries as a user process's ld.so list (SVR4) and ignores
	 * qXfer:libraries, through which we hand it the entry-code CFI (and
	 * modules); gdb's Linux ABI adds nothing a kernel needs.
	 */
	g_string_append(x, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
			   "<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n"
			   "<osabi>none</osabi>\n<feature name=\"org.gnu.gdb.i386.core\">\n");
	flags(x, "i386_eflags", ef_names, ef_bits, G_N_ELEMENTS(ef_bits));
	regs(x, OL_GDB_RAX, OL_GDB_XMM0);
	g_string_append(x, "</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n"
			   "  <vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
			   "  <vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
			   "  <vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
			   "  <vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
			   "  <vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
			   "  <vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
			   "  <union id=\"vec128\">\n"
			   "    <field name=\"v4_float\" type=\"v4f\"/>\n    <field name=\"v2_double\" type=\"v2d\"/>\n"
			   "    <field name=\"v16_int8\" type=\"v16i8\"/>\n    <field name=\"v8_int16\" type=\"v8i16\"/>\n"
			   "    <field name=\"v4_int32\" type=\"v4i32\"/>\n    <field name=\"v2_int64\" type=\"v2i64\"/>\n"
			   "    <field name=\"uint128\" type=\"uint128\"/>\n  </union>\n");
	flags(x, "i386_mxcsr", mx_names, mx_bits, G_N_ELEMENTS(mx_bits));
	regs(x, OL_GDB_XMM0, OL_GDB_ORIG_RAX);
	g_string_append(x, "</feature>\n<feature name=\"org.gnu.gdb.i386.linux\">\n");
	regs(x, OL_GDB_ORIG_RAX, OL_GDB_FS_BASE);
	g_string_append(x, "</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
	regs(x, OL_GDB_FS_BASE, OL_GDB_K_GS_BASE);
	/* Not a gdb feature: gdb shows these in `info registers system` and as
	 * $cr3 etc.; QEMU's gdbstub offers the same registers. */
	g_string_append(x, "</feature>\n<feature name=\"org.oopslab.x86-64.system\">\n");
	regs(x, OL_GDB_K_GS_BASE, OL_GDB_NREGS);
	g_string_append(x, "</feature>\n</target>\n");
	return g_string_free(x, FALSE);
}

const char *rsp_target_xml(void)
{
	static char *xml;
	static gsize done;

	if (g_once_init_enter(&done)) {
		xml = build_xml();
		g_once_init_leave(&done, 1);
	}
	return xml;
}

void rsp_append_reg_hex(GString *out, const OlRegs *r, guint n)
{
	guint size = rsp_reg_size(n);
	guint8 bytes[8];

	if (!r || n >= OL_GDB_NREGS || !r->valid[n] || size > 8) {
		for (guint i = 0; i < size; i++)
			g_string_append(out, "xx");
		return;
	}
	for (guint i = 0; i < size; i++)
		bytes[i] = (guint8)(r->value[n] >> (8 * i));
	for (guint i = 0; i < size; i++)
		g_string_append_printf(out, "%02x", bytes[i]);
}
