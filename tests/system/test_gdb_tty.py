#!/usr/bin/python3
"""`oopslab gdb RUN` as a student meets it, in a terminal (tmux send-keys and
capture-pane): no question before the prompt, `bt` answers at once, the
crashing shell's write() buffer prints as the string it wrote ("1\\n", the
trigger), and a sleeping task's user memory (its environment, on its user
stack) is readable after `thread N`; a kernel thread's is not, and the stub
says why. Oracles: the lab's trigger command, the guest's /proc views."""
import os
import re
import subprocess
import time

from oopslab_test import OOPSLAB, STUB, check, finish, run_lab

rj, rundir = run_lab("null-deref")
session = f"oopslab-tty-{os.getpid()}"


def tmux(*args):
    return subprocess.run(["tmux", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout


def screen():
    return tmux("capture-pane", "-p", "-J", "-S", "-3000", "-t", session)


def wait_for(pattern, after=0, timeout=180):
    """The screen once PATTERN shows up after the first AFTER characters."""
    end = time.time() + timeout
    while time.time() < end:
        s = screen()
        if re.search(pattern, s[after:], re.M):
            return s
        time.sleep(0.5)
    return screen()


def command(cmd, pattern=r"^\(gdb\) $"):
    before = len(screen().rstrip())
    tmux("send-keys", "-t", session, "-l", cmd)
    tmux("send-keys", "-t", session, "Enter")
    time.sleep(0.3)
    s = wait_for(pattern, before + len(cmd))
    return s[before:]


# the guest's /proc views: the fixture whose environment has the marker
with open(os.path.join(rundir, "console.log"), errors="replace") as f:
    console = f.read()
stacks = dict(re.findall(r"oopslab-proc: maps/(\d+) ([0-9a-f]+-[0-9a-f]+) rw-p .*\[stack\]", console))
pids = sorted(int(p) for p in stacks)

tmux("kill-session", "-t", session)
tmux("new-session", "-d", "-s", session, "-x", "250", "-y", "50", f"{OOPSLAB} gdb {rundir}; sleep 600")
try:
    start = wait_for(r"^\(gdb\) $")
    print(start)
    check("(y or n)" not in start and "(gdb) " in start, "oopslab gdb reaches its prompt with no question")
    check("warning:" not in start, "and no warning")
    out = command("bt")
    print(out)
    check("Please answer" not in out and re.search(r"^#0 ", out, re.M), "bt answers at once")
    m = re.search(r"vfs_write \(.*?buf=(?:buf@entry=)?0x[0-9a-f]+ (\"[^\"]*\")", out)
    check(m is not None and m.group(1) == '"1\\n"', f"the shell's write() buffer is the string written: {m and m.group(1)}")

    found = False
    for pid in pids:
        out = command(f"monitor task {pid}")
        task = re.search(r"TASK: ([0-9a-f]+)", out)
        out = command(f"thread find {1000000 + pid}")
        n = re.search(r"Thread (\d+) has target id", out)
        if not (task and n):
            continue
        command(f"thread {n.group(1)}")
        out = command(f"x/s ((struct task_struct *)0x{task.group(1)})->mm->env_start")
        print(out)
        m = re.search(r"^(0x[0-9a-f]+):\s+\"OOPSLAB_MARK=fixture-env\"", out, re.M)
        if m:
            lo, hi = (int(x, 16) for x in stacks[str(pid)].split("-"))
            check(lo <= int(m.group(1), 16) < hi,
                  f"pid {pid}: after thread {n.group(1)}, its environment on its user stack [stack] {stacks[str(pid)]}")
            found = m.group(1)
            break
    check(bool(found), "a sleeping task's user memory is readable after `thread N`")
    if found:
        out = command("thread find 1000002")
        n = re.search(r"Thread (\d+) has target id", out)
        command(f"thread {n.group(1)}")
        out = command(f"x/s {found}")
        print(out)
        check("Cannot access memory" in out, "kthreadd's user memory: refused")
        # gdb shows only that; the stub's diagnostics (--log) say why
        log = os.path.join(rundir, "stub-tty-test.log")
        subprocess.run(["gdb", "-q", "-nx", "-batch", rj["vmlinux"], "-ex",
                        f"target remote | {STUB} --stdio --log {log} {rj['dump']['path']}",
                        "-ex", f"thread apply all -q -s x/s {found}"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=300)
        with open(log) as f:
            text = f.read()
        os.unlink(log)
        check("kthreadd" in text and "kernel thread: it has no user memory" in text,
              f"and the stub's log says it is a kernel thread: {text.strip()}")
    command("quit", r"\$ $|^$")
finally:
    tmux("kill-session", "-t", session)
finish()
