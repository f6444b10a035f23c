#!/usr/bin/python3
"""A lab on a kernel flavour (kasan, kfence, ubsan, lockdep), end to end:
`oopslab run --lab LAB --flavour FLAVOUR` boots that flavour's kernel (its
.config holds every line of the flavour's fragment), the outcome is the
manifest's, and `oopslab report --json` gives the type, the syzkaller-style
title and the function the manifest expects for that flavour (KEY.FLAVOUR
overrides KEY), with the function's frame symbolized to the lab's marked
line. KASAN and KFENCE reports carry the object's allocation (and free)
stacks, symbolized to the lines marked alloc_marker= and free_marker=. For
a run that panicked, `oopslab gdb --batch` (gdb through the stub, on the
sanitizer kernel's dump) prints the marked line.

    test_flavour_report.py LAB FLAVOUR[,FLAVOUR...]
"""
import json
import os
import re
import subprocess
import sys

from oopslab_test import OOPSLAB, check, finish, labs, marker_line, run_lab

ORDER = ["kasan", "kfence", "ubsan", "lockdep"]  # harness/labs.c, guests/kernel/build-kernel


def canonical(*lists):
    names = {f for flv in lists if flv for f in flv.split(",") if f}
    return ",".join(f for f in ORDER if f in names)


def resolved(lab, flavour):
    """The manifest's keys as a run with these flavours sees them."""
    out = {}
    for key in lab:
        if "." in key:
            continue
        out[key] = lab[key]
        for f in flavour.split(","):
            if f"{key}.{f}" in lab:
                out[key] = lab[f"{key}.{f}"]
                break
    # keys that only exist as overrides
    for key in lab:
        base, _, f = key.partition(".")
        if f and base not in out and f in flavour.split(","):
            out[base] = lab[key]
    return out


def frame_hits(frame):
    """[(file, line)] where a frame's code is: its own line, then its inlined chain."""
    hits = [(frame.get("file"), frame.get("line"))]
    for c in frame.get("inlined") or []:
        where = c.rsplit(" at ", 1)[1]
        hits.append((where.rsplit(":", 1)[0], int(where.rsplit(":", 1)[1])))
    return hits


def marked(lab, key):
    """(basename, line) of the line holding lab[key] in the lab's source."""
    path, line = marker_line(dict(lab, marker=lab[key], marker_after=""))
    return os.path.basename(path), line


def stack_has_line(trace, where):
    base, line = where
    return any(f and f.endswith("/" + base) and l == line for fr in trace for f, l in frame_hits(fr))


name, flavour_arg = sys.argv[1], sys.argv[2]
raw = labs()[name]
flavour = canonical(flavour_arg, raw.get("flavours"))
lab = resolved(raw, flavour)
expect = lab.get("expect", "panic")

rj, rundir = run_lab(name, "--flavour", flavour_arg, check_rc=False)
check(rj.get("flavour") == flavour, f"run.json's flavour {rj.get('flavour')!r} is {flavour!r}")
check(rj["outcome"] == expect, f"{name} on {flavour}: outcome {rj['outcome']!r} is {expect!r}")

# The kernel booted is that flavour's build: its .config has every fragment line.
kdir = rj.get("kernel_dir") or ""
with open(os.path.join(kdir, ".config")) as f:
    config = set(f.read().splitlines())
with open(os.path.join(kdir, "flavour")) as f:
    check(f.read().strip() == flavour, f"{kdir} is the {flavour} build")
for flv in flavour.split(","):
    frag = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "guests", "kernel",
                        "flavours", flv + ".config")
    with open(frag) as f:
        wanted = [l.strip() for l in f if l.startswith("CONFIG_")]
    missing = [l for l in wanted if l not in config]
    check(not missing, f"the kernel's .config has all of {flv}.config {missing}")

with open(os.path.join(rundir, "console.log"), errors="replace") as f:
    console = f.read()
if lab.get("console"):
    check(lab["console"] in console, f"the console shows {lab['console']!r}")
if expect == "panic" and lab.get("panic"):
    check(lab["panic"] in (rj.get("panic_line") or ""), f"panic line {rj.get('panic_line')!r} has {lab['panic']!r}")

p = subprocess.run([OOPSLAB, "report", "--json", rundir], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True, timeout=120)
check(p.returncode == 0, f"oopslab report succeeds {p.stderr.strip()}")
rep = json.loads(p.stdout) if p.returncode == 0 else {}
print(json.dumps({k: rep.get(k) for k in ("title", "type", "function", "detector", "bug_type", "access",
                                          "location", "fatal")}, indent=1))
check(rep.get("type") == lab["type"], f"type {rep.get('type')!r} == manifest {lab['type']!r}")
check(rep.get("title") == lab.get("title"), f"title {rep.get('title')!r} == manifest {lab.get('title')!r}")
def base(fn):
    """A function's source name: gcc's clones add ".constprop.0", ".isra.0"..."""
    return (fn or "").split(".")[0]


check(base(rep.get("function")) == lab["function"], f"the report names {lab['function']}: {rep.get('function')}")
check(rep.get("fatal") == (expect == "panic"), f"fatal is {expect == 'panic'} for outcome {expect}")

where = marked(lab, "marker")
frames = ([rep["rip"]] if rep.get("rip") else []) + rep.get("trace", [])
frame = next((f for f in frames if base(f["function"]) == lab["function"]), None)
check(frame is not None, f"the report has a frame in {lab['function']}")
if frame:
    check(stack_has_line([frame], where),
          f"{lab['function']}+{frame['offset']:#x} symbolizes to {where[0]}:{where[1]}: {frame_hits(frame)}")
for key, trace in (("alloc_marker", "alloc_trace"), ("free_marker", "free_trace")):
    if lab.get(key):
        w = marked(lab, key)
        check(stack_has_line(rep.get(trace, []), w), f"the report's {trace} reaches {w[0]}:{w[1]}")

if expect == "panic":
    p = subprocess.run([OOPSLAB, "gdb", "--batch", rundir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    print(p.stdout[-1500:])
    check(p.returncode == 0, "oopslab gdb --batch succeeds on the flavour's dump")
    # gdb lists the innermost code: the marked line, or the inlined helper the marked line calls
    shown = where[1] if not (frame and frame.get("inlined")) else frame["line"]
    check(re.search(rf"^{shown}\t", p.stdout, re.M) is not None, f"and prints the crashing line {shown}")
    check(rep.get("title", "") in p.stdout, "and the report's title")
finish()
