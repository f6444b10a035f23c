#!/usr/bin/python3
"""The README's first command (scripts/demo) ends with a null-deref run
directory whose outcome is "panic", and shows the marked source line in gdb."""
import glob
import json
import os
import subprocess

from oopslab_test import BUILD, SOURCE, check, finish, labs, marker_line, runs_dir

cwd = os.path.join(runs_dir(), "demo")
subprocess.run(["rm", "-rf", cwd])
os.makedirs(cwd)
env = dict(os.environ, OOPSLAB_BUILD_DIR=BUILD)
p = subprocess.run([os.path.join(SOURCE, "scripts", "demo")], cwd=cwd, env=env, stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True, timeout=900)
print(p.stdout)
check(p.returncode == 0, "scripts/demo succeeds")
runs = glob.glob(os.path.join(cwd, "runs", "null-deref-*"))
check(len(runs) == 1, "one null-deref run directory under ./runs")
if runs:
    rj = json.load(open(os.path.join(runs[0], "run.json")))
    check(rj["outcome"] == "panic", "its outcome is panic")
    check(os.path.getsize(os.path.join(runs[0], "vmcore")) > 0, "it holds the dump")
_, line = marker_line(labs()["null-deref"])
check(f"\n{line}\t" in p.stdout and "oopslab: crash here" in p.stdout,
      f"gdb showed the marked line {line}")
finish()
