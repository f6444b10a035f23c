#!/usr/bin/python3
"""--repeat N: the same workload booted N times, each title's rate.
A lab that always crashes gives 3/3. A workload that crashes on some boots
(here on the boots whose command line says oopslab.boot=2 or 4, which
--repeat puts there, so the schedule is fixed and the test cannot flake)
gives 2/4, strictly between 0 and 1, and `--expect panic` exits 3 because
two boots did not panic. --until-crash stops at the first crash.
`batch --repeat 2` gives each lab its rate, in the summary and as a JUnit
property. On the kasan kernel, which the flavour tests build anyway."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from oopslab_test import OOPSLAB, check, finish, runs_dir

SOMETIMES = ('case " $(cat /proc/cmdline) " in *" oopslab.boot=2 "*|*" oopslab.boot=4 "*) '
             'echo c > /proc/sysrq-trigger;; esac')


def repeat(name, *args):
    out = os.path.join(runs_dir(), name)
    subprocess.run(["rm", "-rf", out], check=True)
    p = subprocess.run([OOPSLAB, "run", *args, "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=3600)
    sys.stdout.write(p.stderr[-800:])
    summary = {}
    if os.path.exists(os.path.join(out, "repeat.json")):
        with open(os.path.join(out, "repeat.json")) as f:
            summary = json.load(f)
    lines = p.stdout.strip().splitlines()
    check(lines and lines[-1] == out, f"{name}: the repeat directory is the last line printed")
    return p.returncode, summary


def rate(summary, prefix):
    return next(((t["count"], t["rate"]) for t in summary.get("titles", []) if t["title"].startswith(prefix)), (0, 0))


rc, s = repeat("repeat-always", "--lab", "slab-out-of-bounds", "--repeat", "3")
print(json.dumps(s.get("titles"), indent=1))
check(rc == 0 and s.get("boots") == 3, f"3 boots, exit 0: {rc} {s.get('boots')}")
check(rate(s, "KASAN: slab-out-of-bounds Write in lab_label_dup") == (3, 1.0), "the KASAN title 3/3, rate 1")
check(all(os.path.exists(os.path.join(r["dir"], "run.json")) for r in s.get("runs", [])), "each boot has its run")

rc, s = repeat("repeat-sometimes", "--flavour", "kasan", "--exec", SOMETIMES, "--repeat", "4", "--expect", "panic")
print(json.dumps(s.get("titles"), indent=1))
count, r = rate(s, "sysrq triggered crash")
check(count == 2 and 0 < r < 1, f"the crash 2/4 boots, a rate strictly between 0 and 1: {count} {r}")
check(rate(s, "(no-panic)")[0] == 2, "the other two boots did not panic")
check([b["outcome"] for b in s.get("runs", [])] == ["no-panic", "panic", "no-panic", "panic"],
      "boots 2 and 4 crashed")
check(rc == 3, f"--expect panic failed on some boots: exit 3, got {rc}")

rc, s = repeat("repeat-until-crash", "--flavour", "kasan", "--exec", SOMETIMES, "--repeat", "4", "--until-crash")
check(s.get("boots") == 2 and s["runs"][-1]["outcome"] == "panic", f"--until-crash stops at boot 2: {s.get('boots')}")
out = os.path.join(runs_dir(), "repeat-batch")
junit = os.path.join(runs_dir(), "repeat-batch.xml")
subprocess.run(["rm", "-rf", out, junit], check=True)
p = subprocess.run([OOPSLAB, "batch", "--flavour", "kasan", "--lab", "slab-out-of-bounds", "--repeat", "2", "--out", out,
                    "--junit", junit, "--no-dumps"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                   timeout=3600)
sys.stdout.write(p.stderr[-600:])
check(p.returncode == 0 and "2/2 boots: KASAN: slab-out-of-bounds Write in lab_label_dup" in p.stderr,
      f"batch --repeat 2: the lab's rate 2/2 ({p.returncode})")
props = {}
if os.path.exists(junit):
    case = ET.parse(junit).getroot().find(".//testcase")
    props = {e.get("name"): e.get("value") for e in case.iter("property")} if case is not None else {}
check(props.get("rate") == "2/2" and props.get("title") == "KASAN: slab-out-of-bounds Write in lab_label_dup",
      f"the JUnit XML carries the rate: {props}")
finish()
