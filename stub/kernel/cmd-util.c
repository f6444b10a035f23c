/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-util.h"

#include <string.h>

#include "modules.h"

guint64 ol_rd_u64(OlRd *r, guint64 addr)
{
	guint64 v = 0;

	if (!r->err)
		r->err = ol_kmem_read_u64(r->t, addr, &v);
	return r->err ? 0 : v;
}

guint32 ol_rd_u32(OlRd *r, guint64 addr)
{
	guint32 v = 0;

	if (!r->err)
		r->err = ol_kmem_read_u32(r->t, addr, &v);
	return r->err ? 0 : v;
}

guint64 ol_rd_off(OlRd *r, const char *type, const char *member)
{
	guint64 off = 0;

	if (!r->err)
		r->err = ol_kmem_member(r->t, type, member, &off, NULL);
	return r->err ? 0 : off;
}

guint64 ol_rd_member(OlRd *r, guint64 base, const char *type, const char *member)
{
	guint64 off = 0, size = 0, v = 0;
	gsize done = 0;

	if (r->err || (r->err = ol_kmem_member(r->t, type, member, &off, &size)))
		return 0;
	size = size && size < 8 ? size : 8;
	r->err = ol_kmem_read(r->t, base + off, &v, size, &done);
	return r->err ? 0 : v;
}

guint64 ol_rd_symbol(OlRd *r, const char *name)
{
	guint64 addr = 0;

	if (!r->err)
		r->err = ol_kmem_symbol(r->t, name, &addr);
	return r->err ? 0 : addr;
}

char *ol_rd_string(OlRd *r, guint64 addr, gsize max)
{
	char *s = NULL;

	if (!r->err)
		r->err = ol_kmem_read_string(r->t, addr, max, &s);
	return s ? s : g_strdup("");
}

gboolean ol_rd_try_has(OlKmem *t, const char *type, const char *member)
{
	guint64 off;
	g_autoptr(GError) err = ol_kmem_member(t, type, member, &off, NULL);

	return err == NULL;
}

GError *ol_rd_finish(OlRd *r)
{
	return g_steal_pointer(&r->err);
}

GError *ol_cmd_missing(const char *what, const GError *why)
{
	return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s: not in this kernel (%s)", what,
			   why ? why->message : "its configuration leaves it out");
}

GError *ol_cmd_find_task(OlKmem *t, const char *pid, OlTask *out)
{
	g_autoptr(GArray) tasks = NULL;
	int stop_cpu = (int)ol_kmem_panic_cpu(t);
	gint64 want = -1;
	char *end = NULL;
	GError *err;

	if (pid && *pid && strcmp(pid, "-") != 0) {
		want = g_ascii_strtoll(pid, &end, 10);
		if (*end || want < 0)
			return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "'%s' is not a pid", pid);
	}
	if ((err = ol_tasks_read(t, &tasks, NULL)))
		return err;
	for (guint i = 0; i < tasks->len; i++) {
		const OlTask *task = &g_array_index(tasks, OlTask, i);

		if (want < 0 ? task->running == stop_cpu : task->pid == want) {
			*out = *task;
			return NULL;
		}
	}
	if (want < 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "no task is current on CPU %d", stop_cpu);
	return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "no task with pid %" G_GINT64_FORMAT, want);
}

void ol_cmd_task_header(GString *out, const OlTask *task)
{
	g_string_append_printf(out, "PID: %-8d TASK: %016" G_GINT64_MODIFIER "x  CPU: %-4d COMMAND: \"%s\"\n", task->pid,
			       task->addr, task->cpu, task->comm);
}

/* "pipe:[1162]" for the files of a filesystem no mount shows, as the
 * kernel's d_dname() methods name them. */
static char *pseudo_name(OlRd *r, guint64 dentry)
{
	guint64 inode = ol_rd_member(r, dentry, "dentry", "d_inode");
	guint64 sb = ol_rd_member(r, dentry, "dentry", "d_sb");
	guint64 type = ol_rd_member(r, sb, "super_block", "s_type");
	g_autofree char *fs = ol_rd_string(r, ol_rd_member(r, type, "file_system_type", "name"), 64);
	g_autofree char *name = ol_rd_string(r, ol_rd_member(r, dentry, "dentry", "d_name.name"), 256);
	guint64 ino = inode ? ol_rd_member(r, inode, "inode", "i_ino") : 0;

	if (g_str_equal(fs, "pipefs"))
		return g_strdup_printf("pipe:[%" G_GINT64_MODIFIER "u]", ino);
	if (g_str_equal(fs, "sockfs"))
		return g_strdup_printf("socket:[%" G_GINT64_MODIFIER "u]", ino);
	if (g_str_equal(fs, "anon_inodefs"))
		return g_strdup_printf("anon_inode:%s", name);
	return g_strdup_printf("%s:%s", fs, name);
}

GError *ol_cmd_d_path(OlKmem *t, guint64 mnt, guint64 dentry, char **out)
{
	OlRd r = OL_RD_INIT(t);
	guint64 mnt_off = ol_rd_off(&r, "mount", "mnt");
	guint64 mount = mnt - mnt_off;
	g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
	GString *path = g_string_new(NULL);
	guint depth;

	for (depth = 0; depth < OL_DPATH_MAX_DEPTH && !r.err; depth++) {
		guint64 root = ol_rd_member(&r, mount + mnt_off, "vfsmount", "mnt_root");
		guint64 parent;

		if (dentry == root) {
			guint64 pmount = ol_rd_member(&r, mount, "mount", "mnt_parent");

			if (pmount == mount || !pmount) {
				/* the top: a namespace's root, or a kernel-internal
				 * mount (kern_mount: mnt_ns is MNT_NS_INTERNAL, an
				 * ERR_PTR) whose files have made-up names */
				guint64 ns = ol_rd_member(&r, mount, "mount", "mnt_ns");

				if (!ns || ns >= G_GUINT64_CONSTANT(0xfffffffffffff001)) {
					g_string_free(path, TRUE);
					*out = pseudo_name(&r, dentry);
					return ol_rd_finish(&r);
				}
				break;
			}
			dentry = ol_rd_member(&r, mount, "mount", "mnt_mountpoint");
			mount = pmount;
			continue;
		}
		parent = ol_rd_member(&r, dentry, "dentry", "d_parent");
		if (parent == dentry) { /* a root that is not its mount's: unreachable */
			g_string_free(path, TRUE);
			*out = pseudo_name(&r, dentry);
			return ol_rd_finish(&r);
		}
		g_ptr_array_add(parts, ol_rd_string(&r, ol_rd_member(&r, dentry, "dentry", "d_name.name"), 256));
		dentry = parent;
	}
	if (depth == OL_DPATH_MAX_DEPTH)
		g_string_append(path, "...");
	for (guint i = parts->len; i-- > 0;)
		g_string_append_printf(path, "/%s", (char *)parts->pdata[i]);
	if (!path->len)
		g_string_append_c(path, '/');
	if (r.err) {
		g_string_free(path, TRUE);
		return ol_rd_finish(&r);
	}
	*out = g_string_free(path, FALSE);
	return NULL;
}

typedef struct {
	guint64 addr;
	const char *name;
	const char *module; /* NULL: vmlinux */
} Sym;

/* Symbols of one module's kallsyms: far more is a corrupt count. */
#define MAX_MODULE_SYMS (1u << 20)

struct OlSymtab {
	GArray *syms; /* Sym, by address */
	GStringChunk *names;
	guint64 offset;
};

static gboolean add_sym(const char *name, guint64 addr, gpointer data)
{
	OlSymtab *s = data;
	Sym sym = {addr + s->offset, g_string_chunk_insert_const(s->names, name), NULL};

	/* text and data of the kernel image; not per-CPU offsets or absolutes */
	if (addr >= OL_XLAT_START_KERNEL_MAP && *name != '$')
		g_array_append_val(s->syms, sym);
	return TRUE;
}

static gint sym_cmp(gconstpointer a, gconstpointer b)
{
	const Sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* A module's functions and data from its kallsyms in memory (mod_kallsyms:
 * Elf64_Sym entries whose st_value the kernel already relocated), as crash
 * reads them: no .ko needed. */
static void add_module_syms(OlSymtab *s, OlKmem *t, const OlModule *m)
{
	OlRd r = OL_RD_INIT(t);
	guint64 ks = ol_rd_member(&r, m->addr, "module", "kallsyms");
	guint64 tab = ks ? ol_rd_member(&r, ks, "mod_kallsyms", "symtab") : 0;
	guint64 n = ks ? ol_rd_member(&r, ks, "mod_kallsyms", "num_symtab") : 0;
	guint64 str = ks ? ol_rd_member(&r, ks, "mod_kallsyms", "strtab") : 0;
	const char *mod = g_string_chunk_insert_const(s->names, m->name);
	g_autoptr(GError) err = ol_rd_finish(&r);

	for (guint64 i = 0; !err && tab && str && i < MIN(n, MAX_MODULE_SYMS); i++) {
		guint8 e[24]; /* Elf64_Sym: name u32, info u8, other u8, shndx u16, value u64, size u64 */
		gsize done = 0;
		g_autofree char *name = NULL;
		guint32 st_name;
		Sym sym = {0, NULL, mod};

		if ((err = ol_kmem_read(t, tab + 24 * i, e, sizeof(e), &done)))
			break;
		memcpy(&st_name, e, 4);
		memcpy(&sym.addr, e + 8, 8);
		if (((e[4] & 0xf) != 1 && (e[4] & 0xf) != 2) || !st_name || sym.addr < OL_KERNEL_HALF)
			continue; /* only STT_OBJECT and STT_FUNC */
		if ((err = ol_kmem_read_string(t, str + st_name, 255, &name)))
			break;
		sym.name = g_string_chunk_insert_const(s->names, name);
		g_array_append_val(s->syms, sym);
	}
}

OlSymtab *ol_symtab_new(OlKmem *t)
{
	OlSymtab *s = g_new0(OlSymtab, 1);
	g_autoptr(OlModules) mods = NULL;
	g_autoptr(GError) merr = NULL;

	s->syms = g_array_new(FALSE, FALSE, sizeof(Sym));
	s->names = g_string_chunk_new(1 << 16);
	ol_xlat_kaslr_offset(ol_kmem_xlat(t), &s->offset);
	if (ol_kmem_vmlinux(t))
		ol_vmlinux_foreach(ol_kmem_vmlinux(t), add_sym, s);
	/* without the module list, vmlinux's symbols alone */
	if (ol_kmem_dwarf(t) && !(merr = ol_modules_read_list(t, &mods)))
		for (guint i = 0; i < ol_modules_count(mods); i++)
			add_module_syms(s, t, ol_modules_get(mods, i));
	g_array_sort(s->syms, sym_cmp);
	return s;
}

void ol_symtab_free(OlSymtab *s)
{
	if (!s)
		return;
	g_array_unref(s->syms);
	g_string_chunk_free(s->names);
	g_free(s);
}

static const Sym *find_sym(const OlSymtab *s, guint64 addr)
{
	guint lo = 0, hi = s->syms->len;
	const Sym *hit;

	while (lo < hi) { /* the last symbol at or below ADDR */
		guint mid = lo + (hi - lo) / 2;

		if (g_array_index(s->syms, Sym, mid).addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	hit = &g_array_index(s->syms, Sym, lo - 1);
	return addr - hit->addr < (1u << 20) ? hit : NULL;
}

guint64 ol_symtab_start(const OlSymtab *s, guint64 addr)
{
	const Sym *hit = find_sym(s, addr);

	return hit ? hit->addr : 0;
}

const char *ol_symtab_module(const OlSymtab *s, guint64 addr)
{
	const Sym *hit = find_sym(s, addr);

	return hit ? hit->module : NULL;
}

char *ol_symtab_lookup(const OlSymtab *s, guint64 addr, gboolean with_offset)
{
	const Sym *hit = find_sym(s, addr);

	if (!hit)
		return NULL;
	if (!with_offset || addr == hit->addr)
		return g_strdup(hit->name);
	return g_strdup_printf("%s+%" G_GINT64_MODIFIER "u", hit->name, addr - hit->addr);
}
