/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the fuzz targets and the seed generator: a small synthetic dump
 * (dumpgen) whose VMCOREINFO describes a kernel log and utsname inside one
 * region of memory, REGION_SIZE bytes at physical REGION_PA (direct map).
 * Fuzz inputs are written over that region in the dump's memfd, under the
 * open target's read-only mapping, so the target is opened once.
 *
 * Region layout (offsets):
 *   0x0000 pointer variable `prb` -> 0x0010
 *   0x0010 struct printk_ringbuffer (88 bytes)
 *   0x0100 descs (16 x 24), 0x0300 infos (16 x 88), 0x1000 text ring (4 KiB)
 *   0x2000 legacy: log_buf pointer, 0x2008 log_buf_len, 0x2010 log_first_idx
 *          (and clear_idx), 0x2018 log_next_idx; 0x2100 log_buf (0xf00)
 *   0x3000 init_uts_ns (6 x 65 bytes)
 */
#pragma once
#include <glib.h>
#include <stdint.h>

#include "target.h"

#define FK_REGION_PA 0x400000
#define FK_REGION_SIZE 0x4000
#define FK_DMAP G_GUINT64_CONSTANT(0xffff888000000000)

typedef enum { FK_LOCKLESS, FK_LEGACY } FkFlavour;

typedef struct {
	int fd;            /* memfd holding the dump */
	char *path;        /* /proc/self/fd/N */
	guint64 region_off; /* file offset of REGION_PA */
	OlTarget *t;
} FkTarget;

/* Build the dump (REGION initially INIT, zero-padded; may be NULL) and open
 * it as a target.  Aborts on failure: it is the harness, not the input. */
void fk_open(FkTarget *k, FkFlavour flavour, const guint8 *init, gsize len);
/* Write DATA (zero-padded to the region) over the region. */
void fk_set_region(FkTarget *k, const guint8 *data, gsize len);

/* A memfd holding DATA; *path is /proc/self/fd/N (g_free it, close the fd). */
int fk_memfd(const void *data, gsize len, char **path);

/* Region bytes holding a valid kernel log of a few records (and utsname). */
GByteArray *fk_region_seed(FkFlavour flavour);
