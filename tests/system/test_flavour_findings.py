#!/usr/bin/python3
"""Findings: a report that did not panic is still a finding. The warn lab
with panic_on_warn=0 (on the kasan kernel, the CI case) prints its WARNING
and powers off: the outcome is no-panic, run.json's findings list the
WARNING as not fatal, report.json says "fatal": false, and
`--expect no-panic --fail-on-findings` exits 3 naming it, where
`--expect no-panic` alone exits 0. A KASAN report that panicked is one
finding, fatal (its own panic is not a second one)."""
import json
import os
import subprocess
import sys

from oopslab_test import OOPSLAB, check, finish, run_lab, runs_dir

ARGS = ["--flavour", "kasan", "--append", "panic_on_warn=0", "--expect", "no-panic"]

rj, rundir = run_lab("warn", *ARGS)
check(rj["outcome"] == "no-panic", f"the WARNING did not panic: outcome {rj['outcome']!r}")
findings = rj.get("findings") or []
print(json.dumps(findings, indent=1))
check(len(findings) == 1, f"one finding: {findings}")
if findings:
    check(findings[0]["title"] == "WARNING in lab_object_put" and findings[0]["fatal"] is False,
          "the WARNING, not fatal")
with open(os.path.join(rundir, "report.json")) as f:
    rep = json.load(f)
check(rep.get("title") == "WARNING in lab_object_put" and rep.get("fatal") is False,
      f"report.json has the WARNING, fatal false: {rep.get('title')!r} {rep.get('fatal')!r}")

out = os.path.join(runs_dir(), "warn-fail-on-findings")
subprocess.run(["rm", "-rf", out], check=True)
p = subprocess.run([OOPSLAB, "run", "--lab", "warn", *ARGS, "--fail-on-findings", "--out", out],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
sys.stdout.write(p.stderr[-600:])
check(p.returncode == 3, f"--fail-on-findings exits 3 on a finding: {p.returncode}")
check("--fail-on-findings" in p.stderr and "WARNING in lab_object_put (not fatal)" in p.stderr,
      "and names it")

rj2, _ = run_lab("slab-out-of-bounds")
f2 = rj2.get("findings") or []
check(len(f2) == 1 and f2[0]["fatal"] is True and f2[0]["title"] == rj2.get("title"),
      f"a KASAN report that panicked is one fatal finding: {f2}")
finish()
