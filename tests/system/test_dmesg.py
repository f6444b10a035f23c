#!/usr/bin/python3
"""`monitor dmesg` through gdb equals crash's `log`, line for line, on the
null-deref dump, a KASLR boot of it and the sysrq-crash dump (and with
crash's -m and -t options on the first); and the stub prints the same log
with no vmlinux anywhere (the printk ring is described by VMCOREINFO
alone)."""
import os
import re
import shutil
import tempfile

from oopslab_test import check, crash_batch, finish, gdb_stub, run_lab


def crash_log(vmlinux, dump, tmp, opts=""):
    """crash's `log`, and nothing else: crash prints its own warnings before
    any command's output (on the lab dumps "WARNING: active task ... not
    found in PID hash" and a blank line), so the log is redirected to a file
    with crash's `>`, which carries exactly the command's output."""
    path = os.path.join(tmp, "crash-log.txt")
    out = crash_batch(vmlinux, dump, [f"log {opts} > {path}"])
    if not os.path.exists(path):
        print(out)
        return None
    with open(path, errors="surrogateescape") as f:
        return f.read()


def stub_dmesg(dump, vmlinux=None, opts=""):
    """`monitor dmesg`'s text: what gdb prints between two echo markers."""
    out = gdb_stub(dump, "echo @@BEGIN\\n", f"monitor dmesg {opts}", "echo @@END\\n", "monitor info",
                   vmlinux=vmlinux)
    m = re.search(r"^@@BEGIN\n(.*?)^@@END$", out, re.M | re.S)
    return (m.group(1) if m else None), out


def compare(what, ours, crash):
    if not check(ours is not None and crash is not None, f"{what}: both logs read"):
        return
    a, b = ours.splitlines(), crash.splitlines()
    diff = next((i for i in range(max(len(a), len(b))) if i >= len(a) or i >= len(b) or a[i] != b[i]), None)
    if diff is not None:
        print(f"first difference at line {diff + 1}:\n  stub:  {a[diff] if diff < len(a) else '(end)'!r}\n"
              f"  crash: {b[diff] if diff < len(b) else '(end)'!r}")
    check(diff is None and len(a) > 100, f"{what}: monitor dmesg == crash log ({len(a)} vs {len(b)} lines)")
    check(ours == crash, f"{what}: byte for byte, newlines included")


def kernel_offset(rundir):
    with open(os.path.join(rundir, "console.log"), errors="replace") as f:
        m = re.search(r"Kernel Offset: (0x[0-9a-f]+) from", f.read())
    return int(m.group(1), 16) if m else 0


with tempfile.TemporaryDirectory() as tmp:
    runs = [("null-deref",) + run_lab("null-deref")]
    # KASLR may leave the kernel where it was: boot again until it moved.
    for attempt in range(4):
        rj, rundir = run_lab("null-deref", "--kaslr", reuse=attempt == 0)
        if kernel_offset(rundir):
            break
    check(kernel_offset(rundir) != 0, f"the KASLR boot moved the kernel ({kernel_offset(rundir):#x})")
    runs.append(("null-deref --kaslr", rj, rundir))
    runs.append(("sysrq-crash",) + run_lab("sysrq-crash"))

    for name, rj, rundir in runs:
        dump, vmlinux = rj["dump"]["path"], rj["vmlinux"]
        ours, out = stub_dmesg(dump, vmlinux=vmlinux)
        if ours is None:
            print(out)
        crash = crash_log(vmlinux, dump, tmp)
        compare(name, ours, crash)
        if name == "null-deref":
            check(ours is not None and "Kernel panic - not syncing: Fatal exception" in ours,
                  "the log ends in the panic")
            for opts in ["-m", "-t", "-t -m"]:
                ours, out = stub_dmesg(dump, vmlinux=vmlinux, opts=opts)
                compare(f"{name}, log {opts}", ours, crash_log(vmlinux, dump, tmp, opts))

    # No vmlinux reachable: the dump alone in a directory without run.json
    # (a hard link: the same 537 MB file, not a copy, when /tmp allows it).
    name, rj, rundir = runs[0]
    lone = os.path.join(tmp, "lone")
    os.mkdir(lone)
    dump = os.path.join(lone, "vmcore")
    try:
        os.link(rj["dump"]["path"], dump)
    except OSError:
        shutil.copyfile(rj["dump"]["path"], dump)
    ours, out = stub_dmesg(dump)
    print(out[-2000:])
    check(re.search(r"^vmlinux: \(none\)$", out, re.M) is not None, "the stub has no vmlinux")
    compare("null-deref without vmlinux", ours, crash_log(rj["vmlinux"], rj["dump"]["path"], tmp))
finish()
