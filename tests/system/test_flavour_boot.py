#!/usr/bin/python3
"""Outcome boot-failure: a kernel that panics before the lab's /init runs
(here `--append rdinit=/nonexistent`: with no /init in the initramfs the
kernel looks for a root filesystem, finds none and panics)
is not the workload's panic. The outcome is boot-failure, the title is
syzkaller's "kernel panic: MESSAGE", `--expect boot-failure` exits 0 and
`--expect panic` exits 3. On the kasan kernel, which the flavour tests
build anyway."""
import os
import subprocess
import sys

from oopslab_test import OOPSLAB, check, finish, run_lab, runs_dir

rj, rundir = run_lab("clean-exit", "--flavour", "kasan", "--append", "rdinit=/nonexistent", "--expect", "boot-failure")
print({k: rj.get(k) for k in ("outcome", "title", "type", "panic_line")})
check(rj["outcome"] == "boot-failure", f"outcome {rj['outcome']!r} is boot-failure")
message = (rj.get("panic_line") or "").split("Kernel panic - not syncing: ", 1)[-1]
check(bool(message) and rj.get("title") == f"kernel panic: {message}",
      f"a clear title, the panic's message: {rj.get('title')!r}")
with open(os.path.join(rundir, "report.json")) as f:
    check(rj.get("title") in f.read(), "report.json has the same title")

out = os.path.join(runs_dir(), "boot-failure-expect-panic")
subprocess.run(["rm", "-rf", out], check=True)
p = subprocess.run([OOPSLAB, "run", "--lab", "clean-exit", "--flavour", "kasan", "--append", "rdinit=/nonexistent",
                    "--expect", "panic", "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                   timeout=900)
sys.stdout.write(p.stderr[-400:])
check(p.returncode == 3 and "expected panic, got boot-failure" in p.stderr,
      f"--expect panic fails on a boot failure: {p.returncode}")
finish()
