#!/usr/bin/python3
"""`oopslab gdb` keeps gdb's index of vmlinux's DWARF (gdb 13's index cache,
by build-id, under XDG_CACHE_HOME/oopslab/gdb-index): gdb would otherwise
index the whole kernel at every start, most of `oopslab gdb --batch`'s time
(tests/bench/crash-to-line). A second session with the cache shows the same."""
import os
import re
import shutil
import subprocess

from oopslab_test import OOPSLAB, check, finish, run_lab, runs_dir

rj, run_dir = run_lab("null-deref")
notes = subprocess.run(["readelf", "-n", rj["vmlinux"]], stdout=subprocess.PIPE, text=True).stdout
m = re.search(r"Build ID: ([0-9a-f]+)", notes)
check(m is not None, "vmlinux has a build-id")
home = os.path.join(runs_dir(), "gdb-index-test")
shutil.rmtree(home, ignore_errors=True)
env = dict(os.environ, XDG_CACHE_HOME=home)
outs = []
for _ in range(2):
    p = subprocess.run([OOPSLAB, "gdb", "--batch", run_dir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=env, timeout=300)
    outs.append(p.stdout)
    check(p.returncode == 0 and "oopslab: crash here" in p.stdout, "oopslab gdb --batch shows the crashing line")
index = os.path.join(home, "oopslab", "gdb-index")
files = os.listdir(index) if os.path.isdir(index) else []
check(m is not None and any(f.startswith(m.group(1)) for f in files),
      f"gdb's index of vmlinux is kept by build-id: {files}")
lines = [[l for l in o.splitlines() if re.match(r"^\d+\t", l)] for o in outs]
check(lines[0] and lines[0] == lines[1], "the session with the cache lists the same lines")
shutil.rmtree(home, ignore_errors=True)
finish()
