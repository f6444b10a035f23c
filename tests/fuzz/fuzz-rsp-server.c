/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the RSP server's handlers (registers, memory, threads, qXfer,
 * vFile, monitor commands) fed a whole session from the input, on the
 * synthetic kernel of fuzz-kernel.c (a kernel log, utsname, two CPUs, page
 * tables).  With OOPSLAB_FUZZ_DUMP and OOPSLAB_FUZZ_VMLINUX set (a lab run's
 * dump and vmlinux; scripts/fuzz sets them when the tests left one), inputs
 * whose first byte is odd go to that target instead: tasks, modules,
 * printk and sysinfo through DWARF.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-kernel.h"
#include "server.h"

static FkTarget synthetic;
static OlTarget *lab;
static int devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(GByteArray) seed = fk_region_seed(FK_LOCKLESS);
	const char *dump = getenv("OOPSLAB_FUZZ_DUMP"), *vmlinux = getenv("OOPSLAB_FUZZ_VMLINUX");

	fk_open(&synthetic, FK_LOCKLESS, seed->data, seed->len);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (dump && vmlinux && *dump && *vmlinux) {
		g_autoptr(GPtrArray) warnings = NULL;
		OlTargetOptions opt = {.kmem.vmlinux = vmlinux};
		g_autoptr(GError) err = ol_target_open(dump, &opt, &lab, &warnings);

		if (err)
			g_error("OOPSLAB_FUZZ_DUMP: %s", err->message);
		fprintf(stderr, "fuzz-rsp-server: odd first bytes go to %s (%u threads)\n", dump,
			ol_target_n_threads(lab));
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	OlTarget *t = synthetic.t;
	g_autofree char *path = NULL;
	int fd;
	GError *err;

	if (size < 1)
		return 0;
	if ((data[0] & 1) && lab)
		t = lab;
	fd = fk_memfd(data + 1, size - 1, &path);
	lseek(fd, 0, SEEK_SET);
	err = rsp_serve(t, fd, devnull);
	g_clear_error(&err);
	close(fd);
	return 0;
}
