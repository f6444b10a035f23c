/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "workload.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>
#include <stdio.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "run-internal.h"

/* How many lines of a failed module build the error quotes. */
#define BUILD_TAIL_LINES 3

void workload_module_free(gpointer p)
{
	WorkloadModule *m = p;

	g_free(m->name);
	g_free(m->ko);
	g_free(m->params);
	g_free(m);
}

static char *cache_dir(const char *what)
{
	return g_build_filename(g_get_user_cache_dir(), "oopslab", what, NULL);
}

/* A value of .modinfo: "\0KEY=VALUE\0" (the section starts after a NUL in
 * practice; a KEY= at offset 0 is taken too). */
static char *modinfo_value(const char *data, gsize len, const char *key)
{
	gsize klen = strlen(key);

	for (gsize i = 0; i + klen < len; i++) {
		if ((i == 0 || data[i - 1] == '\0') && memcmp(data + i, key, klen) == 0 &&
		    data[i + klen] == '=') {
			const char *v = data + i + klen + 1;

			return g_strndup(v, strnlen(v, len - (v - data)));
		}
	}
	return NULL;
}

GError *workload_ko_info(const char *ko, char **vermagic, char **name)
{
	g_autofree char *data = NULL;
	gsize len;
	GError *err = NULL;

	if (!g_file_get_contents(ko, &data, &len, &err))
		return err;
	if (len < 4 || memcmp(data, "\177ELF", 4) != 0)
		return run_usage_error("module %s: not an ELF file", ko);
	if (vermagic)
		*vermagic = modinfo_value(data, len, "vermagic");
	if (name)
		*name = modinfo_value(data, len, "name");
	return NULL;
}

/* Every file under DIR, sorted, with its contents: the cache key. */
static void hash_tree(GChecksum *sum, const char *dir, const char *rel, int depth)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *e;

	if (!d || depth > 8)
		return;
	while ((e = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(e));
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		const char *n = *(const char **)&names->pdata[i];
		g_autofree char *p = g_build_filename(dir, n, NULL);
		g_autofree char *r = g_build_filename(rel, n, NULL);
		g_autofree char *text = NULL;
		gsize len;

		g_checksum_update(sum, (const guchar *)r, strlen(r) + 1);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			hash_tree(sum, p, r, depth + 1);
		else if (g_file_get_contents(p, &text, &len, NULL))
			g_checksum_update(sum, (const guchar *)text, len);
	}
}

static int compare_str(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

static void find_kos(const char *dir, GPtrArray *out, int depth)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *e;

	if (!d || depth > 8)
		return;
	while ((e = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, e, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			find_kos(p, out, depth + 1);
		else if (g_str_has_suffix(e, ".ko"))
			g_ptr_array_add(out, g_steal_pointer(&p));
	}
}

/* The compiler's last error lines of a build log (else its last lines),
 * joined for a one-line error, with the build copy's path shown as the
 * user's directory. */
static char *log_tail(const char *text, const char *copy, const char *user)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GPtrArray) picked = g_ptr_array_new();
	g_autoptr(GString) s = g_string_new(NULL);
	guint n = g_strv_length(lines);

	for (guint i = 0; i < n; i++)
		if (strstr(lines[i], "error:"))
			g_ptr_array_add(picked, lines[i]);
	if (!picked->len)
		for (guint i = 0; i < n; i++)
			if (*g_strstrip(lines[i]))
				g_ptr_array_add(picked, lines[i]);
	for (guint i = picked->len > BUILD_TAIL_LINES ? picked->len - BUILD_TAIL_LINES : 0;
	     i < picked->len; i++)
		g_string_append_printf(s, "%s%s", s->len ? " | " : "", g_strstrip((char *)picked->pdata[i]));
	g_string_replace(s, copy, user, 0);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static GError *run_make(const char *dir, const char *build_dir, const char *out, const char *log)
{
	g_autofree char *m = g_strdup_printf("M=%s", out);
	g_autofree char *src = g_canonicalize_filename(dir, NULL);
	/* DWARF names the user's directory, not the cache's build copy: the
	 * report and gdb show (and list) the user's own files */
	g_autofree char *kcflags = g_strdup_printf("KCFLAGS=-fdebug-prefix-map=%s=%s", out, src);
	g_autofree char *jobs = g_strdup_printf("-j%u", g_get_num_processors());
	g_autofree char *text = NULL;
	g_autoptr(GSubprocess) p = NULL;
	GError *err = NULL;

	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &err,
			     "make", "-C", build_dir, m, kcflags, jobs, "modules", NULL);
	if (!p || !g_subprocess_communicate_utf8(p, NULL, NULL, &text, NULL, &err))
		return err;
	if (!g_file_set_contents(log, text ? text : "", -1, &err))
		return err;
	if (!g_subprocess_get_successful(p)) {
		g_autofree char *tail = log_tail(text ? text : "", out, src);

		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "module %s does not build against %s (log %s): %s", dir,
				   build_dir, log, tail);
	}
	return NULL;
}

/* cp -a DIR/. OUT: the user's directory is never built in. */
static GError *copy_tree(const char *dir, const char *out)
{
	g_autofree char *src = g_build_filename(dir, ".", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GSubprocess) p = NULL;
	GError *err = NULL;

	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &err,
			     "cp", "-a", src, out, NULL);
	if (!p || !g_subprocess_communicate_utf8(p, NULL, NULL, &text, NULL, &err))
		return err;
	if (!g_subprocess_get_successful(p))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "cannot copy %s: %s", dir, g_strstrip(text));
	return NULL;
}

/* A build copy that is not kept (failed, or another run's won). */
static void remove_tree(const char *path)
{
	g_autoptr(GSubprocess) p = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, NULL, "rm", "-rf", path, NULL);

	if (p)
		g_subprocess_wait(p, NULL, NULL);
}

/* How many entries the initrd and module caches keep (the oldest go). */
#define CACHE_KEEP 48

typedef struct {
	char *path;
	gint64 mtime;
} CacheEntry;

static int older_first(gconstpointer a, gconstpointer b)
{
	const CacheEntry *x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* Every test run with a new temporary directory makes new entries: keep
 * the newest CACHE_KEEP. Best effort. */
static void prune_cache(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(CacheEntry));
	const char *e;

	while (d && (e = g_dir_read_name(d))) {
		CacheEntry c = {.path = g_build_filename(dir, e, NULL)};
		GStatBuf st;

		if (strstr(e, ".tmp-") || g_stat(c.path, &st) < 0) {
			g_free(c.path);
			continue;
		}
		c.mtime = st.st_mtime;
		g_array_append_val(entries, c);
	}
	g_array_sort(entries, older_first);
	for (guint i = 0; i < entries->len; i++) {
		CacheEntry *c = &g_array_index(entries, CacheEntry, i);

		if (i + CACHE_KEEP < entries->len)
			remove_tree(c->path);
		g_free(c->path);
	}
}

/* Build DIR in TMP; the log is kept next to the cache entry (LOG). */
static GError *build_copy(const char *dir, const char *build_dir, const char *tmp, const char *log)
{
	g_autofree char *mark = g_build_filename(tmp, ".complete", NULL);
	GError *err;

	if (g_mkdir_with_parents(tmp, 0755) < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", tmp,
				   g_strerror(errno));
	if ((err = copy_tree(dir, tmp)) || (err = run_make(dir, build_dir, tmp, log)) ||
	    !g_file_set_contents(mark, "", 0, &err)) {
		remove_tree(tmp);
		return err;
	}
	return NULL;
}

GError *workload_build_dir(const char *dir, const char *build_dir, GPtrArray **kos)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *root = cache_dir("modules");
	g_autofree char *out = NULL, *tmp = NULL, *done = NULL, *key = NULL, *log = NULL;
	g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *src = g_canonicalize_filename(dir, NULL);
	GError *err;

	/* the directory too: its build's DWARF names it */
	g_checksum_update(sum, (const guchar *)build_dir, strlen(build_dir) + 1);
	g_checksum_update(sum, (const guchar *)src, strlen(src) + 1);
	hash_tree(sum, dir, "", 0);
	key = g_strndup(g_checksum_get_string(sum), 16);
	out = g_build_filename(root, key, NULL);
	done = g_build_filename(out, ".complete", NULL);
	if (!g_file_test(done, G_FILE_TEST_EXISTS)) {
		/* Built under a private name, then renamed: concurrent runs of
		 * one module each build, and one result stays. */
		tmp = g_strdup_printf("%s.tmp-%d", out, (int)getpid());
		log = g_strdup_printf("%s.log", out);
		prune_cache(root);
		if ((err = build_copy(dir, build_dir, tmp, log)))
			return err;
		if (g_rename(tmp, out) < 0) {
			int e = errno;

			remove_tree(tmp);
			if (!g_file_test(done, G_FILE_TEST_EXISTS))
				return g_error_new(G_FILE_ERROR, g_file_error_from_errno(e),
						   "cannot rename %s: %s", tmp, g_strerror(e));
		}
	}
	g_utime(out, NULL); /* used: newest for prune_cache */
	find_kos(out, found, 0);
	if (!found->len)
		return run_usage_error("module %s built no .ko against %s", dir, build_dir);
	g_ptr_array_sort(found, compare_str);
	*kos = g_steal_pointer(&found);
	return NULL;
}

static gboolean is_module_dir(const char *dir)
{
	g_autofree char *kbuild = g_build_filename(dir, "Kbuild", NULL);
	g_autofree char *makefile = g_build_filename(dir, "Makefile", NULL);

	return g_file_test(kbuild, G_FILE_TEST_IS_REGULAR) || g_file_test(makefile, G_FILE_TEST_IS_REGULAR);
}

/* The module's name as the kernel has it: .modinfo's name=, else the file's. */
static GError *module_entry(const char *ko, const char *params, const char *vermagic, GPtrArray *out)
{
	g_autofree char *magic = NULL, *name = NULL;
	WorkloadModule *m;
	GError *err;

	if ((err = workload_ko_info(ko, &magic, &name)))
		return err;
	if (vermagic && g_strcmp0(magic, vermagic) != 0)
		return run_usage_error("module %s was built for another kernel: its vermagic is '%s', the kernel's is '%s'",
				       ko, magic ? magic : "(none)", vermagic);
	if (!name) {
		name = g_path_get_basename(ko);
		*strrchr(name, '.') = '\0';
	}
	g_strdelimit(name, "-", '_');
	m = g_new0(WorkloadModule, 1);
	m->name = g_steal_pointer(&name);
	m->ko = g_canonicalize_filename(ko, NULL);
	m->params = params && *params ? g_strdup(params) : NULL;
	g_ptr_array_add(out, m);
	return NULL;
}

GError *workload_module_prepare(const char *arg, const char *build_dir, const char *vermagic, GPtrArray *out)
{
	g_autofree char *path = g_strdup(arg);
	char *params = strpbrk(path, " \t");
	g_autoptr(GPtrArray) kos = NULL;
	GError *err;

	if (params)
		*params++ = '\0';
	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		if (!is_module_dir(path))
			return run_usage_error("--module %s: a directory needs a Kbuild file or a Makefile", path);
		if (!build_dir)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
					   "--module %s: no kernel build to build it against (give --kernel-tree, or install "
					   "the kernel's headers)", path);
		if ((err = workload_build_dir(path, build_dir, &kos)))
			return err;
		for (guint i = 0; i < kos->len; i++)
			if ((err = module_entry(kos->pdata[i], params, vermagic, out)))
				return err;
		return NULL;
	}
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return run_usage_error("--module %s: no such file or directory", path);
	if (!g_str_has_suffix(path, ".ko"))
		return run_usage_error("--module %s: give a module directory or a .ko file", path);
	return module_entry(path, params, vermagic, out);
}

/* "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and
 * "/lib64/ld-linux-x86-64.so.2 (0x...)": the paths. */
static GError *ldd(const char *path, GPtrArray *libs)
{
	g_autoptr(GSubprocess) p = NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GError *err = NULL;

	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err,
			     "ldd", path, NULL);
	if (!p || !g_subprocess_communicate_utf8(p, NULL, NULL, &text, NULL, &err))
		return err;
	if (!g_subprocess_get_successful(p))
		return NULL; /* "not a dynamic executable": nothing to bring */
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		char *arrow = strstr(*l, "=> ");
		char *lib = arrow ? arrow + 3 : g_strstrip(*l);
		char *end;

		if (*lib != '/')
			continue;
		end = strstr(lib, " (");
		if (end)
			*end = '\0';
		g_ptr_array_add(libs, g_strdup(g_strstrip(lib)));
	}
	return NULL;
}

static gboolean is_elf(const char *path)
{
	FILE *f = fopen(path, "rb");
	char magic[4] = {0};
	gboolean elf;

	if (!f)
		return FALSE;
	elf = fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	fclose(f);
	return elf;
}

GError *workload_add_file(Cpio *c, const char *arg)
{
	g_autofree char *host = g_strdup(arg);
	char *colon = strchr(host, ':');
	g_autofree char *base = NULL, *guest = NULL;
	g_autoptr(GPtrArray) libs = g_ptr_array_new_with_free_func(g_free);
	GStatBuf st;
	GError *err;

	if (colon)
		*colon++ = '\0';
	if (g_stat(host, &st) < 0 || !S_ISREG(st.st_mode))
		return run_usage_error("--file %s: no such file", host);
	base = g_path_get_basename(host);
	guest = colon && *colon ? g_strdup(colon) : g_build_filename("/root", base, NULL);
	if (g_str_has_suffix(guest, "/")) {
		char *full = g_build_filename(guest, base, NULL);

		g_free(guest);
		guest = full;
	}
	if ((err = cpio_add_file(c, guest, st.st_mode & 0777, host)))
		return err;
	if (is_elf(host) && (st.st_mode & 0111) && (err = ldd(host, libs)))
		return err;
	for (guint i = 0; i < libs->len; i++)
		if ((err = cpio_add_file(c, libs->pdata[i], 0755, libs->pdata[i])))
			return err;
	return NULL;
}

/* modules.dep: "kernel/drivers/misc/pvpanic/pvpanic-pci.ko: kernel/.../pvpanic.ko"
 * as name -> that line's paths (the module's own first). */
static char *module_name_of(const char *path)
{
	char *base = g_path_get_basename(path);
	char *dot = strstr(base, ".ko");

	if (dot)
		*dot = '\0';
	return g_strdelimit(base, "-", '_');
}

static GHashTable *read_modules_dep(const char *text)
{
	GHashTable *deps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l; l++) {
		char *colon = strchr(*l, ':');
		char *name;

		if (!colon)
			continue;
		*colon = '\0';
		name = module_name_of(*l);
		*colon = ' ';
		g_hash_table_insert(deps, name, g_strsplit_set(g_strstrip(*l), " ", -1));
	}
	return deps;
}

/* NAME's dependencies (depth first, each once), then NAME. Bounded by the
 * number of modules: every name is visited at most once. */
static void closure(GHashTable *deps, const char *name, GHashTable *seen, GPtrArray *order)
{
	char **paths = g_hash_table_lookup(deps, name);

	if (!paths || g_hash_table_contains(seen, name))
		return;
	g_hash_table_add(seen, g_strdup(name));
	for (char **d = paths + 1; *d; d++) {
		g_autofree char *dep = NULL;

		if (!**d)
			continue;
		dep = module_name_of(*d);
		closure(deps, dep, seen, order);
	}
	g_ptr_array_add(order, g_strdup(paths[0]));
}

GError *workload_driver_closure(const char *modules_dir, const char *const *wanted, GPtrArray **out)
{
	g_autofree char *dep_path = g_build_filename(modules_dir, "modules.dep", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GHashTable) deps = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;

	if (!g_file_get_contents(dep_path, &text, NULL, &err))
		return g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "modules directory %s: %s", modules_dir, err->message);
	deps = read_modules_dep(text);
	for (; *wanted; wanted++) {
		g_autofree char *name = g_strdelimit(g_strdup(*wanted), "-", '_');

		closure(deps, name, seen, order);
	}
	for (guint i = 0; i < order->len; i++) {
		char *rel = order->pdata[i];

		order->pdata[i] = g_path_is_absolute(rel) ? g_strdup(rel)
							  : g_build_filename(modules_dir, rel, NULL);
		g_free(rel);
	}
	*out = g_steal_pointer(&order);
	return NULL;
}

/* A compressed module is given to the guest plain: busybox insmod does not
 * decompress. */
GError *workload_add_module_file(Cpio *c, const char *guest_path, const char *host_path)
{
	const char *tool = g_str_has_suffix(host_path, ".xz")    ? "xz"
			   : g_str_has_suffix(host_path, ".zst") ? "zstd"
			   : g_str_has_suffix(host_path, ".gz")  ? "gzip"
								 : NULL;
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GBytes) data = NULL;
	GError *err = NULL;

	if (!tool)
		return cpio_add_file(c, guest_path, 0644, host_path);
	p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err,
			     tool, "-dc", host_path, NULL);
	if (!p || !g_subprocess_communicate(p, NULL, NULL, &data, NULL, &err))
		return err;
	if (!g_subprocess_get_successful(p))
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "cannot decompress %s with %s", host_path, tool);
	cpio_add_data(c, guest_path, 0644, g_bytes_get_data(data, NULL), g_bytes_get_size(data));
	return NULL;
}

static GError *write_initrd(const char *path, const char *base, GBytes *overlay)
{
	g_autofree char *text = NULL;
	g_autoptr(GByteArray) all = g_byte_array_new();
	gsize len;
	GError *err = NULL;

	if (!g_file_get_contents(base, &text, &len, &err))
		return err;
	g_byte_array_append(all, (const guint8 *)text, len);
	/* the next archive's header must be 4-byte aligned; zeros between
	 * archives are skipped by the kernel */
	while (all->len % 4)
		g_byte_array_append(all, (const guint8 *)"", 1);
	g_byte_array_append(all, g_bytes_get_data(overlay, NULL), g_bytes_get_size(overlay));
	if (!g_file_set_contents(path, (const char *)all->data, all->len, &err))
		return err;
	return NULL;
}

GError *workload_initrd(const char *base, GBytes *overlay, char **path)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree char *dir = cache_dir("initrd");
	g_autofree char *name = NULL;
	GStatBuf st;
	GError *err;

	if (g_stat(base, &st) < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", base,
				   g_strerror(errno));
	g_checksum_update(sum, (const guchar *)base, -1);
	g_checksum_update(sum, (const guchar *)&st.st_mtime, sizeof(st.st_mtime));
	g_checksum_update(sum, g_bytes_get_data(overlay, NULL), g_bytes_get_size(overlay));
	name = g_strdup_printf("initrd-%.16s.cpio", g_checksum_get_string(sum));
	*path = g_build_filename(dir, name, NULL);
	if (g_file_test(*path, G_FILE_TEST_IS_REGULAR)) {
		g_utime(*path, NULL); /* used: newest for prune_cache */
		return NULL;
	}
	if (g_mkdir_with_parents(dir, 0755) < 0)
		return g_error_new(G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", dir,
				   g_strerror(errno));
	prune_cache(dir);
	if ((err = write_initrd(*path, base, overlay)))
		g_clear_pointer(path, g_free);
	return err;
}

char *workload_shell_quote(const char *text)
{
	return g_shell_quote(text ? text : "");
}
