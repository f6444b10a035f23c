/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `oopslab run`, inside: the options, the run's state, and the steps that
 * share it. One file per step:
 *   run-options.c    options and their validation (usage errors exit 2)
 *   run-assemble.c   the guest: kernel, modules, files, initramfs, cmdline
 *   run-lifecycle.c  boot, watch the guest until its panic (or not), destroy
 *   run-capture.c    host capture (libvirt's dump) and kdump capture
 *   run-result.c     what the dump says, the report, run.json
 *   run-remote.c     a daemon's run: storage pool, console stream, dump download
 *   run.c            the order of the steps
 */
#pragma once
#include <signal.h>

#include <glib.h>

#include "accel.h"
#include "console.h"
#include "dump-writer.h"
#include "guest-kit.h"
#include "capture-disk.h"
#include "kernel-info.h"
#include "labs.h"
#include "oops.h"
#include "tasks.h"
#include "vm.h"

/* Exit status of `oopslab run`: 0 done (and as --expect said), 1 error,
 * 2 bad usage, 3 the outcome was not the one --expect asked for. */
#define RUN_EXIT_ERROR 1
#define RUN_EXIT_USAGE 2
#define RUN_EXIT_UNEXPECTED 3
/* Console and state polling period: fine enough for stage timings. */
#define POLL_US (20 * 1000)
/* After the timeout's NMI, how long a guest gets to panic before we give up
 * and dump it as hung. */
#define NMI_GRACE_SECONDS 10
/* --format's default: written by the harness from the guest's shared RAM,
 * free, page-cache and user pages left out (capture-ram.h) */
#define RUN_DEFAULT_FORMAT "kdump-zstd"

/* Errors in this domain are the user's (exit 2); any other is the
 * environment's (exit 1). */
#define RUN_USAGE_ERROR (run_usage_error_quark())
GQuark run_usage_error_quark(void);
GError *run_usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_WARN_UNUSED_RESULT;

typedef struct {
	char *lab;
	char *out;
	char *kernel;
	char *vmlinux;
	char *initrd;
	char *append;
	gboolean kaslr;
	char *accel;
	int memory_mib;
	int cpus;
	int timeout;
	char *format;
	char *connect;
	char *expect;     /* --expect: an outcome (run_outcome_known); NULL: none */
	gboolean json;    /* --json: print run.json instead of the directory */
	gboolean format_given;
	char *capture;    /* host (libvirt's dump) or kdump (the guest's own) */
	char *collector;  /* --capture kdump: cp or makedumpfile OPTIONS */
	char *flavour;    /* --flavour: kernel flavours (labs.h), canonical once the lab is found, or NULL */
	Accel requested;  /* --accel, parsed */
	/* the user's workload and kernel */
	char **modules;     /* --module "PATH [PARAM=VALUE...]", in load order */
	char **files;       /* --file HOST[:GUEST] */
	char *share;        /* --share DIR[:GUEST] */
	gboolean share_rw;
	char *exec;         /* --exec CMD: the trigger */
	char *kernel_tree;  /* --kernel-tree DIR */
	char *modules_dir;  /* --modules-dir DIR */
	gboolean no_pvpanic;
	char *gdb;          /* --gdb: "attach", or "listen:PORT"; NULL: none (run-gdb.c) */
	gboolean fail_on_findings; /* --fail-on-findings: exit 3 if the console has any report */
	int repeat;         /* --repeat N: boots (0: one) */
	gboolean until_crash; /* --until-crash: stop the repeats at the first panic */
} RunOptions;

/* Parse `oopslab run` arguments into *o: 0, or the exit status of a usage
 * error (already printed). */
int run_options_parse(RunOptions *o, int argc, char **argv);
/* Checks of the options alone (no guest built yet); fills defaults. */
GError *run_options_validate(RunOptions *o, const Lab *lab) G_GNUC_WARN_UNUSED_RESULT;
void run_options_clear(RunOptions *o);

extern volatile sig_atomic_t run_stop_signal;
void run_install_signal_handlers(void);

typedef struct {
	RunOptions *opt;
	LabSet *labs;
	const Lab *lab;
	Lab *own_lab;         /* a lab directory's, or the stand-in of a workload run */
	gboolean workload_only; /* no --lab: the workload is the run */
	gboolean lab_rebuilt; /* the lab's module was built for this kernel (module_path) */
	KernelInfo *kinfo;    /* a kernel that is not the lab kernel */
	char *build_dir;      /* what --module directories build against */
	char *vermagic;       /* the kernel's, from one of its modules; or NULL */
	GPtrArray *wmodules;  /* WorkloadModule*, in load order */
	GPtrArray *drivers;   /* host paths of the installed kernel's drivers */
	GPtrArray *module_copies; /* RUN/modules/NAME.ko, for the stub and gdb */
	char *share_dir;      /* --share: the host directory, absolute */
	char *share_guest;    /* ... and where the guest mounts it */
	int exit_status;      /* --exec's, or -1 */
	gboolean made_dir;    /* the run directory is ours to remove on an early error */
	double t_detected;    /* when the harness knew of the panic (event or console) */
	GuestKit *kit;
	char *dir;
	char *cmdline;
	char *accel_reason;
	Accel accel;
	char *uri;
	char *domain;
	char *module_path;
	char *add_symbol_file;
	const char *outcome;
	char *detected_by;
	char *error;
	char *dump_path;
	gint64 dump_bytes;
	ConsoleWatcher *console;
	Oops *oops;     /* the crash report, when the console has one */
	GPtrArray *findings;  /* Oops*: every report in the console (oops_parse_all), or NULL */
	char *report_source;  /* "console" or "dump dmesg" */
	char *panic_message;  /* from the dump's log, as crash sys shows it */
	OlTask panic_task;    /* the task on the panicking CPU (pid -1: unknown) */
	/* --capture kdump */
	gboolean kdump;
	char *disk_path;      /* the capture disk (deleted after the run) */
	CaptureDiskHeader kh;       /* its header */
	char *dump_format;    /* of the dump kept: kdump's differs from --format */
	char *dmesg_path;     /* vmcore-dmesg.txt */
	char *kdump_note;     /* how the vmcore was made plain, or why not */
	double t_capture_start, t_capture, t_extract;
	const char *capture_used; /* "host" or "kdump": what made the dump */
	gboolean shared_ram;  /* guest RAM in a file we map: capture-ram.c writes the dump */
	gint64 t0;
	double t_create, t_boot, t_panic, t_dump, t_destroy, t_total;
	gboolean nmi_sent;
	GDateTime *started;
	struct RunGdb *gdb;   /* --gdb: the stub, gdb and their sockets (run-gdb.c) */
	struct RunRemote *remote; /* a daemon's run: pool, console stream (run-remote.c); NULL: embedded */
} Run;

double run_now(const Run *r);
void run_say(const Run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void run_clear(Run *r);

/* run-assemble.c: the lab, the kit, the kernel and its command line. */
GError *run_find_lab(Run *r) G_GNUC_WARN_UNUSED_RESULT;
GError *run_assemble(Run *r) G_GNUC_WARN_UNUSED_RESULT;
/* run.c: one boot, as `oopslab run` without --repeat (its exit status) */
int run_once(RunOptions *o);
/* run-repeat.c: --repeat N: boots into OUT/1..N, each an `oopslab run` with
 * ARGS (the command's arguments, "run" first); OUT/repeat.json with the rate
 * of each title; exit 3 if the expectation failed on any boot */
int run_repeat(const RunOptions *o, char **args);
/* The kernel flavours the run boots ("kasan,lockdep"), or NULL. */
const char *run_flavour(const Run *r);
char *run_cmdline(const Run *r);

/* run-lifecycle.c */
typedef enum {
	RUN_EVENT_PANIC,    /* pvpanic (the guest is paused) */
	RUN_EVENT_STOPPED,  /* powered off or gone, without a panic */
	RUN_EVENT_HANG,     /* no panic even after the timeout's NMI */
	RUN_EVENT_CAPTURE,  /* --capture kdump: the capture kernel is running */
	RUN_EVENT_CONSOLE_PANIC, /* a panic on the console, no pvpanic: paused by us */
} RunEvent;
void run_report_stages(Run *r);
GError *run_check_stop(void) G_GNUC_WARN_UNUSED_RESULT;
GError *run_start(Run *r, Vm *vm) G_GNUC_WARN_UNUSED_RESULT;
GError *run_wait_event(Run *r, Vm *vm, RunEvent *event) G_GNUC_WARN_UNUSED_RESULT;
void run_destroy(Run *r, Vm *vm);
/* The same in a thread, joined with g_thread_join() before run.json. */
GThread *run_destroy_async(Run *r, Vm *vm);

/* run-workload.c: the extra initramfs of the user's workload */
gboolean run_has_workload(const RunOptions *o);
GError *run_resolve_drivers(Run *r) G_GNUC_WARN_UNUSED_RESULT;
GError *run_prepare_workload(Run *r) G_GNUC_WARN_UNUSED_RESULT;
GError *run_workload_initrd(Run *r) G_GNUC_WARN_UNUSED_RESULT;
GError *run_keep_modules(Run *r) G_GNUC_WARN_UNUSED_RESULT;
void run_pick_module(Run *r);

/* capture-ram.c: TRUE if this run's dump is written from shared guest RAM */
gboolean run_wants_shared_ram(const Run *r, const Vm *vm);
GError *run_capture_ram(Run *r, Vm *vm, const char *path, OlDumpWriteStats *stats) G_GNUC_WARN_UNUSED_RESULT;

/* run-capture.c */
GError *run_host_capture(Run *r, Vm *vm, RunEvent event) G_GNUC_WARN_UNUSED_RESULT;
GError *run_kdump_capture(Run *r, Vm *vm, RunEvent event) G_GNUC_WARN_UNUSED_RESULT;

/* run-result.c */
/* syzkaller's title of a run that is not a crash (no-output, lost-connection), or NULL */
const char *run_pseudo_title(const Run *r);
void run_read_dump(Run *r);
void run_build_report(Run *r);
void run_write_json(Run *r);
void run_print_result(const Run *r);
