/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory layer (kmem.h). A given vmlinux is checked twice before it is
 * used, by build-id (debug-files.c) and by linux_banner in memory, because a
 * vmlinux of another build would give wrong symbols everywhere. The
 * panicking CPU is decided once per stop and kept.
 */
#include "kmem.h"

#include <string.h>

#include "vmcoreinfo.h"

struct OlKmem {
	OlDump *dump;
	OlXlat *xlat;
	OlVmlinux *vmlinux;
	OlDwarf *dwarf;   /* or NULL without vmlinux */
	OlEntryCfi *entry_cfi; /* or NULL without vmlinux */
	OlKernelId kid;   /* release and build-id (debug-files.h) */
	GArray *cpu_regs; /* OlRegs, one per CPU note */
	guint panic_cpu;
	char *panic_reason;
};

void ol_kmem_free(OlKmem *k)
{
	if (!k)
		return;
	if (k->cpu_regs)
		g_array_unref(k->cpu_regs);
	ol_dwarf_free(k->dwarf);
	ol_entry_cfi_free(k->entry_cfi);
	ol_xlat_free(k->xlat);
	ol_vmlinux_free(k->vmlinux);
	ol_dump_free(k->dump);
	ol_kernel_id_clear(&k->kid);
	g_free(k->panic_reason);
	g_free(k);
}

static void read_cpu_regs(OlKmem *k)
{
	guint ncpu = ol_dump_n_cpus(k->dump);

	if (k->cpu_regs)
		g_array_unref(k->cpu_regs);
	k->cpu_regs = g_array_sized_new(FALSE, TRUE, sizeof(OlRegs), ncpu);
	g_array_set_size(k->cpu_regs, ncpu);
	for (guint i = 0; i < ncpu; i++)
		ol_regs_from_cpu_note(ol_dump_cpu(k->dump, i), &g_array_index(k->cpu_regs, OlRegs, i));
}

/* The kernel's own answer: `panic_cpu` (set by panic() before anything
 * else), or `crashing_cpu` (kdump's crash path). */
static gboolean panic_cpu_variable(OlKmem *k)
{
	static const char *const vars[] = {"panic_cpu", "crashing_cpu"};
	guint64 addr;

	if (!k->vmlinux)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(vars); i++) {
		guint32 cpu;

		if (ol_vmlinux_symbol(k->vmlinux, vars[i], &addr) &&
		    ol_kmem_try_read_u32(k, addr + ol_kmem_kaslr_offset(k), &cpu) && cpu < k->cpu_regs->len) {
			k->panic_cpu = cpu;
			k->panic_reason = g_strdup_printf("%s = %u in the dump", vars[i], cpu);
			return TRUE;
		}
	}
	return FALSE;
}

/*
 * Which CPU panicked. In order:
 * 1. vmlinux known: panic_cpu or crashing_cpu (panic_cpu_variable()).
 * 2. The instruction before each CPU's RIP: the CPUs panic() stopped sit in
 *    stop_this_cpu()'s hlt loop (RIP right after a `hlt`, 0xf4), and so do
 *    idle CPUs, while the panicking CPU was paused by QEMU on the pvpanic
 *    event, just after an `out`. The first CPU not after a hlt is taken.
 * 3. CPU 0.
 */
static void find_panic_cpu(OlKmem *k)
{
	guint running = 0, first = 0;

	g_clear_pointer(&k->panic_reason, g_free);
	if (panic_cpu_variable(k))
		return;
	for (guint i = 0; i < k->cpu_regs->len; i++) {
		const OlRegs *r = &g_array_index(k->cpu_regs, OlRegs, i);
		guint8 prev;
		gsize done;
		g_autoptr(GError) err = ol_kmem_read(k, r->value[OL_GDB_RIP] - 1, &prev, 1, &done);

		if (!err && prev != 0xf4 && running++ == 0)
			first = i;
	}
	if (running) {
		k->panic_cpu = first;
		k->panic_reason = g_strdup_printf("CPU %u is the %s CPU not halted (no vmlinux for panic_cpu)", first,
						  running == 1 ? "only" : "first");
		return;
	}
	k->panic_cpu = 0;
	k->panic_reason = g_strdup("CPU 0 (no vmlinux for panic_cpu, and every CPU is halted)");
}

/* A kdump-tools directory (/var/crash/<host>-<date>/) holds the dump as
 * vmcore (RHEL, our --capture kdump) or dump.<date> (Debian). */
static GError *dump_in_dir(const char *dir, char **out)
{
	g_autofree char *vmcore = g_build_filename(dir, "vmcore", NULL);
	g_autoptr(GDir) d = NULL;
	const char *e;
	char *best = NULL;

	if (g_file_test(vmcore, G_FILE_TEST_IS_REGULAR)) {
		*out = g_steal_pointer(&vmcore);
		return NULL;
	}
	if ((d = g_dir_open(dir, 0, NULL)))
		while ((e = g_dir_read_name(d)))
			if (g_str_has_prefix(e, "dump.") && (!best || strcmp(e, best) < 0)) {
				g_free(best);
				best = g_strdup(e);
			}
	if (!best)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "%s: a directory without a dump (looked for vmcore and dump.*)", dir);
	*out = g_build_filename(dir, best, NULL);
	g_free(best);
	return NULL;
}

static GError *new_xlat(OlKmem *k)
{
	guint64 text;
	GError *err;

	g_clear_pointer(&k->xlat, ol_xlat_free);
	if ((err = ol_xlat_new(k->dump, &k->xlat)))
		return err;
	if (k->vmlinux && ol_vmlinux_symbol(k->vmlinux, "_text", &text))
		ol_xlat_set_link_text(k->xlat, text);
	return NULL;
}

/* A vmlinux from another build would give wrong symbols everywhere. */
static void check_banner(OlKmem *k, GPtrArray *warnings)
{
	guint64 banner;
	char mem[256] = {0};
	gsize done = 0;
	g_autofree char *file = NULL;
	const char *path = ol_vmlinux_path(k->vmlinux);

	if (ol_vmlinux_symbol(k->vmlinux, "linux_banner", &banner) &&
	    (file = ol_vmlinux_string(k->vmlinux, banner, sizeof(mem) - 1))) {
		guint64 at = banner + ol_kmem_kaslr_offset(k);
		g_autoptr(GError) rerr = ol_kmem_read(k, at, mem, sizeof(mem) - 1, &done);

		if (rerr && done < strlen(file)) {
			g_ptr_array_add(warnings,
					g_strdup_printf("cannot check %s against the dump: %s", path, rerr->message));
		} else if (strncmp(mem, file, strlen(file)) != 0) {
			g_ptr_array_add(warnings, g_strdup_printf("%s does not match the dump (linux_banner differs): ignoring it",
								  path));
			g_clear_pointer(&k->vmlinux, ol_vmlinux_free);
		}
	}
}

/* The dump's own vmlinux: a given one of another build is ignored (with
 * both ids); none leaves the model working from the dump alone. */
static GError *open_vmlinux(OlKmem *k, const OlKmemOptions *opt, GPtrArray *warnings)
{
	const char *vmlinux = opt ? opt->vmlinux : NULL;
	const char *hint = opt ? opt->vmlinux_hint : NULL;
	g_autofree char *found = NULL;
	g_autoptr(GError) verr = NULL;
	GError *err;

	ol_kernel_id_read(k->dump, k->xlat, &k->kid);
	if ((err = ol_find_vmlinux(&k->kid, vmlinux, hint, ol_dump_path(k->dump), &found))) {
		g_ptr_array_add(warnings, vmlinux ? g_strdup_printf("ignoring vmlinux: %s", err->message)
						  : g_strdup(err->message));
		g_clear_error(&err);
	}
	if (!found)
		return NULL;
	if ((verr = ol_vmlinux_open(found, &k->vmlinux))) {
		g_ptr_array_add(warnings, g_strdup_printf("ignoring vmlinux: %s", verr->message));
		return NULL;
	}
	return new_xlat(k);
}

GError *ol_kmem_open_dump(OlDump *dump, const OlKmemOptions *opt, OlKmem **out, GPtrArray *warnings)
{
	g_autoptr(OlKmem) k = g_new0(OlKmem, 1);
	GError *err;

	k->dump = dump;
	if ((err = new_xlat(k)) || (err = open_vmlinux(k, opt, warnings)))
		return err;
	read_cpu_regs(k);
	if (k->cpu_regs->len == 0)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: no CPU register notes (NT_PRSTATUS)",
				   ol_dump_path(dump));
	if (k->vmlinux)
		check_banner(k, warnings);
	if (k->vmlinux) {
		g_autoptr(GError) derr = ol_dwarf_open(ol_vmlinux_path(k->vmlinux), &k->dwarf);

		if (derr)
			g_ptr_array_add(warnings, g_strdup_printf("no kernel data structures: %s", derr->message));
		k->entry_cfi = ol_entry_cfi_build(k->vmlinux);
	}
	find_panic_cpu(k);
	*out = g_steal_pointer(&k);
	return NULL;
}

GError *ol_kmem_open(const char *dump_arg, const OlKmemOptions *opt, OlKmem **out, GPtrArray *warnings)
{
	OlDump *dump = NULL;
	g_autofree char *in_dir = NULL;
	const char *dump_path = dump_arg;
	GError *err;

	if (g_file_test(dump_arg, G_FILE_TEST_IS_DIR)) {
		if ((err = dump_in_dir(dump_arg, &in_dir)))
			return err;
		dump_path = in_dir;
	}
	if ((err = ol_dump_open(dump_path, &dump)))
		return err;
	if (ol_dump_warning(dump))
		g_ptr_array_add(warnings, g_strdup(ol_dump_warning(dump)));
	return ol_kmem_open_dump(dump, opt, out, warnings);
}

GError *ol_kmem_refresh(OlKmem *k)
{
	GError *err;

	if ((err = new_xlat(k)))
		return err;
	read_cpu_regs(k);
	find_panic_cpu(k);
	return NULL;
}

OlDump *ol_kmem_dump(OlKmem *k) { return k->dump; }
OlXlat *ol_kmem_xlat(OlKmem *k) { return k->xlat; }
OlVmlinux *ol_kmem_vmlinux(OlKmem *k) { return k->vmlinux; }
OlDwarf *ol_kmem_dwarf(OlKmem *k) { return k->dwarf; }
const OlKernelId *ol_kmem_kernel_id(OlKmem *k) { return &k->kid; }
guint ol_kmem_n_cpus(OlKmem *k) { return k->cpu_regs->len; }
const OlRegs *ol_kmem_cpu_regs(OlKmem *k, guint cpu) { return &g_array_index(k->cpu_regs, OlRegs, cpu); }
guint ol_kmem_panic_cpu(OlKmem *k) { return k->panic_cpu; }
const char *ol_kmem_panic_reason(OlKmem *k) { return k->panic_reason; }

const OlEntryCfi *ol_kmem_entry_cfi(OlKmem *k) { return k->entry_cfi; }

OlEntryKind ol_kmem_entry_kind(OlKmem *k, guint64 addr)
{
	if (!k->entry_cfi)
		return OL_ENTRY_NONE;
	return ol_entry_cfi_kind(k->entry_cfi, addr - ol_kmem_kaslr_offset(k));
}

guint64 ol_kmem_kaslr_offset(OlKmem *k)
{
	guint64 offset = 0;

	ol_xlat_kaslr_offset(k->xlat, &offset);
	return offset;
}

/* ---- vmlinux helpers ---- */

static GError *no_vmlinux(const char *what)
{
	return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s needs vmlinux (--vmlinux)", what);
}

/* Per-CPU variables live in .data..percpu, linked at address 0. */
static gboolean is_percpu(OlKmem *k, guint64 link_addr)
{
	guint64 start, end;

	return ol_vmlinux_symbol(k->vmlinux, "__per_cpu_start", &start) &&
	       ol_vmlinux_symbol(k->vmlinux, "__per_cpu_end", &end) && link_addr >= start && link_addr < end;
}

GError *ol_kmem_symbol(OlKmem *k, const char *name, guint64 *addr)
{
	guint64 link;

	if (!k->vmlinux)
		return no_vmlinux(name);
	if (!ol_vmlinux_symbol(k->vmlinux, name, &link))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "%s: no symbol %s",
				   ol_vmlinux_path(k->vmlinux), name);
	*addr = link + (is_percpu(k, link) ? 0 : ol_kmem_kaslr_offset(k));
	return NULL;
}

GError *ol_kmem_percpu(OlKmem *k, const char *name, guint cpu, guint64 *addr)
{
	guint64 var, offsets, base;
	GError *err;

	if ((err = ol_kmem_symbol(k, name, &var)) || (err = ol_kmem_symbol(k, "__per_cpu_offset", &offsets)) ||
	    (err = ol_kmem_read_u64(k, offsets + 8 * (guint64)cpu, &base)))
		return err;
	*addr = base + var;
	return NULL;
}

GError *ol_kmem_member(OlKmem *k, const char *type, const char *member, guint64 *offset, guint64 *size)
{
	if (!k->dwarf)
		return no_vmlinux(type);
	return ol_dwarf_member(k->dwarf, type, member, offset, size);
}

GError *ol_kmem_read(OlKmem *k, guint64 addr, void *buf, gsize len, gsize *done)
{
	return ol_xlat_read(k->xlat, addr, buf, len, done);
}

GError *ol_kmem_read_u64(OlKmem *k, guint64 addr, guint64 *v)
{
	gsize done;

	return ol_kmem_read(k, addr, v, sizeof(*v), &done);
}

GError *ol_kmem_read_u32(OlKmem *k, guint64 addr, guint32 *v)
{
	gsize done;

	return ol_kmem_read(k, addr, v, sizeof(*v), &done);
}

GError *ol_kmem_read_string(OlKmem *k, guint64 addr, gsize max, char **out)
{
	g_autofree char *buf = g_malloc0(max + 1);
	gsize done = 0;
	g_autoptr(GError) err = ol_kmem_read(k, addr, buf, max, &done);

	/* A string may end before an unreadable byte: only a read that got
	 * nothing, or no NUL before the failure, is an error. */
	if (err && !memchr(buf, 0, done))
		return g_steal_pointer(&err);
	*out = g_strdup(buf);
	return NULL;
}

gboolean ol_kmem_try_symbol(OlKmem *k, const char *name, guint64 *addr)
{
	g_autoptr(GError) err = ol_kmem_symbol(k, name, addr);

	return err == NULL;
}

gboolean ol_kmem_try_member(OlKmem *k, const char *type, const char *member, guint64 *offset, guint64 *size)
{
	g_autoptr(GError) err = ol_kmem_member(k, type, member, offset, size);

	return err == NULL;
}

gboolean ol_kmem_try_read_u64(OlKmem *k, guint64 addr, guint64 *v)
{
	g_autoptr(GError) err = ol_kmem_read_u64(k, addr, v);

	return err == NULL;
}

gboolean ol_kmem_try_read_u32(OlKmem *k, guint64 addr, guint32 *v)
{
	g_autoptr(GError) err = ol_kmem_read_u32(k, addr, v);

	return err == NULL;
}

/* ---- the layout: VMCOREINFO first, then DWARF ---- */

gboolean ol_kmem_try_vmcoreinfo_u64(OlKmem *k, const char *key, guint64 *v)
{
	gsize len;
	const char *vi = ol_dump_vmcoreinfo(k->dump, &len);
	g_autoptr(GError) err = NULL;

	if (!vi)
		return FALSE;
	err = ol_vmcoreinfo_get_u64(vi, len, key, v);
	return err == NULL;
}

gboolean ol_kmem_vmcoreinfo_has(OlKmem *k, const char *key)
{
	gsize len;
	const char *vi = ol_dump_vmcoreinfo(k->dump, &len);

	return vi && ol_vmcoreinfo_lookup(vi, len, key, NULL);
}

GError *ol_kmem_implausible(const char *key, guint64 v)
{
	return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT, "%s = %" G_GUINT64_FORMAT " is not plausible", key, v);
}

GError *ol_kmem_layout_symbol(OlKmem *k, const char *name, guint64 *addr)
{
	g_autofree char *key = g_strdup_printf("SYMBOL(%s)", name);
	GError *err;

	if (ol_kmem_try_vmcoreinfo_u64(k, key, addr))
		return NULL;
	if ((err = ol_kmem_symbol(k, name, addr)))
		g_prefix_error(&err, "no %s in VMCOREINFO, and ", key);
	return err;
}

GError *ol_kmem_layout_offset(OlKmem *k, const char *type, const char *member, guint64 *v)
{
	g_autofree char *key = g_strdup_printf("OFFSET(%s.%s)", type, member);
	GError *err;

	if (ol_kmem_try_vmcoreinfo_u64(k, key, v))
		return *v < OL_KMEM_LAYOUT_MAX ? NULL : ol_kmem_implausible(key, *v);
	if ((err = ol_kmem_member(k, type, member, v, NULL)))
		g_prefix_error(&err, "no %s in VMCOREINFO, and ", key);
	return err;
}

gboolean ol_kmem_layout_try_offset(OlKmem *k, const char *type, const char *member, guint64 *v)
{
	g_autoptr(GError) err = ol_kmem_layout_offset(k, type, member, v);

	return err == NULL;
}

GError *ol_kmem_layout_size(OlKmem *k, const char *type, guint64 *v)
{
	g_autofree char *key = g_strdup_printf("SIZE(%s)", type);
	GError *err;

	if (ol_kmem_try_vmcoreinfo_u64(k, key, v))
		return *v && *v < OL_KMEM_LAYOUT_MAX ? NULL : ol_kmem_implausible(key, *v);
	if (!k->dwarf)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT, "no %s in VMCOREINFO, and no vmlinux",
				   key);
	if ((err = ol_dwarf_sizeof(k->dwarf, type, v)))
		g_prefix_error(&err, "no %s in VMCOREINFO, and ", key);
	return err;
}
