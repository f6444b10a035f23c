#!/usr/bin/python3
"""Bad input gets one clear line on stderr, a non-zero exit (2 for bad usage,
1 for the environment), and no run directory."""
import os
import subprocess

from oopslab_test import OOPSLAB, check, finish, runs_dir

base = runs_dir()


def expect_error(what, args, needle, rc):
    out = os.path.join(base, "error-" + what.replace(" ", "-"))
    subprocess.run(["rm", "-rf", out])
    p = subprocess.run([OOPSLAB, "run", "--out", out, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    print(f"{what}: rc={p.returncode} stderr={p.stderr!r}")
    check(p.returncode == rc, f"{what}: exit code {rc}")
    check(len(lines) == 1 and lines[0].startswith("oopslab: ") and needle in lines[0],
          f"{what}: one line naming the problem ({needle!r})")
    check(not os.path.exists(out), f"{what}: no run directory left")


expect_error("missing kernel", ["--lab", "null-deref", "--kernel", "/nonexistent/bzImage"],
             "kernel not found: /nonexistent/bzImage", 2)
expect_error("missing initrd", ["--lab", "null-deref", "--kernel", "/etc/hostname", "--initrd", "/nonexistent/initrd"],
             "initrd not found: /nonexistent/initrd", 2)
expect_error("bad connect", ["--lab", "null-deref", "--connect", "qemu+unix:///system?socket=/nonexistent/sock"],
             "cannot connect to libvirt at qemu+unix:///system?socket=/nonexistent/sock", 1)
# A guest bigger than any disk here: the space check must refuse it up front.
expect_error("no space", ["--lab", "null-deref", "--memory", str(1 << 30)], "no space for the dump", 1)
expect_error("unknown lab", ["--lab", "no-such-lab"], "unknown lab 'no-such-lab'", 2)
expect_error("bad format", ["--lab", "null-deref", "--format", "tar"], "--format: 'tar'", 2)
expect_error("win-dmp for a Linux guest", ["--lab", "null-deref", "--format", "win-dmp"], "win-dmp is a Windows guest's dump", 2)
finish()
