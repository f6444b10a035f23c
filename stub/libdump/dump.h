/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oopslab dump reader: read-only access to Linux x86_64 crash dumps.
 *
 * A dump is opened once (mmap'd read-only, never written) and then gives:
 * the per-CPU register notes, the VMCOREINFO text and guest-physical memory.
 * Virtual-to-physical translation is not done here; see vmcoreinfo.h for the
 * keys that drive it.
 *
 * Conventions: every fallible function returns a GError * (NULL on success)
 * and passes results through out-parameters, which are only written on
 * success.  Error messages are one line, start with the dump's path and name
 * the byte offset (or physical address) involved.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* printf formats for the addresses and counts every message names: one
 * place for the whole tree (the kernel model, the stub, the tests). */
#define X64 "0x%" G_GINT64_MODIFIER "x"
#define U64 "%" G_GUINT64_FORMAT

#define OL_DUMP_ERROR (ol_dump_error_quark())
GQuark ol_dump_error_quark(void);

typedef enum {
	OL_DUMP_ERROR_FORMAT,      /* not a dump we can read (magic, class, machine) */
	OL_DUMP_ERROR_CORRUPT,     /* inconsistent fields inside the file */
	OL_DUMP_ERROR_TRUNCATED,   /* the file ends before something it describes */
	OL_DUMP_ERROR_NOT_PRESENT, /* the requested data is not in the dump */
	OL_DUMP_ERROR_IO,          /* open/stat/mmap failed */
	/* The page is RAM but the dump left it out (kdump-compressed
	 * excluded pages, pages an incomplete dump never wrote): only with
	 * OL_DUMP_OPEN_STRICT; otherwise such pages read as zeros. */
	OL_DUMP_ERROR_EXCLUDED,
} OlDumpError;

typedef enum {
	/* QEMU dump-guest-memory / virsh dump --memory-only, ELF: PT_LOADs
	 * with p_vaddr == p_paddr (paging=false), "QEMU" CPU notes. */
	OL_DUMP_FORMAT_ELF_QEMU,
	/* kdump /proc/vmcore style (also makedumpfile -E): PT_LOADs at kernel
	 * virtual addresses with their p_paddr, VMCOREINFO with CRASHTIME. */
	OL_DUMP_FORMAT_ELF_KDUMP,
	/* An x86_64 ELF core with neither QEMU's nor kdump's marks. */
	OL_DUMP_FORMAT_ELF_OTHER,
	/* kdump-compressed ("KDUMP   "): makedumpfile -c/-l/-p/-z, QEMU
	 * kdump-raw-*, makedumpfile -R output, oopslab convert. */
	OL_DUMP_FORMAT_KDUMP,
	/* The same inside makedumpfile's flattened stream (makedumpfile -F,
	 * QEMU/virsh kdump-zlib|lzo|snappy before QEMU 8.2). */
	OL_DUMP_FORMAT_KDUMP_FLAT,
	/* A running guest's memory, stopped (live.h). */
	OL_DUMP_FORMAT_LIVE,
} OlDumpFormat;

/* How a dump's pages are stored. */
typedef enum {
	OL_DUMP_CODEC_NONE,   /* plain bytes (ELF, or kdump without compression) */
	OL_DUMP_CODEC_ZLIB,
	OL_DUMP_CODEC_LZO,
	OL_DUMP_CODEC_SNAPPY,
	OL_DUMP_CODEC_ZSTD,
} OlDumpCodec;

typedef enum {
	OL_DUMP_OPEN_DEFAULT = 0,
	/* Reading a page the dump left out (excluded, or missing from an
	 * incomplete dump) is an OL_DUMP_ERROR_EXCLUDED error instead of
	 * zeros.  crash's default for kdump-compressed files is the same
	 * (its --zero_excluded gives zeros). */
	OL_DUMP_OPEN_STRICT = 1 << 0,
} OlDumpOpenFlags;

typedef struct OlDump OlDump;

/* Slots of pr_reg in NT_PRSTATUS: struct user_regs_struct (elf_gregset_t). */
typedef enum {
	OL_REG_R15, OL_REG_R14, OL_REG_R13, OL_REG_R12, OL_REG_RBP, OL_REG_RBX,
	OL_REG_R11, OL_REG_R10, OL_REG_R9, OL_REG_R8, OL_REG_RAX, OL_REG_RCX,
	OL_REG_RDX, OL_REG_RSI, OL_REG_RDI, OL_REG_ORIG_RAX, OL_REG_RIP,
	OL_REG_CS, OL_REG_EFLAGS, OL_REG_RSP, OL_REG_SS, OL_REG_FS_BASE,
	OL_REG_GS_BASE, OL_REG_DS, OL_REG_ES, OL_REG_FS, OL_REG_GS,
	OL_N_PRSTATUS_REGS /* 27 */
} OlPrstatusReg;

/* QEMUCPUSegment as QEMU writes it (pad dropped). */
typedef struct {
	guint32 selector;
	guint32 limit;
	guint32 flags; /* QEMU's internal descriptor flags */
	guint64 base;
} OlQemuSegment;

/* QEMUCPUState, the "QEMU" note (type 0). */
typedef struct {
	guint32 version; /* 1 */
	guint32 size;    /* as written: 432, or 440 with kernel_gs_base */
	guint64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	guint64 r8, r9, r10, r11, r12, r13, r14, r15;
	guint64 rip, rflags;
	OlQemuSegment cs, ds, es, fs, gs, ss, ldt, tr;
	OlQemuSegment gdt, idt; /* only base and limit are meaningful */
	guint64 cr[5];          /* cr0..cr4; cr1 is always 0 */
	gboolean has_kernel_gs_base;
	guint64 kernel_gs_base; /* MSR_KERNEL_GS_BASE, if has_kernel_gs_base */
} OlQemuCpuState;

typedef struct {
	/* QEMU: cpu_index + 1.  kdump: pid of the task running on that CPU
	 * (0 for idle); the note order then is not necessarily the CPU number. */
	guint32 pr_pid;
	guint64 regs[OL_N_PRSTATUS_REGS]; /* indexed by OlPrstatusReg */
	guint64 note_offset;              /* file offset of the NT_PRSTATUS note */
	gboolean has_qemu;                /* qemu is valid */
	OlQemuCpuState qemu;
} OlCpuNote;

/* Open PATH read-only (mmap PROT_READ, MAP_PRIVATE) and validate its headers,
 * notes and memory map.  The file is never written. */
GError *ol_dump_open(const char *path, OlDump **out) G_GNUC_WARN_UNUSED_RESULT;
GError *ol_dump_open_flags(const char *path, OlDumpOpenFlags flags, OlDump **out) G_GNUC_WARN_UNUSED_RESULT;
/* The N files of a makedumpfile --split set, in any order, as one dump
 * (with N == 1, just ol_dump_open_flags()).  They must be plain
 * kdump-compressed files of one dump whose PFN ranges do not overlap.  The
 * dump's path is the first file's; ol_dump_file_size() is their total. */
GError *ol_dump_open_split(const char *const *paths, guint n, OlDumpOpenFlags flags,
			   OlDump **out) G_GNUC_WARN_UNUSED_RESULT;
void ol_dump_free(OlDump *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlDump, ol_dump_free)

OlDumpFormat ol_dump_format(const OlDump *d);
/* Short stable name: "qemu-elf", "kdump-elf", "elf", "kdump-compressed",
 * "kdump-flattened", "live". */
const char *ol_dump_format_name(const OlDump *d);
/* The codec named by a kdump header's status (pages that did not compress
 * are still stored raw); OL_DUMP_CODEC_NONE for ELF.  Names: "none",
 * "zlib", "lzo", "snappy", "zstd". */
OlDumpCodec ol_dump_codec(const OlDump *d);
const char *ol_dump_codec_name(OlDumpCodec codec);
/* Change OL_DUMP_OPEN_STRICT on an open dump (e.g. after a library opened
 * it for us).  Thread-safe with respect to reads. */
void ol_dump_set_strict(OlDump *d, gboolean strict);
gboolean ol_dump_strict(const OlDump *d);

/* Page counts, in 4 KiB pages.  ram = present + excluded: the pages the dump
 * describes as memory (ELF: in a PT_LOAD's p_memsz; kdump: 1st bitmap).
 * present: stored; excluded: left out (ELF: entirely in a p_memsz > p_filesz
 * tail; kdump: clear in the 2nd bitmap, or missing from an incomplete dump,
 * which "missing" counts again).  zero: stored pages whose contents are all
 * zero (ELF: every stored page is checked; kdump: raw pages, and compressed
 * ones small enough to be a zero page, e.g. QEMU's shared zero page).
 * Computed on the first call (it reads the whole dump's page index, and for
 * ELF all of memory), then cached. */
typedef struct {
	guint64 ram;
	guint64 present;
	guint64 excluded;
	guint64 missing;
	guint64 zero;
} OlDumpPageCounts;
GError *ol_dump_page_counts(OlDump *d, OlDumpPageCounts *out) G_GNUC_WARN_UNUSED_RESULT;

/* kdump-compressed header fields worth showing.  FALSE for ELF. */
typedef struct {
	gint32 header_version;
	guint32 status;          /* KDUMP_* flags of kdump-format.h */
	guint32 dump_level;      /* makedumpfile -d; QEMU writes 1 */
	guint64 max_mapnr;
	guint64 phys_base;       /* the sub-header's, as written (QEMU may get it wrong) */
	gboolean incomplete;     /* the writer flagged the dump incomplete */
	gboolean split;          /* one file of a makedumpfile --split set */
	guint64 split_start_pfn, split_end_pfn;
	guint64 n_flat_records;  /* flattened: data records indexed; else 0 */
} OlDumpKdumpInfo;
gboolean ol_dump_kdump_info(const OlDump *d, OlDumpKdumpInfo *out);
const char *ol_dump_path(const OlDump *d);
/* What is wrong with a dump that opened anyway, as one line starting with
 * its path, or NULL.  Today: the file was cut short (ELF data or kdump page
 * data past its end); pages past the end then read as
 * OL_DUMP_ERROR_TRUNCATED errors saying so, in strict mode or not, and
 * ol_dump_page_counts() counts them as missing. */
const char *ol_dump_warning(const OlDump *d);
guint64 ol_dump_file_size(const OlDump *d);

/* CPUs in CPU order where the format tells it (QEMU: by pr_pid = cpu + 1),
 * otherwise in note order.  NULL if i >= ol_dump_n_cpus(). */
guint ol_dump_n_cpus(const OlDump *d);
/* TRUE if the i-th CPU is CPU i (the dump has QEMU's notes: ELF or kdump). */
gboolean ol_dump_cpu_order_known(const OlDump *d);
const OlCpuNote *ol_dump_cpu(const OlDump *d, guint i);

/* The VMCOREINFO note's text, NUL-terminated (cut at the first NUL of the
 * note), *len without the NUL.  NULL if the dump has none. */
const char *ol_dump_vmcoreinfo(const OlDump *d, gsize *len);

/* Copy LEN bytes of guest-physical memory at PADDR into BUF.  The read may
 * span several ranges.  Bytes of a range past what the file holds (ELF
 * p_memsz > p_filesz, kdump excluded pages) read as zeros, or give
 * OL_DUMP_ERROR_EXCLUDED in strict mode.  A byte in no range gives
 * OL_DUMP_ERROR_NOT_PRESENT naming its address; a damaged kdump page
 * (descriptor, data, decompression) gives OL_DUMP_ERROR_CORRUPT or
 * _TRUNCATED naming the file offset.  BUF is then filled up to that byte and
 * undefined after it.  Thread-safe: kdump dumps share a locked page cache. */
GError *ol_dump_read_phys(OlDump *d, guint64 paddr, void *buf, gsize len) G_GNUC_WARN_UNUSED_RESULT;

/* Zero-copy access: a pointer to the byte at PADDR inside the mapping and, in
 * *avail, how many bytes from there are contiguous and valid.  NULL (and
 * *avail = 0) if PADDR is not present or not stored as plain bytes (zero
 * tail, compressed page): use ol_dump_read_phys() then.  The pointer lives as
 * long as the OlDump. */
const void *ol_dump_phys_ptr(OlDump *d, guint64 paddr, gsize *avail);

/* Present guest-physical ranges, sorted by start and not overlapping.  For
 * kdump-compressed dumps: the runs of the 1st bitmap (RAM), excluded pages
 * included. */
guint ol_dump_n_ranges(const OlDump *d);
gboolean ol_dump_range(const OlDump *d, guint i, guint64 *start, guint64 *size);

G_END_DECLS
