#!/usr/bin/python3
"""A module's debug file found by its build-id in the debug tree, as
Debian's -dbg packages lay it out (/usr/lib/debug/.build-id/xx/yyyy.debug, a
link to lib/modules/REL/...ko), under $OOPSLAB_DEBUG_ROOT: the lab module's
.ko, copied under a name the name search cannot match, with --modules an
empty directory. The build-id is the .ko's own note as readelf prints it,
and where gdb then puts the module's function is where crash's `sym` puts
it. A .ko of another build under the same id is refused."""
import glob
import os
import re
import shutil
import subprocess
import tempfile

from oopslab_test import STUB, check, crash_batch, finish, run_lab

rj, rundir = run_lab("null-deref")
dump, vmlinux, ko = rj["dump"]["path"], rj["vmlinux"], rj["module"]
note = subprocess.run(["readelf", "-n", ko], stdout=subprocess.PIPE, text=True, check=True).stdout
bid = re.search(r"Build ID: ([0-9a-f]+)", note).group(1)
other = next(p for p in glob.glob(os.path.join(os.path.dirname(os.path.dirname(ko)), "*", "*.ko"))
             if os.path.basename(p) != os.path.basename(ko))


def plant(root, src):
    """ROOT's debug tree: SRC as lib/modules/REL/extra/renamed-lab.ko and its build-id link."""
    target = os.path.join(root, "usr/lib/debug/lib/modules/test/extra/renamed-lab.ko")
    link = os.path.join(root, "usr/lib/debug/.build-id", bid[:2], bid[2:] + ".debug")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    shutil.copy(src, target)
    if not os.path.lexists(link):
        os.symlink("../../lib/modules/test/extra/renamed-lab.ko", link)
    return os.path.realpath(target)


def session(root, *cmds):
    empty = os.path.join(root, "empty")
    os.makedirs(empty, exist_ok=True)
    args = ["gdb", "-q", "-nx", "-batch", "-ex", f"target remote | {STUB} --stdio --modules {empty} {dump}"]
    for c in cmds:
        args += ["-ex", c]
    env = dict(os.environ, OOPSLAB_DEBUG_ROOT=root)
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
                          env=env).stdout


def object_file(out):
    m = re.search(r"^[0-9a-f]{16}  null_deref +[0-9a-f]{16} +\d+  (\S.*?)\s*$", out, re.M)
    return m.group(1) if m else None


crash_sym = crash_batch(vmlinux, dump, ["sym null_deref_crash"])
want_addr = re.search(r"^([0-9a-f]{16}) \(\w\) null_deref_crash", crash_sym, re.M)
with tempfile.TemporaryDirectory(prefix="module-build-id-") as root:
    out = session(root, "monitor lsmod")
    check(object_file(out) == "(not found)", f"no debug tree, no name match: not found ({object_file(out)})")
    path = plant(root, ko)
    out = session(root, "monitor lsmod", "info sharedlibrary", "p/x (long)&null_deref_crash")
    print(out[-1500:])
    check(object_file(out) == path, f"lsmod: the .ko found by build-id {bid}: {object_file(out)} == {path}")
    check(re.search(rf"Yes +target:{re.escape(path)}$", out, re.M), "gdb loads it as a shared library")
    got = re.search(r"^\$1 = 0x([0-9a-f]+)", out, re.M)
    check(want_addr and got and int(got.group(1), 16) == int(want_addr.group(1), 16),
          f"gdb's null_deref_crash is where crash's sym puts it ({want_addr and want_addr.group(1)})")

with tempfile.TemporaryDirectory(prefix="module-build-id-") as root:
    path = plant(root, other)
    out = session(root, "monitor lsmod")
    check(object_file(out) == path and "another build" in out,
          f"another build under the id ({os.path.basename(other)}) is named and refused: {object_file(out)}")
finish()
