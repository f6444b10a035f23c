/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reaper: a subreaper parent for `run` and `batch` (reaper.h says why). */
#include "reaper.h"

#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t user_pid;
static pid_t worker;

pid_t reaper_user_pid(void)
{
	return user_pid ? user_pid : getpid();
}

/* Only kill() from another process: a terminal's signals reach the worker
 * by themselves (same process group), and twice would be one too many. */
static void forward(int sig, siginfo_t *si, void *unused)
{
	(void)unused;
	if ((si->si_code == SI_USER || si->si_code == SI_QUEUE) && si->si_pid != worker)
		kill(worker, sig);
}

static void exit_as(int status)
{
	int sig;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	signal(sig, SIG_DFL);
	kill(getpid(), sig);
	_exit(128 + sig);
}

static void reap_until_worker_exits(void)
{
	static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	struct sigaction sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART};

	for (size_t i = 0; i < G_N_ELEMENTS(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	for (;;) {
		int status;
		pid_t p = waitpid(-1, &status, 0);

		if (p == worker)
			exit_as(status);
		if (p < 0 && errno != EINTR)
			_exit(70); /* no worker to wait for: cannot happen */
	}
}

void reaper_split(void)
{
	pid_t self = getpid();

	if (user_pid || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		return; /* one process, QEMU reaped by whoever reaps it */
	fflush(NULL);
	worker = fork();
	if (worker < 0) {
		prctl(PR_SET_CHILD_SUBREAPER, 0);
		return;
	}
	if (worker > 0)
		reap_until_worker_exits();
	user_pid = self;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != self) /* the parent died before the line above */
		_exit(137);
}
