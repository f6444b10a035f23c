#!/usr/bin/python3
"""`monitor sys` against crash's `sys` on the dumps of the panicking labs:
RELEASE, VERSION, CPUS (with "[OFFLINE: n]"), NODENAME, MACHINE (with the
CPU speed), DATE, LOAD AVERAGE, MEMORY and PANIC are equal. Without vmlinux,
RELEASE, NODENAME and PANIC still are (utsname and the log come from
VMCOREINFO), and CPUS has the same count.

Not compared: KERNEL and DUMPFILE (paths, and ours names the format),
UPTIME (crash counts jiffies, the stub reads the timekeeper: they can
straddle a second), TASKS (crash 8.0.2 finds only the tasks on a CPU in
these 6.1 dumps: "active task ... not found in PID hash")."""
import os
import re
import shutil
import tempfile

from oopslab_test import check, crash_batch, finish, gdb_stub, run_lab

COMPARED = ["RELEASE", "VERSION", "CPUS", "NODENAME", "MACHINE", "DATE", "LOAD AVERAGE", "MEMORY", "PANIC"]
FIELD_RE = re.compile(r"^ *([A-Z][A-Z ]*[A-Z]): (.*)$", re.M)


def fields(text):
    return {k: v for k, v in FIELD_RE.findall(text)}


def stub_sys(dump, vmlinux=None):
    out = gdb_stub(dump, "echo @@BEGIN\\n", "monitor sys", "echo @@END\\n", vmlinux=vmlinux)
    m = re.search(r"^@@BEGIN\n(.*?)^@@END$", out, re.M | re.S)
    if not m:
        print(out)
    return fields(m.group(1)) if m else {}


for lab in ["null-deref", "bug-on", "bad-pointer", "sysrq-crash"]:
    rj, rundir = run_lab(lab)
    dump, vmlinux = rj["dump"]["path"], rj["vmlinux"]
    crash = crash_batch(vmlinux, dump, ["sys"])
    print(crash)
    c = fields(crash)
    ours = stub_sys(dump, vmlinux=vmlinux)
    print("\n".join(f"{k:>12}: {v}" for k, v in ours.items()))
    check(bool(c.get("PANIC")) and c["PANIC"] != '""', f"{lab}: crash found a panic message: {c.get('PANIC')}")
    for k in COMPARED:
        check(k in c and ours.get(k) == c[k], f"{lab}: {k}: stub {ours.get(k)!r} == crash {c.get(k)!r}")
    check(ours.get("DUMPFILE", "").startswith(dump), f"{lab}: DUMPFILE names the dump")
    check(ours.get("KERNEL", "").startswith(vmlinux), f"{lab}: KERNEL names vmlinux")

    if lab == "null-deref":
        with tempfile.TemporaryDirectory() as tmp:
            lone = os.path.join(tmp, "vmcore")
            try:
                os.link(dump, lone)
            except OSError:
                shutil.copyfile(dump, lone)
            bare = stub_sys(lone)
            print("\n".join(f"{k:>12}: {v}" for k, v in bare.items()))
            check(bare.get("KERNEL") == "(none)", f"{lab} without vmlinux: KERNEL (none)")
            for k in ["RELEASE", "VERSION", "NODENAME", "PANIC"]:
                check(bare.get(k) == c.get(k), f"{lab} without vmlinux: {k}: {bare.get(k)!r} == crash {c.get(k)!r}")
            check(bare.get("CPUS", "").split()[:1] == c.get("CPUS", "").split()[:1],
                  f"{lab} without vmlinux: CPUS {bare.get('CPUS')!r} counts as crash's {c.get('CPUS')!r}")
finish()
