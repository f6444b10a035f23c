/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live memory source (live.h): a memfd made here stands for the guest
 * RAM a hypervisor shares, laid out like a PC's (RAM below the 4 GiB hole,
 * the rest above), and a callback source behind its page cache. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dump.h"
#include "dumpgen.h"
#include "live.h"
#include "xlat.h"

#define K4 G_GUINT64_CONSTANT(0x1000)
#define M1 G_GUINT64_CONSTANT(0x100000)
#define G4 G_GUINT64_CONSTANT(0x100000000)

/* A 6 MiB "guest": file [0, 640K) at 0, [1M, 4M) at 1M (the ISA hole
 * between), file [4M, 6M) above 4 GiB. */
static const OlLiveRange pc_layout[] = {
	{.gpa = G4, .size = 2 * M1, .offset = 4 * M1},
	{.gpa = 0, .size = 640 * 1024, .offset = 0},
	{.gpa = M1, .size = 3 * M1, .offset = M1},
};
#define RAM_SIZE (6 * M1)

/* File byte at OFF: a pattern that differs from page to page. */
static guint8 ram_byte(guint64 off)
{
	return dumpgen_byte(off);
}

static int make_ram(void)
{
	int fd = memfd_create("test-live-ram", MFD_CLOEXEC);
	g_autofree guint8 *buf = g_malloc(RAM_SIZE);

	g_assert_cmpint(fd, >=, 0);
	for (guint64 i = 0; i < RAM_SIZE; i++)
		buf[i] = ram_byte(i);
	g_assert_cmpint(pwrite(fd, buf, RAM_SIZE, 0), ==, (ssize_t)RAM_SIZE);
	return fd;
}

static void check_bytes(OlDump *d, guint64 gpa, guint64 file_off, gsize len)
{
	g_autofree guint8 *buf = g_malloc(len);
	g_autoptr(GError) err = ol_dump_read_phys(d, gpa, buf, len);

	g_assert_no_error(err);
	for (gsize i = 0; i < len; i++)
		if (buf[i] != ram_byte(file_off + i))
			g_error("guest-physical 0x%" G_GINT64_MODIFIER "x: 0x%02x, expected 0x%02x", gpa + i, buf[i],
				ram_byte(file_off + i));
}

static void test_mapped_layout(void)
{
	int fd = make_ram();
	g_autoptr(OlDump) d = NULL;
	g_autoptr(GError) err = ol_dump_open_live_fd("guest-ram", fd, pc_layout, G_N_ELEMENTS(pc_layout), &d);
	guint8 b[16];
	guint64 start, size;

	g_assert_no_error(err);
	close(fd); /* the mapping outlives the descriptor */
	g_assert_true(ol_dump_is_live(d));
	g_assert_cmpstr(ol_dump_format_name(d), ==, "live");
	/* sorted by guest-physical address */
	g_assert_cmpuint(ol_dump_n_ranges(d), ==, 3);
	g_assert_true(ol_dump_range(d, 2, &start, &size));
	g_assert_cmphex(start, ==, G4);
	g_assert_cmphex(size, ==, 2 * M1);
	check_bytes(d, 0, 0, 640 * 1024);
	check_bytes(d, M1 + 123, M1 + 123, 3 * M1 - 123);
	/* above 4 GiB: file offset 4M */
	check_bytes(d, G4 + 4000, 4 * M1 + 4000, 8192);
	/* the ISA hole and the PCI hole are no RAM */
	err = ol_dump_read_phys(d, 0xa0000, b, 1);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
	g_assert_nonnull(strstr(err->message, "0xa0000"));
	g_assert_true(g_str_has_prefix(err->message, "guest-ram: "));
	g_clear_error(&err);
	/* a read running off the end of low RAM fails at the first hole byte */
	err = ol_dump_read_phys(d, 4 * M1 - 8, b, sizeof(b));
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
	g_assert_nonnull(strstr(err->message, "0x400000"));
	g_clear_error(&err);
	err = ol_dump_read_phys(d, G4 + 2 * M1, b, 1);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
}

/* Mapped RAM is the guest's memory itself: a change is seen at once,
 * before and after invalidation alike. */
static void test_mapped_sees_writes(void)
{
	int fd = make_ram();
	g_autoptr(OlDump) d = NULL;
	g_autoptr(GError) err = ol_dump_open_live_fd("guest-ram", fd, pc_layout, G_N_ELEMENTS(pc_layout), &d);
	guint64 v = 0, nv = G_GUINT64_CONSTANT(0x1122334455667788);
	gsize avail = 0;
	const guint8 *p;

	g_assert_no_error(err);
	g_assert_no_error((err = ol_dump_read_phys(d, G4 + 16, &v, sizeof(v))));
	g_assert_cmpuint(pwrite(fd, &nv, sizeof(nv), 4 * M1 + 16), ==, sizeof(nv));
	g_assert_no_error((err = ol_dump_read_phys(d, G4 + 16, &v, sizeof(v))));
	g_assert_cmphex(v, ==, nv);
	p = ol_dump_phys_ptr(d, G4 + 16, &avail);
	g_assert_nonnull(p);
	g_assert_cmpuint(avail, ==, 2 * M1 - 16);
	g_assert_cmpmem(p, 8, &nv, 8);
	g_assert_cmpuint(ol_dump_live_generation(d), ==, 0);
	ol_dump_live_invalidate(d);
	g_assert_cmpuint(ol_dump_live_generation(d), ==, 1);
	/* read-only: the mapping cannot be written through */
	g_assert_cmpint(mprotect((void *)((guintptr)p & ~(guintptr)(K4 - 1)), K4, PROT_READ | PROT_WRITE),
			==, -1);
	g_assert_cmpint(errno, ==, EACCES);
	close(fd);
}

static void test_bad_layout(void)
{
	int fd = make_ram();
	const OlLiveRange past_end[] = {{.gpa = 0, .size = 4 * M1, .offset = 3 * M1}};
	const OlLiveRange overlap[] = {{.gpa = 0, .size = 2 * M1, .offset = 0},
				       {.gpa = M1, .size = M1, .offset = 4 * M1}};
	const OlLiveRange empty[] = {{.gpa = 0, .size = 0, .offset = 0}};
	g_autoptr(OlDump) d = NULL;
	GError *err;

	err = ol_dump_open_live_fd("guest-ram", fd, past_end, 1, &d);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT);
	g_assert_nonnull(strstr(err->message, "range 0"));
	g_assert_nonnull(strstr(err->message, "ends past the file"));
	g_clear_error(&err);
	err = ol_dump_open_live_fd("guest-ram", fd, overlap, 2, &d);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT);
	g_assert_nonnull(strstr(err->message, "overlap at guest-physical 0x100000"));
	g_clear_error(&err);
	err = ol_dump_open_live_fd("guest-ram", fd, empty, 1, &d);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT);
	g_clear_error(&err);
	err = ol_dump_open_live_file("/nonexistent/ram", pc_layout, 1, &d);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_IO);
	g_assert_true(g_str_has_prefix(err->message, "/nonexistent/ram: "));
	g_clear_error(&err);
	g_assert_null(d);
	close(fd);
}

/* A callback source (the gdbstub route): whole pages, cached until the
 * guest runs. */
typedef struct {
	guint8 *ram;
	guint calls;
} Backing;

static GError *backing_read(void *ctx, guint64 paddr, void *buf, gsize len)
{
	Backing *b = ctx;

	b->calls++;
	g_assert_cmpuint(paddr % K4, ==, 0);
	g_assert_cmpuint(len, ==, K4);
	if (paddr + len > 64 * K4)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "no page at 0x%" G_GINT64_MODIFIER "x", paddr);
	memcpy(buf, b->ram + paddr, len);
	return NULL;
}

static void test_reader_cache(void)
{
	Backing b = {.ram = g_malloc0(64 * K4)};
	const OlLiveRange layout[] = {{.gpa = 0, .size = 64 * K4}};
	g_autoptr(OlDump) d = NULL;
	g_autoptr(GError) err = ol_dump_open_live_reader("gdbstub", backing_read, &b, layout, 1, 8, &d);
	guint32 v;
	guint8 two[8];

	g_assert_no_error(err);
	b.ram[5 * K4 + 4] = 0x42;
	g_assert_no_error((err = ol_dump_read_phys(d, 5 * K4 + 4, &v, sizeof(v))));
	g_assert_cmphex(v, ==, 0x42);
	g_assert_cmpuint(b.calls, ==, 1);
	/* the same page again: from the cache, even though the guest changed */
	b.ram[5 * K4 + 4] = 0x43;
	g_assert_no_error((err = ol_dump_read_phys(d, 5 * K4 + 4, &v, sizeof(v))));
	g_assert_cmphex(v, ==, 0x42);
	g_assert_cmpuint(b.calls, ==, 1);
	/* the guest ran: the cache is gone */
	ol_dump_live_invalidate(d);
	g_assert_no_error((err = ol_dump_read_phys(d, 5 * K4 + 4, &v, sizeof(v))));
	g_assert_cmphex(v, ==, 0x43);
	g_assert_cmpuint(b.calls, ==, 2);
	/* a read across a page boundary asks for both pages */
	g_assert_no_error((err = ol_dump_read_phys(d, 7 * K4 - 4, two, sizeof(two))));
	g_assert_cmpuint(b.calls, ==, 4);
	/* outside the layout: not asked at all */
	err = ol_dump_read_phys(d, 64 * K4, &v, 1);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
	g_assert_cmpuint(b.calls, ==, 4);
	g_clear_error(&err);
	g_free(b.ram);
}

static void test_reader_error(void)
{
	Backing b = {.ram = g_malloc0(64 * K4)};
	g_autoptr(OlDump) d = NULL;
	g_autoptr(GError) err = ol_dump_open_live_reader("gdbstub", backing_read, &b, NULL, 0, 0, &d);
	guint8 v;

	g_assert_no_error(err);
	/* no layout: every address is tried, the source's error comes back */
	err = ol_dump_read_phys(d, 100 * K4, &v, 1);
	g_assert_error(err, OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT);
	g_assert_cmpstr(err->message, ==, "gdbstub: no page at 0x64000");
	g_free(b.ram);
}

static void test_notes(void)
{
	int fd = make_ram();
	g_autoptr(OlDump) d = NULL;
	g_autoptr(GError) err = ol_dump_open_live_fd("guest-ram", fd, pc_layout, 1, &d);
	OlCpuNote cpus[2] = {{.pr_pid = 1}, {.pr_pid = 2}};
	gsize len;

	g_assert_no_error(err);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 0);
	g_assert_null(ol_dump_vmcoreinfo(d, &len));
	cpus[1].regs[OL_REG_RIP] = 0xffffffff81000000;
	ol_dump_live_set_cpus(d, cpus, 2);
	ol_dump_live_set_vmcoreinfo(d, "OSRELEASE=6.1\nKERNELOFFSET=0\n", 29);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 2);
	g_assert_true(ol_dump_cpu_order_known(d));
	g_assert_cmphex(ol_dump_cpu(d, 1)->regs[OL_REG_RIP], ==, 0xffffffff81000000);
	g_assert_cmpstr(ol_dump_vmcoreinfo(d, &len), ==, "OSRELEASE=6.1\nKERNELOFFSET=0\n");
	/* the next stop replaces them */
	ol_dump_live_set_cpus(d, cpus, 1);
	ol_dump_live_set_vmcoreinfo(d, NULL, 0);
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 1);
	g_assert_null(ol_dump_vmcoreinfo(d, &len));
	close(fd);
}

/* The same page tables read from a file dump and from the same bytes as
 * live RAM translate the same: the translator does not care which. */
static void test_xlat_same_as_file(void)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = NULL;
	g_autoptr(GByteArray) bytes = NULL;
	g_autofree char *path = NULL;
	g_autoptr(OlDump) file = NULL, live = NULL;
	g_autoptr(OlXlat) xf = NULL, xl = NULL;
	g_autofree guint8 *ram = g_malloc0(4 * M1);
	const OlLiveRange layout[] = {{.gpa = 0, .size = 4 * M1, .offset = 0}};
	const guint64 kva = G_GUINT64_CONSTANT(0xffffffff81000000);
	int fd = memfd_create("test-live-xlat", MFD_CLOEXEC);
	GError *err;

	dumpgen_add_load(g, 0, 4 * M1, 4 * M1);
	pt = dumpgen_pt_new(g, 4, M1, M1);
	dumpgen_pt_map(pt, kva, 2 * M1, 2 * M1);
	dumpgen_pt_map(pt, 0xffff888000000000, 3 * M1 + 5 * K4, K4);
	dumpgen_add_cpu(g, 1, 0x100, TRUE, 440);
	dumpgen_set_cpu_cr(g, 0, 0, 0x80050033);
	dumpgen_set_cpu_cr(g, 0, 3, dumpgen_pt_root(pt));
	dumpgen_set_cpu_cr(g, 0, 4, 0x3606f0);
	bytes = dumpgen_build(g, NULL);
	path = dumpgen_write_temp(bytes);
	g_assert_no_error((err = ol_dump_open(path, &file)));
	g_assert_no_error((err = ol_dump_read_phys(file, 0, ram, 4 * M1)));
	g_assert_cmpint(pwrite(fd, ram, 4 * M1, 0), ==, (ssize_t)(4 * M1));
	g_assert_no_error((err = ol_dump_open_live_fd("guest-ram", fd, layout, 1, &live)));
	ol_dump_live_set_cpus(live, ol_dump_cpu(file, 0), 1);
	g_assert_no_error((err = ol_xlat_new(file, &xf)));
	g_assert_no_error((err = ol_xlat_new(live, &xl)));
	g_assert_cmphex(ol_xlat_root(xf), ==, ol_xlat_root(xl));
	{
		const guint64 vas[] = {kva, kva + 0x1234, 0xffff888000000000 + 8};
		for (guint i = 0; i < G_N_ELEMENTS(vas); i++) {
			guint64 pf, pl, sf, sl, a = 0, b = 1;
			gsize done;

			g_assert_no_error((err = ol_xlat_translate(xf, vas[i], &pf, &sf)));
			g_assert_no_error((err = ol_xlat_translate(xl, vas[i], &pl, &sl)));
			g_assert_cmphex(pf, ==, pl);
			g_assert_cmphex(sf, ==, sl);
			g_assert_no_error((err = ol_xlat_read(xf, vas[i], &a, 8, &done)));
			g_assert_no_error((err = ol_xlat_read(xl, vas[i], &b, 8, &done)));
			g_assert_cmphex(a, ==, b);
		}
	}
	g_unlink(path);
	close(fd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/live/mapped-layout", test_mapped_layout);
	g_test_add_func("/live/mapped-sees-writes", test_mapped_sees_writes);
	g_test_add_func("/live/bad-layout", test_bad_layout);
	g_test_add_func("/live/reader-cache", test_reader_cache);
	g_test_add_func("/live/reader-error", test_reader_error);
	g_test_add_func("/live/notes", test_notes);
	g_test_add_func("/live/xlat-same-as-file", test_xlat_same_as_file);
	return g_test_run();
}
