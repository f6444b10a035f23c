/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's loaded modules, read from the dump: the `modules` list, each
 * module's memory (core_layout, init_layout) and the section addresses the
 * kernel keeps for sysfs (sect_attrs). All struct offsets come from vmlinux's
 * DWARF.
 *
 * For each module the matching .ko is looked up in a list of directories, so
 * that gdb can load its symbols: `monitor lsmod` prints the add-symbol-file
 * command, and the library list (qXfer:libraries:read) hands gdb the .ko with
 * one address per allocated section, which gdb loads by itself.
 */
#pragma once
#include <glib.h>

#include "kmem.h"

/* enum module_state (include/linux/module.h): stable since 2.6 */
typedef enum {
	OL_MODULE_LIVE = 0,
	OL_MODULE_COMING = 1,
	OL_MODULE_GOING = 2,
	OL_MODULE_UNFORMED = 3,
} OlModuleState;

typedef struct {
	char *name;    /* ".text", ".bss", ... */
	guint64 addr;  /* where the kernel put it (it may since have been freed: .init.*) */
	gboolean live; /* inside the module's core memory, or its init memory while that exists */
} OlModuleSection;

typedef struct {
	guint64 addr;            /* struct module */
	char *name;
	guint state;             /* OlModuleState, or another value from a damaged dump */
	guint64 base, size;      /* core_layout: what stays for the module's lifetime */
	guint64 init_base, init_size; /* init_layout; 0 once the kernel freed it */
	GArray *sections;        /* OlModuleSection, in the kernel's (the .ko's) order */
	char *build_id;          /* its GNU build-id note in memory, as hex, or NULL */
	char *ko;                /* the module's .ko in the search directories, or NULL */
	char *ko_problem;        /* why gdb is not given the .ko, or NULL */
} OlModule;

typedef struct OlModules OlModules;

/* Walk the module list of the dump T shows, and look for each module's .ko:
 * first by the build-id its note in memory holds, in the debug tree
 * (ol_debug_module_file(): /usr/lib/debug/.build-id/xx/yyyy.debug, else,
 * if no file has its name, the release's /usr/lib/debug/lib/modules/REL/
 * read for build-ids), then by name in DIRS (recursively; '-' and '_' in file names are the same, as
 * for modprobe). Needs vmlinux with DWARF. */
GError *ol_modules_read(OlKmem *t, const char *const *dirs, OlModules **out) G_GNUC_WARN_UNUSED_RESULT;
/* The module list alone, without looking for any .ko (no libraries): for
 * the symbols the modules' kallsyms hold. */
GError *ol_modules_read_list(OlKmem *t, OlModules **out) G_GNUC_WARN_UNUSED_RESULT;
void ol_modules_free(OlModules *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlModules, ol_modules_free)

guint ol_modules_count(const OlModules *m);
const OlModule *ol_modules_get(const OlModules *m, guint i);
const char *const *ol_modules_dirs(const OlModules *m);

/* gdb's add-symbol-file command for the module file KO with SECTIONS (N of
 * them, in any order): .text's address, then -s NAME ADDR for every other
 * section that is in memory (live) and holds code or data (not .note.*,
 * .symtab, .strtab), in the order the guest's `ls /sys/module/NAME/sections`
 * prints them. *USED (if not NULL): how many sections the line names. The
 * one builder of that line: the harness's run.json add_symbol_file (from
 * the sections the guest printed) and `monitor lsmod` (from the dump). */
char *ol_add_symbol_file_line(const char *ko, const OlModuleSection *sections, guint n, guint *used);
/* The line for M at its addresses in the dump: the .ko's path, or NAME.ko
 * when none was found. */
char *ol_module_add_symbol_file(const OlModule *m);

/* <library> elements (qXfer:libraries:read) for the modules whose .ko was
 * found and matches the dump. */
void ol_modules_append_libraries(OlModules *m, GString *xml);
/* The contents of a .ko named in the library list, or NULL. */
GBytes *ol_modules_file(OlModules *m, const char *path);

/* `monitor lsmod`'s text for M. */
char *ol_modules_monitor_lsmod(const OlModules *m);
