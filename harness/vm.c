/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vm.h"
#include "kvm-mask.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/file.h>
#include <unistd.h>

/* Embedded roots a user may hold at once (one per concurrent oopslab run). */
#define EMBED_ROOTS 16

struct Vm {
	char *uri;
	char *embed_root; /* NULL when not the embedded driver */
	char *ram_dir;    /* memory_backing_dir of the embed root (tmpfs), or NULL */
	int lock_fd;
	virConnectPtr conn;
	virDomainPtr dom;
	int lifecycle_cb;
	gboolean close_cb;
	GThread *loop_thread;
	gint loop_quit;
	char *name;       /* of our domain, set before it starts: a daemon reports every domain's events */
	gint state;       /* VmState, written by the event thread */
	char *detail;     /* under lock */
	GMutex lock;
};

static GError *virt_error(const char *what)
{
	const char *msg = virGetLastErrorMessage();

	return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, msg ? msg : "unknown libvirt error");
}

/* libvirt prints every error to stderr by default; ours are reported once. */
static void quiet_errors(void *opaque, virErrorPtr err) { }

static gpointer event_loop(gpointer data)
{
	Vm *vm = data;

	while (!g_atomic_int_get(&vm->loop_quit))
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

/* A periodic timer so the loop wakes up and notices loop_quit. */
static void tick(int timer, void *opaque) { }

static void ensure_event_impl(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		/* The embedded driver logs its warnings to stderr: keep them in
		 * a file unless the user asked for something else. */
		if (!g_getenv("LIBVIRT_LOG_OUTPUTS")) {
			g_autofree char *dir = g_build_filename(g_get_user_cache_dir(), "oopslab", "libvirt",
								NULL);
			g_autofree char *out = g_strdup_printf("3:file:%s/libvirt.log", dir);

			g_mkdir_with_parents(dir, 0700);
			g_setenv("LIBVIRT_LOG_OUTPUTS", out, FALSE);
		}
		virSetErrorFunc(NULL, quiet_errors);
		virEventRegisterDefaultImpl();
		virEventAddTimeout(100, tick, NULL, NULL);
		g_once_init_leave(&done, 1);
	}
}

/* A directory on tmpfs for embed root N's guest RAM files: /dev/shm/
 * oopslab-UID/embed-N, or NULL where there is no writable /dev/shm. */
static char *ram_dir_for(int n)
{
	g_autofree char *dir = g_strdup_printf("/dev/shm/oopslab-%u/embed-%d", (unsigned)getuid(), n);

	if (g_mkdir_with_parents(dir, 0700) < 0 || access(dir, W_OK) < 0)
		return NULL;
	return g_steal_pointer(&dir);
}

/* The embedded driver's qemu.conf. */
static char *embed_qemu_conf(const char *ram_dir)
{
	/* stdio_handler=file: the embedded driver has no virtlogd. */
	GString *conf = g_string_new("stdio_handler = \"file\"\n");

	/*
	 * As root the driver is "privileged" and would run QEMU as
	 * libvirt-qemu, which cannot write into the user's run directory: run
	 * it as the caller instead, without a security driver (no
	 * AppArmor/SELinux labels to manage for /root paths), and without
	 * chown or owner-remembering xattrs on the user's kernel, initrd and
	 * run files.
	 */
	if (geteuid() == 0)
		g_string_append_printf(conf, "user = \"+%u\"\ngroup = \"+%u\"\nsecurity_driver = \"none\"\n"
				       "dynamic_ownership = 0\nremember_owner = 0\n",
				       (unsigned)getuid(), (unsigned)getgid());
	if (kvm_mask_active())
		g_string_append(conf, "namespaces = []\n");
	/* shared guest RAM (vm_ram_dir) lives in memory, not on disk */
	if (ram_dir)
		g_string_append_printf(conf, "memory_backing_dir = \"%s\"\n", ram_dir);
	return g_string_free(conf, FALSE);
}

static GError *take_embed_root(Vm *vm)
{
	const char *cache = g_get_user_cache_dir();
	g_autofree char *base = g_build_filename(cache, "oopslab", "libvirt", NULL);

	if (g_mkdir_with_parents(base, 0700) < 0)
		return g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot create %s: %s", base,
				   g_strerror(errno));
	/* The embedded driver allows one process per root: take a free one. */
	for (int i = 0; i < EMBED_ROOTS; i++) {
		g_autofree char *root = g_strdup_printf("%s/embed-%d", base, i);
		g_autofree char *lock = g_strdup_printf("%s.lock", root);
		g_autofree char *etc = g_build_filename(root, "etc", NULL);
		g_autofree char *conf = g_build_filename(etc, "qemu.conf", NULL);
		g_autofree char *text = NULL;
		g_autoptr(GError) err = NULL;
		int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0)
			return g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "cannot open %s: %s", lock,
					   g_strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			continue;
		}
		g_mkdir_with_parents(etc, 0700);
		vm->ram_dir = ram_dir_for(i);
		text = embed_qemu_conf(vm->ram_dir);
		if (!g_file_set_contents(conf, text, -1, &err)) {
			close(fd);
			return g_error_copy(err);
		}
		vm->lock_fd = fd;
		vm->embed_root = g_steal_pointer(&root);
		return NULL;
	}
	return g_error_new(G_IO_ERROR, G_IO_ERROR_BUSY, "all %d libvirt embed roots under %s are in use", EMBED_ROOTS,
			   base);
}

static int lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	Vm *vm = opaque;
	const char *what = NULL;
	gboolean ours;

	g_mutex_lock(&vm->lock);
	ours = vm->name && g_strcmp0(virDomainGetName(dom), vm->name) == 0;
	g_mutex_unlock(&vm->lock);
	if (!ours) /* another run's guest on the same daemon */
		return 0;
	if (event == VIR_DOMAIN_EVENT_CRASHED) {
		what = detail == VIR_DOMAIN_EVENT_CRASHED_PANICKED	 ? "panicked"
		       : detail == VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED ? "crash-loaded"
									: "crashed";
		g_atomic_int_set(&vm->state, VM_STATE_CRASHED);
	} else if (event == VIR_DOMAIN_EVENT_STOPPED) {
		static const char *const details[] = {"shutdown", "destroyed", "crashed", "migrated",
						      "saved",    "failed",    "from-snapshot"};
		what = detail >= 0 && detail < (int)G_N_ELEMENTS(details) ? details[detail] : "stopped";
		/* A crash already seen stays the answer: destroy follows it. */
		if (g_atomic_int_get(&vm->state) == VM_STATE_RUNNING)
			g_atomic_int_set(&vm->state, VM_STATE_STOPPED);
	} else if (event == VIR_DOMAIN_EVENT_SHUTDOWN) {
		what = "shutdown";
	}
	if (what) {
		g_mutex_lock(&vm->lock);
		if (!vm->detail)
			vm->detail = g_strdup(what);
		g_mutex_unlock(&vm->lock);
	}
	return 0;
}

/* A daemon's connection gone (the daemon died, the network): the guest is
 * lost to us, and AUTODESTROY has the daemon kill it. */
static void close_cb(virConnectPtr conn, int reason, void *opaque)
{
	Vm *vm = opaque;
	static const char *const reasons[] = {"connection to libvirt lost: error", "connection to libvirt lost: end of file",
					      "connection to libvirt lost: keepalive timeout",
					      "connection to libvirt closed by the client"};

	g_mutex_lock(&vm->lock);
	if (!vm->detail)
		vm->detail = g_strdup(reason >= 0 && reason < (int)G_N_ELEMENTS(reasons) ? reasons[reason]
											  : "connection to libvirt lost");
	g_mutex_unlock(&vm->lock);
	if (g_atomic_int_get(&vm->state) == VM_STATE_RUNNING)
		g_atomic_int_set(&vm->state, VM_STATE_STOPPED);
}

/*
 * We hold this embed root exclusively, so a domain still running in it was
 * left by an oopslab process that was killed outright (SIGKILL): libvirt
 * reconnected to its QEMU on open. Destroy it, so no QEMU outlives its run.
 */
static void destroy_leftovers(Vm *vm)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(vm->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

	for (int i = 0; i < n; i++) {
		g_warning("destroying leftover domain %s in %s", virDomainGetName(doms[i]), vm->embed_root);
		virDomainDestroy(doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
}

GError *vm_connect(const char *uri, Vm **out)
{
	g_autoptr(Vm) vm = g_new0(Vm, 1);
	GError *err;

	vm->lock_fd = -1;
	vm->lifecycle_cb = -1;
	g_mutex_init(&vm->lock);
	ensure_event_impl();
	if (!uri) {
		if ((err = take_embed_root(vm)))
			return err;
		vm->uri = g_strdup_printf("qemu:///embed?root=%s", vm->embed_root);
	} else {
		vm->uri = g_strdup(uri);
	}
	vm->loop_thread = g_thread_new("libvirt-events", event_loop, vm);
	vm->conn = virConnectOpen(vm->uri);
	if (!vm->conn)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect to libvirt at %s: %s", vm->uri,
				   virGetLastErrorMessage());
	vm->lifecycle_cb = virConnectDomainEventRegisterAny(vm->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
							    VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb), vm,
							    NULL);
	if (vm->lifecycle_cb < 0)
		return virt_error("cannot register for libvirt lifecycle events");
	if (vm->embed_root)
		destroy_leftovers(vm);
	else if (virConnectRegisterCloseCallback(vm->conn, close_cb, vm, NULL) == 0)
		vm->close_cb = TRUE;
	*out = g_steal_pointer(&vm);
	return NULL;
}

const char *vm_uri(const Vm *vm)
{
	return vm->uri;
}

gboolean vm_uri_is_embedded(const char *uri)
{
	return !uri || g_str_has_prefix(uri, "qemu:///embed");
}

gboolean vm_is_embedded(const Vm *vm)
{
	return vm_uri_is_embedded(vm->uri);
}

virConnectPtr vm_connection(const Vm *vm)
{
	return vm->conn;
}

virDomainPtr vm_domain(const Vm *vm)
{
	return vm->dom;
}

gboolean vm_is_remote(const Vm *vm)
{
	/* qemu+ssh://host/..., qemu+tcp://...: a transport or a host name */
	return strchr(vm->uri, '+') != NULL || !g_str_has_prefix(vm->uri, "qemu:///");
}

char *vm_qemu_log_path(const Vm *vm, const char *name)
{
	if (!vm->embed_root)
		return NULL;
	return g_strdup_printf("%s/log/qemu/%s.log", vm->embed_root, name);
}

GError *vm_start(Vm *vm, const char *name, const char *xml, gboolean paused)
{
	/*
	 * AUTODESTROY: if we lose a daemon connection (or die), libvirt kills
	 * QEMU. The embedded driver cannot do that; there destroy_leftovers()
	 * cleans up after a killed run instead.
	 */
	unsigned int flags = vm->embed_root ? 0 : VIR_DOMAIN_START_AUTODESTROY;

	if (paused)
		flags |= VIR_DOMAIN_START_PAUSED;
	g_mutex_lock(&vm->lock);
	g_free(vm->name);
	vm->name = g_strdup(name);
	g_mutex_unlock(&vm->lock);

	vm->dom = virDomainCreateXML(vm->conn, xml, flags);
	if (!vm->dom)
		return virt_error("cannot start the guest");
	return NULL;
}

VmState vm_state(const Vm *vm, char **detail)
{
	VmState s = g_atomic_int_get(&vm->state);

	if (detail) {
		g_mutex_lock((GMutex *)&vm->lock);
		*detail = g_strdup(vm->detail);
		g_mutex_unlock((GMutex *)&vm->lock);
	}
	return s;
}

GError *vm_inject_nmi(Vm *vm)
{
	if (virDomainInjectNMI(vm->dom, 0) < 0)
		return virt_error("cannot inject an NMI");
	return NULL;
}

GError *vm_resume(Vm *vm)
{
	if (virDomainResume(vm->dom) < 0)
		return virt_error("cannot resume the guest");
	return NULL;
}

GError *vm_pause(Vm *vm)
{
	if (virDomainSuspend(vm->dom) < 0)
		return virt_error("cannot pause the guest");
	return NULL;
}

GError *vm_continue_after_panic(Vm *vm)
{
	int state, reason;

	g_atomic_int_set(&vm->state, VM_STATE_RUNNING);
	g_mutex_lock(&vm->lock);
	g_clear_pointer(&vm->detail, g_free);
	g_mutex_unlock(&vm->lock);
	/* With a capture kernel loaded, Linux's pvpanic driver reports "crash
	 * loaded" instead of "panicked", and QEMU does not pause the guest. */
	if (virDomainGetState(vm->dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_RUNNING)
		return NULL;
	return vm_resume(vm);
}

static const struct {
	const char *name;
	int format;
} dump_formats[] = {
	{"elf", VIR_DOMAIN_CORE_DUMP_FORMAT_RAW},
	{"kdump-zlib", VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB},
	/* kdump-lzo and kdump-snappy are not here: Debian's QEMU cannot write
	 * them (query-dump-guest-memory-capability), so run converts to them. */
	/* Not win-dmp: QEMU writes it only for a Windows guest, from the KDBG
	 * block that guest puts in the vmcoreinfo device ("win-dump: invalid
	 * vmcoreinfo note size" for a Linux one, after the crash). */
};

char *vm_dump_format_names(void)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(dump_formats); i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", dump_formats[i].name);
	return g_string_free(s, FALSE);
}

gboolean vm_dump_format_valid(const char *format)
{
	for (guint i = 0; i < G_N_ELEMENTS(dump_formats); i++)
		if (g_strcmp0(dump_formats[i].name, format) == 0)
			return TRUE;
	return FALSE;
}

GError *vm_dump(Vm *vm, const char *path, const char *format)
{
	for (guint i = 0; i < G_N_ELEMENTS(dump_formats); i++) {
		if (g_strcmp0(dump_formats[i].name, format) != 0)
			continue;
		if (virDomainCoreDumpWithFormat(vm->dom, path, dump_formats[i].format,
						VIR_DUMP_MEMORY_ONLY) < 0)
			return virt_error("memory dump failed");
		return NULL;
	}
	return g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown dump format '%s'", format);
}

const char *vm_ram_dir(const Vm *vm)
{
	return vm->ram_dir;
}

GError *vm_monitor(Vm *vm, const char *command, gboolean hmp, char **reply)
{
	char *out = NULL;

	if (virDomainQemuMonitorCommand(vm->dom, command, &out,
					hmp ? VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP : 0) < 0)
		return virt_error("QEMU monitor command failed");
	*reply = g_strdup(out);
	free(out);
	return NULL;
}

void vm_destroy(Vm *vm)
{
	if (!vm->dom)
		return;
	/* QEMU's own quit first: it exits at once, where libvirt's destroy
	 * (SIGTERM, then polling for the exit every 200 ms) takes over a second
	 * here.  Destroy still follows, for libvirt's bookkeeping and for a QEMU
	 * that did not quit.  Both fail harmlessly when the guest is gone. */
	if (vm->embed_root) {
		char *reply = NULL;

		if (virDomainQemuMonitorCommand(vm->dom, "{\"execute\":\"quit\"}", &reply, 0) == 0)
			free(reply);
	}
	virDomainDestroy(vm->dom);
	virDomainFree(vm->dom);
	vm->dom = NULL;
}

void vm_free(Vm *vm)
{
	if (!vm)
		return;
	vm_destroy(vm);
	if (vm->conn) {
		if (vm->lifecycle_cb >= 0)
			virConnectDomainEventDeregisterAny(vm->conn, vm->lifecycle_cb);
		if (vm->close_cb)
			virConnectUnregisterCloseCallback(vm->conn, close_cb);
		virConnectClose(vm->conn);
	}
	if (vm->loop_thread) {
		g_atomic_int_set(&vm->loop_quit, 1);
		g_thread_join(vm->loop_thread);
	}
	if (vm->lock_fd >= 0)
		close(vm->lock_fd);
	g_mutex_clear(&vm->lock);
	g_free(vm->detail);
	g_free(vm->name);
	g_free(vm->embed_root);
	g_free(vm->ram_dir);
	g_free(vm->uri);
	g_free(vm);
}
