/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain-xml.h"

/* ttyS0: a file QEMU writes, or a pty libvirt streams (a daemon's QEMU: the
 * console comes over the connection) */
static char *serial_xml(const DomainSpec *s)
{
	g_autofree char *path = NULL;

	if (!s->console_path)
		return g_strdup("    <serial type='pty'>\n"
				"      <target port='0'/>\n"
				"    </serial>\n"
				"    <console type='pty'>\n"
				"      <target type='serial' port='0'/>\n"
				"    </console>\n");
	path = g_markup_escape_text(s->console_path, -1);
	return g_strdup_printf("    <serial type='file'>\n"
			       "      <source path='%s'/>\n"
			       "      <target port='0'/>\n"
			       "    </serial>\n",
			       path);
}

/* --capture kdump: the capture kernel writes the dump here. */
static char *disk_xml(const DomainSpec *s)
{
	g_autofree char *path = NULL;

	if (!s->disk_path)
		return NULL;
	path = g_markup_escape_text(s->disk_path, -1);
	return g_strdup_printf("    <disk type='file' device='disk'>\n"
			       "      <driver name='qemu' type='raw'/>\n"
			       "      <source file='%s'/>\n"
			       "      <target dev='vda' bus='virtio'/>\n"
			       "    </disk>\n",
			       path);
}

/* --share: virtio-9p; passthrough keeps the host's owners and modes */
static char *share_xml(const DomainSpec *s)
{
	g_autofree char *dir = NULL;

	if (!s->share_dir)
		return NULL;
	dir = g_markup_escape_text(s->share_dir, -1);
	return g_strdup_printf("    <filesystem type='mount' accessmode='passthrough'>\n"
			       "      <source dir='%s'/>\n"
			       "      <target dir='oopslab_share'/>\n"
			       "%s"
			       "    </filesystem>\n",
			       dir, s->share_rw ? "" : "      <readonly/>\n");
}

/*
 * --gdb (run-gdb.c): RAM in a file QEMU shares (under the driver's
 * memory_backing_dir, as with shared_ram) for the stub to map; ttyS1 on a
 * socket for the go line; QEMU's gdbstub from the QEMU namespace, so it is
 * there before the guest runs its first instruction. The text closes
 * <devices> and adds the QEMU arguments.
 */
static char *gdb_xml(const DomainSpec *s)
{
	g_autofree char *gdb = NULL;
	g_autofree char *wait = NULL;

	if (!s->gdb_socket)
		return NULL;
	gdb = g_markup_escape_text(s->gdb_socket, -1);
	wait = g_markup_escape_text(s->wait_socket, -1);
	return g_strdup_printf("    <serial type='unix'>\n"
			       "      <source mode='bind' path='%s'/>\n"
			       "      <target port='1'/>\n"
			       "    </serial>\n"
			       "  </devices>\n"
			       "  <qemu:commandline>\n"
			       "    <qemu:arg value='-gdb'/>\n"
			       "    <qemu:arg value='unix:%s,server=on,wait=off'/>\n"
			       "  </qemu:commandline>\n",
			       wait, gdb);
}

char *domain_xml(const DomainSpec *s)
{
	g_autofree char *name = g_markup_escape_text(s->name, -1);
	g_autofree char *kernel = g_markup_escape_text(s->kernel, -1);
	g_autofree char *initrd = g_markup_escape_text(s->initrd, -1);
	g_autofree char *cmdline = g_markup_escape_text(s->cmdline, -1);
	g_autofree char *console = serial_xml(s);
	gboolean kvm = s->accel == ACCEL_KVM;
	g_autofree char *disk = disk_xml(s);
	g_autofree char *share = share_xml(s);
	g_autofree char *gdb = gdb_xml(s);

	/*
	 * - ACPI on: the ISA pvpanic device (libvirt 9.0's only x86 panic model)
	 *   and fw_cfg (for the vmcoreinfo device) are found through ACPI.
	 * - on_crash=preserve: QEMU pauses on the pvpanic event instead of
	 *   exiting, so memory survives for the dump; libvirt reports CRASHED.
	 * - on_poweroff/on_reboot=destroy: a lab that returns powers off, a
	 *   guest that reboots is over; neither is left running.
	 * - no video, NIC, USB or balloon: nothing the lab needs, and video
	 *   memory would add 16 MiB to every dump.
	 * - shared_ram: RAM in a file on tmpfs (memory_backing_dir) that the
	 *   harness maps to write the dump itself (capture-ram.c).
	 */
	return g_strdup_printf(
		"<domain type='%s'%s>\n"
		"  <name>%s</name>\n"
		"  <memory unit='MiB'>%d</memory>\n"
		"  <vcpu>%d</vcpu>\n"
		"%s"
		"  <os>\n"
		"    <type arch='x86_64' machine='pc'>hvm</type>\n"
		"    <kernel>%s</kernel>\n"
		"    <initrd>%s</initrd>\n"
		"    <cmdline>%s</cmdline>\n"
		"  </os>\n"
		"  <features>\n"
		"    <acpi/>\n"
		"    <vmcoreinfo state='on'/>\n"
		"  </features>\n"
		"%s"
		"  <clock offset='utc'/>\n"
		"  <on_poweroff>destroy</on_poweroff>\n"
		"  <on_reboot>destroy</on_reboot>\n"
		"  <on_crash>preserve</on_crash>\n"
		"  <devices>\n"
		"%s"
		"%s"
		"%s"
		"%s"
		"    <video><model type='none'/></video>\n"
		"    <controller type='usb' model='none'/>\n"
		"    <memballoon model='none'/>\n"
		"%s"
		"</domain>\n",
		kvm ? "kvm" : "qemu", gdb ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" : "", name,
		s->memory_mib, s->cpus,
		s->shared_ram || s->gdb_socket
			? "  <memoryBacking>\n    <source type='file'/>\n    <access mode='shared'/>\n  </memoryBacking>\n"
			: "",
		kernel, initrd, cmdline,
		kvm ? "  <cpu mode='host-passthrough'/>\n" : "", console, disk ? disk : "", share ? share : "",
		s->no_pvpanic ? "" : "    <panic model='isa'/>\n", gdb ? gdb : "  </devices>\n");
}
