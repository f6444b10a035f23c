#!/usr/bin/python3
"""CI mode: --expect gives exit status 0 when the outcome is the expected one
and 3 when it is not, for both outcomes; `oopslab batch` over every lab with
-j 2 finishes, groups the results by title, and writes JUnit XML that a JUnit
parser (junitparser) accepts."""
import json
import os
import re
import subprocess

from junitparser import JUnitXml

from oopslab_test import OOPSLAB, check, finish, labs, runs_dir

base = runs_dir()


def run(lab, expect):
    out = os.path.join(base, f"ci-{lab}-{expect}")
    subprocess.run(["rm", "-rf", out])
    p = subprocess.run([OOPSLAB, "run", "--lab", lab, "--expect", expect, "--json", "--out", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    rj = json.loads(p.stdout) if p.stdout.strip() else {}
    subprocess.run(["rm", "-f", os.path.join(out, "vmcore")])
    return p.returncode, rj


rc, rj = run("null-deref", "panic")
check(rc == 0 and rj.get("outcome") == "panic", f"--expect panic on a panic: exit {rc}")
rc, rj = run("null-deref", "no-panic")
check(rc == 3 and rj.get("outcome") == "panic", f"--expect no-panic on a panic: exit {rc}")
rc, rj = run("clean-exit", "no-panic")
check(rc == 0 and rj.get("outcome") == "no-panic", f"--expect no-panic on a clean exit: exit {rc}")
rc, rj = run("clean-exit", "panic")
check(rc == 3 and rj.get("outcome") == "no-panic", f"--expect panic on a clean exit: exit {rc}")

out = os.path.join(base, "batch")
junit = os.path.join(base, "batch.xml")
subprocess.run(["rm", "-rf", out, junit])
# The labs of the plain lab kernel (flavour labs have their own tests and kernels).
manifest = {n: l for n, l in labs().items() if not l.get("flavours")}
p = subprocess.run([OOPSLAB, "batch", "-j", "2", "--no-dumps", "--out", out, "--junit", junit]
                   + [a for n in manifest for a in ("--lab", n)],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=3600)
print(p.stdout)
print(p.stderr[-3000:])
check(p.returncode == 0, f"batch over all {len(manifest)} labs with -j 2: every outcome as expected (exit {p.returncode})")
m = re.search(r"^(\d+) runs, (\d+) distinct results, (\d+) as expected:", p.stdout, re.M)
check(m and int(m.group(1)) == len(manifest), "the summary counts every run")
groups = re.findall(r"^  (\d+)x (.+)$", p.stdout, re.M)
check(m and len(groups) == int(m.group(2)) and sum(int(g[0]) for g in groups) == len(manifest),
      f"results grouped by title, duplicates once: {len(groups)} groups")
xml = JUnitXml.fromfile(junit)
cases = [c for suite in xml for c in suite]
check(len(cases) == len(manifest), f"JUnit XML parses with {len(cases)} test cases")
check({c.name for c in cases} == set(manifest), "one test case per lab")
check(all(c.is_passed for c in cases) == (p.returncode == 0), "JUnit results agree with the exit status")
finish()
