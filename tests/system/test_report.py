#!/usr/bin/python3
"""A lab's crash report: `oopslab report --json` names the lab's panic type
(and title, when the manifest gives one), its RIP (or, for a plain panic, the
lab's frame in the call trace) symbolizes to the lab's marked line, and
`oopslab gdb --batch` prints that line."""
import json
import os
import re
import subprocess
import sys

from oopslab_test import OOPSLAB, check, finish, labs, marker_line, run_lab

name = sys.argv[1]
lab = labs()[name]
rj, rundir = run_lab(name)
check(rj["outcome"] == "panic", f"{name} panicked")
p = subprocess.run([OOPSLAB, "report", "--json", rundir], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True, timeout=120)
check(p.returncode == 0, f"oopslab report succeeds {p.stderr.strip()}")
rep = json.loads(p.stdout) if p.returncode == 0 else {}
print(json.dumps({k: rep.get(k) for k in ("title", "type", "function", "panic_message")}, indent=1))
check(rep.get("type") == lab["type"], f"type {rep.get('type')!r} == manifest {lab['type']!r}")
# KEY_kvm replaces KEY for a KVM run (the real NMI watchdog fires there)
title = lab.get("title_kvm") if rj["accel"] == "kvm" and lab.get("title_kvm") else lab.get("title")
if title:
    check(rep.get("title") == title, f"title {rep.get('title')!r} == manifest {title!r}")
check(rep.get("function") == lab["function"], f"the report names {lab['function']}: {rep.get('title')!r}")
check(rj.get("title") == rep.get("title"), "run.json has the same title")
check(os.path.exists(os.path.join(rundir, "report.txt")), "the run wrote report.txt")
# From the dump itself (the stub's kernel model): the panic message as crash's
# sys finds it, and the task on the panicking CPU.
check(bool(rj.get("panic_message")), f"run.json has the dump's panic message: {rj.get('panic_message')!r}")
task = rj.get("panic_task") or {}
if rep.get("cpu") is not None and rep.get("pid") not in (None, 0):
    check(task.get("cpu") == rep["cpu"] and task.get("pid") == rep["pid"] and task.get("comm") == rep["comm"],
          f"run.json's panic task {task} is the report's CPU {rep['cpu']} PID {rep['pid']} {rep['comm']}")

path, line = marker_line(lab, rj["kernel_dir"])
frame = rep.get("rip") if rep.get("rip") and rep["rip"]["function"] == lab["function"] else next(
    (f for f in rep.get("trace", []) if f["function"] == lab["function"]), None)
check(frame is not None, "the report has the lab function's frame")
if frame:
    where = [frame["file"], frame["line"]]
    # the marked line may be where the faulting code was inlined into the function
    chain = frame.get("inlined") or []
    hits = [where] + [[c.rsplit(" at ", 1)[1].rsplit(":", 1)[0], int(c.rsplit(":", 1)[1])] for c in chain]
    check(any(f and f.endswith(os.path.basename(path)) and l == line for f, l in hits),
          f"{lab['function']}+{frame['offset']:#x} symbolizes to {os.path.basename(path)}:{line}: {hits}")

p = subprocess.run([OOPSLAB, "gdb", "--batch", rundir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   text=True, timeout=300)
print(p.stdout[-1500:])
check(p.returncode == 0, "oopslab gdb --batch succeeds")
check(re.search(rf"^{line}\t", p.stdout, re.M) is not None and lab["marker"] in p.stdout,
      f"oopslab gdb --batch prints the marked line {line}")
check(rep.get("title", "") in p.stdout, "and the report's title")
finish()
