#!/usr/bin/python3
"""Installed use: a copy of the source tree is configured with a temporary
--prefix, built and installed (`meson install`), then the copy and its build
directory are moved away, so the installed programs cannot fall back to the
source tree compiled into them. The installed `oopslab` then lists the labs
from <prefix>/share/oopslab, runs null-deref (outcome panic, the manifest's
title in run.json and in `oopslab report`), and `oopslab gdb --batch` finds the
installed oopslab-stub beside it (the prefix is not on PATH) and prints the
marked line. The man pages
are installed, render without warnings under `man -l`, and name every
option that the programs' --help lists.

Needs the lab kernel cached (guests/build-guest); the installed
guests/build-guest finds it, since the cache is keyed by content, not path.
The temporary tree lives under the build directory and is removed at the end
(kept on failure, for a look)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import oopslab_test
from oopslab_test import BUILD, SOURCE, check, finish, labs, marker_line

LAB = "null-deref"


def sh(*cmd, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    kw.setdefault("text", True)
    return subprocess.run(cmd, **kw)


def source_files():
    """The tree's files as git sees them (tracked and untracked, not ignored),
    so build directories and runs are not copied; every file without git."""
    p = sh("git", "-C", SOURCE, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
           stderr=subprocess.DEVNULL)
    if p.returncode == 0:
        return [f for f in p.stdout.split("\0") if f and os.path.isfile(os.path.join(SOURCE, f))]
    out = []
    for root, dirs, files in os.walk(SOURCE):
        dirs[:] = [d for d in dirs if not (d.startswith("build") or d in (".git", "runs", "__pycache__"))]
        out += [os.path.relpath(os.path.join(root, f), SOURCE) for f in files]
    return out


def copy_tree(dst):
    for rel in source_files():
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(SOURCE, rel), os.path.join(dst, rel))


def help_options(text):
    """The long options a --help text lists."""
    return sorted(set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", text, re.M)) - {"--help"})


tmp = tempfile.mkdtemp(prefix="test-install-", dir=os.path.abspath(BUILD))
src, build, prefix = (os.path.join(tmp, d) for d in ("src", "build", "prefix"))
copy_tree(src)
p = sh("meson", "setup", build, src, "--prefix", prefix, "--buildtype", "debug")
check(p.returncode == 0, "meson setup --prefix TMP of a copy of the tree") or print(p.stdout[-3000:])
p = sh("meson", "install", "-C", build, "--quiet")
check(p.returncode == 0, "meson install builds and installs into the prefix") or print(p.stdout[-3000:])
if p.returncode != 0:
    finish()

# Out of the way: the programs must work from the prefix alone.
shutil.move(src, src + "-moved")
shutil.move(build, build + "-moved")
bindir = os.path.join(prefix, "bin")
oopslab = os.path.join(bindir, "oopslab")
stub = os.path.join(bindir, "oopslab-stub")
with open(oopslab, "rb") as f:
    check(src.encode() in f.read(), "the installed oopslab has the source path compiled in (so the move matters)")
check(not os.path.exists(src), f"the source tree {src} is gone")
env = {k: v for k, v in os.environ.items() if not k.startswith("OOPSLAB_")}
# Not on PATH: `oopslab gdb` must find the installed oopslab-stub beside itself.
check(shutil.which("oopslab-stub", path=env.get("PATH", "")) is None, "no other oopslab-stub on PATH")
data = os.path.join(prefix, "share", "oopslab")
for rel in ("guests/build-guest", "guests/labs/labs.conf", "guests/kernel/build-kernel", "scripts/setup",
            "scripts/gdb/oopslab-lx.py"):
    check(os.path.exists(os.path.join(data, rel)), f"installed: share/oopslab/{rel}")

for prog, cmd in ((oopslab, "version"), (stub, "--version")):
    p = sh(prog, cmd, env=env, cwd=tmp)
    check(p.returncode == 0 and p.stdout.startswith(os.path.basename(prog) + " "),
          f"installed {os.path.basename(prog)} {cmd}: {p.stdout.strip()}")
p = sh(oopslab, "labs", env=env, cwd=tmp)
check(p.returncode == 0 and re.search(rf"^{LAB}\s", p.stdout, re.M), f"installed `oopslab labs` lists {LAB}")

lab = labs()[LAB]
out = os.path.join(tmp, "run")
p = sh(oopslab, "run", "--lab", LAB, "--out", out, "--expect", "panic", env=env, cwd=tmp,
       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=540)
sys.stdout.write(p.stderr[-3000:])
check(p.returncode == 0, f"installed `oopslab run --lab {LAB} --expect panic` exits 0 (got {p.returncode})")
lines = p.stdout.strip().splitlines()
check(lines and lines[-1] == out, "the run directory is the last line printed")
rj = {}
if os.path.exists(os.path.join(out, "run.json")):
    with open(os.path.join(out, "run.json")) as f:
        rj = json.load(f)
check(rj.get("outcome") == "panic", f"outcome {rj.get('outcome')!r} is panic")
check(rj.get("title") == lab["title"], f"run.json title {rj.get('title')!r} == manifest {lab['title']!r}")
for key in ("kernel", "initrd", "vmlinux", "module"):
    check(rj.get(key) and not rj[key].startswith(tmp), f"run.json {key} comes from the cache: {rj.get(key)}")

p = sh(oopslab, "report", out, env=env, cwd=tmp, timeout=120)
check(p.returncode == 0 and lab["title"] in p.stdout, "installed `oopslab report` prints the title")

p = sh(oopslab, "gdb", "--batch", out, env=env, cwd=tmp, timeout=300)
print(p.stdout[-1200:])
if rj.get("kernel_dir"):
    _, line = marker_line(lab, rj["kernel_dir"])
    check(p.returncode == 0 and re.search(rf"^{line}\t", p.stdout, re.M) and lab["marker"] in p.stdout,
          f"installed `oopslab gdb --batch` (through the installed stub) prints the marked line {line}")

for doc in sorted(f for f in os.listdir(os.path.join(SOURCE, "docs")) if f.endswith(".md")):
    check(os.path.exists(os.path.join(prefix, "share", "doc", "oopslab", doc)), f"installed: share/doc/oopslab/{doc}")

# Man pages: installed, clean under man -l, and naming every --help option.
mandir = os.path.join(prefix, "share", "man", "man1")
helps = {"oopslab-stub": sh(stub, "--help", env=env).stdout}
helps["oopslab"] = "\n".join(sh(oopslab, c, "--help", env=env).stdout
                             for c in ("run", "report", "gdb", "batch", "convert"))
for page, prog in (("oopslab.1", "oopslab"), ("oopslab-stub.1", "oopslab-stub")):
    path = os.path.join(mandir, page)
    check(os.path.exists(path), f"installed: share/man/man1/{page}")
    if not os.path.exists(path):
        continue
    p = sh("man", "--warnings", "-l", path, env=dict(env, MANWIDTH="80", MAN_KEEP_FORMATTING="0"),
           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = re.sub(r".\x08", "", p.stdout)
    check(p.returncode == 0 and not p.stderr.strip(), f"man -l {page} renders without warnings {p.stderr.strip()}")
    check(re.search(r"^NAME\n\s+" + re.escape(prog) + r"\s+[-\u2212\u2010]\s", text, re.M) is not None,
          f"{page} has a NAME section for {prog}")
    missing = [o for o in help_options(helps[prog]) if o not in text]
    check(not missing, f"{page} names every option of {prog}'s --help (missing: {missing})")

if oopslab_test._failures == 0:
    shutil.rmtree(tmp, ignore_errors=True)
else:
    if os.path.exists(os.path.join(out, "vmcore")):
        os.unlink(os.path.join(out, "vmcore"))  # half a GiB; the rest stays for a look
    print(f"kept for a look: {tmp}")
finish()
