/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which kernel a dump is, and where its vmlinux with debug info is.
 *
 * The release and build-id come from VMCOREINFO (OSRELEASE, BUILD-ID on
 * 5.9 and later), else from the kernel image in memory: the GNU build-id
 * note of its .notes section and its "Linux version " banner (dumps
 * without VMCOREINFO, e.g. a guest without qemu_fw_cfg).
 *
 * vmlinux is looked for, in order: the given path; the caller's hint (what
 * run.json names: common/run-dir.h); vmlinux beside the dump; /usr/lib/debug/boot/
 * vmlinux-REL; /usr/lib/debug/lib/modules/REL/vmlinux;
 * /lib/modules/REL/build/vmlinux; /usr/lib/debug/.build-id/xx/yyyy.debug;
 * the debuginfod client cache ($DEBUGINFOD_CACHE_PATH, else
 * ~/.cache/debuginfod_client: BUILDID/debuginfo). A file whose build-id
 * differs from the dump's is not the dump's vmlinux. $OOPSLAB_DEBUG_ROOT,
 * if set, is put before the system directories (for tests).
 */
#pragma once
#include <glib.h>

#include "dump.h"
#include "xlat.h"

typedef struct {
	char *release;  /* "6.1.0-57-cloud-amd64", or NULL */
	char *build_id; /* lowercase hex, or NULL */
	const char *release_source, *build_id_source;
} OlKernelId;

void ol_kernel_id_clear(OlKernelId *id);
/* Never fails: what cannot be found stays NULL. */
void ol_kernel_id_read(OlDump *d, OlXlat *x, OlKernelId *id);

/* The NT_GNU_BUILD_ID of an ELF file, as hex (NULL: none, not an error). */
GError *ol_elf_build_id(const char *path, char **hex) G_GNUC_WARN_UNUSED_RESULT;

/* vmlinux for ID: EXPLICIT if given (an error if its build-id differs, with
 * both ids), else the first match of the search above; HINT (or NULL) is
 * what the run directory names, DUMP_PATH locates the dump's directory.
 * The error names every place looked at and why each was not taken. */
GError *ol_find_vmlinux(const OlKernelId *id, const char *explicit_path, const char *hint,
			const char *dump_path, char **out) G_GNUC_WARN_UNUSED_RESULT;

/* A module's (or any object's) debug file by its build-id (lowercase
 * hex): /usr/lib/debug/.build-id/xx/yyyy.debug, with the symbolic link
 * Debian's -dbg packages make resolved (to .../lib/modules/REL/...ko), or
 * NULL if there is none or BUILD_ID is not hex. */
char *ol_debug_build_id_file(const char *build_id);

/* A module's debug file by its build-id: the .build-id link above, else
 * the .ko in the release's debug tree (/usr/lib/debug/lib/modules/REL/)
 * whose own build-id note is BUILD_ID: Debian's -dbg packages make no
 * links for modules. *INDEX caches that tree's build-ids across calls
 * (NULL at first; free with g_hash_table_unref). NULL: none. */
char *ol_debug_module_file(const OlKernelId *id, const char *build_id, GHashTable **index);

/* The debug tree of the release's modules (/usr/lib/debug/lib/modules/REL),
 * or NULL if it does not exist. */
char *ol_debug_modules_dir(const OlKernelId *id);
