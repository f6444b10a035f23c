/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest RAM layout from QEMU's `info mtree -f` (live-qemu.c). The first
 * text is QEMU 7.2's, as its gdbstub returned it for a 512 MiB pc guest
 * with -machine memory-backend=pc.ram; the second has RAM above 4 GiB. */
#include <gio/gio.h>
#include <string.h>

#include "live-qemu.h"

static const char small_pc[] =
	"FlatView #0\n"
	" AS \"cpu-smm-0\", root: memory\n"
	" Root memory region: memory\n"
	"  0000000000000000-00000000000c2fff (prio 0, ram): pc.ram\n"
	"  00000000000c3000-00000000000e7fff (prio 0, rom): pc.ram @00000000000c3000\n"
	"\n"
	"FlatView #2\n"
	" AS \"memory\", root: system\n"
	" AS \"cpu-memory-0\", root: system\n"
	" Root memory region: system\n"
	"  0000000000000000-00000000000c2fff (prio 0, ram): pc.ram\n"
	"  00000000000c3000-00000000000e7fff (prio 0, rom): pc.ram @00000000000c3000\n"
	"  00000000000e8000-00000000000effff (prio 0, ram): pc.ram @00000000000e8000\n"
	"  00000000000f0000-00000000000fffff (prio 0, rom): pc.ram @00000000000f0000\n"
	"  0000000000100000-000000001fffffff (prio 0, ram): pc.ram @0000000000100000\n"
	"  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\n"
	"  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
	"\n"
	"FlatView #3\n"
	" AS \"I/O\", root: io\n"
	"  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\n";

static const char big_pc[] =
	"FlatView #1\n"
	" AS \"memory\", root: system\n"
	" Root memory region: system\n"
	"  0000000000000000-000000000009ffff (prio 0, ram): ram0\n"
	"  0000000000100000-00000000bfffffff (prio 0, ram): ram0 @0000000000100000\n"
	"  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
	"  0000000100000000-000000013fffffff (prio 0, ram): ram0 @00000000c0000000\n";

static void check_range(GArray *r, guint i, guint64 gpa, guint64 size, guint64 off)
{
	const OlLiveRange *x = &g_array_index(r, OlLiveRange, i);

	g_assert_cmphex(x->gpa, ==, gpa);
	g_assert_cmphex(x->size, ==, size);
	g_assert_cmphex(x->offset, ==, off);
}

static void test_small(void)
{
	g_autoptr(GArray) r = NULL;
	g_autoptr(GError) err = live_mtree_parse(small_pc, NULL, &r);

	g_assert_no_error(err);
	/* the "memory" view only (not the SMM one), pc.ram only (not pc.bios) */
	g_assert_cmpuint(r->len, ==, 5);
	check_range(r, 0, 0, 0xc3000, 0);
	check_range(r, 1, 0xc3000, 0x25000, 0xc3000);
	check_range(r, 4, 0x100000, 0x1ff00000, 0x100000);
}

static void test_above_4g(void)
{
	g_autoptr(GArray) r = NULL;
	g_autoptr(GError) err = live_mtree_parse(big_pc, "ram0", &r);

	g_assert_no_error(err);
	g_assert_cmpuint(r->len, ==, 3);
	/* RAM above the PCI hole continues the file where low RAM ends */
	check_range(r, 2, G_GUINT64_CONSTANT(0x100000000), 0x40000000, 0xc0000000);
}

static void test_errors(void)
{
	g_autoptr(GArray) r = NULL;
	GError *err = live_mtree_parse(small_pc, "no-such-region", &r);

	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_FAILED);
	g_assert_nonnull(strstr(err->message, "no RAM region no-such-region"));
	g_clear_error(&err);
	err = live_mtree_parse("FlatView #0\n AS \"I/O\", root: io\n", NULL, &r);
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_FAILED);
	g_assert_nonnull(strstr(err->message, "no flat view"));
	g_clear_error(&err);
	g_assert_null(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/live-mtree/small", test_small);
	g_test_add_func("/live-mtree/above-4g", test_above_4g);
	g_test_add_func("/live-mtree/errors", test_errors);
	return g_test_run();
}
