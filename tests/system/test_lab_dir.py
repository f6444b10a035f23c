#!/usr/bin/python3
"""A lab directory outside the tree: `oopslab lab init` writes a skeleton,
the test edits it (another crash, another function, another title), `oopslab
labs --dir` lists it, and `oopslab run --lab PATH` runs it: its report
matches its lab.conf, at its marked line."""
import configparser
import os
import re
import subprocess

from oopslab_test import OOPSLAB, check, finish, runs_dir
from workload_util import marked_line, run, tmpdir, tree_listing

parent = tmpdir("labdir")
lab = os.path.join(parent, "my-bug")
p = subprocess.run([OOPSLAB, "lab", "init", lab], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
check(p.returncode == 0 and sorted(os.listdir(lab)) == ["Kbuild", "README.md", "lab.conf", "my_bug.c"],
      f"lab init wrote the skeleton: {sorted(os.listdir(lab)) if os.path.isdir(lab) else p.stderr}")
p = subprocess.run([OOPSLAB, "lab", "init", lab], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
check(p.returncode == 1 and "exists" in p.stderr, "lab init refuses an existing directory")

# The teacher's edit: a BUG_ON in a function of another name.
c = os.path.join(lab, "my_bug.c")
with open(c) as f:
    text = f.read()
text = text.replace("my_bug_crash", "check_invariant")
text = text.replace("\trec->value = 0x0bad; /* oopslab: crash here */",
                    "\tBUG_ON(!rec); /* oopslab: crash here */\n\trec->value = 0x0bad;")
with open(c, "w") as f:
    f.write(text)
conf = os.path.join(lab, "lab.conf")
with open(conf) as f:
    text = f.read()
text = (text.replace("my_bug_crash", "check_invariant").replace("type=null-pointer-dereference", "type=bug")
        .replace("title=BUG: kernel NULL pointer dereference in check_invariant", "title=kernel BUG in check_invariant"))
with open(conf, "w") as f:
    f.write(text)
cp = configparser.RawConfigParser(interpolation=None)
cp.read(conf)
want = dict(cp["my-bug"])
check(want["title"] == "kernel BUG in check_invariant" and want["type"] == "bug", f"lab.conf edited: {want}")

p = subprocess.run([OOPSLAB, "labs", "--dir", parent], stdout=subprocess.PIPE, text=True)
print(p.stdout)
check(p.returncode == 0 and re.search(rf"^{re.escape(lab)}\s+-\s+bug\s", p.stdout, re.M), "labs --dir lists it (no flavour)")

before = tree_listing(lab)
rc, err, rj, out = run("lab-dir", "--lab", lab)
check(rc == 0 and rj and rj["outcome"] == "panic", f"run --lab PATH: outcome panic (rc {rc})")
check(tree_listing(lab) == before, "the lab directory is untouched (built in the cache)")
check(rj["lab"] == "my-bug" and rj["lab_dir"] == os.path.realpath(lab) and rj["lab_type"] == "bug",
      f"run.json names the lab: {rj['lab']} {rj['lab_dir']} {rj['lab_type']}")
check(rj["title"] == want["title"], f"report title matches lab.conf: {rj['title']}")
check(rj["type"] == want["type"], f"report type matches lab.conf: {rj['type']}")
check(rj["crash_function"] == want["function"], f"crash function matches lab.conf: {rj['crash_function']}")
line = marked_line(os.path.join(lab, want["source"]), want["marker"])
report = subprocess.run([OOPSLAB, "report", out], stdout=subprocess.PIPE, text=True).stdout
print(report)
rip = [l for l in report.splitlines() if "check_invariant+" in l][:1]
check(rip and rip[0].rstrip().endswith(f"{os.path.realpath(lab)}/my_bug.c:{line}"),
      f"the RIP is at the marked line {line}: {rip}")

# batch takes lab directories too.
bdir = os.path.join(runs_dir(), "lab-dir-batch")
subprocess.run(["rm", "-rf", bdir])
p = subprocess.run([OOPSLAB, "batch", "--out", bdir, "--lab", lab], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True, timeout=900)
print(p.stdout, p.stderr)
check(p.returncode == 0 and os.listdir(bdir) == ["lab-my-bug"], f"batch --lab PATH: one run as its lab.conf expects "
      f"(rc {p.returncode})")
check(want["title"] in p.stdout, "batch's summary has the lab's title")
finish()
