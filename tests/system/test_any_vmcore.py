#!/usr/bin/python3
"""Any vmcore, one command: `oopslab report` and `oopslab gdb --batch` on a
bare vmcore copied out of a run directory (run.json left behind) and on a
kdump-tools directory made from a `--capture kdump` run (vmcore and
vmcore-dmesg.txt); the stub on that directory; errors that say what is
missing and where they looked; a vmlinux of another build refused with both
ids. Expected values come from the run directory's own report."""
import os
import re
import shutil
import subprocess
import tempfile

from oopslab_test import OOPSLAB, STUB, check, finish, labs, marker_line, run_lab, runs_dir

LAB = "null-deref"
_, line = marker_line(labs()[LAB])


def run(*args, env=None):
    p = subprocess.run([OOPSLAB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600,
                       env=env)
    return p.returncode, p.stdout, p.stderr


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE, text=True).stdout
    return re.search(r"Build ID: ([0-9a-f]+)", out).group(1)


rj, rundir = run_lab(LAB)
rc, want, _ = run("report", rundir)
check(rc == 0 and want.startswith("BUG: kernel NULL pointer dereference"), f"the run's report: {want.splitlines()[:1]}")
vmlinux = rj["vmlinux"]

with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="any-vmcore-") as tmp:
    bare = os.path.join(tmp, "copied", "vmcore")
    os.makedirs(os.path.dirname(bare))
    shutil.copy(rj["dump"]["path"], bare)

    # no vmlinux to be found: the report from the dump's own log, unsymbolized, and says where it looked
    rc, out, err = run("report", bare)
    check(rc == 0 and out.splitlines()[0] == want.splitlines()[0], f"report on a bare vmcore: {out.splitlines()[:1]}")
    check("from the dump dmesg" in out, "its log came from the dump")
    check("not symbolized" in err and "/usr/lib/debug/boot/vmlinux-" in err and "debuginfod" in err,
          f"and it says where it looked for vmlinux: {err.strip()[:200]}")
    rc, out, err = run("gdb", "--batch", bare)
    check(rc == 1 and "no vmlinux for release" in err and "looked at" in err, f"gdb without vmlinux: {err.strip()[:120]}")

    # --vmlinux, and the module kept beside the dump: the run directory's report
    shutil.copy(rj["module"], os.path.dirname(bare))
    rc, out, _ = run("report", "--vmlinux", vmlinux, bare)
    # the title and every symbolized frame (the console and the dump's log differ in decoration)
    body = lambda t: t.splitlines()[:1] + [l for l in t.splitlines() if re.search(r"\+0x[0-9a-f]+/0x|\.c:\d+", l)]
    check(rc == 0 and body(out) == body(want), f"report --vmlinux on the bare vmcore == the run's report:\n{out}")
    rc, out, err = run("gdb", "--batch", "--vmlinux", vmlinux, bare)
    check(rc == 0 and re.search(rf"^{line}\t.*oopslab: crash here", out, re.M) is not None,
          f"gdb --batch --vmlinux on the bare vmcore lists line {line}:\n{out}{err}")
    check("(y or n)" not in out + err and "warning:" not in out + err, f"and asks and warns nothing")

    # another build's ELF as vmlinux: refused, both ids named
    other = rj["module"]
    rc, out, err = run("report", "--vmlinux", other, bare)
    check(rc == 1 and build_id(other) in err and build_id(vmlinux) in err, f"another build refused: {err.strip()}")
    p = subprocess.run(["gdb", "-q", "-nx", "-batch", "-ex", f"target remote | {STUB} --stdio --vmlinux {other} {bare}"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    check(build_id(other) in p.stdout and build_id(vmlinux) in p.stdout and "not this dump's vmlinux" in p.stdout,
          "oopslab-stub refuses it too, with both ids")

    # an empty directory
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    rc, _, err = run("report", empty)
    check(rc == 1 and "vmcore" in err and "dump.*" in err, f"an empty directory: {err.strip()}")

# a kdump-tools directory from a guest-side kdump capture
krj, krun = run_lab(LAB, "--capture", "kdump", "--collector", "makedumpfile -l -d 31")
rc, kwant, _ = run("report", krun)
with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="kdump-dir-") as tmp:
    kdir = os.path.join(tmp, "crash", "127.0.0.1-2026-12-02-03:00")
    os.makedirs(kdir)
    shutil.copy(krj["dump"]["path"], os.path.join(kdir, "vmcore"))
    shutil.copy(os.path.join(krun, "vmcore-dmesg.txt"), os.path.join(kdir, "vmcore-dmesg.txt"))
    shutil.copy(krj["module"], kdir)
    rc, out, _ = run("report", "--vmlinux", krj["vmlinux"], kdir)
    check(rc == 0 and "from the dmesg file" in out and out.splitlines()[0] == kwant.splitlines()[0],
          f"report on a kdump directory, from its vmcore-dmesg.txt: {out.splitlines()[:1]}")
    rc, out, err = run("gdb", "--batch", "--vmlinux", krj["vmlinux"], kdir)
    check(rc == 0 and "null_deref_crash" in out, f"gdb --batch on the kdump directory:\n{out}{err}")
    p = subprocess.run(["gdb", "-q", "-nx", "-batch", krj["vmlinux"], "-ex", f"target remote | {STUB} --stdio {kdir}",
                        "-ex", "monitor info"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    check(f"dump: {os.path.join(kdir, 'vmcore')}" in p.stdout, "oopslab-stub serves the directory's vmcore")
finish()
