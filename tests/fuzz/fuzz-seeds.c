/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-seeds DIR: write the seed corpora of the fuzz targets into
 * DIR/TARGET/, from the unit tests' generators (dumpgen, kdumpgen) and the
 * fuzz kernel's region (fuzz-kernel.c).  tests/fuzz/corpus holds its output
 * (and the regression inputs of what fuzzing found); rerun it after a
 * generator changes.  The oops seeds are the heads of four golden console
 * logs (tests/golden/console), copied once.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dumpgen.h"
#include "fuzz-kernel.h"
#include "kdumpgen.h"
#include "packet.h"

static const char *top;

static void save(const char *target, const char *name, guint8 mode, const void *data, gsize len)
{
	g_autofree char *dir = g_build_filename(top, target, NULL);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autoptr(GError) err = NULL;

	g_mkdir_with_parents(dir, 0755);
	g_byte_array_append(b, &mode, 1);
	g_byte_array_append(b, data, (guint)len);
	if (!g_file_set_contents(path, (const char *)b->data, b->len, &err))
		g_error("%s", err->message);
}

/* A small QEMU ELF dump with page tables (kernel image and direct map). */
static GByteArray *elf_seed(DumpGenFlavour flavour)
{
	g_autoptr(DumpGen) g = dumpgen_new(flavour);
	g_autoptr(DumpGenPt) pt = NULL;
	g_autofree char *vmci = NULL;

	/* 2 MiB pages: five table pages in [0x1000, 0x6000) */
	dumpgen_add_load(g, 0, 0x6000, 0x6000);
	dumpgen_add_load(g, 0x200000, 0x2000, 0x1000);
	dumpgen_add_cpu(g, 1, 0x1000, flavour == DUMPGEN_QEMU, 440);
	pt = dumpgen_pt_new(g, 4, 0x1000, 0x5000);
	dumpgen_pt_map(pt, G_GUINT64_CONSTANT(0xffffffff81000000), 0x200000, 0x200000);
	dumpgen_pt_map(pt, FK_DMAP, 0, 0x200000);
	vmci = g_strdup_printf("OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%" G_GINT64_MODIFIER
			       "x\nNUMBER(phys_base)=0\nKERNELOFFSET=0\n%s",
			       dumpgen_pt_root(pt) + G_GUINT64_CONSTANT(0xffffffff80000000),
			       flavour == DUMPGEN_KDUMP ? "CRASHTIME=1700000000\n" : "");
	dumpgen_set_vmcoreinfo(g, vmci);
	return dumpgen_build(g, NULL);
}

static KdumpGen *kdump_seed(OlDumpCodec codec)
{
	KdumpGen *g = kdumpgen_new(64);

	kdumpgen_set_codec(g, codec);
	kdumpgen_add_ram(g, 0, 3);
	kdumpgen_add_ram(g, 16, 3);
	kdumpgen_exclude(g, 17, 1);
	kdumpgen_set_zero(g, 2);
	kdumpgen_add_cpu(g, 1, 0x1000, TRUE);
	kdumpgen_set_vmcoreinfo(g, "OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\n");
	return g;
}

static void dump_seeds(void)
{
	static const OlDumpCodec codecs[] = { OL_DUMP_CODEC_NONE, OL_DUMP_CODEC_ZLIB, OL_DUMP_CODEC_LZO,
					      OL_DUMP_CODEC_SNAPPY, OL_DUMP_CODEC_ZSTD };
	g_autoptr(GByteArray) q = elf_seed(DUMPGEN_QEMU), k = elf_seed(DUMPGEN_KDUMP);
	g_autoptr(KdumpGen) g1 = NULL, g2 = NULL;
	g_autoptr(GByteArray) b1 = NULL, b2 = NULL;
	g_autoptr(GByteArray) set = NULL;
	guint8 cut[2];

	save("dump", "elf-qemu", 0, q->data, q->len);
	save("dump", "elf-qemu-strict", 1, q->data, q->len);
	save("dump", "elf-kdump", 0, k->data, k->len);
	save("dump", "elf-qemu-convert", 4, q->data, q->len);
	save("dump", "elf-kdump-convert-elf", 12, k->data, k->len);
	save("dump", "elf-truncated", 0, q->data, q->len - 0x1800);
	for (guint i = 0; i < G_N_ELEMENTS(codecs); i++) {
		g_autoptr(KdumpGen) g = kdump_seed(codecs[i]);
		g_autoptr(GByteArray) b = kdumpgen_build(g, NULL);
		g_autofree char *name = g_strdup_printf("kdump-%s", ol_dump_codec_name(codecs[i]));

		save("dump", name, 0, b->data, b->len);
		if (codecs[i] == OL_DUMP_CODEC_ZLIB) {
			g_autoptr(GByteArray) f = kdumpgen_flatten(b, &(KdumpGenFlat){ .record_size = 1024,
										     .shuffle = TRUE,
										     .seed = 3 });
			save("dump", "kdump-flattened", 0, f->data, f->len);
			save("dump", "kdump-truncated", 0, b->data, b->len - 3000);
			save("dump", "kdump-convert-elf", 12, b->data, b->len);
			save("dump", "kdump-flattened-convert", 4, f->data, f->len);
		}
	}
	/* a --split set of two files: [0, 8) and [8, 64) */
	g1 = kdump_seed(OL_DUMP_CODEC_LZO);
	g2 = kdump_seed(OL_DUMP_CODEC_LZO);
	kdumpgen_set_split(g1, 0, 8);
	kdumpgen_set_split(g2, 8, 64);
	b1 = kdumpgen_build(g1, NULL);
	b2 = kdumpgen_build(g2, NULL);
	set = g_byte_array_new();
	cut[0] = b1->len & 0xff;
	cut[1] = (b1->len >> 8) & 0xff;
	g_assert(b1->len < 0x10000);
	g_byte_array_append(set, cut, 2);
	g_byte_array_append(set, b1->data, b1->len);
	g_byte_array_append(set, b2->data, b2->len);
	save("dump", "kdump-split", 2, set->data, set->len);
}

static void add_packet(GString *s, const char *payload)
{
	rsp_frame(s, payload, strlen(payload));
}

static void add_monitor(GString *s, const char *cmd)
{
	g_autoptr(GString) p = g_string_new("qRcmd,");

	rsp_append_hex(p, cmd, strlen(cmd));
	add_packet(s, p->str);
}

static void rsp_seeds(void)
{
	static const char *const session[] = {
		"qSupported:multiprocess+;swbreak+;xmlRegisters=i386", "vMustReplyEmpty", "QStartNoAckMode", "?",
		"qC", "qAttached", "qfThreadInfo", "qsThreadInfo", "qThreadExtraInfo,2", "Hg2", "g", "p10", "p28",
		"mffff888000400000,40", "mffffffff81000000,100", "qXfer:features:read:target.xml:0,fff",
		"qXfer:threads:read::0,fff", "qXfer:libraries:read::0,fff", "T2", "Z0,ffffffff81000100,1", "vCont?",
		"vCont;c", "vFile:setfs:0", "vFile:open:6f6f70736c61622d656e7472792d6366692e656c66,0,0",
		"vFile:fstat:3", "vFile:pread:3,100,0", "vFile:close:3", "D",
	};
	static const char *const monitor[] = { "help", "dmesg", "dmesg -t", "sys", "sys -v", "ps", "lsmod", "kaslr", "" };
	g_autoptr(GString) s = g_string_new("+");
	g_autoptr(GString) p = NULL;
	g_autoptr(GString) bin = NULL;
	g_autofree char *pk = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *path = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(session) - 1; i++)
		add_packet(s, session[i]);
	for (guint i = 0; i < G_N_ELEMENTS(monitor); i++)
		add_monitor(s, monitor[i]);
	add_packet(s, session[G_N_ELEMENTS(session) - 1]);
	save("rsp-server", "session", 0, s->str, s->len);
	save("rsp-server", "session-lab", 1, s->str, s->len);

	p = g_string_new("+-\x03");
	bin = g_string_new("X0,4:");
	rsp_append_binary(bin, "#$}*", 4);
	add_packet(p, "qSupported");
	add_packet(p, bin->str);
	g_string_append(p, "$m0,4#00$qC#b4");
	pk = g_strndup(p->str, p->len);
	dir = g_build_filename(top, "rsp-packet", NULL);
	path = g_build_filename(dir, "stream", NULL);
	g_mkdir_with_parents(dir, 0755);
	g_assert(g_file_set_contents(path, pk, (gssize)p->len, NULL));
}

static void region_seeds(void)
{
	g_autoptr(GByteArray) l = fk_region_seed(FK_LOCKLESS), g = fk_region_seed(FK_LEGACY);
	gsize n = l->len;
	guint32 bits;

	/* trailing zeros add nothing: fk_set_region pads */
	while (n > 0 && l->data[n - 1] == 0)
		n--;
	save("printk", "lockless", 0, l->data, n);
	for (n = g->len; n > 0 && g->data[n - 1] == 0;)
		n--;
	save("printk", "legacy", 1, g->data, n);

	/* Regression: a ring of 2^26 descriptors (1.5 GiB of them, 5.5 GiB of
	 * infos) in an 8 MiB dump was allocated before anything was read. */
	bits = 26;
	memcpy(l->data + 0x10, &bits, 4);
	bits = 31;
	memcpy(l->data + 0x10 + 48, &bits, 4);
	for (n = l->len; n > 0 && l->data[n - 1] == 0;)
		n--;
	save("printk", "regress-ring-larger-than-memory", 0, l->data, n);
}

static void save_text(const char *target, const char *name, const char *text)
{
	g_autofree char *dir = g_build_filename(top, target, NULL);
	g_autofree char *path = g_build_filename(dir, name, NULL);

	g_mkdir_with_parents(dir, 0755);
	g_assert(g_file_set_contents(path, text, -1, NULL));
}

/* run.json as the harness writes it, and the domain XML's fields. */
static void text_seeds(void)
{
	save_text("json", "run",
		  "{\"lab\": \"null-deref\", \"outcome\": \"panic\", \"cpus\": 2, \"kaslr\": false, "
		  "\"vmlinux\": \"/v/vmlinux\", \"dump\": {\"path\": \"/r/vmcore\", \"format\": \"elf\", "
		  "\"bytes\": 536870912}, \"accel\": {\"used\": \"tcg\", \"reason\": \"kvm_pvm \\u00e9\\n\"}, "
		  "\"times\": [1.5, -2e3, 0], \"panicked\": true, \"x\": null}\n");
	save_text("domain-xml", "fields",
		  "null-deref\n/k/bzImage\n/k/initrd.cpio\nconsole=ttyS0 oops=panic panic=0 nokaslr <&>\"'\n"
		  "/r/console.log\n/r/disk.img\n");
}

static void vmcoreinfo_seed(void)
{
	static const char text[] = "OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff82a0a000\n"
				   "NUMBER(phys_base)=-218103808\nKERNELOFFSET=1e000000\nSYMBOL(_stext)=ffffffff81000000\n"
				   "NUMBER(pgtable_l5_enabled)=0\nSIZE(printk_ringbuffer)=88\nOFFSET(printk_info.seq)=0\n"
				   "CRASHTIME=1700000000\n";
	g_autofree char *dir = g_build_filename(top, "vmcoreinfo", NULL);
	g_autofree char *path = g_build_filename(dir, "lab", NULL);

	g_mkdir_with_parents(dir, 0755);
	g_assert(g_file_set_contents(path, text, sizeof(text) - 1, NULL));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		g_printerr("usage: fuzz-seeds DIR\n");
		return 2;
	}
	top = argv[1];
	dump_seeds();
	rsp_seeds();
	region_seeds();
	vmcoreinfo_seed();
	text_seeds();
	return 0;
}
