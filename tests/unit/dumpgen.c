/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Builds synthetic ELF crash dumps in memory.  See dumpgen.h. */
#include <elf.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "dumpgen.h"

#define KDUMP_DIRECT_MAP 0xffff888000000000ULL

typedef struct {
	guint64 paddr, vaddr, memsz, filesz;
	gboolean absent;
	guint64 offset; /* assigned by build */
} Load;

typedef struct {
	char *name;
	guint32 type;
	GBytes *desc;
} Note;

struct DumpGen {
	DumpGenFlavour flavour;
	GArray *loads;      /* Load */
	GPtrArray *prstatus; /* Note */
	GPtrArray *qemu;     /* Note */
	GPtrArray *extra;    /* Note */
	char *vmcoreinfo;
	gboolean pn_xnum, split_notes, reverse_data;
	guint note_align;
	GHashTable *overlay; /* guint64 * page number -> 4 KiB of poked contents */
};

#define PAGE 4096u

static void note_free(gpointer p)
{
	Note *n = p;
	g_free(n->name);
	g_bytes_unref(n->desc);
	g_free(n);
}

static Note *note_new(const char *name, guint32 type, const void *desc, gsize len)
{
	Note *n = g_new0(Note, 1);
	n->name = g_strdup(name);
	n->type = type;
	n->desc = g_bytes_new(desc, len);
	return n;
}

static void put16(guint8 *p, guint16 v)
{
	v = GUINT16_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}

static void put32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}

static void put64(guint8 *p, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}

DumpGen *dumpgen_new(DumpGenFlavour flavour)
{
	DumpGen *g = g_new0(DumpGen, 1);
	g->flavour = flavour;
	g->loads = g_array_new(FALSE, TRUE, sizeof(Load));
	g->prstatus = g_ptr_array_new_with_free_func(note_free);
	g->qemu = g_ptr_array_new_with_free_func(note_free);
	g->extra = g_ptr_array_new_with_free_func(note_free);
	g->note_align = 4;
	g->overlay = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	return g;
}

void dumpgen_free(DumpGen *g)
{
	if (!g)
		return;
	g_array_unref(g->loads);
	g_ptr_array_unref(g->prstatus);
	g_ptr_array_unref(g->qemu);
	g_ptr_array_unref(g->extra);
	g_free(g->vmcoreinfo);
	g_hash_table_unref(g->overlay);
	g_free(g);
}

void dumpgen_add_cpu(DumpGen *g, guint32 pid, guint64 base, gboolean qemu_note, guint32 qemu_size)
{
	guint8 prs[336] = { 0 };
	guint8 q[440] = { 0 };

	put32(prs + 32, pid);
	for (guint i = 0; i < 27; i++)
		put64(prs + 112 + 8 * i, base + i);
	g_ptr_array_add(g->prstatus, note_new("CORE", NT_PRSTATUS, prs, sizeof(prs)));
	if (!qemu_note)
		return;

	g_assert(qemu_size == 432 || qemu_size == 440);
	put32(q, 1);
	put32(q + 4, qemu_size);
	for (guint k = 8; k <= 144; k += 8)
		put64(q + k, base + 0x1000 + k);
	for (guint j = 0; j < 10; j++) {
		guint8 *s = q + 152 + 24 * j;
		put32(s, 0x10 + j);
		put32(s + 4, 0x1000 + j);
		put32(s + 8, 0xa0 + j);
		put64(s + 16, base + 0x2000 + j);
	}
	for (guint i = 0; i < 5; i++)
		put64(q + 392 + 8 * i, base + 0x3000 + i);
	if (qemu_size >= 440)
		put64(q + 432, base + 0x4000);
	g_ptr_array_add(g->qemu, note_new("QEMU", 0, q, qemu_size));
}

void dumpgen_add_load_vaddr(DumpGen *g, guint64 paddr, guint64 vaddr, guint64 memsz, guint64 filesz)
{
	Load l = { .paddr = paddr, .vaddr = vaddr, .memsz = memsz, .filesz = filesz };
	g_array_append_val(g->loads, l);
}

void dumpgen_add_load(DumpGen *g, guint64 paddr, guint64 memsz, guint64 filesz)
{
	guint64 vaddr = g->flavour == DUMPGEN_KDUMP ? KDUMP_DIRECT_MAP + paddr : paddr;
	dumpgen_add_load_vaddr(g, paddr, vaddr, memsz, filesz);
}

void dumpgen_add_absent_load(DumpGen *g, guint64 paddr, guint64 memsz)
{
	Load l = { .paddr = paddr, .vaddr = paddr, .memsz = memsz, .absent = TRUE };
	g_array_append_val(g->loads, l);
}

void dumpgen_set_vmcoreinfo(DumpGen *g, const char *text)
{
	g_free(g->vmcoreinfo);
	g->vmcoreinfo = g_strdup(text);
}

void dumpgen_add_note(DumpGen *g, const char *name, guint32 type, const void *desc, gsize descsz)
{
	g_ptr_array_add(g->extra, note_new(name, type, desc, descsz));
}

void dumpgen_set_pn_xnum(DumpGen *g, gboolean on)
{
	g->pn_xnum = on;
}

void dumpgen_set_note_align(DumpGen *g, guint align)
{
	g_assert(align == 4 || align == 8);
	g->note_align = align;
}

void dumpgen_set_split_notes(DumpGen *g, gboolean on)
{
	g->split_notes = on;
}

void dumpgen_set_reverse_data(DumpGen *g, gboolean on)
{
	g->reverse_data = on;
}

void dumpgen_set_cpu_cr(DumpGen *g, guint i, guint cr, guint64 value)
{
	Note *n;
	gsize len;
	const guint8 *old;
	g_autofree guint8 *q = NULL;

	g_assert(i < g->qemu->len && cr < 5);
	n = g_ptr_array_index(g->qemu, i);
	old = g_bytes_get_data(n->desc, &len);
	q = g_memdup2(old, len);
	put64(q + 392 + 8 * cr, value);
	g_bytes_unref(n->desc);
	n->desc = g_bytes_new(q, len);
}

/* The overlay page holding PADDR, made from dumpgen_byte() if new. */
static guint8 *overlay_page(DumpGen *g, guint64 paddr, gboolean create)
{
	guint64 pfn = paddr / PAGE;
	guint8 *page = g_hash_table_lookup(g->overlay, &pfn);
	if (page || !create)
		return page;
	page = g_malloc(PAGE);
	for (guint j = 0; j < PAGE; j++)
		page[j] = dumpgen_byte(pfn * PAGE + j);
	g_hash_table_insert(g->overlay, g_memdup2(&pfn, sizeof(pfn)), page);
	return page;
}

void dumpgen_poke(DumpGen *g, guint64 paddr, const void *data, gsize len)
{
	const guint8 *p = data;
	while (len > 0) {
		guint8 *page = overlay_page(g, paddr, TRUE);
		gsize off = (gsize)(paddr % PAGE);
		gsize n = MIN(len, PAGE - off);
		memcpy(page + off, p, n);
		paddr += n;
		p += n;
		len -= n;
	}
}

void dumpgen_poke64(DumpGen *g, guint64 paddr, guint64 value)
{
	guint8 b[8];
	put64(b, value);
	dumpgen_poke(g, paddr, b, sizeof(b));
}

void dumpgen_patch16(GByteArray *b, guint64 off, guint16 v)
{
	g_assert_cmpuint(off + 2, <=, b->len);
	put16(b->data + off, v);
}

void dumpgen_patch32(GByteArray *b, guint64 off, guint32 v)
{
	g_assert_cmpuint(off + 4, <=, b->len);
	put32(b->data + off, v);
}

void dumpgen_patch64(GByteArray *b, guint64 off, guint64 v)
{
	g_assert_cmpuint(off + 8, <=, b->len);
	put64(b->data + off, v);
}

guint64 dumpgen_get64(const GByteArray *b, guint64 off)
{
	guint64 v;

	g_assert_cmpuint(off + 8, <=, b->len);
	memcpy(&v, b->data + off, 8);
	return GUINT64_FROM_LE(v);
}

guint8 dumpgen_peek(DumpGen *g, guint64 paddr)
{
	const guint8 *page = overlay_page(g, paddr, FALSE);
	return page ? page[paddr % PAGE] : dumpgen_byte(paddr);
}

guint64 dumpgen_peek64(DumpGen *g, guint64 paddr)
{
	guint64 v = 0;
	for (guint i = 0; i < 8; i++)
		v |= (guint64)dumpgen_peek(g, paddr + i) << (8 * i);
	return v;
}

/* Copy the poked pages over the stored part of load L. */
static void apply_overlay(DumpGen *g, GByteArray *b, const Load *l)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, g->overlay);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		guint64 start = *(guint64 *)key * PAGE;
		guint64 lo = MAX(start, l->paddr), hi = MIN(start + PAGE, l->paddr + l->filesz);
		if (lo < hi)
			memcpy(b->data + l->offset + (lo - l->paddr), (guint8 *)value + (lo - start),
			       (gsize)(hi - lo));
	}
}

/* ---- page tables ---- */

typedef struct PtTable PtTable;
struct PtTable {
	guint64 pa;
	PtTable *child[512];
};

struct DumpGenPt {
	DumpGen *g;
	int levels;
	guint64 pool, pool_end, bits;
	PtTable *root;
	GPtrArray *tables; /* owns every PtTable */
};

static guint pt_index(guint64 va, int level)
{
	return (guint)((va >> (12 + 9 * (level - 1))) & 0x1ff);
}

static PtTable *pt_alloc(DumpGenPt *pt)
{
	PtTable *t;
	static const guint8 zeros[PAGE];

	g_assert(pt->pool + PAGE <= pt->pool_end);
	t = g_new0(PtTable, 1);
	t->pa = pt->pool;
	pt->pool += PAGE;
	dumpgen_poke(pt->g, t->pa, zeros, PAGE);
	g_ptr_array_add(pt->tables, t);
	return t;
}

DumpGenPt *dumpgen_pt_new(DumpGen *g, int levels, guint64 pool, guint64 pool_size)
{
	DumpGenPt *pt;

	g_assert(levels == 4 || levels == 5);
	g_assert(pool % PAGE == 0);
	pt = g_new0(DumpGenPt, 1);
	pt->g = g;
	pt->levels = levels;
	pt->tables = g_ptr_array_new_with_free_func(g_free);
	dumpgen_pt_set_pool(pt, pool, pool_size);
	pt->root = pt_alloc(pt);
	return pt;
}

void dumpgen_pt_free(DumpGenPt *pt)
{
	if (!pt)
		return;
	g_ptr_array_unref(pt->tables);
	g_free(pt);
}

guint64 dumpgen_pt_root(const DumpGenPt *pt)
{
	return pt->root->pa;
}

void dumpgen_pt_set_pool(DumpGenPt *pt, guint64 pool, guint64 pool_size)
{
	g_assert(pool % PAGE == 0);
	pt->pool = pool;
	pt->pool_end = pool + pool_size;
}

void dumpgen_pt_set_entry_bits(DumpGenPt *pt, guint64 bits)
{
	pt->bits = bits;
}

void dumpgen_pt_map(DumpGenPt *pt, guint64 va, guint64 pa, guint64 size)
{
	int target = size == PAGE ? 1 : size == 0x200000 ? 2 : 3;
	PtTable *t;
	guint i;

	g_assert(size == PAGE || size == 0x200000 || size == 0x40000000);
	g_assert(va % size == 0 && pa % size == 0);
	t = pt->root;
	for (int level = pt->levels; level > target; level--) {
		i = pt_index(va, level);
		if (!t->child[i]) {
			t->child[i] = pt_alloc(pt);
			dumpgen_poke64(pt->g, t->pa + 8 * i,
				       t->child[i]->pa | DUMPGEN_PTE_PRESENT | DUMPGEN_PTE_RW | pt->bits);
		}
		t = t->child[i];
	}
	i = pt_index(va, target);
	g_assert(t->child[i] == NULL); /* a table is there already */
	dumpgen_poke64(pt->g, t->pa + 8 * i,
		       pa | DUMPGEN_PTE_PRESENT | DUMPGEN_PTE_RW |
		       (target > 1 ? DUMPGEN_PTE_PS : 0) | pt->bits);
}

void dumpgen_pt_map_range(DumpGenPt *pt, guint64 va, guint64 pa, guint64 len, guint64 size)
{
	for (guint64 off = 0; off < len; off += size)
		dumpgen_pt_map(pt, va + off, pa + off, size);
}

guint64 dumpgen_pt_entry_addr(const DumpGenPt *pt, guint64 va, int level)
{
	const PtTable *t;

	g_assert(level >= 1 && level <= pt->levels);
	t = pt->root;
	for (int l = pt->levels; l > level; l--) {
		t = t->child[pt_index(va, l)];
		if (!t)
			return 0;
	}
	return t->pa + 8 * pt_index(va, level);
}

static void pad_to(GByteArray *b, guint align)
{
	static const guint8 zeros[8];
	if (b->len % align)
		g_byte_array_append(b, zeros, align - b->len % align);
}

/* Encode one note at the end of SEG (which starts ALIGN-aligned in the file). */
static void encode_note(GByteArray *seg, const char *name, guint32 type, GBytes *desc, guint align)
{
	guint8 hdr[12];
	gsize descsz = desc ? g_bytes_get_size(desc) : 0;
	guint32 namesz = name ? (guint32)strlen(name) + 1 : 0;
	put32(hdr, namesz);
	put32(hdr + 4, (guint32)descsz);
	put32(hdr + 8, type);
	g_byte_array_append(seg, hdr, sizeof(hdr));
	if (namesz)
		g_byte_array_append(seg, (const guint8 *)name, namesz);
	pad_to(seg, align);
	if (descsz)
		g_byte_array_append(seg, g_bytes_get_data(desc, NULL), (guint)descsz);
	pad_to(seg, align);
}

/* The note segments, in the order each flavour writes them. */
static GPtrArray *build_note_segments(DumpGen *g)
{
	GPtrArray *segs = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	GPtrArray *order = g_ptr_array_new(); /* Note *, NULL = kdump empty terminator */
	g_autoptr(GBytes) vmci = NULL;
	Note vmci_note;
	GByteArray *cur;

	for (guint i = 0; i < g->prstatus->len; i++) {
		g_ptr_array_add(order, g_ptr_array_index(g->prstatus, i));
		if (g->flavour == DUMPGEN_KDUMP && g->split_notes)
			g_ptr_array_add(order, NULL); /* crash_notes end with an empty note */
	}
	for (guint i = 0; i < g->qemu->len; i++)
		g_ptr_array_add(order, g_ptr_array_index(g->qemu, i));
	for (guint i = 0; i < g->extra->len; i++)
		g_ptr_array_add(order, g_ptr_array_index(g->extra, i));
	vmci = g->vmcoreinfo ? g_bytes_new(g->vmcoreinfo, strlen(g->vmcoreinfo)) : NULL;
	vmci_note = (Note){ .name = (char *)"VMCOREINFO", .type = 0, .desc = vmci };
	if (vmci)
		g_ptr_array_add(order, &vmci_note); /* QEMU puts it last */

	cur = NULL;
	for (guint i = 0; i < order->len; i++) {
		Note *n = g_ptr_array_index(order, i);
		if (!cur || (g->split_notes && n)) {
			cur = g_byte_array_new();
			g_ptr_array_add(segs, cur);
		}
		if (n)
			encode_note(cur, n->name, n->type, n->desc, g->note_align);
		else
			encode_note(cur, NULL, 0, NULL, g->note_align);
	}
	g_ptr_array_unref(order);
	return segs;
}

/* Memory, in add order or reversed: each load's offset is set. */
static void append_memory(DumpGen *g, GByteArray *b)
{
	for (guint k = 0; k < g->loads->len; k++) {
		guint i = g->reverse_data ? g->loads->len - 1 - k : k;
		Load *l = &g_array_index(g->loads, Load, i);
		if (l->absent) {
			l->offset = G_MAXUINT64;
			continue;
		}
		l->offset = b->len;
		g_byte_array_set_size(b, (guint)(b->len + l->filesz));
		for (guint64 j = 0; j < l->filesz; j++)
			b->data[l->offset + j] = dumpgen_byte(l->paddr + j);
		apply_overlay(g, b, l);
	}
}

static void write_ehdr(const DumpGen *g, guint8 *e, guint32 phnum, gsize phoff, gsize shoff)
{
	memcpy(e, ELFMAG, SELFMAG);
	e[EI_CLASS] = ELFCLASS64;
	e[EI_DATA] = ELFDATA2LSB;
	e[EI_VERSION] = EV_CURRENT;
	put16(e + offsetof(Elf64_Ehdr, e_type), ET_CORE);
	put16(e + offsetof(Elf64_Ehdr, e_machine), EM_X86_64);
	put32(e + offsetof(Elf64_Ehdr, e_version), EV_CURRENT);
	put64(e + offsetof(Elf64_Ehdr, e_phoff), phoff);
	put64(e + offsetof(Elf64_Ehdr, e_shoff), shoff);
	put16(e + offsetof(Elf64_Ehdr, e_ehsize), sizeof(Elf64_Ehdr));
	put16(e + offsetof(Elf64_Ehdr, e_phentsize), sizeof(Elf64_Phdr));
	put16(e + offsetof(Elf64_Ehdr, e_phnum), g->pn_xnum ? PN_XNUM : (guint16)phnum);
	put16(e + offsetof(Elf64_Ehdr, e_shentsize), sizeof(Elf64_Shdr));
	put16(e + offsetof(Elf64_Ehdr, e_shnum), g->pn_xnum ? 1 : 0);
	if (g->pn_xnum)
		put32(e + shoff + offsetof(Elf64_Shdr, sh_info), phnum);
}

GByteArray *dumpgen_build(DumpGen *g, DumpGenLayout *layout)
{
	g_autoptr(GPtrArray) notes = build_note_segments(g);
	guint32 phnum = notes->len + g->loads->len;
	gsize phoff = sizeof(Elf64_Ehdr);
	gsize shoff = g->pn_xnum ? phoff + (gsize)phnum * sizeof(Elf64_Phdr) : 0;
	gsize hdr_end = phoff + (gsize)phnum * sizeof(Elf64_Phdr) + (g->pn_xnum ? sizeof(Elf64_Shdr) : 0);

	GByteArray *b = g_byte_array_sized_new((guint)hdr_end);
	g_autofree guint64 *note_off = NULL;
	guint64 notes_size;
	guint8 *e;
	guint8 *ph;

	g_byte_array_set_size(b, (guint)hdr_end);
	memset(b->data, 0, b->len);
	pad_to(b, 8);

	/* Notes. */
	note_off = g_new0(guint64, MAX(notes->len, 1));
	notes_size = 0;
	for (guint i = 0; i < notes->len; i++) {
		GByteArray *seg = g_ptr_array_index(notes, i);
		pad_to(b, 8);
		note_off[i] = b->len;
		notes_size += seg->len;
		g_byte_array_append(b, seg->data, seg->len);
	}

	append_memory(g, b);

	/* ELF header. */
	e = b->data;
	write_ehdr(g, e, phnum, phoff, shoff);

	/* Program headers: PT_NOTEs first, then PT_LOADs, as QEMU does. */
	ph = e + phoff;
	for (guint i = 0; i < notes->len; i++, ph += sizeof(Elf64_Phdr)) {
		GByteArray *seg = g_ptr_array_index(notes, i);
		put32(ph + offsetof(Elf64_Phdr, p_type), PT_NOTE);
		put64(ph + offsetof(Elf64_Phdr, p_offset), note_off[i]);
		put64(ph + offsetof(Elf64_Phdr, p_filesz), seg->len);
		put64(ph + offsetof(Elf64_Phdr, p_memsz), seg->len);
		put64(ph + offsetof(Elf64_Phdr, p_align), g->note_align == 8 ? 8 : 0);
	}
	for (guint i = 0; i < g->loads->len; i++, ph += sizeof(Elf64_Phdr)) {
		const Load *l = &g_array_index(g->loads, Load, i);
		put32(ph + offsetof(Elf64_Phdr, p_type), PT_LOAD);
		put64(ph + offsetof(Elf64_Phdr, p_offset), l->offset);
		put64(ph + offsetof(Elf64_Phdr, p_vaddr), l->vaddr);
		put64(ph + offsetof(Elf64_Phdr, p_paddr), l->paddr);
		put64(ph + offsetof(Elf64_Phdr, p_filesz), l->absent ? 0 : l->filesz);
		put64(ph + offsetof(Elf64_Phdr, p_memsz), l->memsz);
	}

	if (layout) {
		*layout = (DumpGenLayout){
			.phoff = phoff,
			.shoff = shoff,
			.phnum = phnum,
			.first_note = notes->len ? note_off[0] : 0,
			.notes_size = notes_size,
			.load_phdr0 = phoff + (guint64)notes->len * sizeof(Elf64_Phdr),
		};
	}
	return b;
}

char *dumpgen_write_temp_data(const void *data, gsize len)
{
	g_autoptr(GError) err = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("oopslab-dumpgen-XXXXXX.core", &path, &err);
	const guint8 *p;

	g_assert_no_error(err);
	p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		g_assert_cmpint(n, >, 0);
		p += n;
		len -= (gsize)n;
	}
	g_assert_cmpint(close(fd), ==, 0);
	return path;
}

char *dumpgen_write_temp(const GByteArray *bytes)
{
	return dumpgen_write_temp_data(bytes->data, bytes->len);
}
