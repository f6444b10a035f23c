/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kdump-compressed ("diskdump") layout and makedumpfile's flattened
 * stream, x86_64 (LP64, little-endian), as byte offsets.  docs/dump-formats.md,
 * sections 4 to 6; checked against makedumpfile 1.7.2 diskdump_mod.h,
 * crash 8.0.2 diskdump.c/makedumpfile.c and QEMU dump/dump.c.  Offsets, not
 * structs, so readers never depend on the host compiler's padding.  Not
 * installed; shared by the reader (kdump.c, flattened.c) and the writer.
 */
#pragma once

/* ---- struct disk_dump_header (block 0) ---- */
#define KDUMP_SIGNATURE "KDUMP   "        /* 8 bytes, no NUL */
#define KDUMP_OLD_SIGNATURE "DISKDUMP"    /* the pre-kdump diskdump facility */
#define KDUMP_SIG_LEN 8
#define KDUMP_UTS_LEN 65                  /* each struct new_utsname field */
#define KDUMP_H_VERSION 8                 /* int32 header_version */
#define KDUMP_H_UTSNAME 12                /* sysname nodename release version machine domainname */
#define KDUMP_H_UTS_SYSNAME (KDUMP_H_UTSNAME + 0 * KDUMP_UTS_LEN)
#define KDUMP_H_UTS_NODENAME (KDUMP_H_UTSNAME + 1 * KDUMP_UTS_LEN)
#define KDUMP_H_UTS_RELEASE (KDUMP_H_UTSNAME + 2 * KDUMP_UTS_LEN)
#define KDUMP_H_UTS_VERSION (KDUMP_H_UTSNAME + 3 * KDUMP_UTS_LEN)
#define KDUMP_H_UTS_MACHINE (KDUMP_H_UTSNAME + 4 * KDUMP_UTS_LEN)
#define KDUMP_H_UTS_DOMAIN (KDUMP_H_UTSNAME + 5 * KDUMP_UTS_LEN)
#define KDUMP_H_TV_SEC 408                /* struct timeval, after 6 bytes of padding */
#define KDUMP_H_TV_USEC 416
#define KDUMP_H_STATUS 424
#define KDUMP_H_BLOCK_SIZE 428
#define KDUMP_H_SUB_HDR_SIZE 432          /* in blocks */
#define KDUMP_H_BITMAP_BLOCKS 436         /* both bitmaps together, in blocks */
#define KDUMP_H_MAX_MAPNR 440             /* 32-bit; max_mapnr_64 wins from version 6 */
#define KDUMP_H_TOTAL_RAM_BLOCKS 444
#define KDUMP_H_DEVICE_BLOCKS 448
#define KDUMP_H_WRITTEN_BLOCKS 452
#define KDUMP_H_CURRENT_CPU 456
#define KDUMP_H_NR_CPUS 460
#define KDUMP_HEADER_SIZE 464

/* ---- struct kdump_sub_header (block 1), with the version that added each field ---- */
#define KDUMP_S_PHYS_BASE 0               /* v0 */
#define KDUMP_S_DUMP_LEVEL 8              /* v1, int32 */
#define KDUMP_S_SPLIT 12                  /* v2, int32 */
#define KDUMP_S_START_PFN 16              /* v2, obsolete copy */
#define KDUMP_S_END_PFN 24                /* v2, obsolete copy */
#define KDUMP_S_OFFSET_VMCOREINFO 32      /* v3: file offset of the VMCOREINFO desc text */
#define KDUMP_S_SIZE_VMCOREINFO 40        /* v3 */
#define KDUMP_S_OFFSET_NOTE 48            /* v4: the ELF note blob */
#define KDUMP_S_SIZE_NOTE 56              /* v4 */
#define KDUMP_S_OFFSET_ERASEINFO 64       /* v5 */
#define KDUMP_S_SIZE_ERASEINFO 72         /* v5 */
#define KDUMP_S_START_PFN_64 80           /* v6: --split range start */
#define KDUMP_S_END_PFN_64 88             /* v6: --split range end, exclusive */
#define KDUMP_S_MAX_MAPNR_64 96           /* v6 */
#define KDUMP_SUB_HEADER_SIZE 104
#define KDUMP_MAX_VERSION 6               /* the last version anyone writes */

/* ---- flags: disk_dump_header.status and page_desc.flags ---- */
#define KDUMP_ZLIB 0x01u                  /* zlib stream (compress2 / uncompress) */
#define KDUMP_LZO 0x02u                   /* LZO1X-1 */
#define KDUMP_SNAPPY 0x04u                /* raw snappy, no framing */
#define KDUMP_INCOMPLETE 0x08u            /* status only: the writer ran out of space */
#define KDUMP_EXCLUDED_VMEMMAP 0x10u      /* status only: makedumpfile -e */
#define KDUMP_ZSTD 0x20u                  /* one zstd frame per page */
#define KDUMP_CODEC_MASK (KDUMP_ZLIB | KDUMP_LZO | KDUMP_SNAPPY | KDUMP_ZSTD)

/* ---- struct page_desc (24 bytes), the array after the bitmaps ---- */
#define KDUMP_PD_OFFSET 0                 /* off_t: absolute file offset of the data */
#define KDUMP_PD_SIZE 8                   /* u32 bytes stored */
#define KDUMP_PD_FLAGS 12                 /* u32 codec flag, 0 = raw */
#define KDUMP_PD_PAGE_FLAGS 16            /* u64 reserved */
#define KDUMP_PD_LEN 24

/* crash and makedumpfile count dumpable pages per section of this many PFNs
 * (BITMAP_SECT_LEN); our popcount index uses the same granularity. */
#define KDUMP_BITMAP_SECT_LEN 4096

/* ---- makedumpfile flattened stream (makedumpfile -F, QEMU kdump-*) ---- */
#define FLAT_SIGNATURE "makedumpfile"     /* NUL-padded to 16 bytes */
#define FLAT_SIG_LEN 16
#define FLAT_H_TYPE 16                    /* int64, big-endian: 1 */
#define FLAT_H_VERSION 24                 /* int64, big-endian: 1 */
#define FLAT_TYPE_FLAT_HEADER 1
#define FLAT_HEADER_SIZE 4096             /* MAX_SIZE_MDF_HEADER, zero-filled */
#define FLAT_RECORD_HEADER_SIZE 16        /* { int64 offset; int64 buf_size; } big-endian */
#define FLAT_END_FLAG (-1)                /* offset == buf_size == -1 ends the stream */
