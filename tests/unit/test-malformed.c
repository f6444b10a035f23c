/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A malformed-dump corpus: truncated headers, huge counts, offsets past the
 * end, loops, cyclic page tables, rings that claim more than the dump
 * holds.  Each case runs in a child with RLIMIT_CPU 1 s and RLIMIT_AS its
 * size + 64 MiB (ASan builds: 5 s and no address-space limit, which ASan's
 * shadow memory cannot live with) through everything a session does first:
 * open, --info's page counts, reads, translation, the target, the kernel
 * log, monitor sys/dmesg/ps/lsmod.  Each step must give a one-line error or
 * a clean result; a signal (SIGXCPU: over the CPU limit; SIGSEGV; an abort
 * from a failed allocation) fails the case.
 */
#include <elf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../fuzz/fuzz-kernel.h"
#include "dump.h"
#include "dumpgen.h"
#include "kdump-format.h"
#include "kdumpgen.h"
#include "monitor.h"
#include "printk.h"
#include "target.h"
#include "xlat.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

#define PH(f) offsetof(Elf64_Phdr, f)

static void one_line(GError *err, const char *step)
{
	if (err && strchr(err->message, '\n')) {
		fprintf(stderr, "%s: a multi-line error: %s\n", step, err->message);
		_exit(3);
	}
	if (err)
		g_test_message("  %s: %s", step, err->message);
	g_clear_error(&err);
}

static void exercise(const char *path)
{
	static guint8 buf[1 << 16];
	OlDump *d = NULL;
	OlDumpPageCounts pc;
	OlTarget *t = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	static const guint64 vas[] = { G_GUINT64_CONSTANT(0xffffffff81000000), FK_DMAP,
				       FK_DMAP + FK_REGION_PA, G_GUINT64_CONSTANT(0xffffc90000000000),
				       0x1000 };
	OlPrintkLog *log = NULL;
	static const char *const cmds[] = { "sys", "dmesg", "ps", "lsmod", "kaslr" };

	one_line(ol_dump_open(path, &d), "open");
	if (d) {
		guint64 start, size;

		one_line(ol_dump_page_counts(d, &pc), "page counts");
		for (guint i = 0; i < 64 && ol_dump_range(d, i, &start, &size); i++) {
			one_line(ol_dump_read_phys(d, start, buf, (gsize)MIN(size, sizeof(buf))), "read");
			one_line(ol_dump_read_phys(d, start + size - MIN(size, sizeof(buf)), buf,
						   (gsize)MIN(size, sizeof(buf))), "read");
		}
		ol_dump_free(d);
	}
	one_line(ol_target_open(path, NULL, &t, &warnings), "target");
	if (!t)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(vas); i++) {
		gsize done;

		one_line(ol_xlat_read(ol_kmem_xlat(ol_target_kmem(t)), vas[i], buf, sizeof(buf), &done),
			 "xlat");
	}
	one_line(ol_printk_read_log(ol_target_kmem(t), &log), "printk");
	if (log)
		ol_printk_log_free(log);
	for (guint i = 0; i < G_N_ELEMENTS(cmds); i++)
		g_free(ol_monitor_run(t, cmds[i]));
	ol_target_free(t);
}

static guint64 vm_size(void)
{
	g_autofree char *status = NULL;
	const char *p;

	g_assert_true(g_file_get_contents("/proc/self/status", &status, NULL, NULL));
	p = strstr(status, "VmSize:");
	g_assert_nonnull(p);
	return g_ascii_strtoull(p + 7, NULL, 10) * 1024;
}

/* Run the case at PATH in a child under the limits. */
static void run_path(const char *name, const char *path)
{
	pid_t pid = fork();
	int status;

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		struct rlimit cpu = { ASAN ? 5 : 1, ASAN ? 6 : 2 };
		setrlimit(RLIMIT_CPU, &cpu);
		if (!ASAN) {
			rlim_t as = vm_size() + (64u << 20);
			struct rlimit mem = { as, as };
			setrlimit(RLIMIT_AS, &mem);
		}
		exercise(path);
		_exit(0);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	if (WIFSIGNALED(status))
		g_error("%s: killed by signal %d%s", name, WTERMSIG(status),
			WTERMSIG(status) == SIGXCPU ? " (over the CPU limit)" : "");
	if (WEXITSTATUS(status) != 0)
		g_error("%s: exit status %d", name, WEXITSTATUS(status));
}

static void run_bytes(const char *name, const GByteArray *b)
{
	g_autofree char *path = dumpgen_write_temp(b);
	run_path(name, path);
	g_unlink(path);
}

static void patch64(GByteArray *b, guint64 off, guint64 v)
{
	g_assert_cmpuint(off + 8, <=, b->len);
	v = GUINT64_TO_LE(v);
	memcpy(b->data + off, &v, 8);
}

static void patch32(GByteArray *b, guint64 off, guint32 v)
{
	g_assert_cmpuint(off + 4, <=, b->len);
	v = GUINT32_TO_LE(v);
	memcpy(b->data + off, &v, 4);
}

static GByteArray *small_elf(DumpGenLayout *lay)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_load(g, 0, 0x10000, 0x10000);
	dumpgen_add_load(g, 0x100000, 0x4000, 0x4000);
	dumpgen_set_vmcoreinfo(g, "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n");
	return dumpgen_build(g, lay);
}

static void test_elf(void)
{
	DumpGenLayout lay;
	g_autoptr(GByteArray) b = small_elf(&lay);
	g_autoptr(GByteArray) c = g_byte_array_new();
#define RESET() (g_byte_array_set_size(c, 0), g_byte_array_append(c, b->data, b->len))

	RESET();
	g_byte_array_set_size(c, 40);
	run_bytes("ELF header cut at 40 bytes", c);
	RESET();
	g_byte_array_set_size(c, lay.phoff + 20);
	run_bytes("ELF program headers cut", c);
	RESET();
	memcpy(c->data + offsetof(Elf64_Ehdr, e_phnum), "\xff\xff", 2); /* PN_XNUM, no section header */
	run_bytes("e_phnum PN_XNUM without section 0", c);
	RESET();
	patch64(c, lay.load_phdr0 + 56 + PH(p_memsz), G_GUINT64_CONSTANT(0x0fffffffffff0000));
	run_bytes("p_memsz 2^60", c);
	RESET();
	patch64(c, lay.load_phdr0 + PH(p_offset), G_GUINT64_CONSTANT(1) << 40);
	run_bytes("p_offset past the end", c);
	RESET();
	patch64(c, lay.load_phdr0 + 56 + PH(p_filesz), G_GUINT64_CONSTANT(0x0fffffffffff0000));
	patch64(c, lay.load_phdr0 + 56 + PH(p_memsz), G_GUINT64_CONSTANT(0x0fffffffffff0000));
	run_bytes("p_filesz 2^60 (cut off)", c);
	RESET();
	patch32(c, lay.first_note, 0xfffffff0); /* n_namesz */
	run_bytes("note n_namesz 2^32", c);
	RESET();
	patch32(c, lay.first_note + 4, 0xfffffff0); /* n_descsz */
	run_bytes("note n_descsz 2^32", c);
#undef RESET
}

/* 20000 one-page PT_LOADs: work bounded by the file. */
static void test_elf_many_loads(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(GByteArray) b = NULL;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_set_pn_xnum(g, TRUE);
	for (guint i = 0; i < 20000; i++)
		dumpgen_add_load(g, (guint64)i * 0x2000, 0x1000, i % 2 ? 0x1000 : 0);
	b = dumpgen_build(g, NULL);
	run_bytes("20000 PT_LOADs", b);
}

/* Page tables whose entries point back at the root (every level) and at
 * the table itself: walks end after the levels there are. */
static void test_cyclic_page_tables(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = NULL;
	guint64 root;
	g_autofree char *vmci = NULL;
	g_autoptr(GByteArray) b = NULL;

	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_add_load(g, 0, 0x400000, 0x400000);
	pt = dumpgen_pt_new(g, 4, 0x100000, 0x100000);
	root = dumpgen_pt_root(pt);
	dumpgen_pt_map(pt, G_GUINT64_CONSTANT(0xffffffff81000000), 0x200000, 0x1000);
	for (guint i = 0; i < 512; i++) /* every PGD entry: the root itself */
		dumpgen_poke64(g, root + 8 * i, root | 0x63);
	vmci = g_strdup_printf("OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%"
			       G_GINT64_MODIFIER "x\nNUMBER(phys_base)=0\nKERNELOFFSET=0\n",
			       root + G_GUINT64_CONSTANT(0xffffffff80000000));
	dumpgen_set_vmcoreinfo(g, vmci);
	b = dumpgen_build(g, NULL);
	run_bytes("cyclic page tables", b);
}

static GByteArray *small_kdump(KdumpGenLayout *lay, gboolean flat)
{
	g_autoptr(KdumpGen) g = kdumpgen_new(4096);
	GByteArray *b, *f;

	kdumpgen_add_ram(g, 0, 64);
	kdumpgen_add_ram(g, 1000, 100);
	kdumpgen_add_cpu(g, 1, 0x100, TRUE);
	kdumpgen_set_vmcoreinfo(g, "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n");
	b = kdumpgen_build(g, lay);
	if (!flat)
		return b;
	f = kdumpgen_flatten(b, &(KdumpGenFlat){ .record_size = 512, .shuffle = TRUE, .seed = 9 });
	g_byte_array_unref(b);
	return f;
}

static void test_kdump(void)
{
	KdumpGenLayout lay;
	g_autoptr(GByteArray) b = small_kdump(&lay, FALSE);
	g_autoptr(GByteArray) c = g_byte_array_new();
#define RESET() (g_byte_array_set_size(c, 0), g_byte_array_append(c, b->data, b->len))
	RESET();
	g_byte_array_set_size(c, 300);
	run_bytes("kdump header cut", c);
	RESET();
	patch64(c, 4096 + KDUMP_S_MAX_MAPNR_64, G_GUINT64_CONSTANT(1) << 40);
	run_bytes("kdump max_mapnr 2^40", c);
	RESET();
	patch64(c, 4096 + KDUMP_S_MAX_MAPNR_64, G_GUINT64_CONSTANT(1) << 33);
	run_bytes("kdump max_mapnr 2^33", c);
	RESET();
	patch32(c, KDUMP_H_BITMAP_BLOCKS, 0x7ffffffe);
	run_bytes("kdump bitmap_blocks 2^31", c);
	RESET();
	patch32(c, KDUMP_H_SUB_HDR_SIZE, 0x7fffffff);
	run_bytes("kdump sub_hdr_size 2^31", c);
	RESET();
	for (guint64 i = 0; i < lay.n_descs; i++)
		patch64(c, lay.desc_off + 24 * i, G_GUINT64_CONSTANT(1) << 50);
	run_bytes("kdump descs past the end", c);
	RESET();
	memset(c->data + lay.bitmap_off, 0xff, 2 * lay.bitmap_half); /* every pfn dumped: descs run out */
	run_bytes("kdump bitmaps all set", c);
	RESET();
	patch64(c, 4096 + KDUMP_S_SIZE_NOTE, G_GUINT64_CONSTANT(1) << 40);
	run_bytes("kdump size_note 2^40", c);
#undef RESET
}

static void append_record(GByteArray *f, gint64 off, gint64 len, const void *data)
{
	guint64 h[2] = { GUINT64_TO_BE((guint64)off), GUINT64_TO_BE((guint64)len) };
	g_byte_array_append(f, (const guint8 *)h, 16);
	if (len > 0)
		g_byte_array_append(f, data, (guint)len);
}

static void test_flattened(void)
{
	KdumpGenLayout lay;
	g_autoptr(GByteArray) plain = small_kdump(&lay, FALSE);
	g_autoptr(GByteArray) flat = small_kdump(NULL, TRUE);
	g_autoptr(GByteArray) f = g_byte_array_new();

	/* the header, 100000 empty records, the file in 64-byte records backwards, no end */
	g_byte_array_append(f, flat->data, 4096);
	for (guint i = 0; i < 100000; i++)
		append_record(f, 0, 0, NULL);
	for (gint64 off = (gint64)plain->len - 64; off >= 0; off -= 64)
		append_record(f, off, 64, plain->data + off);
	run_bytes("flattened: 100000 empty records, 64-byte records backwards, no end marker", f);
	/* one record far out: a rearranged file of 2^62 bytes */
	g_byte_array_set_size(f, 4096);
	append_record(f, 0, (gint64)MIN(plain->len, 8192), plain->data);
	append_record(f, G_GINT64_CONSTANT(1) << 62, 8, "xxxxxxxx");
	append_record(f, -1, -1, NULL);
	run_bytes("flattened: a record at 2^62", f);
}

/* Kernel logs over the fuzz kernel's region (fuzz-kernel.h). */
static void region_case(const char *name, FkFlavour flavour, void (*damage)(GByteArray *r))
{
	g_autoptr(GByteArray) r = fk_region_seed(flavour);
	FkTarget k;
	damage(r);
	fk_open(&k, flavour, r->data, r->len);
	run_path(name, k.path);
	ol_target_free(k.t);
	close(k.fd);
	g_free(k.path);
}

static void put64(GByteArray *r, gsize off, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(r->data + off, &v, 8);
}

static void ring_huge(GByteArray *r)
{
	guint32 bits = 26;
	memcpy(r->data + 0x10, &bits, 4);      /* desc_ring.count_bits */
	bits = 31;
	memcpy(r->data + 0x10 + 48, &bits, 4); /* text_data_ring.size_bits */
}

static void ring_ids_apart(GByteArray *r)
{
	put64(r, 0x10 + 24, (G_GUINT64_CONSTANT(1) << 61) + 5); /* head_id far from tail_id */
}

static void ring_loop_lpos(GByteArray *r)
{
	for (guint i = 0; i < 16; i++) { /* every desc finalized, its text block the whole ring */
		put64(r, 0x100 + 24 * i, (G_GUINT64_CONSTANT(2) << 62) | i);
		put64(r, 0x100 + 24 * i + 8, 0);
		put64(r, 0x100 + 24 * i + 16, 1u << 12);
	}
	put64(r, 0x10 + 24, 15);
}

static void legacy_loop(GByteArray *r)
{
	guint32 len_field = 16; /* a record whose length leads back to itself, ring of 0xf00 */
	guint32 next = 0xef0;
	guint32 first = 0xf00 - 16;

	memset(r->data + 0x2100, 0, 0xf00);
	for (guint off = 0; off + 16 <= 0xf00; off += 16)
		memcpy(r->data + 0x2100 + off + 8, &len_field, 2);
	memcpy(r->data + 0x2018, &next, 4);
	memcpy(r->data + 0x2010, &first, 4);
}

static void legacy_huge(GByteArray *r)
{
	guint32 len = 0x7fffffff;
	memcpy(r->data + 0x2008, &len, 4); /* log_buf_len */
}

static void test_kernel_log(void)
{
	region_case("printk ring of 2^26 descriptors and 2^31 text bytes", FK_LOCKLESS, ring_huge);
	region_case("printk head_id 2^61 from tail_id", FK_LOCKLESS, ring_ids_apart);
	region_case("printk every record the whole text ring", FK_LOCKLESS, ring_loop_lpos);
	region_case("log_buf records in a loop", FK_LEGACY, legacy_loop);
	region_case("log_buf_len 2^31", FK_LEGACY, legacy_huge);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/malformed/elf", test_elf);
	g_test_add_func("/malformed/elf-many-loads", test_elf_many_loads);
	g_test_add_func("/malformed/cyclic-page-tables", test_cyclic_page_tables);
	g_test_add_func("/malformed/kdump", test_kdump);
	g_test_add_func("/malformed/flattened", test_flattened);
	g_test_add_func("/malformed/kernel-log", test_kernel_log);
	return g_test_run();
}
