/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One libvirt guest for one run: connection (embedded driver by default),
 * the event loop thread, lifecycle events, NMI, memory-only core dump, and a
 * destroy that always happens.
 */
#pragma once
#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct Vm Vm;

typedef enum {
	VM_STATE_RUNNING,
	VM_STATE_CRASHED, /* lifecycle CRASHED (pvpanic) */
	VM_STATE_STOPPED, /* powered off, rebooted (on_reboot=destroy) or killed */
} VmState;

/* NULL uri: qemu:///embed?root=<cache>/oopslab/libvirt/embed-N, N the first
 * root no other oopslab process holds. */
GError *vm_connect(const char *uri, Vm **out) G_GNUC_WARN_UNUSED_RESULT;
void vm_free(Vm *vm); /* destroys the domain if it still exists */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Vm, vm_free)

const char *vm_uri(const Vm *vm);
gboolean vm_is_remote(const Vm *vm);
/* The embedded driver (qemu:///embed...): QEMU runs in this process's
 * world and shares its files. Anything else is a daemon, whose QEMU may
 * share no directory with us (run-remote.c). */
gboolean vm_is_embedded(const Vm *vm);
/* The same from --connect's URI (NULL: the default, embedded). */
gboolean vm_uri_is_embedded(const char *uri);
/* For the console stream and the storage pool of a daemon's run. */
virConnectPtr vm_connection(const Vm *vm);
virDomainPtr vm_domain(const Vm *vm);
/* Where the embedded driver keeps QEMU's own log of a domain, or NULL. */
char *vm_qemu_log_path(const Vm *vm, const char *domain_name);

/* NAME: the domain's, as in XML (only its events count); paused: the
 * guest's vCPUs wait for vm_resume (a console to open first) */
GError *vm_start(Vm *vm, const char *name, const char *xml, gboolean paused) G_GNUC_WARN_UNUSED_RESULT;
VmState vm_state(const Vm *vm, char **detail);
GError *vm_inject_nmi(Vm *vm) G_GNUC_WARN_UNUSED_RESULT;
/* Pause a running guest (a panic seen on the console: memory stays as
 * the panic left it while it is dumped). */
GError *vm_pause(Vm *vm) G_GNUC_WARN_UNUSED_RESULT;
/* Let a guest paused by its panic run again (after the dump was taken). */
GError *vm_resume(Vm *vm) G_GNUC_WARN_UNUSED_RESULT;
/* Resume a guest paused by its panic and watch it again: vm_state is
 * RUNNING until the next event (--capture kdump: panic() goes on into the
 * capture kernel). */
GError *vm_continue_after_panic(Vm *vm) G_GNUC_WARN_UNUSED_RESULT;
/* format: elf, kdump-zlib, kdump-lzo, kdump-snappy, win-dmp */
GError *vm_dump(Vm *vm, const char *path, const char *format) G_GNUC_WARN_UNUSED_RESULT;
/* The formats QEMU writes through libvirt, "elf, kdump-zlib, win-dmp". */
char *vm_dump_format_names(void);
gboolean vm_dump_format_valid(const char *format);
/* Where the embedded driver puts guest RAM files (qemu.conf
 * memory_backing_dir, on tmpfs), or NULL: then guests cannot share their RAM
 * with us (domain-xml.h shared_ram). */
const char *vm_ram_dir(const Vm *vm);
/* A QMP command (JSON) or, with HMP, a human monitor command, passed through
 * libvirt to the domain's QEMU; *reply is QEMU's answer (QMP: the whole
 * {"return": ...} object). */
GError *vm_monitor(Vm *vm, const char *command, gboolean hmp, char **reply) G_GNUC_WARN_UNUSED_RESULT;
void vm_destroy(Vm *vm);
