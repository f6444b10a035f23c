/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lab manifest (guests/labs/labs.conf) and where the guest kit lives. */
#pragma once
#include <glib.h>

typedef struct {
	char *name;
	char *type;
	char *description;
	char *module;   /* NULL for a command lab */
	char *command;  /* NULL for a module lab */
	char *function; /* expected in the oops RIP or the panic's call trace */
	char *source;   /* file holding the marked line; "kernel:" prefix = kernel tree */
	char *marker;
	char *append;   /* extra kernel command line, or NULL */
	char *expect;   /* expected outcome: "panic" (default), "no-panic", "no-output" */
	int timeout;    /* seconds before the harness injects an NMI; 0: the run's default */
	char *title;    /* the report's expected title, or NULL */
	char *dir;      /* a lab directory outside the tree (--lab PATH), or NULL */
	char *needs;    /* flavours= : the kernel flavours the lab needs, canonical, or NULL */
	char *flavour;  /* the flavours this lab runs with (requested + needs), canonical, or NULL */
	/* char* "FLAVOUR: TYPE: TITLE" for each flavour the lab has KEY.FLAVOUR
	 * keys for (what `oopslab labs` shows), in canonical order; may be NULL */
	GPtrArray *variants;
} Lab;

void lab_free(gpointer lab);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Lab, lab_free)

typedef struct {
	GPtrArray *labs; /* of Lab*, in manifest order */
} LabSet;

void lab_set_free(LabSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LabSet, lab_set_free)

/* The directory holding guests/ and scripts/: $OOPSLAB_DATA_DIR, else the
 * source tree this binary was built from, else the installed data dir. */
const char *oopslab_data_dir(void);

GError *lab_set_load(const char *manifest_path, LabSet **out) G_GNUC_WARN_UNUSED_RESULT;
/* The manifest as seen by a run with kernel flavours FLAVOUR ("kasan,lockdep",
 * any order; NULL: none requested): each lab's flavour is FLAVOUR plus its
 * flavours=, and a KEY.NAME value replaces KEY when NAME is one of them (the
 * first in canonical order wins). An unknown flavour name is an error. */
GError *lab_set_load_flavour(const char *manifest_path, const char *flavour,
			     LabSet **out) G_GNUC_WARN_UNUSED_RESULT;

/* The known flavours, canonical order (guests/kernel/build-kernel has the same). */
extern const char *const lab_flavours[];
/* FLAVOUR ("lockdep,kasan") as a canonical, de-duplicated list ("kasan,lockdep"),
 * NULL for NULL or "" (no flavour); an error names an unknown one. */
GError *lab_flavour_canonical(const char *flavour, char **out) G_GNUC_WARN_UNUSED_RESULT;

/* `oopslab labs [--flavour NAME[,NAME...]]` */
int lab_cmd_list(int argc, char **argv);
const Lab *lab_set_find(const LabSet *set, const char *name);
/* A lab directory outside the tree: DIR/lab.conf with one group of the
 * manifest's keys, its module's source (Kbuild) and README next to it. */
GError *lab_load_dir(const char *dir, Lab **out) G_GNUC_WARN_UNUSED_RESULT;
/* Every lab directory in DIR (DIR itself, or its subdirectories). */
GError *lab_set_load_dir(const char *dir, LabSet **out) G_GNUC_WARN_UNUSED_RESULT;
/* `oopslab lab init DIR`: a skeleton lab a teacher edits. */
GError *lab_init_dir(const char *dir) G_GNUC_WARN_UNUSED_RESULT;
