#!/usr/bin/python3
"""Debian's cloud kernel (KASLR; its -dbg vmlinux in /usr/lib/debug, as
scripts/setup --debian-kernel installs it): on a bare copy of its dump,
`gdb -batch -ex 'target remote | oopslab-stub --stdio VMCORE' -ex bt -ex
'x/s linux_banner'` shows symbolized frames and the banner with no other
command and no --vmlinux; with the dump's VMCOREINFO note, and without it
(the note renamed in a copy, as a guest without qemu_fw_cfg leaves it: the
release and build-id then come from the kernel image in memory). Oracles:
the console's panic, the release of the installed kernel."""
import mmap
import os
import re
import shutil
import subprocess
import tempfile

from oopslab_test import STUB, backtrace, check, finish, gdb_batch, run_lab, runs_dir, SOURCE
from workload_util import debian_kernel

subprocess.run([os.path.join(SOURCE, "scripts", "setup"), "--debian-kernel"], check=True)
release, kernel = debian_kernel()
check(release is not None, f"a Debian cloud kernel is installed: {kernel}")
# ELF: renaming its one VMCOREINFO note removes it (a kdump file keeps
# a second copy in its sub-header)
rj, rundir = run_lab("sysrq-crash", "--kernel", kernel, "--kaslr", "--format", "elf")
check(rj["outcome"] == "panic" and rj["kaslr"], "sysrq-crash on Debian's kernel panicked, KASLR on")


def zero_config(dump, what):
    out = gdb_batch(f"target remote | {STUB} --stdio {dump}", "bt", "x/s linux_banner", timeout=900)
    print(out[-3000:])
    names = [f[1] for f in backtrace(out)]
    check("panic" in names and "sysrq_handle_crash" in names, f"{what}: bt shows panic() and sysrq_handle_crash")
    check(f'<linux_banner>:\t"Linux version {release} ' in out, f"{what}: x/s linux_banner is {release}'s")
    check(re.search(r'vfs_write \(.*buf=(?:buf@entry=)?0x[0-9a-f]+ "c\\n"', out) is not None,
          f"{what}: the shell's write() buffer reads \"c\\n\" through its page tables")


with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="debian-zero-") as tmp:
    bare = os.path.join(tmp, "with", "vmcore")
    os.makedirs(os.path.dirname(bare))
    shutil.copy(rj["dump"]["path"], bare)
    zero_config(bare, "with VMCOREINFO")

    novi = os.path.join(tmp, "without", "vmcore")
    os.makedirs(os.path.dirname(novi))
    shutil.move(bare, novi)
    with open(novi, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        at = m.find(b"VMCOREINFO\0", 0, 1 << 20)
        check(at > 0, "the copy's VMCOREINFO note is found")
        m[at:at + 10] = b"XMCOREINFO"
    info = subprocess.run([STUB, "--info", novi], stdout=subprocess.PIPE, text=True).stdout
    check(re.search(r"^vmcoreinfo:\s+no", info, re.M) is not None, "and renamed: the stub sees no VMCOREINFO")
    zero_config(novi, "without VMCOREINFO")
finish()
