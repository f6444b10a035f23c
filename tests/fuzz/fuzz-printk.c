/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer: the kernel log readers (lockless ring and legacy log_buf),
 * the panic message and `monitor sys`/`dmesg` over memory the input
 * writes (fuzz-kernel.h's region).  First byte: even lockless, odd legacy.
 */
#include <stdint.h>

#include "fuzz-kernel.h"
#include "monitor.h"
#include "printk.h"
#include "sysinfo.h"

static FkTarget targets[2];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fk_open(&targets[FK_LOCKLESS], FK_LOCKLESS, NULL, 0);
	fk_open(&targets[FK_LEGACY], FK_LEGACY, NULL, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FkTarget *k;
	g_autoptr(OlPrintkLog) log = NULL;
	GError *err;

	if (size < 1)
		return 0;
	k = &targets[data[0] & 1];
	fk_set_region(k, data + 1, size - 1);
	err = ol_printk_read_log(ol_target_kmem(k->t), &log);
	if (!err) {
		g_free(ol_printk_format(log, OL_PRINTK_SHOW_TIME | OL_PRINTK_SHOW_LEVEL));
		g_free(ol_printk_format(log, 0));
		g_free(ol_sysinfo_panic_message_from_log(ol_target_kmem(k->t), log));
	}
	g_clear_error(&err);
	g_free(ol_monitor_run(k->t, "dmesg -t"));
	g_free(ol_monitor_run(k->t, "sys"));
	return 0;
}
