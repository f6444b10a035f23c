/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd-sched.h"

#include "cmd-util.h"

/* Devices in one namespace, and addresses on one device. */
#define MAX_DEVICES 100000u
#define MAX_ADDRS 10000u

static void addresses(OlRd *r, guint64 dev, GString *out)
{
	guint64 in_dev = ol_rd_member(r, dev, "net_device", "ip_ptr");
	guint64 ifa = in_dev ? ol_rd_member(r, in_dev, "in_device", "ifa_list") : 0;

	for (guint n = 0; ifa && !r->err && n < MAX_ADDRS; n++) {
		guint32 a = (guint32)ol_rd_member(r, ifa, "in_ifaddr", "ifa_address"); /* network order */

		g_string_append_printf(out, "%s%u.%u.%u.%u", n ? ", " : "", a & 0xff, (a >> 8) & 0xff,
				       (a >> 16) & 0xff, a >> 24);
		ifa = ol_rd_member(r, ifa, "in_ifaddr", "ifa_next");
	}
}

char *ol_cmd_net(OlKmem *t, const char *args, GError **error)
{
	OlRd r = OL_RD_INIT(t);
	g_autoptr(GString) out = g_string_new("   NET_DEVICE     NAME   IP ADDRESS(ES)\n");
	guint64 net, head, link, pos;
	g_autoptr(GError) no_net = ol_kmem_symbol(t, "init_net", &net);
	guint n = 0;

	if (no_net) {
		*error = g_error_new(OL_DUMP_ERROR, OL_DUMP_ERROR_NOT_PRESENT,
				     "this kernel has no networking (no init_net: built without CONFIG_NET)");
		return NULL;
	}
	head = net + ol_rd_off(&r, "net", "dev_base_head");
	link = ol_rd_off(&r, "net_device", "dev_list");
	for (pos = ol_rd_u64(&r, head); pos != head && !r.err && n < MAX_DEVICES;
	     pos = ol_rd_u64(&r, pos), n++) {
		guint64 dev = pos - link;
		g_autofree char *name = ol_rd_string(&r, dev + ol_rd_off(&r, "net_device", "name"), 16);

		g_string_append_printf(out, "%016" G_GINT64_MODIFIER "x  %-6s ", dev, name);
		addresses(&r, dev, out);
		g_string_append_c(out, '\n');
	}
	if ((*error = ol_rd_finish(&r)))
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}
