"""Helpers of the workload tests (oopslab run --module/--exec/--file/--share,
lab directories, other kernels): runs without a lab, a crashing module
written to a temporary directory, the checks every failed run shares."""
import glob
import json
import os
import subprocess
import sys
import tempfile

from oopslab_test import OOPSLAB, check, runs_dir

# A module whose timer callback writes through NULL: softirq context, on
# the IRQ stack, half a second after insmod (so /init has printed its
# sections and runs --exec by then).
TIMER_C = r"""// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/timer.h>

static struct timer_list crash_timer;
static int *volatile target;

static noinline void timer_crash_fn(struct timer_list *unused)
{
	*target = 42; /* workload-test: crash here */
}

static int __init timer_crash_init(void)
{
	timer_setup(&crash_timer, timer_crash_fn, 0);
	mod_timer(&crash_timer, jiffies + HZ / 2);
	return 0;
}
module_init(timer_crash_init);
MODULE_LICENSE("GPL");
"""
TIMER_MARKER = "workload-test: crash here"


def tmpdir(name):
    """A fresh directory outside the tree, removed at exit by nobody: the
    tests look at it after the run (nothing may have been written there)."""
    return tempfile.mkdtemp(prefix=f"oopslab-{name}-")


def write_timer_module(parent):
    d = os.path.join(parent, "timer-crash")
    os.makedirs(d)
    with open(os.path.join(d, "timer_crash.c"), "w") as f:
        f.write(TIMER_C)
    with open(os.path.join(d, "Kbuild"), "w") as f:
        f.write("ccflags-y := -g\nobj-m += timer_crash.o\n")
    return d


def marked_line(path, marker):
    with open(path) as f:
        hits = [i + 1 for i, l in enumerate(f) if marker in l]
    assert len(hits) == 1, f"{marker!r} in {path}: {hits}"
    return hits[0]


def tree_listing(d):
    """Every file under d with its size and mtime: to show nothing changed."""
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            st = os.stat(p)
            out[p] = (st.st_size, st.st_mtime_ns)
    return out


def run(name, *args, timeout=900):
    """oopslab run --out RUNS/name ARGS...: (rc, stderr, run.json or None, out)."""
    out = os.path.join(runs_dir(), name)
    subprocess.run(["rm", "-rf", out], check=True)
    p = subprocess.run([OOPSLAB, "run", "--out", out, *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    sys.stdout.write(p.stderr)
    rj = None
    if os.path.exists(os.path.join(out, "run.json")):
        with open(os.path.join(out, "run.json")) as f:
            rj = json.load(f)
    return p.returncode, p.stderr, rj, out


def expect_refused(what, args, needles, rc):
    """A run refused before its guest starts: exit rc, one line on stderr
    holding every needle, no run directory."""
    code, err, rj, out = run("refused-" + what.replace(" ", "-"), *args)
    lines = [l for l in err.splitlines() if l.strip() and not l.startswith("[")]
    check(code == rc, f"{what}: exit status {code} == {rc}")
    check(len(lines) == 1 and lines[0].startswith("oopslab: ") and all(n in lines[0] for n in needles),
          f"{what}: one line naming {needles}: {lines}")
    check(not os.path.exists(out), f"{what}: no run directory")


def qemu_pids(domain):
    p = subprocess.run(["pgrep", "-f", f"guest={domain},"], stdout=subprocess.PIPE, text=True)
    return p.stdout.split()


def running_domains(uri):
    p = subprocess.run(["virsh", "-c", uri, "list", "--all", "--name"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    return [d for d in p.stdout.split() if d]


def debian_kernel():
    """The newest installed Debian cloud kernel: (release, /boot/vmlinuz-...)."""
    kernels = sorted(glob.glob("/boot/vmlinuz-*-cloud-amd64"))
    if not kernels:
        return None, None
    k = kernels[-1]
    return os.path.basename(k)[len("vmlinuz-"):], k


def stub_bt(rj, *commands):
    """gdb with the run's vmlinux, through oopslab-stub, running commands."""
    from oopslab_test import gdb_stub
    return gdb_stub(rj["dump"]["path"], *commands, vmlinux=rj["vmlinux"], stub_args=("--vmlinux", rj["vmlinux"]))
