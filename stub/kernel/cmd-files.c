/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-files.h"

#include <sys/stat.h>

#include "cmd-util.h"

/* More descriptors than NR_OPEN (1 << 20) is a corrupt table. */
#define MAX_FDS (1u << 20)
/* Mounts in one namespace: sysctl fs.mount-max defaults to 100000. */
#define MAX_MOUNTS 100000u

static const char *inode_type(guint32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "REG";
	case S_IFDIR: return "DIR";
	case S_IFCHR: return "CHR";
	case S_IFBLK: return "BLK";
	case S_IFIFO: return "FIFO";
	case S_IFSOCK: return "SOCK";
	case S_IFLNK: return "LNK";
	default: return "?";
	}
}

/* A struct path at ADDR as a string. */
static GError *path_at(OlKmem *t, guint64 addr, char **out)
{
	OlRd r = OL_RD_INIT(t);
	guint64 mnt = ol_rd_member(&r, addr, "path", "mnt");
	guint64 dentry = ol_rd_member(&r, addr, "path", "dentry");
	GError *err = ol_rd_finish(&r);

	if (err)
		return err;
	if (!mnt || !dentry) {
		*out = g_strdup("(none)");
		return NULL;
	}
	return ol_cmd_d_path(t, mnt, dentry, out);
}

static GError *one_file(OlKmem *t, guint fd, guint64 file, GString *out)
{
	OlRd r = OL_RD_INIT(t);
	guint64 fpath = file + ol_rd_off(&r, "file", "f_path");
	guint64 dentry = ol_rd_member(&r, fpath, "path", "dentry");
	guint64 inode = ol_rd_member(&r, file, "file", "f_inode");
	guint32 mode = inode ? (guint32)ol_rd_member(&r, inode, "inode", "i_mode") : 0;
	g_autofree char *path = NULL;
	GError *err = ol_rd_finish(&r);

	if (err || (err = path_at(t, fpath, &path)))
		return err;
	g_string_append_printf(out, "%3u %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER
			       "x %-4s %s\n", fd, file, dentry, inode, inode ? inode_type(mode) : "", path);
	return NULL;
}

GError *ol_cmd_files_task(OlKmem *t, const OlTask *task, GString *out)
{
	OlRd r = OL_RD_INIT(t);
	guint64 fs = ol_rd_member(&r, task->addr, "task_struct", "fs");
	guint64 files = ol_rd_member(&r, task->addr, "task_struct", "files");
	g_autofree char *root = NULL, *cwd = NULL;
	guint64 fdt, fdarray, max;
	guint n = 0;
	GError *err;

	ol_cmd_task_header(out, task);
	if ((err = ol_rd_finish(&r)))
		return err;
	if (fs && (!(err = path_at(t, fs + ol_rd_off(&r, "fs_struct", "root"), &root))))
		err = path_at(t, fs + ol_rd_off(&r, "fs_struct", "pwd"), &cwd);
	if (err || (err = ol_rd_finish(&r)))
		return err;
	g_string_append_printf(out, "ROOT: %s    CWD: %s\n", root ? root : "", cwd ? cwd : "");
	fdt = files ? ol_rd_member(&r, files, "files_struct", "fdt") : 0;
	max = fdt ? MIN(ol_rd_member(&r, fdt, "fdtable", "max_fds") & 0xffffffff, MAX_FDS) : 0;
	fdarray = fdt ? ol_rd_member(&r, fdt, "fdtable", "fd") : 0;
	for (guint fd = 0; fd < max && !r.err && !err; fd++) {
		guint64 file = ol_rd_u64(&r, fdarray + 8 * (guint64)fd);

		if (!file || r.err)
			continue;
		if (n++ == 0)
			g_string_append(out, " FD       FILE            DENTRY           INODE       TYPE PATH\n");
		err = one_file(t, fd, file, out);
	}
	if (err || (err = ol_rd_finish(&r)))
		return err;
	if (n == 0)
		g_string_append(out, "No open files\n");
	return NULL;
}

char *ol_cmd_files(OlKmem *t, const char *args, GError **error)
{
	OlTask task;
	g_autoptr(GString) out = g_string_new(NULL);

	if ((*error = ol_cmd_find_task(t, args, &task)) || (*error = ol_cmd_files_task(t, &task, out)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static GError *one_mount(OlKmem *t, guint64 mount, GString *out)
{
	OlRd r = OL_RD_INIT(t);
	guint64 mnt = mount + ol_rd_off(&r, "mount", "mnt");
	guint64 root = ol_rd_member(&r, mnt, "vfsmount", "mnt_root");
	guint64 sb = ol_rd_member(&r, mnt, "vfsmount", "mnt_sb");
	guint64 type = ol_rd_member(&r, sb, "super_block", "s_type");
	g_autofree char *fs = ol_rd_string(&r, ol_rd_member(&r, type, "file_system_type", "name"), 64);
	g_autofree char *dev = ol_rd_string(&r, ol_rd_member(&r, mount, "mount", "mnt_devname"), 256);
	g_autofree char *dir = NULL;
	GError *err = ol_rd_finish(&r);
	gsize start = out->len, line;

	if (err || (err = ol_cmd_d_path(t, mnt, root, &dir)))
		return err;
	/* crash's columns: DIRNAME at column 51 unless a long type or device
	 * name pushed it further; then one space at least */
	g_string_append_printf(out, "%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %-6s %s",
			       mount, sb, fs, dev);
	line = out->len - start;
	g_string_append_printf(out, "%*s%-10s\n", line < 50 ? (int)(51 - line) : 1, "", dir);
	return NULL;
}

char *ol_cmd_mount(OlKmem *t, const char *args, GError **error)
{
	OlRd r = OL_RD_INIT(t);
	guint64 init = ol_rd_symbol(&r, "init_task");
	guint64 nsproxy = ol_rd_member(&r, init, "task_struct", "nsproxy");
	guint64 ns = ol_rd_member(&r, nsproxy, "nsproxy", "mnt_ns");
	guint64 head = ns + ol_rd_off(&r, "mnt_namespace", "list");
	guint64 link_off = ol_rd_off(&r, "mount", "mnt_list");
	g_autoptr(GString) out = g_string_new("     MOUNT           SUPERBLK     TYPE   DEVNAME   DIRNAME\n");
	guint64 pos;
	guint n = 0;

	if ((*error = ol_rd_finish(&r)))
		return NULL;
	for (pos = ol_rd_u64(&r, head); pos != head && !r.err && n < MAX_MOUNTS;
	     pos = ol_rd_u64(&r, pos), n++)
		if ((*error = one_mount(t, pos - link_off, out)))
			return NULL;
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	if (n == MAX_MOUNTS)
		g_string_append_printf(out, "(stopped after %u mounts: the list does not end)\n", MAX_MOUNTS);
	return g_string_free(g_steal_pointer(&out), FALSE);
}
