/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab run --gdb` (run-gdb.h). */
#include "run-gdb.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "capture-ram.h"
#include "gdb-session.h"

/* How long /init may take to reach its wait (a slow TCG boot is ~5 s). */
#define WAIT_STAGE_TIMEOUT_S 300
/* Lines the stub writes on stderr (live-proxy.c), one per gdb session. */
#define STUB_ATTACHED "oopslab-stub: attached to QEMU"
#define STUB_DETACHED "oopslab-stub: detached from QEMU"

struct RunGdb {
	char *tmp;          /* short directory for the Unix sockets (sun_path is 108 bytes) */
	char *qemu_socket;  /* QEMU's gdbstub */
	char *wait_socket;  /* ttyS1 */
	char *stub_socket;  /* where gdb connects, unless listen:PORT */
	char *stub_log;     /* RUN/stub.log */
	char *ram;          /* the guest RAM file, or NULL (the stub then reads through QEMU) */
	GSubprocess *stub;
	GSubprocess *gdb;
	gboolean went;      /* the go line was sent */
};

void run_gdb_free(struct RunGdb *g)
{
	if (!g)
		return;
	if (g->stub) {
		g_subprocess_force_exit(g->stub);
		g_subprocess_wait(g->stub, NULL, NULL);
		g_object_unref(g->stub);
	}
	if (g->gdb) {
		g_subprocess_force_exit(g->gdb);
		g_object_unref(g->gdb);
	}
	if (g->tmp) {
		g_unlink(g->qemu_socket);
		g_unlink(g->wait_socket);
		g_unlink(g->stub_socket);
		g_rmdir(g->tmp);
	}
	g_free(g->tmp);
	g_free(g->qemu_socket);
	g_free(g->wait_socket);
	g_free(g->stub_socket);
	g_free(g->stub_log);
	g_free(g->ram);
	g_free(g);
}

GError *run_gdb_prepare(Run *r)
{
	struct RunGdb *g = g_new0(struct RunGdb, 1);
	GError *err = NULL;

	r->gdb = g;
	if (!(g->tmp = g_dir_make_tmp("oopslab-gdb-XXXXXX", &err)))
		return err;
	g->qemu_socket = g_build_filename(g->tmp, "qemu-gdb.sock", NULL);
	g->wait_socket = g_build_filename(g->tmp, "go.sock", NULL);
	g->stub_socket = g_build_filename(g->tmp, "stub.sock", NULL);
	g->stub_log = g_build_filename(r->dir, "stub.log", NULL);
	return NULL;
}

const char *run_gdb_qemu_socket(const Run *r)
{
	return r->gdb ? r->gdb->qemu_socket : NULL;
}

const char *run_gdb_wait_socket(const Run *r)
{
	return r->gdb ? r->gdb->wait_socket : NULL;
}

static GError *wait_stage(Run *r, Vm *vm)
{
	double until = run_now(r) + WAIT_STAGE_TIMEOUT_S;
	GError *err;

	while (!console_watcher_stage(r->console, "wait")) {
		console_watcher_poll(r->console);
		/* a panic before the wait (e.g. at boot): the run goes on without gdb */
		if (r->console->panic_line)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "--gdb: the guest panicked before /init's wait: %s",
					   r->console->panic_line);
		run_report_stages(r);
		if ((err = run_check_stop()))
			return err;
		if (vm_state(vm, NULL) != VM_STATE_RUNNING)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "--gdb: the guest stopped before /init's wait");
		if (run_now(r) > until)
			return g_error_new(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "--gdb: /init did not reach its wait in %d s",
					   WAIT_STAGE_TIMEOUT_S);
		g_usleep(POLL_US);
	}
	return NULL;
}

/*
 * The guest RAM file of a <memoryBacking><source type='file'/> domain, as
 * QEMU names it (capture-ram.h); NULL when it cannot say: the stub then
 * reads through QEMU.
 */
static char *find_ram(Run *r, Vm *vm)
{
	char *path = NULL;
	g_autoptr(GError) err = capture_ram_file(vm, &path);

	return err ? NULL : path;
}

static GError *start_stub(Run *r)
{
	struct RunGdb *g = r->gdb;
	g_autofree char *stub = oopslab_find_stub();
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_INHERIT);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	GError *err = NULL;

	if (!stub)
		return g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "--gdb: oopslab-stub not found");
	g_ptr_array_add(argv, g_strdup(stub));
	if (g_str_equal(r->opt->gdb, "attach")) {
		g_ptr_array_add(argv, g_strdup("--unix"));
		g_ptr_array_add(argv, g_strdup(g->stub_socket));
	} else {
		g_ptr_array_add(argv, g_strdup("--listen"));
		g_ptr_array_add(argv, g_strdup(r->opt->gdb + strlen("listen:"))); /* loopback */
	}
	g_ptr_array_add(argv, g_strdup("--live"));
	g_ptr_array_add(argv, g_strdup(g->qemu_socket));
	if (g->ram) {
		g_ptr_array_add(argv, g_strdup("--ram"));
		g_ptr_array_add(argv, g_strdup(g->ram));
	}
	/* --kaslr: gdb has no file, even if the boot landed at offset 0 */
	if (r->opt->kaslr)
		g_ptr_array_add(argv, g_strdup("--serve-vmlinux"));
	if (r->kit->vmlinux) {
		g_ptr_array_add(argv, g_strdup("--vmlinux"));
		g_ptr_array_add(argv, g_strdup(r->kit->vmlinux));
	}
	/* the run's module copies and the lab modules */
	g_ptr_array_add(argv, g_strdup("--modules"));
	g_ptr_array_add(argv, g_strdup_printf("%s%s%s", r->dir, r->kit->labs_dir ? ":" : "",
					      r->kit->labs_dir ? r->kit->labs_dir : ""));
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_flags(l, G_SUBPROCESS_FLAGS_STDIN_INHERIT |
					   G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
	g_subprocess_launcher_set_stderr_file_path(l, g->stub_log);
	g->stub = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &err);
	return err;
}

/* Sessions attached and detached so far, from the stub's log. */
static void stub_sessions(const struct RunGdb *g, guint *attached, guint *detached)
{
	g_autofree char *text = NULL;

	*attached = *detached = 0;
	if (!g_file_get_contents(g->stub_log, &text, NULL, NULL))
		return;
	for (const char *p = text; (p = strstr(p, STUB_ATTACHED)); p++)
		(*attached)++;
	for (const char *p = text; (p = strstr(p, STUB_DETACHED)); p++)
		(*detached)++;
}

/* A child that has exited: GSubprocess drops its identifier once it is reaped. */
static gboolean ended(GSubprocess *p)
{
	return g_subprocess_get_identifier(p) == NULL;
}

static GError *start_gdb(Run *r)
{
	struct RunGdb *g = r->gdb;
	g_autofree char *target = g_strdup_printf("target remote %s", g->stub_socket);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	GError *err = NULL;

	g_ptr_array_add(argv, g_strdup("gdb"));
	g_ptr_array_add(argv, g_strdup("-q"));
	if (r->kit->kernel_dir) {
		g_ptr_array_add(argv, g_strdup("-iex"));
		g_ptr_array_add(argv, g_strdup_printf("add-auto-load-safe-path %s", r->kit->kernel_dir));
	}
	/* With KASLR gdb takes no file: the stub serves vmlinux relocated
	 * (live-proxy.c, offer_exec_file). */
	if (r->kit->vmlinux && !r->opt->kaslr)
		g_ptr_array_add(argv, g_strdup(r->kit->vmlinux));
	g_ptr_array_add(argv, g_strdup("-ex"));
	g_ptr_array_add(argv, g_steal_pointer(&target));
	g_ptr_array_add(argv, g_strdup("-ex"));
	g_ptr_array_add(argv, g_strdup("echo \\noopslab: the guest is stopped before the trigger. Set breakpoints "
				       "(e.g. `break FUNCTION`), then `continue`: the lab runs.\\n"));
	g_ptr_array_add(argv, NULL);
	fflush(stderr);
	/* gdb owns the terminal: the harness's own lines go to stderr */
	g->gdb = g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDIN_INHERIT, &err);
	return err;
}

static GError *send_go(Run *r)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	GError *err = NULL;

	g_strlcpy(sa.sun_path, r->gdb->wait_socket, sizeof(sa.sun_path));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(fd, "go\n", 3) != 3)
		err = g_error_new(G_IO_ERROR, g_io_error_from_errno(errno), "--gdb: cannot write to %s: %s",
				  r->gdb->wait_socket, g_strerror(errno));
	if (fd >= 0)
		close(fd);
	r->gdb->went = err == NULL;
	return err;
}

GError *run_gdb_attach(Run *r, Vm *vm)
{
	struct RunGdb *g = r->gdb;
	GError *err;

	if ((err = wait_stage(r, vm)))
		return err;
	g->ram = find_ram(r, vm);
	if (!g->ram)
		run_say(r, "--gdb: guest RAM file not found: the stub reads memory through QEMU's gdbstub");
	if ((err = start_stub(r)))
		return err;
	if (g_str_equal(r->opt->gdb, "attach")) {
		/* the stub's socket first, then gdb */
		for (int i = 0; i < 500 && !g_file_test(g->stub_socket, G_FILE_TEST_EXISTS); i++)
			g_usleep(POLL_US);
		if ((err = start_gdb(r)))
			return err;
	} else {
		/* after a KASLR boot the stub hands gdb vmlinux, relocated */
		run_say(r, "--gdb: waiting for a debugger on 127.0.0.1:%s (gdb %s-ex 'target remote :%s'); "
			   "stub log %s", r->opt->gdb + strlen("listen:"), r->opt->kaslr ? "" : "VMLINUX ",
			   r->opt->gdb + strlen("listen:"), g->stub_log);
	}
	/* The go line sits in ttyS1 until the guest runs again: sent once a
	 * debugger holds it stopped, the lab starts at the user's continue. */
	for (;;) {
		guint a, d;

		stub_sessions(g, &a, &d);
		if (a > 0)
			break;
		if ((err = run_check_stop()))
			return err;
		if (ended(g->stub) || (g->gdb && ended(g->gdb)))
			return g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "--gdb: %s ended before attaching (see %s)",
					   g->gdb && ended(g->gdb) ? "gdb" : "the stub", g->stub_log);
		g_usleep(POLL_US);
	}
	run_say(r, "--gdb: debugger attached; the lab triggers at `continue`");
	return send_go(r);
}

void run_gdb_finish(Run *r)
{
	struct RunGdb *g = r->gdb;

	if (!g)
		return;
	if (g->gdb) {
		run_say(r, "--gdb: the guest stays until gdb exits");
		g_subprocess_wait(g->gdb, NULL, NULL);
	} else if (g->stub) {
		guint a, d;

		run_say(r, "--gdb: the guest stays until the debugger detaches");
		for (;;) {
			g_autoptr(GError) err = run_check_stop();

			stub_sessions(g, &a, &d);
			if ((a > 0 && a == d) || err || (g_subprocess_get_identifier(g->stub) == NULL))
				break;
			g_usleep(POLL_US * 5);
		}
	}
	run_gdb_free(g);
	r->gdb = NULL;
}
