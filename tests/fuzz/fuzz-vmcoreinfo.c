/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: VMCOREINFO lookups and number parsing. */
#include <stdint.h>
#include <string.h>

#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "OSRELEASE", "PAGESIZE", "KERNELOFFSET", "NUMBER(phys_base)",
					    "SYMBOL(swapper_pg_dir)", "SYMBOL(_stext)", "NUMBER(pgtable_l5_enabled)",
					    "SIZE(printk_ringbuffer)", "OFFSET(printk_info.seq)", "CRASHTIME", "" };
	/* the reader gets NUL-terminated text cut at the first NUL, as the dump gives it */
	g_autofree char *info = g_strndup((const char *)data, size);
	gsize len = strlen(info);

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		gsize vlen = 0;
		guint64 u;
		gint64 s;
		const char *v = ol_vmcoreinfo_lookup(info, len, keys[i], &vlen);
		char *dup;
		GError *err;

		if (v)
			g_assert(v >= info && v + vlen <= info + len);
		dup = ol_vmcoreinfo_dup(info, len, keys[i]);

		g_assert(!dup == !v);
		g_free(dup);
		err = ol_vmcoreinfo_get_u64(info, len, keys[i], &u);
		g_clear_error(&err);
		err = ol_vmcoreinfo_get_s64(info, len, keys[i], &s);
		g_clear_error(&err);
		(void)ol_vmcoreinfo_key_is_hex(keys[i]);
	}
	return 0;
}
