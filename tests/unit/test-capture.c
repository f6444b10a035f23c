/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parts of the shared-RAM capture that need no VM: QEMU's memory map
 * and register dump as the monitor prints them (fixtures captured from
 * QEMU 7.2 through libvirt here, tests/unit/data), the notes built from
 * them as a live dump reads them back, and the VMCOREINFO note search.
 */

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>

#include "capture-ram.h"
#include "convert.h"
#include "domain-xml.h"
#include "live-notes.h"
#include "live-qemu.h"
#include "live.h"
#include "qemu-notes.h"

static char *fixture(const char *name)
{
	g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", name, NULL);
	char *text = NULL;
	g_autoptr(GError) err = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, &err));
	g_assert_no_error(err);
	return text;
}

static void test_mtree(void)
{
	g_autofree char *text = fixture("qemu-7.2-info-mtree-f.txt");
	g_autoptr(GArray) ranges = NULL, bios = NULL, none = NULL;
	g_autoptr(GError) err = live_mtree_parse(text, "pc.ram", &ranges);
	const OlLiveRange *r;
	guint64 total = 0;

	g_assert_no_error(err);
	/* pc.ram in five pieces (ROM-mode windows of the BIOS area between),
	 * ending at 512 MiB; each piece at its own offset of the file */
	g_assert_cmpuint(ranges->len, ==, 5);
	r = &g_array_index(ranges, OlLiveRange, 0);
	g_assert_cmpuint(r->gpa, ==, 0);
	g_assert_cmpuint(r->offset, ==, 0);
	r = &g_array_index(ranges, OlLiveRange, 4);
	g_assert_cmpuint(r->gpa, ==, 0x100000);
	g_assert_cmpuint(r->offset, ==, 0x100000);
	g_assert_cmpuint(r->gpa + r->size, ==, 512u << 20);
	for (guint i = 0; i < ranges->len; i++) {
		r = &g_array_index(ranges, OlLiveRange, i);
		g_assert_cmpuint(r->offset, ==, r->gpa);
		total += r->size;
	}
	g_assert_cmpuint(total, ==, 512u << 20);
	/* no region named: the largest, pc.ram again */
	g_clear_pointer(&ranges, g_array_unref);
	g_assert_no_error(live_mtree_parse(text, NULL, &ranges));
	g_assert_cmpuint(ranges->len, ==, 5);
	g_assert_no_error(live_mtree_parse(text, "pc.bios", &bios));
	g_assert_cmpuint(bios->len, ==, 1);
	err = live_mtree_parse(text, "nothing", &none);
	g_assert_nonnull(err);
	g_assert_null(none);
	g_clear_error(&err);
	err = live_mtree_parse("FlatView #0\n AS \"I/O\"\n", NULL, &none);
	g_assert_nonnull(err);
}

/* A 2 MiB guest on a memfd, its VMCOREINFO note at 1 MiB + 40. */
static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nKERNELOFFSET=0\n";

static OlDump *memfd_guest(gboolean with_note)
{
	int fd = memfd_create("guest-ram", 0);
	guint8 *ram;
	OlLiveRange r = {.gpa = 0, .size = 2 << 20, .offset = 0};
	OlDump *d = NULL;
	guint32 hdr[3] = {GUINT32_TO_LE(11), GUINT32_TO_LE(sizeof(vmcoreinfo) - 1), 0};

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, 2 << 20), ==, 0);
	ram = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	g_assert_true(ram != MAP_FAILED);
	/* a decoy: the name without a note header, and the text alone */
	memcpy(ram + 4096, "VMCOREINFO\0\0OSRELEASE=decoy", 27);
	memcpy(ram + 8192, vmcoreinfo, sizeof(vmcoreinfo));
	if (with_note) {
		memcpy(ram + (1 << 20) + 40, hdr, 12);
		memcpy(ram + (1 << 20) + 52, "VMCOREINFO\0\0", 12);
		memcpy(ram + (1 << 20) + 64, vmcoreinfo, sizeof(vmcoreinfo) - 1);
	}
	munmap(ram, 2 << 20);
	g_assert_no_error(ol_dump_open_live_fd("guest-ram", fd, &r, 1, &d));
	close(fd);
	return d;
}

static void test_vmcoreinfo_search(void)
{
	g_autoptr(OlDump) with = memfd_guest(TRUE), without = memfd_guest(FALSE);
	gsize len = 0;
	g_autofree char *found = capture_find_vmcoreinfo(with, &len);
	g_autofree char *none = capture_find_vmcoreinfo(without, &len);

	g_assert_cmpstr(found, ==, vmcoreinfo);
	g_assert_null(none);
}

static void test_notes(void)
{
	g_autofree char *text = fixture("qemu-7.2-info-registers-a.txt");
	g_autoptr(OlDump) d = memfd_guest(TRUE);
	g_autoptr(GByteArray) notes = NULL;
	const OlCpuNote *c;
	gsize len;

	g_assert_no_error(qemu_notes_build(text, vmcoreinfo, strlen(vmcoreinfo), &notes));
	g_assert_no_error(ol_dump_live_set_notes(d, notes->data, notes->len));
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 2);
	g_assert_true(ol_dump_cpu_order_known(d));
	c = ol_dump_cpu(d, 0);
	g_assert_cmpuint(c->pr_pid, ==, 1);
	g_assert_cmphex(c->regs[OL_REG_RIP], ==, 0xffffffff81297c54);
	g_assert_cmphex(c->regs[OL_REG_RSP], ==, 0xffffc90000193ac0);
	g_assert_cmphex(c->regs[OL_REG_RBP], ==, 0xffffc90000193ad0);
	g_assert_cmphex(c->regs[OL_REG_GS_BASE], ==, 0xffff88801f400000);
	g_assert_cmphex(c->regs[OL_REG_CS], ==, 0x10);
	g_assert_true(c->has_qemu);
	g_assert_cmphex(c->qemu.cr[3], ==, 0xe63000);
	g_assert_cmphex(c->qemu.rsp, ==, 0xffffc90000193ac0);
	g_assert_cmphex(c->qemu.gs.base, ==, 0xffff88801f400000);
	g_assert_cmphex(c->qemu.tr.base, ==, 0xfffffe0000003000);
	c = ol_dump_cpu(d, 1);
	g_assert_cmpuint(c->pr_pid, ==, 2);
	g_assert_cmphex(c->regs[OL_REG_RIP], ==, 0xffffffff81026b92);
	g_assert_cmphex(c->qemu.cr[3], ==, 0xcae000);
	g_assert_cmpstr(ol_dump_vmcoreinfo(d, &len), ==, vmcoreinfo);
}

/* A vCPU Linux never started is shown with 32-bit names (the lines below
 * follow QEMU's format for a CPU waiting for its SIPI). */
static void test_notes_real_mode(void)
{
	static const char text[] =
		"CPU#0\n"
		"EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\n"
		"ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000\n"
		"EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=1\n"
		"ES =0000 00000000 0000ffff 00009300\nCS =f000 ffff0000 0000ffff 00009b00\n"
		"SS =0000 00000000 0000ffff 00009300\nDS =0000 00000000 0000ffff 00009300\n"
		"FS =0000 00000000 0000ffff 00009300\nGS =0000 00000000 0000ffff 00009300\n"
		"LDT=0000 00000000 0000ffff 00008200\nTR =0000 00000000 0000ffff 00008b00\n"
		"GDT=     00000000 0000ffff\nIDT=     00000000 0000ffff\n"
		"CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000\n";
	g_autoptr(OlDump) d = memfd_guest(FALSE);
	g_autoptr(GByteArray) notes = NULL;
	g_autoptr(GError) err = NULL;

	g_assert_no_error(qemu_notes_build(text, NULL, 0, &notes));
	g_assert_no_error(ol_dump_live_set_notes(d, notes->data, notes->len));
	g_assert_cmpuint(ol_dump_n_cpus(d), ==, 1);
	g_assert_cmphex(ol_dump_cpu(d, 0)->regs[OL_REG_RIP], ==, 0xfff0);
	g_assert_cmphex(ol_dump_cpu(d, 0)->regs[OL_REG_CS], ==, 0xf000);
	g_assert_null(ol_dump_vmcoreinfo(d, NULL));
	/* a CPU without its registers, or no CPU at all, is refused */
	g_clear_pointer(&notes, g_byte_array_unref);
	err = qemu_notes_build("CPU#0\nRAX=0000000000000001\n", NULL, 0, &notes);
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	g_assert_null(notes);
	g_clear_error(&err);
	err = qemu_notes_build("no cpus here\n", NULL, 0, &notes);
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void test_exclude_list(void)
{
	gboolean z, f, l;

	g_assert_true(convert_parse_exclude("zero,free,lru", &z, &f, &l));
	g_assert_true(z && f && l);
	g_assert_true(convert_parse_exclude("free", &z, &f, &l));
	g_assert_true(!z && f && !l);
	g_assert_true(convert_parse_exclude("none", &z, &f, &l));
	g_assert_true(!z && !f && !l);
	g_assert_false(convert_parse_exclude("zero,none", &z, &f, &l));
	g_assert_false(convert_parse_exclude("cache", &z, &f, &l));
	g_assert_false(convert_parse_exclude("", &z, &f, &l));
}

static void test_domain_xml_shared_ram(void)
{
	DomainSpec spec = {.name = "n", .memory_mib = 512, .cpus = 2, .kernel = "k", .initrd = "i",
			   .cmdline = "c", .console_path = "/c"};
	g_autofree char *plain = domain_xml(&spec);
	g_autofree char *shared = NULL;

	spec.shared_ram = TRUE;
	shared = domain_xml(&spec);
	g_assert_null(strstr(plain, "memoryBacking"));
	g_assert_nonnull(strstr(shared, "<source type='file'/>"));
	g_assert_nonnull(strstr(shared, "<access mode='shared'/>"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/mtree", test_mtree);
	g_test_add_func("/capture/vmcoreinfo-search", test_vmcoreinfo_search);
	g_test_add_func("/capture/notes", test_notes);
	g_test_add_func("/capture/notes-real-mode", test_notes_real_mode);
	g_test_add_func("/capture/exclude-list", test_exclude_list);
	g_test_add_func("/capture/domain-xml-shared-ram", test_domain_xml_shared_ram);
	return g_test_run();
}
