#!/usr/bin/python3
"""Bad workload input is refused before the guest starts, with one line
naming the thing, exit 2 (usage) or 1 (environment), and no run directory:
a module that does not build, a .ko for another kernel, a missing --file or
--share path, a kernel whose modules directory is missing when its drivers
are needed, a --kernel that is not a bzImage. Nothing the user passed is
modified."""
import glob
import os
import shutil
import subprocess

from oopslab_test import SOURCE, check, finish
from workload_util import expect_refused, tmpdir, tree_listing

d = tmpdir("errors")
kit = dict(l.split("=", 1) for l in subprocess.run([os.path.join(SOURCE, "guests", "build-guest")],
                                                  stdout=subprocess.PIPE, text=True, check=True)
           .stdout.split())

# A module that does not build: where, and the compiler's error.
broken = os.path.join(d, "broken")
os.makedirs(broken)
with open(os.path.join(broken, "Kbuild"), "w") as f:
    f.write("obj-m += broken.o\n")
with open(os.path.join(broken, "broken.c"), "w") as f:
    f.write("#include <linux/module.h>\nint broken_fn(void)\n{\n\treturn no_such_symbol;\n}\n"
            "MODULE_LICENSE(\"GPL\");\n")
before = tree_listing(broken)
expect_refused("module does not build", ["--module", broken, "--exec", "true"],
               [f"module {broken} does not build against", f"{broken}/broken.c:4:", "no_such_symbol", "error:"], 1)
check(tree_listing(broken) == before, "the broken module's directory is untouched")

# A .ko for another kernel: a lab module with its vermagic's release changed.
lab_ko = sorted(glob.glob(os.path.join(kit["labs_dir"], "**", "null_deref.ko"), recursive=True))[0]
with open(lab_ko, "rb") as f:
    data = f.read()
i = data.index(b"vermagic=") + len(b"vermagic=")
theirs = data[i:data.index(b"\0", i)].decode()
release = theirs.split()[0]
other = release.replace("6.1.", "6.9.", 1)
assert other != release and len(other) == len(release)
ko = os.path.join(d, "null_deref.ko")
with open(ko, "wb") as f:
    f.write(data.replace(release.encode(), other.encode()))
expect_refused("ko for another kernel", ["--module", ko],
               ["was built for another kernel", theirs.replace(release, other), theirs], 2)

expect_refused("missing file", ["--file", os.path.join(d, "nonexistent"), "--exec", "true"],
               [f"--file {d}/nonexistent: no such file"], 2)
expect_refused("missing share", ["--share", os.path.join(d, "nonexistent"), "--exec", "true"],
               [f"--share {d}/nonexistent: no such directory"], 2)
expect_refused("missing module", ["--module", os.path.join(d, "nonexistent.ko")],
               [f"--module {d}/nonexistent.ko: no such file or directory"], 2)

# A kernel whose drivers are modules (its config says so) and whose
# /lib/modules/RELEASE does not exist.
fake = os.path.join(d, "boot")
os.makedirs(fake)
shutil.copy(kit["bzimage"], os.path.join(fake, "vmlinuz-fake"))
with open(os.path.join(fake, "config-fake"), "w") as f:
    f.write("CONFIG_PVPANIC_PCI=m\nCONFIG_FW_CFG_SYSFS=m\n")
expect_refused("modules dir missing", ["--lab", "null-deref", "--kernel", os.path.join(fake, "vmlinuz-fake")],
               ["pvpanic_pci, qemu_fw_cfg are modules", f"/lib/modules/{release} does not exist", "--modules-dir"], 1)
expect_refused("modules-dir missing", ["--lab", "null-deref", "--kernel", os.path.join(fake, "vmlinuz-fake"),
                                       "--modules-dir", os.path.join(d, "nonexistent")],
               [f"--modules-dir: {d}/nonexistent is not a directory"], 2)

notbz = os.path.join(d, "vmlinuz-not")
with open(notbz, "wb") as f:
    f.write(b"\0" * 8192)
expect_refused("not a bzImage", ["--lab", "null-deref", "--kernel", notbz], [f"kernel {notbz}: not a bzImage"], 2)
expect_refused("no workload", [], ["--lab NAME|PATH, --module or --exec is required"], 2)
finish()
