#!/usr/bin/python3
"""When the console was cut before the crash report, `oopslab report` finds
the report in the kernel log read from the dump, with the same title."""
import json
import os
import shutil
import subprocess

from oopslab_test import OOPSLAB, check, finish, run_lab, runs_dir

rj, rundir = run_lab("null-deref")
cut = os.path.join(runs_dir(), "console-cut")
shutil.rmtree(cut, ignore_errors=True)
os.makedirs(cut)
os.symlink(rj["dump"]["path"], os.path.join(cut, "vmcore"))
run = dict(rj, dump=dict(rj["dump"], path=os.path.join(cut, "vmcore")))
with open(os.path.join(cut, "run.json"), "w") as f:
    json.dump(run, f)
with open(os.path.join(rundir, "console.log"), errors="replace") as src, \
        open(os.path.join(cut, "console.log"), "w") as dst:
    for line in src:
        if "oopslab: stage=trigger" in line:
            break
        dst.write(line)
p = subprocess.run([OOPSLAB, "report", "--json", cut], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                   timeout=120)
print(p.stdout[:600], p.stderr)
rep = json.loads(p.stdout) if p.returncode == 0 else {}
check(rep.get("source") == "dump dmesg", f"the report comes from the dump's log: {rep.get('source')}")
check(rep.get("title") == rj["title"], f"with the console's title: {rep.get('title')!r}")
check((rep.get("rip") or {}).get("line") is not None, "and its RIP symbolized")
finish()
