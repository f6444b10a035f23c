/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "modules.h"

#include <gelf.h>
#include <string.h>
#include <sys/stat.h>

#include "debug-files.h"
#include "dump.h"

/* A damaged dump must not make us loop or allocate without bound. */
#define MAX_MODULES 4096
#define MAX_SECTIONS 65535 /* an ELF file's e_shnum */
#define DIR_DEPTH 16

/*
 * gdb needs an address for every allocated section of a .ko it loads as a
 * library, also for those the module does not have in memory: .modinfo and
 * __versions (the kernel drops them at load), empty sections, and .init.*
 * once the kernel freed the init memory. Their old addresses may since hold
 * another module, and an address inside the module would make gdb name its
 * code after .modinfo's symbols. So they are placed in the non-canonical hole
 * (canonical with 4- and 5-level paging ends below 2^56 and starts at
 * 0xff00...): no pointer, register or page of the dump can ever be there,
 * and a read there fails instead of showing wrong bytes. (gdb's `info
 * sharedlibrary` shows the lowest address of a library's sections as
 * "From": for a module with .modinfo that is a parked one.)
 */
#define PARK_BASE G_GUINT64_CONSTANT(0x8000000000000000)
#define PARK_ALIGN 0x1000

typedef struct {
	char *name;
	guint64 size;
} KoSection;

/* What gdb is handed for one module: the file and one address per
 * allocated section, in file order. */
typedef struct {
	GBytes *file;
	GArray *addrs; /* guint64 */
} Library;

struct OlModules {
	GPtrArray *modules;  /* OlModule */
	GPtrArray *libs;     /* Library *, parallel to modules; NULL entries */
	char **dirs;
	GHashTable *ko_index; /* normalized module name -> GPtrArray of paths, search order */
	GHashTable *id_index; /* the release's debug tree by build-id (debug-files.h), or NULL */
};

static void module_free(gpointer p)
{
	OlModule *m = p;

	g_free(m->name);
	g_free(m->build_id);
	if (m->sections)
		g_array_unref(m->sections);
	g_free(m->ko);
	g_free(m->ko_problem);
	g_free(m);
}

static void section_clear(gpointer p)
{
	g_free(((OlModuleSection *)p)->name);
}

static void library_free(gpointer p)
{
	Library *l = p;

	if (!l)
		return;
	g_bytes_unref(l->file);
	g_array_unref(l->addrs);
	g_free(l);
}

void ol_modules_free(OlModules *m)
{
	if (!m)
		return;
	if (m->modules)
		g_ptr_array_unref(m->modules);
	if (m->libs)
		g_ptr_array_unref(m->libs);
	if (m->ko_index)
		g_hash_table_unref(m->ko_index);
	if (m->id_index)
		g_hash_table_unref(m->id_index);
	g_strfreev(m->dirs);
	g_free(m);
}

guint ol_modules_count(const OlModules *m) { return m->modules->len; }
const OlModule *ol_modules_get(const OlModules *m, guint i) { return g_ptr_array_index(m->modules, i); }
const char *const *ol_modules_dirs(const OlModules *m) { return (const char *const *)m->dirs; }

/* ---- reading the dump ---- */

/* An integer or pointer member, read with the size DWARF gives it. */
static GError *read_field(OlKmem *t, guint64 base, const char *type, const char *member, guint64 *v)
{
	guint64 off, size;
	gsize done;
	GError *err;

	if ((err = ol_kmem_member(t, type, member, &off, &size)))
		return err;
	if (size == 0 || size > 8)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT, "struct %s: %s is %" G_GUINT64_FORMAT
				   " bytes, not an integer or pointer", type, member, size);
	*v = 0; /* little-endian: the low bytes */
	return ol_kmem_read(t, base + off, v, size, &done);
}

static gboolean is_live(const OlModule *m, guint64 addr)
{
	return (addr >= m->base && addr - m->base < m->size) ||
	       (m->init_base && addr >= m->init_base && addr - m->init_base < m->init_size);
}

/* struct module_sect_attrs { grp; nsections; attrs[] of { battr (whose
 * attr.name is the section's name), address } }: what
 * /sys/module/NAME/sections shows. */
static GError *read_sections(OlKmem *t, OlModule *m)
{
	guint64 attrs, n, array_off, stride, name_off, addr_off;
	GError *err;

	if ((err = read_field(t, m->addr, "module", "sect_attrs", &attrs)))
		return err;
	if (!attrs)
		return NULL; /* no sysfs entry (yet, or CONFIG_SYSFS off) */
	if ((err = read_field(t, attrs, "module_sect_attrs", "nsections", &n)) ||
	    (err = ol_kmem_member(t, "module_sect_attrs", "attrs", &array_off, NULL)) ||
	    (err = ol_dwarf_sizeof(ol_kmem_dwarf(t), "module_sect_attr", &stride)) ||
	    (err = ol_kmem_member(t, "module_sect_attr", "battr.attr.name", &name_off, NULL)) ||
	    (err = ol_kmem_member(t, "module_sect_attr", "address", &addr_off, NULL)))
		return err;
	if (n > MAX_SECTIONS)
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT, "%" G_GUINT64_FORMAT " sections", n);
	for (guint64 i = 0; i < n; i++) {
		guint64 a = attrs + array_off + i * stride, name_ptr;
		OlModuleSection s = {0};

		if ((err = ol_kmem_read_u64(t, a + name_off, &name_ptr)) ||
		    (err = ol_kmem_read_u64(t, a + addr_off, &s.addr)) ||
		    (err = ol_kmem_read_string(t, name_ptr, 255, &s.name)))
			return err;
		s.live = is_live(m, s.addr);
		g_array_append_val(m->sections, s);
	}
	return NULL;
}

static const OlModuleSection *find_section(const OlModule *m, const char *name);

/* The GNU build-id note (namesz 4, descsz, type 3, "GNU\0", desc) the
 * module's .note.gnu.build-id section holds in memory, as hex. */
static char *read_build_id(OlKmem *t, const OlModule *m)
{
	const OlModuleSection *s = find_section(m, ".note.gnu.build-id");
	guint8 note[16 + 64];
	guint32 namesz, descsz, type;
	gsize done = 0;
	g_autoptr(GError) err = NULL;
	GString *hex;

	if (!s || !s->live || (err = ol_kmem_read(t, s->addr, note, 16, &done)))
		return NULL;
	memcpy(&namesz, note, 4);
	memcpy(&descsz, note + 4, 4);
	memcpy(&type, note + 8, 4);
	if (namesz != 4 || type != 3 || memcmp(note + 12, "GNU", 4) != 0 || !descsz || descsz > 64 ||
	    (err = ol_kmem_read(t, s->addr + 16, note + 16, descsz, &done)))
		return NULL;
	hex = g_string_new(NULL);
	for (guint32 i = 0; i < descsz; i++)
		g_string_append_printf(hex, "%02x", note[16 + i]);
	return g_string_free(hex, FALSE);
}

static GError *read_module(OlKmem *t, guint64 addr, OlModule **out)
{
	g_autoptr(GError) serr = NULL;
	OlModule *m = g_new0(OlModule, 1);
	guint64 name_off, name_size, state;
	GError *err;

	m->addr = addr;
	m->sections = g_array_new(FALSE, TRUE, sizeof(OlModuleSection));
	g_array_set_clear_func(m->sections, section_clear);
	if ((err = ol_kmem_member(t, "module", "name", &name_off, &name_size)) ||
	    (err = ol_kmem_read_string(t, addr + name_off, MAX(name_size, 1) - 1, &m->name)) ||
	    (err = read_field(t, addr, "module", "state", &state)) ||
	    (err = read_field(t, addr, "module", "core_layout.base", &m->base)) ||
	    (err = read_field(t, addr, "module", "core_layout.size", &m->size)) ||
	    (err = read_field(t, addr, "module", "init_layout.base", &m->init_base)) ||
	    (err = read_field(t, addr, "module", "init_layout.size", &m->init_size))) {
		module_free(m);
		return err;
	}
	m->state = (guint)state;
	/* Without its sections the module is still listed, with its memory. */
	if ((serr = read_sections(t, m))) {
		g_array_set_size(m->sections, 0);
		m->ko_problem = g_strdup_printf("no section addresses: %s", serr->message);
	}
	m->build_id = read_build_id(t, m);
	*out = m;
	return NULL;
}

static GError *read_list(OlKmem *t, GPtrArray *modules)
{
	guint64 head, next, list_off;
	GError *err;

	if ((err = ol_kmem_symbol(t, "modules", &head)) ||
	    (err = ol_kmem_member(t, "module", "list", &list_off, NULL)) ||
	    (err = ol_kmem_read_u64(t, head, &next)))
		return err;
	while (next != head) {
		OlModule *m;

		if (modules->len >= MAX_MODULES)
			return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_CORRUPT,
					   "the module list does not end after %d entries", MAX_MODULES);
		if ((err = read_module(t, next - list_off, &m)))
			return err;
		g_ptr_array_add(modules, m);
		if ((err = ol_kmem_read_u64(t, next, &next)))
			return err;
	}
	return NULL;
}

/* ---- finding the .ko files ---- */

/* The kernel names a module after its file with '-' turned into '_'. */
static char *normalize(const char *name)
{
	return g_strdelimit(g_strdup(name), "-", '_');
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void index_dir(GHashTable *index, const char *dir, int depth)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *n;

	if (!d || depth > DIR_DEPTH)
		return;
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	/* The same answer whatever order the file system lists entries in */
	g_ptr_array_sort(names, cmp_names);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		g_autofree char *path = g_build_filename(dir, name, NULL);
		struct stat st;

		if (lstat(path, &st) != 0)
			continue;
		/* Like os.walk and lx-symbols: no symlinked directories (a kernel
		 * build tree's `source` points at the whole source tree). */
		if (S_ISDIR(st.st_mode)) {
			index_dir(index, path, depth + 1);
		} else if (g_str_has_suffix(name, ".ko") && g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			g_autofree char *key = normalize(name);
			GPtrArray *paths;

			key[strlen(key) - 3] = 0;
			paths = g_hash_table_lookup(index, key);
			if (!paths) {
				paths = g_ptr_array_new_with_free_func(g_free);
				g_hash_table_insert(index, g_strdup(key), paths);
			}
			g_ptr_array_add(paths, g_canonicalize_filename(path, NULL));
		}
	}
}

/* ---- the .ko as gdb sees it ---- */

/* The allocated sections of a .ko in file order: what gdb's solib-target
 * counts (bfd's SEC_ALLOC is SHF_ALLOC; allocated sections are never folded
 * into others), and the build-id note. */
static GError *ko_sections(GBytes *file, const char *path, GArray *out, GBytes **build_id)
{
	gsize size;
	const char *data = g_bytes_get_data(file, &size);
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t shstrndx;
	GError *err = NULL;

	elf_version(EV_CURRENT);
	/* libelf only reads an image opened with ELF_C_READ: the cast is safe */
	elf = elf_memory((char *)data, size);
	if (!elf || !gelf_getehdr(elf, &eh) || eh.e_type != ET_REL || eh.e_machine != EM_X86_64 ||
	    elf_getshdrstrndx(elf, &shstrndx) != 0) {
		err = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_FORMAT, "%s: not an x86_64 kernel module (%s)", path,
				  elf ? elf_errmsg(-1) : "not ELF");
		goto out;
	}
	*build_id = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (sh.sh_flags & SHF_ALLOC) {
			KoSection s = {g_strdup(name), sh.sh_size};

			g_array_append_val(out, s);
		}
		if (sh.sh_type == SHT_NOTE && g_str_equal(name, ".note.gnu.build-id") && sh.sh_offset <= size &&
		    sh.sh_size <= size - sh.sh_offset && !*build_id)
			*build_id = g_bytes_new_from_bytes(file, sh.sh_offset, sh.sh_size);
	}
out:
	if (elf)
		elf_end(elf);
	return err;
}

static void ko_section_clear(gpointer p)
{
	g_free(((KoSection *)p)->name);
}

static const OlModuleSection *find_section(const OlModule *m, const char *name)
{
	for (guint i = 0; i < m->sections->len; i++) {
		const OlModuleSection *s = &g_array_index(m->sections, OlModuleSection, i);

		if (g_str_equal(s->name, name))
			return s;
	}
	return NULL;
}

/* Does the .ko's build-id note equal the one the module has in memory? A
 * module without one cannot be checked and is taken on its name. */
static gboolean try_same_build(OlKmem *t, const OlModule *m, GBytes *build_id)
{
	const OlModuleSection *s = find_section(m, ".note.gnu.build-id");
	gsize n, done;
	const void *want;
	g_autofree guint8 *mem = NULL;
	g_autoptr(GError) err = NULL;

	if (!build_id || !s)
		return TRUE;
	want = g_bytes_get_data(build_id, &n);
	mem = g_malloc(MAX(n, 1));
	err = ol_kmem_read(t, s->addr, mem, n, &done);
	return !err && memcmp(mem, want, n) == 0;
}

/*
 * One address per allocated section of the .ko, in file order. The module's
 * sections (sect_attrs) are in the same order but only hold the non-empty
 * ones the kernel kept, so each file section takes the next unused one of
 * its name. Sections with none, or no longer in memory, are parked (see
 * PARK_BASE); *park is where the next one goes.
 */
static GArray *library_addresses(const OlModule *m, GArray *ko, guint64 *park)
{
	GArray *addrs = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_autofree gboolean *used = g_new0(gboolean, m->sections->len + 1);

	for (guint i = 0; i < ko->len; i++) {
		const KoSection *k = &g_array_index(ko, KoSection, i);
		guint64 addr = 0;

		for (guint j = 0; k->size && j < m->sections->len; j++) {
			const OlModuleSection *s = &g_array_index(m->sections, OlModuleSection, j);

			if (!used[j] && g_str_equal(s->name, k->name)) {
				used[j] = TRUE;
				if (s->live)
					addr = s->addr;
				break;
			}
		}
		if (!addr) {
			addr = *park;
			*park += (MAX(k->size, 1) + PARK_ALIGN - 1) & ~(guint64)(PARK_ALIGN - 1);
		}
		g_array_append_val(addrs, addr);
	}
	return addrs;
}

/* Pick M's .ko among the candidates (the first whose build-id matches) and
 * prepare what gdb is handed for it. */
static Library *find_ko(OlKmem *t, OlModules *mods, OlModule *m, guint64 *park)
{
	g_autofree char *key = normalize(m->name);
	GPtrArray *by_name = g_hash_table_lookup(mods->ko_index, key);
	/* the tree is read for build-ids only when the names did not match */
	g_autofree char *by_id = by_name ? ol_debug_build_id_file(m->build_id)
					 : ol_debug_module_file(ol_kmem_kernel_id(t), m->build_id,
								&mods->id_index);
	g_autoptr(GPtrArray) paths = g_ptr_array_new();
	g_autofree char *mismatch = NULL;

	if (by_id)
		g_ptr_array_add(paths, by_id);
	for (guint i = 0; by_name && i < by_name->len; i++)
		g_ptr_array_add(paths, by_name->pdata[i]);
	if (!paths->len)
		return NULL;
	for (guint i = 0; i < paths->len; i++) {
		const char *path = paths->pdata[i];
		g_autoptr(GMappedFile) mf = g_mapped_file_new(path, FALSE, NULL);
		g_autoptr(GBytes) file = NULL;
		g_autoptr(GBytes) build_id = NULL;
		g_autoptr(GArray) ko = g_array_new(FALSE, FALSE, sizeof(KoSection));
		g_autoptr(GError) err = NULL;
		Library *lib;

		g_array_set_clear_func(ko, ko_section_clear);
		if (!mf)
			continue;
		/* A copy: the file may be rebuilt while gdb is connected */
		file = g_bytes_new(g_mapped_file_get_contents(mf), g_mapped_file_get_length(mf));
		if ((err = ko_sections(file, path, ko, &build_id))) {
			if (!mismatch)
				mismatch = g_strdup(err->message);
			continue;
		}
		if (!try_same_build(t, m, build_id)) {
			if (!mismatch)
				mismatch = g_strdup_printf("%s is another build (its build-id differs from the "
							   "loaded module's)",
							   path);
			continue;
		}
		m->ko = g_strdup(path);
		if (m->sections->len == 0)
			return NULL; /* the problem is already noted */
		lib = g_new0(Library, 1);
		lib->file = g_steal_pointer(&file);
		lib->addrs = library_addresses(m, ko, park);
		return lib;
	}
	m->ko = g_strdup(paths->pdata[0]);
	m->ko_problem = g_steal_pointer(&mismatch);
	return NULL;
}

/* The module list read from memory, no .ko looked for yet. */
static GError *modules_new(OlKmem *t, const char *const *dirs, OlModules **out)
{
	g_autoptr(OlModules) m = g_new0(OlModules, 1);
	GError *err;

	if (!ol_kmem_dwarf(t))
		return g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				   "the module list needs vmlinux with debug info (--vmlinux)");
	m->modules = g_ptr_array_new_with_free_func(module_free);
	m->libs = g_ptr_array_new_with_free_func(library_free);
	m->dirs = g_strdupv((char **)dirs);
	m->ko_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_ptr_array_unref);
	if ((err = read_list(t, m->modules)))
		return err;
	*out = g_steal_pointer(&m);
	return NULL;
}

GError *ol_modules_read_list(OlKmem *t, OlModules **out)
{
	g_autoptr(OlModules) m = NULL;
	GError *err;

	if ((err = modules_new(t, NULL, &m)))
		return err;
	for (guint i = 0; i < m->modules->len; i++)
		g_ptr_array_add(m->libs, NULL);
	*out = g_steal_pointer(&m);
	return NULL;
}

GError *ol_modules_read(OlKmem *t, const char *const *dirs, OlModules **out)
{
	g_autoptr(OlModules) m = NULL;
	guint64 park = PARK_BASE;
	GError *err;

	if ((err = modules_new(t, dirs, &m)))
		return err;
	for (guint i = 0; m->dirs && m->dirs[i]; i++)
		index_dir(m->ko_index, m->dirs[i], 0);
	for (guint i = 0; i < m->modules->len; i++)
		g_ptr_array_add(m->libs, find_ko(t, m, m->modules->pdata[i], &park));
	*out = g_steal_pointer(&m);
	return NULL;
}

/* ---- what gdb gets ---- */

/* Code and data gdb resolves symbols in: the harness's rule, except that
 * .init.* counts while the init memory is still there (a crash in a
 * module's init function). */
static gboolean for_gdb(const OlModuleSection *s)
{
	return s->live && !g_str_has_prefix(s->name, ".note") && !g_str_equal(s->name, ".symtab") &&
	       !g_str_equal(s->name, ".strtab");
}

/* The order of the guest's glob of /sys/module/NAME/sections (dot names,
 * then the others, each in byte order). */
static gint cmp_glob(gconstpointer a, gconstpointer b)
{
	const OlModuleSection *x = *(OlModuleSection *const *)a, *y = *(OlModuleSection *const *)b;
	gboolean dx = x->name[0] == '.', dy = y->name[0] == '.';

	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x->name, y->name);
}

char *ol_add_symbol_file_line(const char *ko, const OlModuleSection *sections, guint n, guint *used)
{
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	GString *cmd = g_string_new("add-symbol-file ");
	const OlModuleSection *text = NULL;

	g_string_append(cmd, ko);
	for (guint i = 0; i < n; i++) {
		const OlModuleSection *s = &sections[i];

		if (!for_gdb(s))
			continue;
		if (g_str_equal(s->name, ".text") && !text)
			text = s;
		else
			g_ptr_array_add(order, (gpointer)s);
	}
	/* gdb 13: add-symbol-file FILE [TEXTADDR] [-s SECTION ADDR]... */
	if (text)
		g_string_append_printf(cmd, " 0x%" G_GINT64_MODIFIER "x", text->addr);
	g_ptr_array_sort(order, cmp_glob);
	for (guint i = 0; i < order->len; i++) {
		const OlModuleSection *s = order->pdata[i];

		g_string_append_printf(cmd, " -s %s 0x%" G_GINT64_MODIFIER "x", s->name, s->addr);
	}
	if (used)
		*used = order->len + (text != NULL);
	return g_string_free(cmd, FALSE);
}

char *ol_module_add_symbol_file(const OlModule *m)
{
	g_autofree char *ko = m->ko ? g_strdup(m->ko) : g_strdup_printf("%s.ko", m->name);

	return ol_add_symbol_file_line(ko, (const OlModuleSection *)m->sections->data, m->sections->len,
				       NULL);
}

void ol_modules_append_libraries(OlModules *m, GString *xml)
{
	for (guint i = 0; i < m->modules->len; i++) {
		const OlModule *mod = m->modules->pdata[i];
		const Library *lib = m->libs->pdata[i];
		g_autofree char *name = NULL;

		if (!lib)
			continue;
		name = g_markup_escape_text(mod->ko, -1);
		g_string_append_printf(xml, "<library name=\"%s\">", name);
		for (guint j = 0; j < lib->addrs->len; j++)
			g_string_append_printf(xml, "<section address=\"0x%" G_GINT64_MODIFIER "x\"/>",
					       g_array_index(lib->addrs, guint64, j));
		g_string_append(xml, "</library>\n");
	}
}

GBytes *ol_modules_file(OlModules *m, const char *path)
{
	for (guint i = 0; i < m->modules->len; i++) {
		const OlModule *mod = m->modules->pdata[i];
		const Library *lib = m->libs->pdata[i];

		if (lib && g_str_equal(mod->ko, path))
			return g_bytes_ref(lib->file);
	}
	return NULL;
}

static const char *state_name(guint state)
{
	static const char *const names[] = {"live", "coming", "going", "unformed"};

	return state < G_N_ELEMENTS(names) ? names[state] : "state?";
}

char *ol_modules_monitor_lsmod(const OlModules *m)
{
	GString *out;
	g_autofree char *dirs = NULL;
	guint n_libs = 0;

	if (m->modules->len == 0)
		return g_strdup("No modules loaded.\n");
	out = g_string_new(NULL);
	/* crash's `mod` columns */
	g_string_append_printf(out, "%-16s  %-18s  %-16s  %8s  %s\n", "MODULE", "NAME", "BASE", "SIZE", "OBJECT FILE");
	for (guint i = 0; i < m->modules->len; i++) {
		const OlModule *mod = m->modules->pdata[i];

		g_string_append_printf(out, "%016" G_GINT64_MODIFIER "x  %-18s  %016" G_GINT64_MODIFIER "x  %8"
				       G_GUINT64_FORMAT "  %s%s%s\n",
				       mod->addr, mod->name, mod->base, mod->size,
				       mod->ko ? mod->ko : "(not found)",
				       mod->state == OL_MODULE_LIVE ? "" : "  ",
				       mod->state == OL_MODULE_LIVE ? "" : state_name(mod->state));
		n_libs += m->libs->pdata[i] != NULL;
	}
	dirs = g_strjoinv(":", m->dirs);
	g_string_append_printf(out, "\n.ko files searched for by build-id in the debug tree (.build-id/xx/yyyy.debug,"
			       " lib/modules/REL), then by name in %s\n", *dirs ? dirs : "(no directories)");
	for (guint i = 0; i < m->modules->len; i++) {
		const OlModule *mod = m->modules->pdata[i];

		if (mod->ko_problem)
			g_string_append_printf(out, "%s: %s\n", mod->name, mod->ko_problem);
	}
	if (n_libs)
		g_string_append_printf(out, "gdb loads the %u module%s found as shared libraries (`info sharedlibrary`)."
				       " Or by hand:\n", n_libs, n_libs == 1 ? "" : "s");
	else
		g_string_append(out, "Load their symbols with:\n");
	for (guint i = 0; i < m->modules->len; i++) {
		g_autofree char *cmd = ol_module_add_symbol_file(m->modules->pdata[i]);

		g_string_append_printf(out, "%s\n", cmd);
	}
	return g_string_free(out, FALSE);
}
