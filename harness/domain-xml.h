/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libvirt domain XML of a lab guest. */
#pragma once
#include <glib.h>
#include "accel.h"

typedef struct {
	const char *name;
	Accel accel;          /* resolved: KVM or TCG */
	int memory_mib;
	int cpus;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	const char *console_path; /* a file QEMU writes the console to, or NULL: a pty that libvirt
				   * streams (virDomainOpenConsole, console-stream.h) */
	const char *disk_path;  /* a raw disk attached as virtio vda, or NULL (--capture kdump) */
	const char *share_dir;  /* a host directory shared as 9p tag oopslab_share, or NULL */
	gboolean share_rw;      /* ... writable by the guest */
	gboolean no_pvpanic;    /* no panic device: the console is the only signal */
	gboolean shared_ram;    /* guest RAM in a shared file the harness can map (capture-ram.h) */
	/* --gdb: QEMU's gdbstub on this Unix socket, a second serial port
	 * (ttyS1, where /init waits) on that one, guest RAM in a shared file */
	const char *gdb_socket;
	const char *wait_socket;
} DomainSpec;

char *domain_xml(const DomainSpec *spec);
