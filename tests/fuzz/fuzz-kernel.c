/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See fuzz-kernel.h. */
#include "fuzz-kernel.h"

#include <elf.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dumpgen.h"

#define KIMG_VA G_GUINT64_CONSTANT(0xffffffff81000000)
#define KIMG_PA 0x200000
#define MEM_END 0x800000
#define POOL 0x100000
#define RVA(off) (FK_DMAP + FK_REGION_PA + (off))
#define X "%" G_GINT64_MODIFIER "x"

/* linux 6.1's VMCOREINFO for the printk ring (as tests/unit/test-printk.c) */
static const char prb_layout[] = "SIZE(printk_ringbuffer)=88\nOFFSET(printk_ringbuffer.desc_ring)=0\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=48\nOFFSET(printk_ringbuffer.fail)=80\n"
	"SIZE(prb_desc_ring)=48\nOFFSET(prb_desc_ring.count_bits)=0\nOFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=24\nOFFSET(prb_desc_ring.tail_id)=32\n"
	"SIZE(prb_desc)=24\nOFFSET(prb_desc.state_var)=0\nOFFSET(prb_desc.text_blk_lpos)=8\n"
	"SIZE(prb_data_blk_lpos)=16\nOFFSET(prb_data_blk_lpos.begin)=0\nOFFSET(prb_data_blk_lpos.next)=8\n"
	"SIZE(printk_info)=88\nOFFSET(printk_info.seq)=0\nOFFSET(printk_info.ts_nsec)=8\n"
	"OFFSET(printk_info.text_len)=16\nOFFSET(printk_info.caller_id)=20\nOFFSET(printk_info.dev_info)=24\n"
	"SIZE(dev_printk_info)=64\nOFFSET(dev_printk_info.subsystem)=0\nLENGTH(printk_info_subsystem)=16\n"
	"OFFSET(dev_printk_info.device)=16\nLENGTH(printk_info_device)=48\nSIZE(prb_data_ring)=32\n"
	"OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\nOFFSET(prb_data_ring.head_lpos)=16\n"
	"OFFSET(prb_data_ring.tail_lpos)=24\nSIZE(atomic_long_t)=8\nOFFSET(atomic_long_t.counter)=0\n";
static const char log_layout[] = "SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\nOFFSET(printk_log.len)=8\n"
	"OFFSET(printk_log.text_len)=10\nOFFSET(printk_log.dict_len)=12\n";

int fk_memfd(const void *data, gsize len, char **path)
{
	int fd = memfd_create("oopslab-fuzz", MFD_CLOEXEC);
	const guint8 *p = data;

	g_assert(fd >= 0);
	while (len) {
		ssize_t n = write(fd, p, len);
		g_assert(n > 0);
		p += n;
		len -= (gsize)n;
	}
	*path = g_strdup_printf("/proc/self/fd/%d", fd);
	return fd;
}

void fk_set_region(FkTarget *k, const guint8 *data, gsize len)
{
	static guint8 buf[FK_REGION_SIZE];

	len = MIN(len, sizeof(buf));
	memcpy(buf, data, len);
	memset(buf + len, 0, sizeof(buf) - len);
	g_assert(pwrite(k->fd, buf, sizeof(buf), (off_t)k->region_off) == sizeof(buf));
}

void fk_open(FkTarget *k, FkFlavour flavour, const guint8 *init, gsize len)
{
	g_autoptr(DumpGen) g = dumpgen_new(DUMPGEN_QEMU);
	g_autoptr(DumpGenPt) pt = NULL;
	g_autoptr(GString) vmci = g_string_new(NULL);
	g_autoptr(GPtrArray) warnings = NULL;
	DumpGenLayout lay;
	guint64 off;
	g_autoptr(GByteArray) b = NULL;
	g_autoptr(GError) err = NULL;

	dumpgen_add_load(g, 0, MEM_END, MEM_END);
	dumpgen_add_cpu(g, 1, 0x1000, TRUE, 440);
	dumpgen_add_cpu(g, 2, 0x2000, TRUE, 440);
	pt = dumpgen_pt_new(g, 4, POOL, 0x100000);
	dumpgen_pt_map(pt, KIMG_VA, KIMG_PA, 0x200000);
	dumpgen_pt_map_range(pt, FK_DMAP, 0, MEM_END, 0x200000);
	g_string_append_printf(vmci, "OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=" X
			       "\nNUMBER(phys_base)=0\nKERNELOFFSET=0\nSYMBOL(init_uts_ns)=" X
			       "\nOFFSET(uts_namespace.name)=0\n",
			       dumpgen_pt_root(pt) + G_GUINT64_CONSTANT(0xffffffff80000000), RVA(0x3000));
	if (flavour == FK_LOCKLESS)
		g_string_append_printf(vmci, "SYMBOL(prb)=" X "\n%s", RVA(0), prb_layout);
	else
		g_string_append_printf(vmci,
				       "SYMBOL(log_buf)=" X "\nSYMBOL(log_buf_len)=" X "\nSYMBOL(log_first_idx)=" X
				       "\nSYMBOL(clear_idx)=" X "\nSYMBOL(log_next_idx)=" X "\n%s",
				       RVA(0x2000), RVA(0x2008), RVA(0x2010), RVA(0x2010), RVA(0x2018),
				       log_layout);
	dumpgen_set_vmcoreinfo(g, vmci->str);
	b = dumpgen_build(g, &lay);
	memcpy(&off, b->data + lay.load_phdr0 + offsetof(Elf64_Phdr, p_offset), 8);
	k->region_off = GUINT64_FROM_LE(off) + FK_REGION_PA;
	k->fd = fk_memfd(b->data, b->len, &k->path);
	fk_set_region(k, init ? init : (const guint8 *)"", init ? len : 0);
	err = ol_target_open(k->path, NULL, &k->t, &warnings);
	g_assert_no_error(err);
}

/* ---- seeds ---- */

static void put(GByteArray *r, gsize off, const void *p, gsize n)
{
	g_assert(off + n <= r->len);
	memcpy(r->data + off, p, n);
}

static void put64(GByteArray *r, gsize off, guint64 v)
{
	v = GUINT64_TO_LE(v);
	put(r, off, &v, 8);
}

static void put32(GByteArray *r, gsize off, guint32 v)
{
	v = GUINT32_TO_LE(v);
	put(r, off, &v, 4);
}

/* Lockless ring: 16 descriptors, 4 KiB of text, records 1..N finalized. */
static void lockless(GByteArray *r)
{
	static const char *const lines[] = { "Linux version 6.1.0-fuzz", "oopslab: stage=boot",
					     "BUG: kernel NULL pointer dereference, address: 0000000000000000",
					     "Kernel panic - not syncing: Fatal exception" };
	const guint64 count = 16, id_mask = (G_GUINT64_CONSTANT(1) << 62) - 1;
	guint64 lpos = 0, id = 0;

	put64(r, 0, RVA(0x10));
	for (guint64 i = 0; i < count; i++) /* unused: reusable, other IDs */
		put64(r, 0x100 + 24 * i, (G_GUINT64_CONSTANT(3) << 62) | ((i - count) & id_mask));
	for (guint i = 0; i < G_N_ELEMENTS(lines); i++) {
		gsize len = strlen(lines[i]), size = (len + 8 + 7) & ~(gsize)7;
		guint16 tl = (guint16)len;

		id = i;
		put64(r, 0x100 + 24 * id, (G_GUINT64_CONSTANT(2) << 62) | id);
		put64(r, 0x100 + 24 * id + 8, lpos);
		put64(r, 0x100 + 24 * id + 16, lpos + size);
		put64(r, 0x300 + 88 * id, i);                        /* seq */
		put64(r, 0x300 + 88 * id + 8, 1000000ULL * (i + 1)); /* ts_nsec */
		put(r, 0x300 + 88 * id + 16, &tl, 2);
		r->data[0x300 + 88 * id + 19] = 6 << 5;
		put32(r, 0x300 + 88 * id + 20, 1);
		put64(r, 0x1000 + lpos, id);
		put(r, 0x1000 + lpos + 8, lines[i], len);
		lpos += size;
	}
	put32(r, 0x10, 4);               /* count_bits */
	put64(r, 0x10 + 8, RVA(0x100));  /* descs */
	put64(r, 0x10 + 16, RVA(0x300)); /* infos */
	put64(r, 0x10 + 24, id);         /* head_id */
	put64(r, 0x10 + 32, 0);          /* tail_id */
	put32(r, 0x10 + 48, 12);         /* size_bits */
	put64(r, 0x10 + 56, RVA(0x1000));
	put64(r, 0x10 + 64, lpos);
	put64(r, 0x10 + 72, 0);
}

/* struct printk_log records (5.4 layout: 16-byte header, text, dict). */
static void legacy(GByteArray *r)
{
	static const char *const lines[] = { "Linux version 5.4.0-fuzz", "Kernel panic - not syncing: sysrq" };
	guint32 at = 0;

	for (guint i = 0; i < G_N_ELEMENTS(lines); i++) {
		guint16 tl = (guint16)strlen(lines[i]), len = (guint16)((16 + tl + 7) & ~7);

		put64(r, 0x2100 + at, 1000000ULL * (i + 1));
		put(r, 0x2100 + at + 8, &len, 2);
		put(r, 0x2100 + at + 10, &tl, 2);
		r->data[0x2100 + at + 15] = 6 << 5;
		put(r, 0x2100 + at + 16, lines[i], tl);
		at += len;
	}
	put64(r, 0x2000, RVA(0x2100));
	put32(r, 0x2008, 0xf00);
	put32(r, 0x2010, 0);
	put32(r, 0x2018, at);
}

GByteArray *fk_region_seed(FkFlavour flavour)
{
	static const char *const uts[] = { "Linux", "(none)", "6.1.0-fuzz", "#1 SMP", "x86_64", "(none)" };
	GByteArray *r = g_byte_array_new();

	g_byte_array_set_size(r, FK_REGION_SIZE);
	memset(r->data, 0, r->len);
	if (flavour == FK_LOCKLESS)
		lockless(r);
	else
		legacy(r);
	for (guint i = 0; i < G_N_ELEMENTS(uts); i++)
		put(r, 0x3000 + 65 * i, uts[i], strlen(uts[i]));
	return r;
}
