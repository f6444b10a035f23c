/* SPDX-License-Identifier: GPL-2.0-or-later */
/* struct new_utsname in a dump (utsname.h). */
#include "utsname.h"

#include <string.h>

#include "vmcoreinfo.h"

enum { UTS_SYSNAME, UTS_NODENAME, UTS_RELEASE, UTS_VERSION, UTS_MACHINE, UTS_DOMAINNAME, UTS_N };

gboolean ol_utsname_try_vmcoreinfo_addr(const char *vi, gsize len, guint64 *addr)
{
	guint64 uts, name_off;

	if (!vi || !ol_vmcoreinfo_try_u64(vi, len, "SYMBOL(init_uts_ns)", &uts) ||
	    !ol_vmcoreinfo_try_u64(vi, len, "OFFSET(uts_namespace.name)", &name_off))
		return FALSE;
	*addr = uts + name_off;
	return TRUE;
}

static void field(char *dst, const guint8 *u, int i)
{
	memcpy(dst, u + i * OL_UTS_FIELD, OL_UTS_FIELD);
	dst[OL_UTS_FIELD] = '\0';
}

GError *ol_utsname_read(OlXlat *x, guint64 addr, OlUtsname *out)
{
	guint8 u[UTS_N * OL_UTS_FIELD];
	gsize done = 0;
	GError *err;

	if ((err = ol_xlat_read(x, addr, u, sizeof(u), &done)))
		return err;
	field(out->sysname, u, UTS_SYSNAME);
	field(out->nodename, u, UTS_NODENAME);
	field(out->release, u, UTS_RELEASE);
	field(out->version, u, UTS_VERSION);
	field(out->machine, u, UTS_MACHINE);
	field(out->domainname, u, UTS_DOMAINNAME);
	return NULL;
}
