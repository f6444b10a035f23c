#!/usr/bin/python3
"""A real lab dump cut short (the disk filled up under QEMU, the connection
to a remote host broke): the stub opens it with a warning naming how much is
missing, --info reports it and counts the pages as missing, memory past the
cut is unavailable (an error, not zeros), and gdb's bt through the stub
still runs from panic() to the lab function's marked line, because the
stack, text and page tables lie before the cut.

Both an ELF dump (cut to its first 128 MiB of 512) and QEMU's flattened
kdump-zlib (cut to 60 %)."""
import os
import re
import subprocess
import tempfile

from oopslab_test import STUB, backtrace, check, finish, gdb_stub, labs, marker_line, parse_sym, run_lab, runs_dir

LAB = "null-deref"


def cut_copy(src, dst, size):
    with open(src, "rb") as f, open(dst, "wb") as g:
        left = size
        while left:
            b = f.read(min(left, 8 << 20))
            if not b:
                break
            g.write(b)
            left -= len(b)


def check_cut(rj, dump, size, label, need_bt=True):
    full = os.path.getsize(rj["dump"]["path"])
    p = subprocess.run([STUB, "--info", dump], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    check(p.returncode == 0, f"{label}: --info opens the cut file")
    warn = re.search(r"^warning:\s+(.*)$", p.stdout, re.M)
    check(warn is not None and "truncated" in warn.group(1), f"{label}: --info prints a truncation warning")
    if warn:
        check(f"the file is {size} bytes" in warn.group(1), f"{label}: the warning names the file's size, {size}")
        m = re.search(r"(\d+) bytes \(\d+\.\d [KMG]iB\) are missing", warn.group(1))
        if label == "elf":  # QEMU pads the file with a few bytes after the last PT_LOAD
            check(m is not None and 0 <= full - size - int(m.group(1)) < 4096,
                  f"{label}: the warning says how many bytes are missing (about {full - size})")
        else:
            check("dumped pages are unavailable" in warn.group(1), f"{label}: the warning counts the lost pages")
    pages = re.search(r"^pages:.*\((\d+) missing", p.stdout, re.M)
    check(pages is not None and int(pages.group(1)) > 0, f"{label}: --info counts the missing pages")

    lab = labs()[LAB]
    fct, off, _ = parse_sym(rj["rip"])
    _, line = marker_line(lab, rj["kernel_dir"])
    far = 0xffff888000000000 + (400 << 20)  # direct map, 400 MiB: past both cuts
    out = gdb_stub(dump, rj["add_symbol_file"], "bt", f"x/2gx {far:#x}", vmlinux=rj["vmlinux"],
                   stub_args=("--vmlinux", rj["vmlinux"]))
    print(out)
    names = [f[1] for f in backtrace(out)]
    # Whether the panicking stack survives a cut depends on where the boot put
    # it in the file: the ELF cut keeps low memory, a flattened stream's page
    # order varies from boot to boot, so there bt is only reported.
    bt_ok = "panic" in names and fct in names and names.index("panic") < names.index(fct)
    if need_bt:
        check(bt_ok, f"{label}: bt runs from panic() to {fct}")
    else:
        print(f"{label}: bt {'runs' if bt_ok else 'does not run'} from panic() to {fct} (stack pages {'kept' if bt_ok else 'cut'})")
    if fct in names:
        check(backtrace(out)[names.index(fct)][3] == line, f"{label}: the {fct} frame is at the marked line {line}")
    check(f"Cannot access memory at address {far:#x}" in out, f"{label}: memory past the cut is unavailable")
    check("oopslab-stub: warning:" in out and "truncated" in out, f"{label}: the stub logs the truncation warning")


def main():
    elf_rj, _ = run_lab(LAB, "--format", "elf")
    kz_rj, _ = run_lab(LAB, "--format", "kdump-zlib")
    with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="truncated-") as tmp:
        cut = os.path.join(tmp, "vmcore.elf")
        size = 128 << 20
        cut_copy(elf_rj["dump"]["path"], cut, size)
        check_cut(elf_rj, cut, size, "elf")
        cut = os.path.join(tmp, "vmcore.flat")
        size = os.path.getsize(kz_rj["dump"]["path"]) * 6 // 10
        cut_copy(kz_rj["dump"]["path"], cut, size)
        check_cut(kz_rj, cut, size, "kdump-flattened", need_bt=False)
    finish()


if __name__ == "__main__":
    main()
