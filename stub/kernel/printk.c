/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "printk.h"

#include <stdarg.h>
#include <string.h>

#include "vmcoreinfo.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (G_GUINT64_CONSTANT(1) << PAGE_SHIFT)

static void add_problem(GPtrArray *problems, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_problem(GPtrArray *problems, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(problems, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static GError *corrupt(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static GError *corrupt(const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_error_new_literal(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT, msg);
}

/* ---- memory: whole regions, tolerating pages the dump lacks ------------ */

/* A copy of [addr, addr + len) in which unreadable pages read as zeros and
 * are remembered, so one missing page costs the records on it, not the log. */
typedef struct {
	guint64 addr;
	gsize len;
	guint8 *data;
	gboolean *missing; /* per page, counted from addr's page */
} Region;

static void region_clear(Region *r)
{
	g_clear_pointer(&r->data, g_free);
	g_clear_pointer(&r->missing, g_free);
}

static guint64 page_index(const Region *r, guint64 off)
{
	return ((r->addr + off) >> PAGE_SHIFT) - (r->addr >> PAGE_SHIFT);
}

/* TRUE if all of [off, off + n) was read. */
static gboolean region_ok(const Region *r, guint64 off, guint64 n)
{
	if (off > r->len || n > r->len - off)
		return FALSE;
	for (guint64 p = page_index(r, off); n && p <= page_index(r, off + n - 1); p++)
		if (r->missing[p])
			return FALSE;
	return TRUE;
}

/* Bytes of memory the dump describes: no ring the kernel had can be larger,
 * so damaged sizes are refused before anything is allocated or read. */
static guint64 dump_memory(OlKmem *t)
{
	OlDump *d = ol_kmem_dump(t);
	guint64 total = 0, start, size;

	for (guint i = 0; ol_dump_range(d, i, &start, &size); i++)
		total = total + size < total ? G_MAXUINT64 : total + size;
	return total;
}

static GError *region_read(OlKmem *t, guint64 addr, gsize len, const char *what, GPtrArray *problems,
			   Region *r)
{
	gsize off = 0, got = 0;
	guint n_problems = problems->len;
	g_autoptr(GError) first = NULL;

	if (len > dump_memory(t))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT,
				   "%s at " X64 ": 0x%" G_GSIZE_MODIFIER "x bytes, more than the dump's memory",
				   what, addr, len);

	if (addr + len < addr)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT,
				   "%s at " X64 ": 0x%" G_GSIZE_MODIFIER "x bytes run past the end of the address "
				   "space",
				   what, addr, len);
	r->addr = addr;
	r->len = len;
	r->data = g_try_malloc0(len ? len : 1);
	if (!r->data)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT,
				   "%s at " X64 ": 0x%" G_GSIZE_MODIFIER "x bytes are more than this host can hold",
				   what, addr, len);
	r->missing = g_new0(gboolean, page_index(r, len ? len - 1 : 0) + 1);
	while (off < len) {
		gsize done = 0;
		GError *err = ol_kmem_read(t, addr + off, r->data + off, len - off, &done);
		guint64 bad, end;

		got += done;
		off += done;
		if (!err)
			break;
		/* Skip to the next page, and on over every page that fails too,
		 * so the problem names one range, not each page. */
		bad = addr + off;
		end = MIN((bad | (PAGE_SIZE - 1)) + 1 - addr, len);
		memset(r->data + off, 0, end - off);
		r->missing[page_index(r, off)] = TRUE;
		off = end;
		while (off < len) {
			guint8 probe;
			gsize d;
			g_autoptr(GError) e2 = ol_kmem_read(t, addr + off, &probe, 1, &d);

			if (!e2)
				break;
			r->missing[page_index(r, off)] = TRUE;
			off = MIN(off + PAGE_SIZE, len);
		}
		if (!first)
			first = g_error_copy(err);
		add_problem(problems, "%s: " X64 "-" X64 " is not in the dump (%s)", what, bad, addr + off,
			    err->message);
		g_error_free(err);
	}
	if (len && !got) {
		region_clear(r);
		g_ptr_array_set_size(problems, n_problems);
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "%s at " X64 " (0x%" G_GSIZE_MODIFIER "x bytes): nothing of it is readable (%s)",
				   what, addr, len, first->message);
	}
	return NULL;
}

static guint64 get_u64(const guint8 *p)
{
	guint64 v;

	memcpy(&v, p, sizeof(v));
	return GUINT64_FROM_LE(v);
}

static guint32 get_u32(const guint8 *p)
{
	guint32 v;

	memcpy(&v, p, sizeof(v));
	return GUINT32_FROM_LE(v);
}

static guint16 get_u16(const guint8 *p)
{
	guint16 v;

	memcpy(&v, p, sizeof(v));
	return GUINT16_FROM_LE(v);
}

static GError *read_u64(OlKmem *t, guint64 addr, const char *what, guint64 *v)
{
	GError *err = ol_kmem_read_u64(t, addr, v);

	if (err)
		g_prefix_error(&err, "%s at " X64 ": ", what, addr);
	return err;
}

static GError *read_u32(OlKmem *t, guint64 addr, const char *what, guint32 *v)
{
	GError *err = ol_kmem_read_u32(t, addr, v);

	if (err)
		g_prefix_error(&err, "%s at " X64 ": ", what, addr);
	return err;
}

/* ---- records ------------------------------------------------------------ */

static void record_free(gpointer p)
{
	OlPrintkRecord *r = p;

	g_free(r->text);
	g_free(r->dict);
	g_free(r->problem);
	g_free(r);
}

void ol_printk_log_free(OlPrintkLog *log)
{
	if (!log)
		return;
	if (log->records)
		g_ptr_array_unref(log->records);
	if (log->problems)
		g_ptr_array_unref(log->problems);
	g_free(log);
}

static OlPrintkRecord *record_new(void)
{
	OlPrintkRecord *r = g_new0(OlPrintkRecord, 1);

	r->text = g_strdup("");
	r->dict = g_strdup("");
	return r;
}

static void record_set_text(OlPrintkRecord *r, const guint8 *text, gsize len, guint64 addr)
{
	g_free(r->text);
	r->text = g_malloc(len + 1);
	memcpy(r->text, text, len);
	r->text[len] = 0;
	r->text_len = len;
	r->text_addr = addr;
	r->has_text = TRUE;
}

static void record_problem(OlPrintkRecord *r, char *msg)
{
	g_free(r->problem);
	r->problem = msg;
}

/* ---- the lockless ring (Linux >= 5.10) ---------------------------------- */

/* kernel/printk/printk_ringbuffer.h: state_var = 2 state bits | 62 ID bits */
#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK ((G_GUINT64_CONSTANT(1) << DESC_FLAGS_SHIFT) - 1)
#define DESC_STATE(sv) ((sv) >> DESC_FLAGS_SHIFT)
enum { DESC_RESERVED, DESC_COMMITTED, DESC_FINALIZED, DESC_REUSABLE };
#define LPOS_DATALESS(lpos) ((lpos) & 1) /* FAILED_LPOS 0x1, NO_LPOS/EMPTY_LINE_LPOS 0x3 */

typedef struct {
	/* printk_ringbuffer */
	guint64 rb_size, desc_ring, text_ring;
	/* prb_desc_ring */
	guint64 count_bits, descs, infos, head_id, tail_id;
	/* prb_desc, prb_data_blk_lpos, atomic_long_t */
	guint64 desc_size, state_var, text_blk_lpos, lpos_begin, lpos_next, counter;
	/* printk_info, dev_printk_info */
	guint64 info_size, seq, ts_nsec, text_len, caller_id, dev_info;
	guint64 subsystem, subsystem_len, device, device_len;
	gboolean has_dev_info;
	/* prb_data_ring */
	guint64 size_bits, data;
} PrbLayout;

static GError *prb_layout(OlKmem *t, PrbLayout *o)
{
	GError *err = NULL;

	if ((err = ol_kmem_layout_size(t, "printk_ringbuffer", &o->rb_size)) ||
	    (err = ol_kmem_layout_offset(t, "printk_ringbuffer", "desc_ring", &o->desc_ring)) ||
	    (err = ol_kmem_layout_offset(t, "printk_ringbuffer", "text_data_ring", &o->text_ring)) ||
	    (err = ol_kmem_layout_offset(t, "prb_desc_ring", "count_bits", &o->count_bits)) ||
	    (err = ol_kmem_layout_offset(t, "prb_desc_ring", "descs", &o->descs)) ||
	    (err = ol_kmem_layout_offset(t, "prb_desc_ring", "infos", &o->infos)) ||
	    (err = ol_kmem_layout_offset(t, "prb_desc_ring", "head_id", &o->head_id)) ||
	    (err = ol_kmem_layout_offset(t, "prb_desc_ring", "tail_id", &o->tail_id)) ||
	    (err = ol_kmem_layout_size(t, "prb_desc", &o->desc_size)) ||
	    (err = ol_kmem_layout_offset(t, "prb_desc", "state_var", &o->state_var)) ||
	    (err = ol_kmem_layout_offset(t, "prb_desc", "text_blk_lpos", &o->text_blk_lpos)) ||
	    (err = ol_kmem_layout_offset(t, "prb_data_blk_lpos", "begin", &o->lpos_begin)) ||
	    (err = ol_kmem_layout_offset(t, "prb_data_blk_lpos", "next", &o->lpos_next)) ||
	    (err = ol_kmem_layout_size(t, "printk_info", &o->info_size)) ||
	    (err = ol_kmem_layout_offset(t, "printk_info", "seq", &o->seq)) ||
	    (err = ol_kmem_layout_offset(t, "printk_info", "ts_nsec", &o->ts_nsec)) ||
	    (err = ol_kmem_layout_offset(t, "printk_info", "text_len", &o->text_len)) ||
	    (err = ol_kmem_layout_offset(t, "printk_info", "caller_id", &o->caller_id)) ||
	    (err = ol_kmem_layout_offset(t, "prb_data_ring", "size_bits", &o->size_bits)) ||
	    (err = ol_kmem_layout_offset(t, "prb_data_ring", "data", &o->data))) {
		g_prefix_error(&err, "printk ring layout: ");
		return err;
	}
	/* atomic_long_t is a typedef of an anonymous struct, so DWARF cannot
	 * name it; its only member is the counter. */
	if (!ol_kmem_try_vmcoreinfo_u64(t, "OFFSET(atomic_long_t.counter)", &o->counter))
		o->counter = 0;
	else if (o->counter >= OL_KMEM_LAYOUT_MAX)
		return ol_kmem_implausible("OFFSET(atomic_long_t.counter)", o->counter);
	/* dev_info only adds SUBSYSTEM=/DEVICE= lines: optional. */
	o->has_dev_info = ol_kmem_layout_try_offset(t, "printk_info", "dev_info", &o->dev_info) &&
			  ol_kmem_try_vmcoreinfo_u64(t, "OFFSET(dev_printk_info.subsystem)", &o->subsystem) &&
			  ol_kmem_try_vmcoreinfo_u64(t, "LENGTH(printk_info_subsystem)", &o->subsystem_len) &&
			  ol_kmem_try_vmcoreinfo_u64(t, "OFFSET(dev_printk_info.device)", &o->device) &&
			  ol_kmem_try_vmcoreinfo_u64(t, "LENGTH(printk_info_device)", &o->device_len);
	/* Everything here is read from buffers of the sizes above. */
	if (o->state_var + o->counter + 8 > o->desc_size ||
	    o->text_blk_lpos + MAX(o->lpos_begin, o->lpos_next) + 8 > o->desc_size ||
	    MAX(o->seq, o->ts_nsec) + 8 > o->info_size || o->text_len + 4 > o->info_size ||
	    o->caller_id + 4 > o->info_size ||
	    MAX(o->desc_ring + MAX(o->count_bits + 4, MAX(o->descs, o->infos) + 8),
		o->desc_ring + MAX(o->head_id, o->tail_id) + o->counter + 8) > o->rb_size ||
	    o->text_ring + MAX(o->size_bits + 4, o->data + 8) > o->rb_size)
		return corrupt("printk ring layout from VMCOREINFO is inconsistent (offsets beyond SIZE())");
	if (o->has_dev_info &&
	    (MAX(MAX(o->subsystem, o->subsystem_len), MAX(o->device, o->device_len)) >= OL_KMEM_LAYOUT_MAX ||
	     o->dev_info + MAX(o->subsystem + o->subsystem_len, o->device + o->device_len) > o->info_size))
		o->has_dev_info = FALSE;
	return NULL;
}

/* The fixed-size strings of dev_info, as crash log -d shows them. */
static char *dev_info_dict(const PrbLayout *o, const guint8 *info)
{
	g_autofree char *sub = g_strndup((const char *)info + o->dev_info + o->subsystem, o->subsystem_len);
	g_autofree char *dev = g_strndup((const char *)info + o->dev_info + o->device, o->device_len);
	GString *d = g_string_new(NULL);

	if (*sub)
		g_string_append_printf(d, "SUBSYSTEM=%s", sub);
	if (*dev)
		g_string_append_printf(d, "%sDEVICE=%s", d->len ? "\n" : "", dev);
	return g_string_free(d, FALSE);
}

typedef struct {
	const PrbLayout *o;
	guint64 count;  /* descriptors */
	guint64 dsize;  /* text ring bytes */
	Region descs, infos, text;
} Prb;

/* Where a text block's bytes are, as the kernel's get_data() finds them: a
 * block that would cross the end of the ring is stored whole at its start. */
static gboolean block_place(const Prb *p, guint64 begin, guint64 next, guint64 *off, guint64 *len)
{
	guint bits = (guint)p->o->size_bits;

	if (next - begin > p->dsize || next == begin)
		return FALSE;
	if (begin >> bits == next >> bits) {
		*off = begin & (p->dsize - 1);
		*len = next - begin;
		return TRUE;
	}
	if ((begin + p->dsize) >> bits == next >> bits) {
		*off = 0;
		*len = next & (p->dsize - 1);
		return TRUE;
	}
	return FALSE;
}

/* One descriptor; NULL when it holds no record to show (not committed or
 * finalized, or not this ID's: reserved, being reused, or stale). */
static OlPrintkRecord *prb_record(const Prb *p, guint64 id)
{
	const PrbLayout *o = p->o;
	guint64 idx = id & (p->count - 1);
	guint64 doff = idx * o->desc_size, ioff = idx * o->info_size;
	const guint8 *desc = p->descs.data + doff, *info = p->infos.data + ioff;
	guint64 sv, begin, next, boff, blen, block_id, text_len;
	OlPrintkRecord *r;

	/* A missing descriptor page was reported once for the whole range. */
	if (!region_ok(&p->descs, doff, o->desc_size))
		return NULL;
	sv = get_u64(desc + o->state_var + o->counter);
	if ((sv & DESC_ID_MASK) != id ||
	    (DESC_STATE(sv) != DESC_COMMITTED && DESC_STATE(sv) != DESC_FINALIZED))
		return NULL;
	r = record_new();
	if (!region_ok(&p->infos, ioff, o->info_size)) {
		record_problem(r, g_strdup_printf("descriptor " U64 ": its printk_info at " X64 " is not in the dump",
						  id, p->infos.addr + ioff));
		return r;
	}
	r->seq = get_u64(info + o->seq);
	r->ts_nsec = get_u64(info + o->ts_nsec);
	text_len = get_u16(info + o->text_len);
	/* struct printk_info: u16 text_len; u8 facility; u8 flags:5, level:3
	 * (bit-fields, so VMCOREINFO cannot name them; unchanged since 5.10) */
	r->facility = info[o->text_len + 2];
	r->flags = info[o->text_len + 3] & 0x1f;
	r->level = info[o->text_len + 3] >> 5;
	r->has_caller = TRUE;
	r->caller_id = get_u32(info + o->caller_id);
	if (o->has_dev_info) {
		g_free(r->dict);
		r->dict = dev_info_dict(o, info);
	}

	begin = get_u64(desc + o->text_blk_lpos + o->lpos_begin);
	next = get_u64(desc + o->text_blk_lpos + o->lpos_next);
	if (LPOS_DATALESS(begin))
		return r; /* an empty line, or text that was never stored */
	if (!block_place(p, begin, next, &boff, &blen))
		record_problem(r, g_strdup_printf("seq " U64 ": text block lpos " X64 "-" X64 " (descriptor at "
						  X64 ") is not a block of the " X64 "-byte ring at " X64,
						  r->seq, begin, next, p->descs.addr + doff, p->dsize,
						  p->text.addr));
	else if (blen < 8)
		record_problem(r, g_strdup_printf("seq " U64 ": text block at " X64 " is " U64
						  " bytes, too short for its ID",
						  r->seq, p->text.addr + boff, blen));
	else if (!region_ok(&p->text, boff, blen))
		record_problem(r, g_strdup_printf("seq " U64 ": text block at " X64 " is not in the dump", r->seq,
						  p->text.addr + boff));
	else if ((block_id = get_u64(p->text.data + boff)) != id)
		/* Each block starts with the ID of the descriptor it belongs
		 * to; another ID means the text was overwritten. */
		record_problem(r, g_strdup_printf("seq " U64 ": text block at " X64 " belongs to descriptor " X64
						  ", not " X64,
						  r->seq, p->text.addr + boff, block_id, id));
	else
		record_set_text(r, p->text.data + boff + 8, MIN(text_len, blen - 8), p->text.addr + boff + 8);
	return r;
}

static GError *read_lockless(OlKmem *t, guint64 prb_sym, OlPrintkLog *log)
{
	PrbLayout o = {0};
	Prb p = {.o = &o};
	g_autofree guint8 *rb = NULL;
	guint64 rb_addr, head, tail, descs, infos, data, span;
	guint32 count_bits, size_bits;
	gsize done;
	GError *err;

	if ((err = prb_layout(t, &o)) || (err = read_u64(t, prb_sym, "prb (the printk ring pointer)", &rb_addr)))
		return err;
	rb = g_malloc0(o.rb_size);
	if ((err = ol_kmem_read(t, rb_addr, rb, o.rb_size, &done))) {
		g_prefix_error(&err, "printk_ringbuffer at " X64 " (from prb at " X64 "): ", rb_addr, prb_sym);
		return err;
	}
	count_bits = get_u32(rb + o.desc_ring + o.count_bits);
	size_bits = get_u32(rb + o.text_ring + o.size_bits);
	descs = get_u64(rb + o.desc_ring + o.descs);
	infos = get_u64(rb + o.desc_ring + o.infos);
	data = get_u64(rb + o.text_ring + o.data);
	head = get_u64(rb + o.desc_ring + o.head_id + o.counter) & DESC_ID_MASK;
	tail = get_u64(rb + o.desc_ring + o.tail_id + o.counter) & DESC_ID_MASK;
	/* The kernel's ring has 2^CONFIG_LOG_BUF_SHIFT (12..25) text bytes, up
	 * to 2^31 with log_buf_len=, and a descriptor per 2^5 of them. */
	if (count_bits < 1 || count_bits > 26 || size_bits < 4 || size_bits > 31 || count_bits > size_bits)
		return corrupt("printk_ringbuffer at " X64
			       ": desc_ring.count_bits %u / text_data_ring.size_bits %u are not ring sizes",
			       rb_addr, count_bits, size_bits);
	o.size_bits = size_bits;
	p.count = G_GUINT64_CONSTANT(1) << count_bits;
	p.dsize = G_GUINT64_CONSTANT(1) << size_bits;
	if ((err = region_read(t, descs, p.count * o.desc_size, "printk descriptors (prb_desc[])", log->problems,
			       &p.descs)) ||
	    (err = region_read(t, infos, p.count * o.info_size, "printk infos (printk_info[])", log->problems,
			       &p.infos)) ||
	    (err = region_read(t, data, p.dsize, "printk text ring", log->problems, &p.text))) {
		g_prefix_error(&err, "printk_ringbuffer at " X64 ": ", rb_addr);
		goto out;
	}
	/* tail..head spans at most the ring; more means a damaged ID. */
	span = (head - tail) & DESC_ID_MASK;
	if (span >= p.count) {
		add_problem(log->problems,
			    "printk_ringbuffer at " X64 ": tail_id " X64 " and head_id " X64 " are " U64
			    " apart in a ring of " U64 ": reading the last " U64 " before the head",
			    rb_addr, tail, head, span, p.count, p.count);
		tail = (head - p.count + 1) & DESC_ID_MASK;
	}
	/* Oldest to newest, the head included, as the kernel's readers go. */
	for (guint64 id = tail;; id = (id + 1) & DESC_ID_MASK) {
		OlPrintkRecord *r = prb_record(&p, id);

		if (r)
			g_ptr_array_add(log->records, r);
		if (id == head)
			break;
	}
out:
	region_clear(&p.descs);
	region_clear(&p.infos);
	region_clear(&p.text);
	return err;
}

/* ---- struct printk_log records in log_buf (3.5 .. 5.9) ------------------ */

typedef struct {
	guint64 size, ts_nsec, len, text_len, dict_len, caller_id;
	gboolean has_caller;
} LogLayout;

static GError *log_layout(OlKmem *t, LogLayout *o)
{
	/* struct log became struct printk_log in 3.11, and VMCOREINFO with it */
	gboolean old_name = ol_kmem_vmcoreinfo_has(t, "SIZE(log)") && !ol_kmem_vmcoreinfo_has(t, "SIZE(printk_log)");
	const char *name = old_name ? "log" : "printk_log";
	GError *err = NULL;

	if ((err = ol_kmem_layout_size(t, name, &o->size)) ||
	    (err = ol_kmem_layout_offset(t, name, "ts_nsec", &o->ts_nsec)) ||
	    (err = ol_kmem_layout_offset(t, name, "len", &o->len)) ||
	    (err = ol_kmem_layout_offset(t, name, "text_len", &o->text_len)) ||
	    (err = ol_kmem_layout_offset(t, name, "dict_len", &o->dict_len))) {
		g_prefix_error(&err, "printk log_buf layout: ");
		return err;
	}
	/* caller_id (5.1+, CONFIG_PRINTK_CALLER) is not in VMCOREINFO */
	o->has_caller = ol_kmem_layout_try_offset(t, name, "caller_id", &o->caller_id) &&
			o->caller_id + 4 <= o->size;
	if (o->ts_nsec + 8 > o->size || MAX(o->len, o->text_len) + 2 > o->size || o->dict_len + 4 > o->size)
		return corrupt("printk log_buf layout from VMCOREINFO is inconsistent (offsets beyond SIZE(%s))", name);
	return NULL;
}

/* One record at OFF of the buffer (the caller checked the header fits). */
static OlPrintkRecord *log_record(const LogLayout *o, const Region *buf, guint64 off, guint16 reclen)
{
	const guint8 *h = buf->data + off;
	guint16 text_len = get_u16(h + o->text_len), dict_len = get_u16(h + o->dict_len);
	OlPrintkRecord *r = record_new();

	r->ts_nsec = get_u64(h + o->ts_nsec);
	/* u16 dict_len; u8 facility; u8 flags:5, level:3 (bit-fields) */
	r->facility = h[o->dict_len + 2];
	r->flags = h[o->dict_len + 3] & 0x1f;
	r->level = h[o->dict_len + 3] >> 5;
	if (o->has_caller) {
		r->has_caller = TRUE;
		r->caller_id = get_u32(h + o->caller_id);
	}
	if (o->size + text_len + dict_len > reclen)
		record_problem(r, g_strdup_printf("record at " X64
						  ": text_len %u + dict_len %u do not fit its length %u",
						  buf->addr + off, text_len, dict_len, reclen));
	else if (!region_ok(buf, off, reclen))
		record_problem(r, g_strdup_printf("record at " X64 " is not in the dump", buf->addr + off));
	else {
		const guint8 *dict = h + o->size + text_len;

		record_set_text(r, h + o->size, text_len, buf->addr + off + o->size);
		g_free(r->dict);
		/* key=value pairs separated by NULs: one a line here */
		r->dict = g_malloc(dict_len + 1);
		memcpy(r->dict, dict, dict_len);
		r->dict[dict_len] = 0;
		for (char *c = r->dict; c < r->dict + dict_len; c++)
			if (!*c)
				*c = '\n';
	}
	r->has_text = TRUE; /* crash prints a timestamp for every legacy record */
	return r;
}

static GError *read_legacy(OlKmem *t, guint64 log_buf_sym, OlPrintkLog *log)
{
	LogLayout o = {0};
	Region buf = {0};
	guint64 buf_addr, first_seq = 0, sym, steps = 0;
	guint32 buf_len, first, next, idx;
	GError *err;

	if ((err = log_layout(t, &o)) || (err = read_u64(t, log_buf_sym, "log_buf (pointer)", &buf_addr)) ||
	    (err = ol_kmem_layout_symbol(t, "log_buf_len", &sym)) || (err = read_u32(t, sym, "log_buf_len", &buf_len)) ||
	    (err = ol_kmem_layout_symbol(t, "log_first_idx", &sym)) || (err = read_u32(t, sym, "log_first_idx", &first)) ||
	    (err = ol_kmem_layout_symbol(t, "log_next_idx", &sym)) || (err = read_u32(t, sym, "log_next_idx", &next)))
		return err;
	/* Not in VMCOREINFO; with vmlinux the records get their real numbers. */
	if (ol_kmem_try_symbol(t, "log_first_seq", &sym) && !ol_kmem_try_read_u64(t, sym, &first_seq))
		first_seq = 0;
	if (buf_len < o.size || buf_len > (G_GUINT64_CONSTANT(1) << 31) || first >= buf_len ||
	    next >= buf_len)
		return corrupt("log_buf at " X64 ": log_buf_len %u, log_first_idx %u, log_next_idx %u "
			       "do not describe a buffer",
			       buf_addr, buf_len, first, next);
	if ((err = region_read(t, buf_addr, buf_len, "printk log_buf", log->problems, &buf)))
		return err;

	/* Walk as the kernel's log_next() and crash do: a zero length marks the
	 * end of the used part of the buffer, and the record is at 0. Damage
	 * ends the walk: there is no other way to find the next record. */
	for (idx = first; idx != next; steps++) {
		guint64 off = idx, at = buf_addr + idx;
		guint16 len;
		OlPrintkRecord *r;

		if (off + o.size > buf_len || !region_ok(&buf, off, o.size)) {
			add_problem(log->problems,
				    "log_buf at " X64 ": the record at " X64 " (index %u) %s: the log stops here",
				    buf_addr, at, idx,
				    off + o.size > buf_len ? "runs past the buffer" : "is not in the dump");
			break;
		}
		if (!(len = get_u16(buf.data + off + o.len))) {
			off = 0;
			at = buf_addr;
			if (!region_ok(&buf, 0, o.size)) {
				add_problem(log->problems,
					    "log_buf at " X64 ": the records wrap to its start, which is not in "
					    "the dump: the log stops here",
					    buf_addr);
				break;
			}
			len = get_u16(buf.data + o.len);
		}
		/* 0 at the start too, a length short of the header, or more
		 * records than fit in the buffer (a loop) */
		if (len < o.size || off + len > buf_len || steps > buf_len / o.size) {
			add_problem(log->problems,
				    "log_buf at " X64 ": the record at " X64 " has length %u%s: the log stops here",
				    buf_addr, at, len, steps > buf_len / o.size ? " and the records loop" : "");
			break;
		}
		r = log_record(&o, &buf, off, len);
		r->seq = first_seq + steps;
		g_ptr_array_add(log->records, r);
		idx = (guint32)(off + len);
		if (idx >= buf_len && first > next)
			idx = 0;
		else if (idx >= buf_len) {
			add_problem(log->problems, "log_buf at " X64 ": the record at " X64
				    " ends the buffer before log_next_idx %u", buf_addr, at, next);
			break;
		}
	}
	region_clear(&buf);
	return NULL;
}

/* ---- entry points ------------------------------------------------------- */

GError *ol_printk_read_log(OlKmem *t, OlPrintkLog **out)
{
	g_autoptr(OlPrintkLog) log = g_new0(OlPrintkLog, 1);
	guint64 sym;
	g_autoptr(GError) lockless = NULL, legacy = NULL;
	GError *err;

	log->records = g_ptr_array_new_with_free_func(record_free);
	log->problems = g_ptr_array_new_with_free_func(g_free);
	/* `prb` exists from 5.10 on, as crash's own choice goes */
	if (!(lockless = ol_kmem_layout_symbol(t, "prb", &sym))) {
		log->format = OL_PRINTK_LOCKLESS;
		err = read_lockless(t, sym, log);
	} else if (!(legacy = ol_kmem_layout_symbol(t, "log_first_idx", &sym)) &&
		   !(legacy = ol_kmem_layout_symbol(t, "log_buf", &sym))) {
		/* log_first_idx tells the 3.5+ records from the older plain
		 * character ring, which is not read here */
		log->format = OL_PRINTK_LEGACY;
		err = read_legacy(t, sym, log);
	} else {
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "no kernel log in this dump: %s; %s",
				   lockless->message, legacy->message);
	}
	if (err)
		return err;
	*out = g_steal_pointer(&log);
	return NULL;
}

GError *ol_printk_read(OlKmem *t, GPtrArray **records)
{
	g_autoptr(OlPrintkLog) log = NULL;
	GError *err = ol_printk_read_log(t, &log);

	if (err)
		return err;
	*records = g_steal_pointer(&log->records);
	return NULL;
}

/* ---- text --------------------------------------------------------------- */

void ol_printk_format_record(GString *out, const OlPrintkRecord *r, guint show)
{
	gsize start = out->len, indent;

	if (!r->has_text && !r->problem) {
		g_string_append_c(out, '\n');
		return;
	}
	if (show & OL_PRINTK_SHOW_TIME)
		g_string_append_printf(out, "[%5" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT "] ",
				       r->ts_nsec / 1000000000, r->ts_nsec % 1000000000 / 1000);
	if (show & OL_PRINTK_SHOW_LEVEL)
		g_string_append_printf(out, "<%x>", r->level);
	indent = out->len - start;
	if (r->problem) {
		g_string_append_printf(out, "(oopslab: %s)\n", r->problem);
		return;
	}
	for (gsize i = 0; i < r->text_len; i++) {
		guchar c = (guchar)r->text[i];

		/* crash: isprint() || isspace() in the C locale, else '.' */
		if (c == '\n') {
			g_string_append_c(out, '\n');
			for (gsize k = 0; k < indent; k++)
				g_string_append_c(out, ' ');
		} else if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\v' || c == '\f' || c == '\r')
			g_string_append_c(out, (char)c);
		else
			g_string_append_c(out, '.');
	}
	g_string_append_c(out, '\n');
}

char *ol_printk_format(const OlPrintkLog *log, guint show)
{
	GString *s = g_string_sized_new(log->records->len * 80 + 64);

	for (guint i = 0; i < log->records->len; i++)
		ol_printk_format_record(s, log->records->pdata[i], show);
	if (log->problems->len) {
		g_string_append_printf(s, "oopslab: %u problem%s reading the log:\n", log->problems->len,
				       log->problems->len == 1 ? "" : "s");
		for (guint i = 0; i < log->problems->len; i++)
			g_string_append_printf(s, "  %s\n", (const char *)log->problems->pdata[i]);
	}
	return g_string_free(s, FALSE);
}

char *ol_printk_monitor_dmesg(OlKmem *t, const char *args, GError **error)
{
	g_autoptr(OlPrintkLog) log = NULL;
	g_auto(GStrv) words = g_strsplit_set(args, " \t", -1);
	guint show = OL_PRINTK_SHOW_TIME;

	/* crash log's options: -t without timestamps, -m with levels */
	for (char **w = words; *w; w++) {
		if (!**w)
			continue;
		if (**w != '-' || !(*w)[1] || strspn(*w + 1, "tm") != strlen(*w + 1)) {
			*error = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
					     "unknown option '%s' (-t: no timestamps, -m: message levels)", *w);
			return NULL;
		}
		if (strchr(*w, 't'))
			show &= ~(guint)OL_PRINTK_SHOW_TIME;
		if (strchr(*w, 'm'))
			show |= OL_PRINTK_SHOW_LEVEL;
	}
	if ((*error = ol_printk_read_log(t, &log)))
		return NULL;
	return ol_printk_format(log, show);
}
