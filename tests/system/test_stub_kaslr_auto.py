#!/usr/bin/python3
"""KASLR with no command: gdb started with no file gets vmlinux from the stub,
relocated to the dump's offset with .data..percpu kept at 0, and the stub
finds vmlinux by itself (here: a bare copy of the dump, vmlinux only in a
debuginfod cache). gdb started with vmlinux at its link address while the
kernel moved is told, in one line, what to type. Oracles: the console's
"Kernel Offset", nm's link-time values, the lab's marked line."""
import os
import re
import shutil
import subprocess
import tempfile

from oopslab_test import STUB, backtrace, check, finish, gdb_batch, gdb_stub, labs, marker_line, parse_sym, run_lab, runs_dir


def console_offset(rundir):
    with open(os.path.join(rundir, "console.log"), errors="replace") as f:
        m = re.search(r"Kernel Offset: (0x[0-9a-f]+) from", f.read())
    return int(m.group(1), 16) if m else None


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE, text=True).stdout
    return re.search(r"Build ID: ([0-9a-f]+)", out).group(1)


def nm(path, sym):
    out = subprocess.run(["nm", path], stdout=subprocess.PIPE, text=True).stdout
    return int(re.search(rf"^([0-9a-f]+) \w {re.escape(sym)}$", out, re.M).group(1), 16)


for attempt in range(4):
    rj, rundir = run_lab("null-deref", "--kaslr", reuse=attempt == 0)
    if console_offset(rundir):
        break
offset = console_offset(rundir)
check(bool(offset), f"the kernel moved: Kernel Offset {offset}")
vmlinux = rj["vmlinux"]
fct, off, _ = parse_sym(rj["rip"])
_, line = marker_line(labs()["null-deref"])

with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="kaslr-auto-") as tmp:
    # the dump alone, and vmlinux only where debuginfod would have put it
    bare = os.path.join(tmp, "crash", "vmcore")
    os.makedirs(os.path.dirname(bare))
    shutil.copy(rj["dump"]["path"], bare)
    cache = os.path.join(tmp, "debuginfod")
    os.makedirs(os.path.join(cache, build_id(vmlinux)))
    os.symlink(vmlinux, os.path.join(cache, build_id(vmlinux), "debuginfo"))
    os.environ["DEBUGINFOD_CACHE_PATH"] = cache

    # (the lab module is no system's: its directory is named)
    out = gdb_stub(bare, "bt", f"list *({fct}+{off:#x})", "x/s linux_banner", "p &runqueues", "info sharedlibrary",
                   stub_args=("--modules", os.path.dirname(rj["module"])), timeout=600)
    print(out)
    names = [f[1] for f in backtrace(out)]
    check("panic" in names and fct in names, f"no file, no command: bt shows panic() and {fct}")
    check(re.search(rf"is in {fct} \(.*:{line}\)\.", out) is not None, f"list *({fct}+{off:#x}) is line {line}")
    check('<linux_banner>:\t"Linux version 6.1.' in out, "x/s linux_banner")
    m = re.search(r"\(struct rq \*\) (0x[0-9a-f]+) <runqueues>", out)
    check(m is not None and int(m.group(1), 16) == nm(vmlinux, "runqueues"),
          "&runqueues is its link-time per-CPU offset: .data..percpu stayed at 0")
    check(re.search(rf"{re.escape(os.path.join(cache, build_id(vmlinux), 'debuginfo'))}$", out, re.M) is not None,
          "vmlinux was found in the debuginfod cache")

    # gdb with vmlinux at its link address: one line saying what to type
    out = gdb_batch(f"target remote | {STUB} --stdio {bare}", "bt 1", vmlinux=vmlinux)
    print(out)
    notes = [l for l in out.splitlines() if l.startswith("oopslab-stub:") and "KASLR" in l]
    check(len(notes) == 1 and "monitor kaslr" in notes[0] and f"{offset:#x}" in notes[0],
          f"gdb vmlinux: the stub says what to type, in one line: {notes}")

# nokaslr: gdb vmlinux needs nothing, and nothing is said
rj0, _ = run_lab("null-deref")
out = gdb_stub(rj0["dump"]["path"], "bt 3", vmlinux=rj0["vmlinux"])
check("KASLR" not in out and "pvpanic" in out, "nokaslr: no note, symbols as they are")
finish()
