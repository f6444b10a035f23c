/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel log reader (printk.c) and the panic message / utsname of
 * sysinfo.c, on synthetic dumps: a lockless ring written the way the
 * kernel's prb writer lays it out (IDs and text blocks wrapping), damaged in
 * chosen ways, and a legacy log_buf of struct printk_log records. Only
 * VMCOREINFO describes the rings, as in a dump read without vmlinux.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dumpgen.h"
#include "monitor.h"
#include "printk.h"
#include "sysinfo.h"
#include "target.h"

#define POOL 0x100000
#define KIMG_VA G_GUINT64_CONSTANT(0xffffffff81000000)
#define KIMG_PA 0x200000
#define DMAP G_GUINT64_CONSTANT(0xffff888000000000)
#define DMAP_START 0x400000 /* the direct map covers [DMAP_START, MEM_END) with 4 KiB pages */
#define MEM_END 0x800000

/* kernel variables, in the image */
#define VAR_PRB (KIMG_VA + 0x1000)
#define RB_STATIC (KIMG_VA + 0x1100)
#define VAR_UTS (KIMG_VA + 0x2000)
#define VAR_LOG_BUF (KIMG_VA + 0x3000)
#define VAR_LOG_BUF_LEN (KIMG_VA + 0x3008)
#define VAR_LOG_FIRST_IDX (KIMG_VA + 0x3010)
#define VAR_LOG_NEXT_IDX (KIMG_VA + 0x3018)
/* ring arrays, in the direct map */
#define DESCS_PA 0x400000
#define INFOS_PA 0x410000
#define TEXT_PA 0x420000
#define LOG_BUF_PA 0x440000

#define DESC_ID_MASK ((G_GUINT64_CONSTANT(1) << 62) - 1)
#define NO_LPOS 0x3

/* linux 6.1's VMCOREINFO for the printk ring (from a lab dump) */
static const char prb_vmcoreinfo[] = "SIZE(printk_ringbuffer)=88\n"
				     "OFFSET(printk_ringbuffer.desc_ring)=0\n"
				     "OFFSET(printk_ringbuffer.text_data_ring)=48\n"
				     "OFFSET(printk_ringbuffer.fail)=80\n"
				     "SIZE(prb_desc_ring)=48\n"
				     "OFFSET(prb_desc_ring.count_bits)=0\n"
				     "OFFSET(prb_desc_ring.descs)=8\n"
				     "OFFSET(prb_desc_ring.infos)=16\n"
				     "OFFSET(prb_desc_ring.head_id)=24\n"
				     "OFFSET(prb_desc_ring.tail_id)=32\n"
				     "SIZE(prb_desc)=24\n"
				     "OFFSET(prb_desc.state_var)=0\n"
				     "OFFSET(prb_desc.text_blk_lpos)=8\n"
				     "SIZE(prb_data_blk_lpos)=16\n"
				     "OFFSET(prb_data_blk_lpos.begin)=0\n"
				     "OFFSET(prb_data_blk_lpos.next)=8\n"
				     "SIZE(printk_info)=88\n"
				     "OFFSET(printk_info.seq)=0\n"
				     "OFFSET(printk_info.ts_nsec)=8\n"
				     "OFFSET(printk_info.text_len)=16\n"
				     "OFFSET(printk_info.caller_id)=20\n"
				     "OFFSET(printk_info.dev_info)=24\n"
				     "SIZE(dev_printk_info)=64\n"
				     "OFFSET(dev_printk_info.subsystem)=0\n"
				     "LENGTH(printk_info_subsystem)=16\n"
				     "OFFSET(dev_printk_info.device)=16\n"
				     "LENGTH(printk_info_device)=48\n"
				     "SIZE(prb_data_ring)=32\n"
				     "OFFSET(prb_data_ring.size_bits)=0\n"
				     "OFFSET(prb_data_ring.data)=8\n"
				     "OFFSET(prb_data_ring.head_lpos)=16\n"
				     "OFFSET(prb_data_ring.tail_lpos)=24\n"
				     "SIZE(atomic_long_t)=8\n"
				     "OFFSET(atomic_long_t.counter)=0\n";

/* linux 5.4's for log_buf (no caller_id) */
static const char log_vmcoreinfo[] = "SIZE(printk_log)=16\n"
				     "OFFSET(printk_log.ts_nsec)=0\n"
				     "OFFSET(printk_log.len)=8\n"
				     "OFFSET(printk_log.text_len)=10\n"
				     "OFFSET(printk_log.dict_len)=12\n";

typedef struct {
	DumpGen *g;
	DumpGenPt *pt;
	GString *vmcoreinfo;
	GHashTable *holes; /* physical pages left out of the direct map */
} Fx;

static guint64 dva(guint64 pa)
{
	return DMAP + pa;
}

static void fx_init(Fx *f)
{
	f->g = dumpgen_new(DUMPGEN_QEMU);
	dumpgen_add_load(f->g, 0, MEM_END, MEM_END);
	dumpgen_add_cpu(f->g, 1, 0x1000, TRUE, 440);
	f->pt = dumpgen_pt_new(f->g, 4, POOL, 0x100000);
	dumpgen_pt_map(f->pt, KIMG_VA, KIMG_PA, 0x200000);
	f->vmcoreinfo = g_string_new(NULL);
	g_string_append_printf(f->vmcoreinfo,
			       "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%" G_GINT64_MODIFIER
			       "x\nNUMBER(phys_base)=0\nKERNELOFFSET=0\n",
			       dumpgen_pt_root(f->pt) + G_GUINT64_CONSTANT(0xffffffff80000000));
	f->holes = g_hash_table_new(g_int64_hash, g_int64_equal);
}

static void fx_clear(Fx *f)
{
	dumpgen_pt_free(f->pt);
	dumpgen_free(f->g);
	g_string_free(f->vmcoreinfo, TRUE);
	g_hash_table_unref(f->holes);
}

static void fx_hole(Fx *f, guint64 pa)
{
	static gint64 keys[64];
	static guint n;

	g_assert_cmpuint(n, <, G_N_ELEMENTS(keys));
	keys[n] = (gint64)(pa & ~G_GUINT64_CONSTANT(0xfff));
	g_hash_table_add(f->holes, &keys[n++]);
}

static void kpoke(Fx *f, guint64 va, const void *p, gsize n)
{
	dumpgen_poke(f->g, va >= KIMG_VA ? va - KIMG_VA + KIMG_PA : va - DMAP, p, n);
}

static void kpoke64(Fx *f, guint64 va, guint64 v)
{
	kpoke(f, va, &v, 8);
}

static void kpoke32(Fx *f, guint64 va, guint32 v)
{
	kpoke(f, va, &v, 4);
}

static OlTarget *fx_open(Fx *f)
{
	g_autoptr(GByteArray) bytes = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	g_autoptr(GError) err = NULL;
	OlTarget *t = NULL;

	for (guint64 pa = DMAP_START; pa < MEM_END; pa += 0x1000) {
		gint64 key = (gint64)pa;

		if (!g_hash_table_contains(f->holes, &key))
			dumpgen_pt_map(f->pt, dva(pa), pa, 0x1000);
	}
	dumpgen_set_vmcoreinfo(f->g, f->vmcoreinfo->str);
	bytes = dumpgen_build(f->g, NULL);
	path = dumpgen_write_temp(bytes);
	err = ol_target_open(path, NULL, &t, &warnings);
	g_unlink(path);
	g_assert_no_error(err);
	return t;
}

/* ---- a lockless ring, written as the kernel's prb writer lays it out ---- */

typedef struct {
	guint count_bits, size_bits;
	guint64 count, dsize;
	guint8 *descs, *infos, *data;
	guint64 head_id, tail_id, head_lpos, tail_lpos;
} Ring;

static void ring_init(Ring *r, guint count_bits, guint size_bits, guint64 first_id, guint64 first_lpos)
{
	r->count_bits = count_bits;
	r->size_bits = size_bits;
	r->count = G_GUINT64_CONSTANT(1) << count_bits;
	r->dsize = G_GUINT64_CONSTANT(1) << size_bits;
	r->descs = g_malloc0(r->count * 24);
	r->infos = g_malloc0(r->count * 88);
	r->data = g_malloc0(r->dsize);
	/* the never-used descriptors are reusable and hold other IDs */
	for (guint64 i = 0; i < r->count; i++) {
		guint64 sv = (G_GUINT64_CONSTANT(3) << 62) | ((first_id - r->count + i) & DESC_ID_MASK);

		memcpy(r->descs + 24 * i, &sv, 8);
	}
	r->tail_id = first_id & DESC_ID_MASK;
	r->head_id = (first_id - 1) & DESC_ID_MASK;
	r->head_lpos = r->tail_lpos = first_lpos;
}

static void ring_clear(Ring *r)
{
	g_free(r->descs);
	g_free(r->infos);
	g_free(r->data);
}

/* A record in STATE (0 reserved, 1 committed, 2 finalized); TEXT NULL for
 * a dataless one. Returns its descriptor ID. */
static guint64 ring_add(Ring *r, guint state, guint64 seq, guint64 ts, guint8 level, guint32 caller,
			const char *text, gsize len)
{
	guint64 id = (r->head_id + 1) & DESC_ID_MASK, idx = id & (r->count - 1);
	guint8 *desc = r->descs + 24 * idx, *info = r->infos + 88 * idx;
	guint64 sv = ((guint64)state << 62) | id, begin = NO_LPOS, next = NO_LPOS;
	guint16 tl = (guint16)len;

	memset(info, 0, 88);
	memcpy(info, &seq, 8);
	memcpy(info + 8, &ts, 8);
	memcpy(info + 16, &tl, 2);
	info[19] = (guint8)(level << 5);
	memcpy(info + 20, &caller, 4);
	if (text) {
		guint64 size = (len + 8 + 7) & ~G_GUINT64_CONSTANT(7);
		guint8 *blk;

		begin = r->head_lpos;
		next = begin + size;
		if (begin >> r->size_bits != next >> r->size_bits) {
			/* a wrapping block is stored whole at the start */
			next = (next & ~(r->dsize - 1)) + size;
			blk = r->data;
		} else
			blk = r->data + (begin & (r->dsize - 1));
		memcpy(blk, &id, 8);
		memcpy(blk + 8, text, len);
		r->head_lpos = next;
	}
	memcpy(desc, &sv, 8);
	memcpy(desc + 8, &begin, 8);
	memcpy(desc + 16, &next, 8);
	r->head_id = id;
	return id;
}

static void ring_add_str(Ring *r, guint64 seq, guint64 ts, const char *text)
{
	ring_add(r, 2, seq, ts, 6, 1, text, strlen(text));
}

static void ring_install(Fx *f, const Ring *r)
{
	guint8 rb[88] = {0};
	guint64 v;

	kpoke(f, dva(DESCS_PA), r->descs, r->count * 24);
	kpoke(f, dva(INFOS_PA), r->infos, r->count * 88);
	kpoke(f, dva(TEXT_PA), r->data, r->dsize);
	memcpy(rb + 0, &r->count_bits, 4);
	v = dva(DESCS_PA);
	memcpy(rb + 8, &v, 8);
	v = dva(INFOS_PA);
	memcpy(rb + 16, &v, 8);
	memcpy(rb + 24, &r->head_id, 8);
	memcpy(rb + 32, &r->tail_id, 8);
	memcpy(rb + 48, &r->size_bits, 4);
	v = dva(TEXT_PA);
	memcpy(rb + 56, &v, 8);
	memcpy(rb + 64, &r->head_lpos, 8);
	memcpy(rb + 72, &r->tail_lpos, 8);
	kpoke(f, RB_STATIC, rb, sizeof(rb));
	kpoke64(f, VAR_PRB, RB_STATIC);
	g_string_append_printf(f->vmcoreinfo, "SYMBOL(prb)=%" G_GINT64_MODIFIER "x\n%s", VAR_PRB, prb_vmcoreinfo);
}

static OlPrintkLog *read_log(OlTarget *t)
{
	OlPrintkLog *log = NULL;
	g_autoptr(GError) err = ol_printk_read_log(ol_target_kmem(t), &log);

	g_assert_no_error(err);
	return log;
}

static char *read_text(OlTarget *t)
{
	g_autoptr(OlPrintkLog) log = read_log(t);

	return ol_printk_format(log, OL_PRINTK_SHOW_TIME);
}

/* IDs that wrap the descriptor array, a text block that wraps the data
 * ring, a continuation line, an empty (dataless) record, bytes crash shows
 * as '.', a reserved descriptor at the head: read oldest first, formatted
 * as crash log. */
static void test_lockless_wrapped(void)
{
	Fx f;
	Ring r;
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(OlPrintkLog) log = NULL;
	g_autofree char *text = NULL, *mon = NULL;
	static const char weird[] = {'a', 0x01, 'b', '\t', 'c', (char)0xe9, 0};
	const OlPrintkRecord *rec;
	guint64 wrap_id;

	fx_init(&f);
	/* 16 descriptors starting 3 before an index wrap; 512 text bytes with
	 * the head 100 bytes before the end, so the third block wraps */
	ring_init(&r, 4, 9, 16 * 5 - 3, 512 * 7 - 100);
	ring_add_str(&r, 100, 0, "Linux version 6.1.0-test");
	ring_add_str(&r, 101, 1500000000, "first line\nsecond line");
	wrap_id = ring_add(&r, 2, 102, 2000001000, 4, 0x80000001, "this block wraps around the ring end, 48+ bytes",
			   strlen("this block wraps around the ring end, 48+ bytes"));
	ring_add(&r, 2, 103, 2100000000, 6, 1, NULL, 0);
	ring_add(&r, 1, 104, 2200000000, 6, 1, weird, strlen(weird) + 1);
	ring_add_str(&r, 105, 123456789012345, "Kernel panic - not syncing: Fatal exception");
	ring_add(&r, 0, 106, 123456789999999, 6, 1, "being written", 13);
	ring_install(&f, &r);
	t = fx_open(&f);

	log = read_log(t);
	g_assert_cmpint(log->format, ==, OL_PRINTK_LOCKLESS);
	g_assert_cmpuint(log->problems->len, ==, 0);
	g_assert_cmpuint(log->records->len, ==, 6);
	rec = log->records->pdata[2];
	g_assert_cmpuint(rec->seq, ==, 102);
	g_assert_cmpuint(rec->level, ==, 4);
	g_assert_true(rec->has_caller);
	g_assert_cmphex(rec->caller_id, ==, 0x80000001);
	/* it really wrapped: stored at the ring's start */
	g_assert_cmphex(rec->text_addr, ==, dva(TEXT_PA) + 8);
	g_assert_cmpuint(wrap_id & 15, ==, 15);
	rec = log->records->pdata[3];
	g_assert_false(rec->has_text);

	text = ol_printk_format(log, OL_PRINTK_SHOW_TIME);
	g_assert_cmpstr(text, ==,
			"[    0.000000] Linux version 6.1.0-test\n"
			"[    1.500000] first line\n"
			"               second line\n"
			"[    2.000001] this block wraps around the ring end, 48+ bytes\n"
			"\n"
			"[    2.200000] a.b\tc..\n"
			"[123456.789012] Kernel panic - not syncing: Fatal exception\n");
	mon = ol_monitor_run(t, "dmesg");
	g_assert_cmpstr(mon, ==, text);
	g_free(text);
	g_free(mon);
	text = ol_printk_format(log, OL_PRINTK_SHOW_LEVEL);
	g_assert_true(g_str_has_prefix(text, "<6>Linux version 6.1.0-test\n<6>first line\n   second line\n<4>this"));
	mon = ol_monitor_run(t, "dmesg -t -m");
	g_assert_cmpstr(mon, ==, text);
	g_free(mon);
	mon = ol_monitor_run(t, "dmesg -tm");
	g_assert_cmpstr(mon, ==, text);
	g_free(mon);
	mon = ol_monitor_run(t, "dmesg -x");
	g_assert_cmpstr(mon, ==, "monitor dmesg: unknown option '-x' (-t: no timestamps, -m: message levels)\n");
	ring_clear(&r);
	fx_clear(&f);
}

/* More IDs between tail and head than descriptors: the last ring's worth
 * is read, and the damage is reported naming the ring. */
static void test_lockless_span(void)
{
	Fx f;
	Ring r;
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(OlPrintkLog) log = NULL;

	fx_init(&f);
	ring_init(&r, 2, 9, 1000, 0);
	for (int i = 0; i < 4; i++)
		ring_add_str(&r, (guint64)i, (guint64)i * 1000, "x");
	r.tail_id = 3; /* way behind */
	ring_install(&f, &r);
	t = fx_open(&f);
	log = read_log(t);
	g_assert_cmpuint(log->records->len, ==, 4);
	g_assert_cmpuint(log->problems->len, ==, 1);
	g_assert_nonnull(strstr(log->problems->pdata[0], "0xffffffff81001100"));
	ring_clear(&r);
	fx_clear(&f);
}

/* A text block that belongs to another descriptor, and lpos values that are
 * not a block of the ring: those records say so, naming the address; the
 * others read normally. */
static void test_lockless_corrupt_blocks(void)
{
	Fx f;
	Ring r;
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(OlPrintkLog) log = NULL;
	g_autofree char *text = NULL;
	guint64 bogus = 0x12345, far = 0x100000;
	const OlPrintkRecord *rec;

	fx_init(&f);
	ring_init(&r, 4, 10, 1, 0);
	ring_add_str(&r, 0, 1000, "good one");
	ring_add_str(&r, 1, 2000, "overwritten");
	ring_add_str(&r, 2, 3000, "bad lpos");
	ring_add_str(&r, 3, 4000, "good two");
	/* record 1's block starts after record 0's 8-byte ID and 8 bytes of text */
	memcpy(r.data + 16, &bogus, 8);
	/* record 2: next far beyond begin */
	memcpy(r.descs + 24 * 3 + 16, &far, 8);
	ring_install(&f, &r);
	t = fx_open(&f);
	log = read_log(t);
	g_assert_cmpuint(log->records->len, ==, 4);
	rec = log->records->pdata[1];
	g_assert_nonnull(rec->problem);
	g_assert_nonnull(strstr(rec->problem, "0xffff888000420010"));
	g_assert_nonnull(strstr(rec->problem, "0x12345"));
	rec = log->records->pdata[2];
	g_assert_nonnull(rec->problem);
	g_assert_nonnull(strstr(rec->problem, "0x100000"));
	g_assert_nonnull(strstr(rec->problem, "0xffff888000400048")); /* its descriptor */
	text = ol_printk_format(log, OL_PRINTK_SHOW_TIME);
	g_assert_true(g_str_has_prefix(text, "[    0.000001] good one\n[    0.000002] (oopslab: seq 1: text block at "
					     "0xffff888000420010 belongs to descriptor 0x12345, not 0x2)\n"));
	g_assert_true(g_str_has_suffix(text, "[    0.000004] good two\n"));
	ring_clear(&r);
	fx_clear(&f);
}

/* The text ring's second page is not in the dump: records there say so,
 * the range is reported, the rest of the log reads. */
static void test_lockless_missing_page(void)
{
	Fx f;
	Ring r;
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(OlPrintkLog) log = NULL;
	g_autofree char *line = g_strnfill(2000, 'a');
	const OlPrintkRecord *rec;

	fx_init(&f);
	ring_init(&r, 4, 14, 1, 0);
	ring_add_str(&r, 0, 1, line);       /* 0 .. 2008 */
	ring_add_str(&r, 1, 2, line);       /* 2008 .. 4016 */
	ring_add_str(&r, 2, 3, line);       /* 4016 .. 6024: into the missing page */
	ring_add_str(&r, 3, 4, "after");    /* 6024 .. 6040: in it */
	ring_add_str(&r, 4, 5, line + 152); /* 6040 .. 7896: in it */
	ring_add_str(&r, 5, 6, "beyond");   /* 7896 .. 7912: still */
	ring_add_str(&r, 6, 7, line + 1720); /* 7912 .. 8200: partly in it */
	ring_add_str(&r, 7, 8, "beyond the hole");
	ring_install(&f, &r);
	fx_hole(&f, TEXT_PA + 0x1000);
	t = fx_open(&f);
	log = read_log(t);
	g_assert_cmpuint(log->records->len, ==, 8);
	for (guint i = 0; i < 8; i++)
		g_assert_true((((OlPrintkRecord *)log->records->pdata[i])->problem != NULL) ==
			      (i >= 2 && i <= 6));
	rec = log->records->pdata[2];
	g_assert_nonnull(strstr(rec->problem, "0xffff888000420fb0 is not in the dump"));
	rec = log->records->pdata[7];
	g_assert_cmpstr(rec->text, ==, "beyond the hole");
	g_assert_cmpuint(log->problems->len, ==, 1);
	g_assert_nonnull(strstr(log->problems->pdata[0], "printk text ring: 0xffff888000421000-0xffff888000422000"));
	ring_clear(&r);
	fx_clear(&f);
}

static void expect_error(Fx *f, const char *part)
{
	g_autoptr(OlTarget) t = fx_open(f);
	g_autoptr(OlPrintkLog) log = NULL;
	g_autoptr(GError) err = ol_printk_read_log(ol_target_kmem(t), &log);
	g_autofree char *mon = ol_monitor_run(t, "dmesg");

	g_assert_nonnull(err);
	g_test_message("%s", err->message);
	g_assert_nonnull(strstr(err->message, part));
	g_assert_true(g_str_has_prefix(mon, "monitor dmesg: "));
	g_assert_nonnull(strstr(mon, part));
}

/* Damage that leaves nothing to read is an error naming the address. */
static void test_lockless_fatal(void)
{
	Fx f;
	Ring r;

	/* the descriptor array is not in the dump */
	fx_init(&f);
	ring_init(&r, 4, 9, 1, 0);
	ring_add_str(&r, 0, 0, "x");
	ring_install(&f, &r);
	fx_hole(&f, DESCS_PA);
	expect_error(&f, "printk descriptors (prb_desc[]) at 0xffff888000400000");
	fx_clear(&f);

	/* impossible ring sizes */
	fx_init(&f);
	r.count_bits = 60;
	ring_install(&f, &r);
	expect_error(&f, "printk_ringbuffer at 0xffffffff81001100: desc_ring.count_bits 60");
	fx_clear(&f);
	r.count_bits = 4;

	/* prb points nowhere */
	fx_init(&f);
	ring_install(&f, &r);
	kpoke64(&f, VAR_PRB, dva(0x3ff000));
	expect_error(&f, "printk_ringbuffer at 0xffff8880003ff000 (from prb at 0xffffffff81001000)");
	fx_clear(&f);

	/* a VMCOREINFO offset that would overflow the reader's arithmetic */
	fx_init(&f);
	g_string_append(f.vmcoreinfo, "OFFSET(printk_info.text_len)=18446744073709551612\n");
	ring_install(&f, &r);
	expect_error(&f, "OFFSET(printk_info.text_len) = 18446744073709551612 is not plausible");
	fx_clear(&f);

	/* no log at all */
	fx_init(&f);
	expect_error(&f, "no kernel log in this dump: no SYMBOL(prb) in VMCOREINFO");
	fx_clear(&f);
	ring_clear(&r);
}

/* Random damage to descriptors, infos, text and IDs: never a crash, and
 * either an error or a log (reproduce a failure with --seed). */
static void test_lockless_random_damage(void)
{
	for (int round = 0; round < 40; round++) {
		Fx f;
		Ring r;
		g_autoptr(OlTarget) t = NULL;
		g_autoptr(OlPrintkLog) log = NULL;
		g_autoptr(GError) err = NULL;

		fx_init(&f);
		ring_init(&r, 4, 9, (guint64)g_test_rand_int_range(0, 1000),
			  (guint64)g_test_rand_int_range(0, 5000));
		for (int i = 0; i < 12; i++)
			ring_add_str(&r, (guint64)i, (guint64)i * 1000, "some line of text\nand more");
		for (int i = 0; i < 8; i++) {
			r.descs[g_test_rand_int_range(0, 16 * 24)] = (guint8)g_test_rand_int();
			r.infos[g_test_rand_int_range(0, 16 * 88)] = (guint8)g_test_rand_int();
			r.data[g_test_rand_int_range(0, 512)] = (guint8)g_test_rand_int();
		}
		if (g_test_rand_bit())
			r.tail_id = ((guint64)g_test_rand_int() << 32 | (guint32)g_test_rand_int()) &
				    DESC_ID_MASK;
		ring_install(&f, &r);
		t = fx_open(&f);
		err = ol_printk_read_log(ol_target_kmem(t), &log);
		if (!err) {
			g_autofree char *text = ol_printk_format(log,
								 OL_PRINTK_SHOW_TIME | OL_PRINTK_SHOW_LEVEL);

			g_assert_nonnull(text);
		}
		ring_clear(&r);
		fx_clear(&f);
	}
}

/* ---- legacy log_buf ------------------------------------------------------ */

static gsize legacy_record(guint8 *buf, gsize at, guint64 ts, guint8 level, const char *text,
			   const char *dict, gsize dict_len, gsize pad)
{
	guint16 text_len = (guint16)strlen(text), dl = (guint16)dict_len;
	guint16 len = (guint16)((16 + text_len + dict_len + pad + 3) & ~3u);

	memset(buf + at, 0, len);
	memcpy(buf + at, &ts, 8);
	memcpy(buf + at + 8, &len, 2);
	memcpy(buf + at + 10, &text_len, 2);
	memcpy(buf + at + 12, &dl, 2);
	buf[at + 15] = (guint8)(level << 5);
	memcpy(buf + at + 16, text, text_len);
	memcpy(buf + at + 16 + text_len, dict, dict_len);
	return len;
}

static void legacy_install(Fx *f, const guint8 *buf, guint32 len, guint32 first, guint32 next)
{
	kpoke(f, dva(LOG_BUF_PA), buf, len);
	kpoke64(f, VAR_LOG_BUF, dva(LOG_BUF_PA));
	kpoke32(f, VAR_LOG_BUF_LEN, len);
	kpoke32(f, VAR_LOG_FIRST_IDX, first);
	kpoke32(f, VAR_LOG_NEXT_IDX, next);
	g_string_append_printf(f->vmcoreinfo,
			       "SYMBOL(log_buf)=%" G_GINT64_MODIFIER "x\nSYMBOL(log_buf_len)=%" G_GINT64_MODIFIER
			       "x\nSYMBOL(log_first_idx)=%" G_GINT64_MODIFIER "x\nSYMBOL(clear_idx)=%" G_GINT64_MODIFIER
			       "x\nSYMBOL(log_next_idx)=%" G_GINT64_MODIFIER "x\n%s",
			       VAR_LOG_BUF, VAR_LOG_BUF_LEN, VAR_LOG_FIRST_IDX, VAR_LOG_FIRST_IDX,
			       VAR_LOG_NEXT_IDX, log_vmcoreinfo);
}

/* Oldest records at the end of the buffer, a zero-length wrap marker, the
 * newest at the start (log_first_idx > log_next_idx); dicts not shown. */
static void test_legacy(void)
{
	Fx f;
	guint8 buf[512];
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(OlPrintkLog) log = NULL;
	g_autofree char *text = NULL;
	static const char dict[] = "SUBSYSTEM=pci\0DEVICE=+pci:0000:00:01.0";
	gsize at = 360, first = 360, next;
	const OlPrintkRecord *rec;

	memset(buf, 0xaa, sizeof(buf)); /* stale bytes of overwritten records */
	fx_init(&f);
	at += legacy_record(buf, at, 5000000, 6, "oldest", "", 0, 0);
	at += legacy_record(buf, at, 6000000, 6, "with dict", dict, sizeof(dict) - 1, 0);
	at += legacy_record(buf, at, 7000000, 4, "multi\nline", "", 0, 5);
	g_assert_cmpuint(at + 16 + 40, >, sizeof(buf)); /* the next does not fit */
	memset(buf + at, 0, 16);                          /* wrap marker */
	next = legacy_record(buf, 0, 8000000, 0, "", "", 0, 0); /* an empty line */
	next += legacy_record(buf, next, 9000000, 0, "Kernel panic - not syncing: x", "", 0, 0);
	legacy_install(&f, buf, sizeof(buf), (guint32)first, (guint32)next);
	t = fx_open(&f);
	log = read_log(t);
	g_assert_cmpint(log->format, ==, OL_PRINTK_LEGACY);
	g_assert_cmpuint(log->problems->len, ==, 0);
	g_assert_cmpuint(log->records->len, ==, 5);
	rec = log->records->pdata[1];
	g_assert_cmpstr(rec->dict, ==, "SUBSYSTEM=pci\nDEVICE=+pci:0000:00:01.0");
	g_assert_cmpuint(rec->level, ==, 6);
	g_assert_cmphex(rec->text_addr, ==, dva(LOG_BUF_PA) + first + 24 + 16);
	text = ol_printk_format(log, OL_PRINTK_SHOW_TIME);
	/* crash prints a timestamp for every legacy record, empty or not */
	g_assert_cmpstr(text, ==,
			"[    0.005000] oldest\n"
			"[    0.006000] with dict\n"
			"[    0.007000] multi\n"
			"               line\n"
			"[    0.008000] \n"
			"[    0.009000] Kernel panic - not syncing: x\n");
	fx_clear(&f);
}

/* A record that ends the buffer exactly: the next is at 0. */
static void test_legacy_exact_end(void)
{
	Fx f;
	guint8 buf[128] = {0};
	g_autoptr(OlTarget) t = NULL;
	g_autofree char *text = NULL;
	gsize next;

	fx_init(&f);
	g_assert_cmpuint(legacy_record(buf, 96, 1000, 6, "sixteen chars!!!", "", 0, 0), ==, 32);
	next = legacy_record(buf, 0, 2000, 6, "at zero", "", 0, 0);
	legacy_install(&f, buf, sizeof(buf), 96, (guint32)next);
	t = fx_open(&f);
	text = read_text(t);
	g_assert_cmpstr(text, ==, "[    0.000001] sixteen chars!!!\n[    0.000002] at zero\n");
	fx_clear(&f);
}

/* A broken length ends the walk with a problem naming the record. */
static void test_legacy_corrupt(void)
{
	Fx f;
	guint8 buf[256] = {0};
	g_autoptr(OlTarget) t = NULL;
	g_autoptr(OlPrintkLog) log = NULL;
	g_autofree char *text = NULL;
	gsize at = 0;
	guint16 three = 3;

	fx_init(&f);
	at += legacy_record(buf, at, 1000, 6, "fine one", "", 0, 0);
	at += legacy_record(buf, at, 2000, 6, "broken", "", 0, 0);
	memcpy(buf + 24 + 8, &three, 2);
	at += legacy_record(buf, at, 3000, 6, "unreached", "", 0, 0);
	legacy_install(&f, buf, sizeof(buf), 0, (guint32)at);
	t = fx_open(&f);
	log = read_log(t);
	g_assert_cmpuint(log->records->len, ==, 1);
	g_assert_cmpuint(log->problems->len, ==, 1);
	g_assert_nonnull(strstr(log->problems->pdata[0], "the record at 0xffff888000440018 has length 3"));
	text = ol_printk_format(log, OL_PRINTK_SHOW_TIME);
	g_assert_true(g_str_has_prefix(text, "[    0.000001] fine one\n"
					     "oopslab: 1 problem reading the log:\n  log_buf at "));
	fx_clear(&f);
}

/* Random lengths, indices and bytes: never a crash. */
static void test_legacy_random_damage(void)
{
	for (int round = 0; round < 40; round++) {
		Fx f;
		guint8 buf[512];
		g_autoptr(OlTarget) t = NULL;
		g_autoptr(OlPrintkLog) log = NULL;
		g_autoptr(GError) err = NULL;
		gsize at = 0;

		fx_init(&f);
		for (guint i = 0; i < sizeof(buf); i++)
			buf[i] = (guint8)g_test_rand_int();
		while (at + 64 < sizeof(buf))
			at += legacy_record(buf, at, at, 6, "a line\nof text", "K=v", 3, 0);
		for (int i = 0; i < 6; i++)
			buf[g_test_rand_int_range(0, sizeof(buf))] = (guint8)g_test_rand_int();
		legacy_install(&f, buf, sizeof(buf), (guint32)g_test_rand_int_range(0, 520),
			       (guint32)g_test_rand_int_range(0, 520));
		t = fx_open(&f);
		err = ol_printk_read_log(ol_target_kmem(t), &log);
		if (!err) {
			g_autofree char *text = ol_printk_format(log, OL_PRINTK_SHOW_TIME);

			g_assert_nonnull(text);
		}
		fx_clear(&f);
	}
}

/* ---- sysinfo: utsname and the panic message, from VMCOREINFO alone ------ */

static void put_uts(Fx *f)
{
	char uts[6 * 65] = {0};

	strcpy(uts, "Linux");
	strcpy(uts + 65, "(none)");
	strcpy(uts + 130, "6.1.0-test");
	strcpy(uts + 195, "#1 SMP today");
	strcpy(uts + 260, "x86_64");
	kpoke(f, VAR_UTS, uts, sizeof(uts));
	g_string_append_printf(f->vmcoreinfo,
			       "SYMBOL(init_uts_ns)=%" G_GINT64_MODIFIER "x\nOFFSET(uts_namespace.name)=0\n", VAR_UTS);
}

static void test_sys(void)
{
	Fx f;
	Ring r;
	g_autoptr(OlTarget) t = NULL;
	g_autofree char *panic = NULL, *sys = NULL;

	fx_init(&f);
	put_uts(&f);
	ring_init(&r, 4, 10, 1, 0);
	ring_add_str(&r, 0, 1000, "BUG: kernel NULL pointer dereference, address: 0000000000000008");
	/* an oops line in a continuation: crash reads the log line by line */
	ring_add_str(&r, 1, 2000, "#PF: supervisor write access in kernel mode\nOops: 0002 [#1] SMP");
	ring_add_str(&r, 2, 3000, "Kernel panic - not syncing: Fatal exception");
	ring_install(&f, &r);
	t = fx_open(&f);
	panic = ol_sysinfo_panic_message(ol_target_kmem(t));
	/* crash prefers the oops to the "Kernel panic" line */
	g_assert_cmpstr(panic, ==, "Oops: 0002 [#1] SMP");
	sys = ol_monitor_run(t, "sys");
	g_test_message("%s", sys);
	g_assert_nonnull(strstr(sys, "\n     RELEASE: 6.1.0-test\n"));
	g_assert_nonnull(strstr(sys, "\n    NODENAME: (none)\n"));
	g_assert_nonnull(strstr(sys, "\n     MACHINE: x86_64  (unknown Mhz)\n"));
	g_assert_nonnull(strstr(sys, "\n        CPUS: 1\n"));
	g_assert_nonnull(strstr(sys, "\n      UPTIME: 00:00:00\n")); /* the last record's time */
	g_assert_nonnull(strstr(sys, "\n       PANIC: \"Oops: 0002 [#1] SMP\" (check log for details)\n"));
	ring_clear(&r);
	fx_clear(&f);

	/* a general protection fault line wins over everything else; only
	 * "Kernel panic" when nothing else is there */
	fx_init(&f);
	ring_init(&r, 4, 10, 1, 0);
	ring_add_str(&r, 0, 1000, "Kernel panic - not syncing: sysrq triggered crash");
	ring_add_str(&r, 1, 2000, "double fault: 0000 [#1] SMP");
	ring_install(&f, &r);
	g_clear_pointer(&t, ol_target_free);
	t = fx_open(&f);
	g_free(panic);
	panic = ol_sysinfo_panic_message(ol_target_kmem(t));
	g_assert_cmpstr(panic, ==, "double fault: 0000 [#1] SMP");
	ring_clear(&r);
	fx_clear(&f);

	fx_init(&f);
	ring_init(&r, 4, 10, 1, 0);
	ring_add_str(&r, 0, 1000, "sysrq: Trigger a crash");
	ring_add_str(&r, 1, 2000, "Kernel panic - not syncing: sysrq triggered crash");
	ring_install(&f, &r);
	g_clear_pointer(&t, ol_target_free);
	t = fx_open(&f);
	g_free(panic);
	panic = ol_sysinfo_panic_message(ol_target_kmem(t));
	g_assert_cmpstr(panic, ==, "Kernel panic - not syncing: sysrq triggered crash");
	ring_clear(&r);
	fx_clear(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/printk/lockless/wrapped", test_lockless_wrapped);
	g_test_add_func("/printk/lockless/span", test_lockless_span);
	g_test_add_func("/printk/lockless/corrupt-blocks", test_lockless_corrupt_blocks);
	g_test_add_func("/printk/lockless/missing-page", test_lockless_missing_page);
	g_test_add_func("/printk/lockless/fatal", test_lockless_fatal);
	g_test_add_func("/printk/lockless/random-damage", test_lockless_random_damage);
	g_test_add_func("/printk/legacy/wrapped", test_legacy);
	g_test_add_func("/printk/legacy/exact-end", test_legacy_exact_end);
	g_test_add_func("/printk/legacy/corrupt", test_legacy_corrupt);
	g_test_add_func("/printk/legacy/random-damage", test_legacy_random_damage);
	g_test_add_func("/printk/sys", test_sys);
	return g_test_run();
}
