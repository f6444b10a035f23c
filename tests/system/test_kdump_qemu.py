#!/usr/bin/python3
"""QEMU's own kdump output, as virsh dump --format kdump-zlib makes it through
the harness: a makedumpfile *flattened* stream (QEMU 7.2), read in place, and
the same file made plain by `makedumpfile -R`.

For both: oopslab-stub --info names the layout and codec; gdb through the stub
shows the panicking CPU's bt from panic() down to the lab function at its
marked line (after the lab module's add-symbol-file), x/s linux_banner and
list *(fct+off); every page reads the same from the flattened file as from
makedumpfile's rearranged one (dump-compare --all: an independent
rearrangement), and 4 MiB of kernel text from _stext read by gdb through the
stub from the flattened file equal what crash reads from the rearranged one
(rd -r): two readers of the same boot's dump.  (Not another boot's dump:
freed init memory and patched text differ from boot to boot.)  crash opens
both and its bt of the panic task is a subsequence of gdb's.

The check helpers are shared with test_kdump_convert.py."""
import os
import re
import subprocess
import tempfile

from oopslab_test import BUILD, STUB, backtrace, check, crash_batch, finish, gdb_stub, labs, marker_line, \
    parse_sym, run_lab, runs_dir

COMPARE = os.path.join(BUILD, "tests", "unit", "dump-compare")
LAB = "null-deref"


def stub_info(dump):
    p = subprocess.run([STUB, "--info", dump], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    check(p.returncode == 0, f"oopslab-stub --info {os.path.basename(dump)} succeeds")
    return p.stdout


def info_field(info, name):
    m = re.search(rf"^{name}:\s+(.*)$", info, re.M)
    return m.group(1) if m else None


def check_stub(dump, rj, label, stub_args=()):
    """gdb through the stub: the backtrace, the oops line, the banner.
    Returns gdb's output."""
    lab = labs()[LAB]
    fct, off, _ = parse_sym(rj["rip"])
    _, line = marker_line(lab, rj["kernel_dir"])
    out = gdb_stub(dump, rj["add_symbol_file"], "info threads", "bt", f"list *({fct}+{off:#x})",
                   "x/s linux_banner", vmlinux=rj["vmlinux"], stub_args=("--vmlinux", rj["vmlinux"], *stub_args))
    print(out)
    threads = re.findall(r'^\*?\s+(\d+)\s+Thread (\d+) "CPU (\d+)"', out, re.M)
    check(len(threads) == rj["cpus"], f"{label}: one thread per vCPU ({len(threads)})")
    names = [f[1] for f in backtrace(out)]
    check("panic" in names and fct in names and names.index("panic") < names.index(fct),
          f"{label}: bt runs from panic() to {fct}")
    if fct in names:
        frame = backtrace(out)[names.index(fct)]
        check(frame[3] == line, f"{label}: the {fct} frame is at the marked line {line}")
    check(re.search(rf"is in {fct} \(.*:{line}\)\.", out) is not None,
          f"{label}: list *({fct}+{off:#x}) names line {line}")
    check('<linux_banner>:\t"Linux version 6.1.' in out, f"{label}: x/s linux_banner")
    return out


def crash_bt(dump, rj):
    """crash's bt of the panic task, from its PID line on."""
    out = crash_batch(rj["vmlinux"], dump, ["bt"])
    m = re.search(r"^PID:.*", out, re.M | re.S)
    return out, (m.group(0).strip() if m else "")


def crash_functions(bt):
    """Function names of crash bt frames: '#7 [addr] name at addr'."""
    return [m.group(1).split(".")[0] for m in re.finditer(r"^\s*#\d+ \[[0-9a-f]+\] (\S+) at ", bt, re.M)]


def check_crash_vs_gdb(dump, rj, gdb_out, label):
    """crash opens DUMP; its bt shows the exception in the lab function and
    panic(); its frames below the exception appear in gdb's bt in order."""
    fct, _, _ = parse_sym(rj["rip"])
    out, bt = crash_bt(dump, rj)
    print(out)
    check(f"exception RIP: {fct}+" in bt, f"{label}: crash bt shows the exception RIP in {fct}")
    check(" panic at " in bt, f"{label}: crash bt starts in panic()")
    gdb_names = [f[1] for f in backtrace(gdb_out)]
    below = bt.split("[exception RIP:")[-1]
    crash_names = [n for n in crash_functions(below) if not n.startswith("entry_SYSCALL")]
    pos, ok = 0, bool(crash_names) and fct in gdb_names
    start = gdb_names.index(fct) + 1 if fct in gdb_names else 0
    for n in crash_names:
        try:
            pos = gdb_names.index(n, max(pos, start)) + 1
        except ValueError:
            ok = False
            print(f"{label}: crash frame {n} not found in gdb's bt after position {pos}")
    check(ok, f"{label}: crash's {len(crash_names)} frames below the exception are in gdb's bt, in order")
    return bt


def compare(orig, other, *args):
    p = subprocess.run([COMPARE, *args, orig, other], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    return p.returncode == 0, p.stdout


TEXT_BYTES = 4 << 20


def text_same_boot(flat, plain, rj, tmp):
    """Kernel text from _stext: gdb through the stub on FLAT, crash on PLAIN
    (the same dump rearranged); the first differing offset or None."""
    ours, theirs = os.path.join(tmp, "text.stub"), os.path.join(tmp, "text.crash")
    gdb_stub(flat, f"dump binary memory {ours} _stext _stext+{TEXT_BYTES}", vmlinux=rj["vmlinux"],
             stub_args=("--vmlinux", rj["vmlinux"]))
    out = crash_batch(rj["vmlinux"], plain, [f"rd -r {theirs} _stext {TEXT_BYTES}"])
    print(out)
    a = open(ours, "rb").read() if os.path.exists(ours) else b""
    b = open(theirs, "rb").read() if os.path.exists(theirs) else b""
    check(len(a) == TEXT_BYTES and len(b) == TEXT_BYTES, f"gdb and crash each read {TEXT_BYTES} bytes of text")
    return next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), None if len(a) == len(b) else min(len(a), len(b)))


def main():
    rj, rundir = run_lab(LAB, "--format", "kdump-zlib")
    flat = rj["dump"]["path"]
    check(rj["dump"]["format"] == "kdump-zlib", "the run made a kdump-zlib dump")
    with open(flat, "rb") as f:
        check(f.read(16) == b"makedumpfile\0\0\0\0", "QEMU 7.2's kdump-zlib output is a flattened stream")

    with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="kdump-qemu-") as tmp:
        plain = os.path.join(tmp, "vmcore.plain")
        with open(flat, "rb") as f:
            p = subprocess.run(["makedumpfile", "-R", plain], stdin=f, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        print(p.stdout)
        check(p.returncode == 0, "makedumpfile -R rearranges it")
        with open(plain, "rb") as f:
            check(f.read(8) == b"KDUMP   ", "into a plain kdump-compressed file")

        for dump, label, fmt in ((flat, "flattened", "kdump-flattened"), (plain, "plain", "kdump-compressed")):
            info = stub_info(dump)
            check(info_field(info, "format") == fmt, f"{label}: --info format is {fmt}")
            check(info_field(info, "codec") == "zlib", f"{label}: --info codec is zlib")
            check(re.search(r"^kdump header: version 6, status 0x1, dump_level 1,", info, re.M) is not None,
                  f"{label}: --info shows QEMU's header (version 6, zlib, dump_level 1)")
            pages = re.search(r"^pages:\s+(\d+) RAM, (\d+) present \((\d+) zero\), (\d+) excluded", info, re.M)
            check(pages is not None and pages.group(1) == pages.group(2) and pages.group(4) == "0",
                  f"{label}: QEMU dumps every RAM page (nothing excluded)")
            check(info_field(info, "vmcoreinfo").startswith("yes"), f"{label}: VMCOREINFO is there")
            check((info_field(info, "osrelease") or "").startswith("6.1."), f"{label}: OSRELEASE from VMCOREINFO")
            check(re.search(r"^cpus:\s+2$", info, re.M) is not None, f"{label}: 2 CPUs in CPU order (QEMU notes)")
            gdb_out = check_stub(dump, rj, label)
            check_crash_vs_gdb(dump, rj, gdb_out, label)

        ok, _ = compare(plain, flat, "--all")
        check(ok, "every page of the flattened file equals makedumpfile -R's rearranged file")
        diff = text_same_boot(flat, plain, rj, tmp)
        check(diff is None, "the kernel text read through the stub from the flattened file equals crash's from the "
                            "rearranged file" + ("" if diff is None else f" (first difference at _stext+{diff:#x})"))
    finish()


if __name__ == "__main__":
    main()
