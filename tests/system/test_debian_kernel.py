#!/usr/bin/python3
"""Debian's own kernel (linux-image-cloud-amd64, its -dbg package and
headers, installed by scripts/setup --debian-kernel): its drivers (pvpanic,
fw_cfg) are modules the harness finds in /lib/modules/RELEASE and loads.
sysrq-crash and a module built against its headers give outcome panic
detected by pvpanic, with a VMCOREINFO note and KASLR on; vmlinux is found
without --vmlinux; `oopslab gdb --batch` shows the crash site."""
import os
import re
import subprocess

from oopslab_test import OOPSLAB, SOURCE, STUB, check, elf_notes, finish
from workload_util import TIMER_MARKER, debian_kernel, marked_line, run, tmpdir, write_timer_module

subprocess.run([os.path.join(SOURCE, "scripts", "setup"), "--debian-kernel"], check=True)
release, kernel = debian_kernel()
check(release is not None, f"a Debian cloud kernel is installed: {kernel}")


def vmcoreinfo(rj):
    """The VMCOREINFO note, read by this test's own ELF parser (hence the
    runs' --format elf: the default kdump-zstd is not ELF)."""
    _, _, notes = elf_notes(rj["dump"]["path"])
    info = [d for n, _, d in notes if n == "VMCOREINFO"]
    return dict(l.split("=", 1) for l in info[0].decode(errors="replace").split("\n") if "=" in l) if info else {}


offsets = {}


def common(what, rj, rc, out):
    check(rc == 0 and rj and rj["outcome"] == "panic", f"{what}: outcome panic (rc {rc})")
    check(rj["detected_by"] == "pvpanic", f"{what}: detected by pvpanic ({rj['detected_by']})")
    check(rj["kernel_release"] == release and rj["kaslr"], f"{what}: kernel {release}, KASLR on")
    check(rj["vmlinux"] == f"/usr/lib/debug/boot/vmlinux-{release}", f"{what}: vmlinux found: {rj['vmlinux']}")
    drivers = [os.path.basename(p) for p in rj["workload"]["drivers"]]
    check("pvpanic-pci.ko" in drivers and "qemu_fw_cfg.ko" in drivers, f"{what}: drivers loaded: {drivers}")
    info = vmcoreinfo(rj)
    check(info.get("OSRELEASE") == release, f"{what}: VMCOREINFO note for {release}")
    # KASLR may draw offset 0 (one of its ~500 slots is the default address):
    # each boot has the field, and one of the three a non-zero offset (below).
    check(re.fullmatch(r"[0-9a-f]+", info.get("KERNELOFFSET", "")), f"{what}: KERNELOFFSET {info.get('KERNELOFFSET')}")
    offsets[what] = info.get("KERNELOFFSET")
    link = os.path.join(out, "modules", "drivers", "pvpanic-pci.ko")
    check(os.path.realpath(link).startswith(f"/usr/lib/debug/lib/modules/{release}/"),
          f"{what}: the drivers' debug files are linked for the stub: {os.path.realpath(link)}")


def gdb_batch(out):
    g = subprocess.run([OOPSLAB, "gdb", "--batch", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=900).stdout
    print(g[-1500:])
    return g


rc, err, rj, out = run("debian-sysrq", "--lab", "sysrq-crash", "--kernel", kernel, "--kaslr", "--format", "elf")
common("sysrq-crash", rj, rc, out)
check(rj["title"] == "sysrq triggered crash in sysrq_handle_crash", f"sysrq-crash: title {rj['title']}")
g = gdb_batch(out)
check(re.search(r"is in sysrq_handle_crash \(drivers/tty/sysrq\.c:\d+\)", g), "oopslab gdb --batch: the crash site")

# The drivers' debug files reach gdb through the stub (KASLR as `monitor
# kaslr` says).
offset = vmcoreinfo(rj)["KERNELOFFSET"]
g = subprocess.run(["gdb", "-q", "-nx", "-batch", "-ex",
                    f"target remote | {STUB} --stdio --vmlinux {rj['vmlinux']} {rj['dump']['path']}",
                    "-ex", f"add-symbol-file {rj['vmlinux']} -o 0x{offset} -s .data..percpu 0",
                    "-ex", "sharedlibrary", "-ex", "info sharedlibrary"],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600).stdout
check(re.search(r"Yes\s+\S*/modules/drivers/pvpanic-pci\.ko", g), "gdb has pvpanic-pci's symbols from -dbg")

# The same debug file found by build-id alone (--modules an empty
# directory, so no name matches): -dbg makes no .build-id links for modules,
# so the stub reads its lib/modules/REL tree for the id of the .ko the guest
# loaded, both as readelf prints them.
def build_id(path):
    m = re.search(r"Build ID: ([0-9a-f]+)", subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE,
                                                           text=True).stdout)
    return m and m.group(1)


loaded = subprocess.run(["modinfo", "-k", release, "-n", "pvpanic-pci"], stdout=subprocess.PIPE, text=True).stdout.strip()
dbg = os.path.join(f"/usr/lib/debug/lib/modules/{release}", os.path.relpath(loaded, f"/lib/modules/{release}"))
empty = tmpdir("debian-no-modules")
g = subprocess.run(["gdb", "-q", "-nx", "-batch", "-ex",
                    f"target remote | {STUB} --stdio --modules {empty} --vmlinux {rj['vmlinux']} {rj['dump']['path']}",
                    "-ex", "monitor lsmod"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                   timeout=600).stdout
row = re.search(r"^[0-9a-f]{16}  pvpanic_pci +[0-9a-f]{16} +\d+  (\S.*?)\s*$", g, re.M)
check(build_id(loaded) and build_id(dbg) == build_id(loaded) and row and row.group(1) == dbg,
      f"pvpanic-pci found by build-id {build_id(loaded)} in -dbg's tree: {row and row.group(1)} == {dbg}")

# A lab module of the tree, rebuilt against the kernel's headers.
rc, err, rj, out = run("debian-null-deref", "--lab", "null-deref", "--kernel", kernel, "--kaslr", "--format", "elf")
common("null-deref", rj, rc, out)
check(rj["title"] == "BUG: kernel NULL pointer dereference in null_deref_crash", f"null-deref: {rj['title']}")
check("/oopslab/modules/" in rj["module"], f"null-deref: its module built for {release}: {rj['module']}")

parent = tmpdir("debian")
src = write_timer_module(parent)
line = marked_line(os.path.join(src, "timer_crash.c"), TIMER_MARKER)
rc, err, rj, out = run("debian-module", "--module", src, "--exec", "sleep 10", "--kernel", kernel, "--kaslr", "--format", "elf")
common("module", rj, rc, out)
check("/oopslab/modules/" in rj["workload"]["modules"][0]["built"], "built in the cache, against its headers")
check(rj["title"] == "BUG: kernel NULL pointer dereference in timer_crash_fn", f"module: title {rj['title']}")
g = gdb_batch(out)
check(re.search(rf"is in timer_crash_fn \({re.escape(src)}/timer_crash.c:{line}\)", g),
      "oopslab gdb --batch: the module's crash line")
check(any(int(o or "0", 16) for o in offsets.values()), f"KASLR moved the kernel in at least one boot: {offsets}")
finish()
