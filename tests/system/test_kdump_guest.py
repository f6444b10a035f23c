#!/usr/bin/python3
"""Guest-side kdump: `oopslab run --capture kdump` boots the lab with
crashkernel=, its /init arms the capture kernel with kexec -p, the lab
panics into it, and the capture kernel's /init runs the collector on
/proc/vmcore and writes the vmcore and the kernel log to the run's disk,
which the harness takes apart into vmcore and vmcore-dmesg.txt.

For the collectors `makedumpfile -l -d 31`, `makedumpfile -c -d 31`, `makedumpfile -F -l -d 31`
(kept flattened) and `cp`
(the ELF /proc/vmcore):
- run.json: outcome panic, capture kdump, the collector, detected by the
  capture kernel, the format; the capture disk is gone;
- vmcore-dmesg.txt holds the oops;
- oopslab-stub serves the vmcore to gdb: bt of the panicking CPU runs from
  panic() to null_deref_crash at its marked line, list *(fct+off) names it,
  x/s linux_banner (modules load by themselves);
- crash opens it, and its bt shows the exception in null_deref_crash.
Then the host's makedumpfile -c, -l and -F on the guest's ELF vmcore: the
stub and crash read those files the same way. Also: a bad collector is a
usage error, and a collector that fails in the capture kernel makes the
outcome "error" with its message."""
import os
import re
import subprocess
import tempfile
import time

from oopslab_test import OOPSLAB, check, finish, run_lab, runs_dir
from test_kdump_qemu import LAB, check_crash_vs_gdb, check_stub, info_field, stub_info

COLLECTORS = {
    "makedumpfile -l -d 31": ("kdump-lzo", "kdump-compressed"),
    "makedumpfile -c -d 31": ("kdump-zlib", "kdump-compressed"),
    # -F: kept flattened, as makedumpfile -F writes it
    "makedumpfile -F -l -d 31": ("kdump-lzo", "kdump-flattened"),
    "cp": ("elf", None),
}


def check_dump(dump, rj, label):
    out = check_stub(dump, rj, label, stub_args=("--modules", os.path.dirname(rj["module"])))
    check_crash_vs_gdb(dump, rj, out, label)


def main():
    runs = {}
    for collector, (fmt, info_fmt) in COLLECTORS.items():
        label = f"kdump {collector}"
        t = time.monotonic()
        rj, rundir = run_lab(LAB, "--capture", "kdump", "--collector", collector)
        print(f"{label}: run took {time.monotonic() - t:.1f} s (0 when reused); capture "
              f"{rj['timings'].get('kdump_capture')} s, extraction {rj['timings'].get('kdump_extract')} s, "
              f"total {rj['timings']['total']} s")
        runs[collector] = rj
        check(rj["outcome"] == "panic", f"{label}: outcome panic ({rj.get('error')})")
        check(rj["capture"] == "kdump" and rj["collector"] == collector, f"{label}: run.json says capture kdump, {collector}")
        check("kdump capture kernel" in (rj["detected_by"] or ""), f"{label}: detected by the capture kernel")
        check(rj["kdump"]["status"] == "ok", f"{label}: the capture init said ok")
        check(rj["dump"] and rj["dump"]["format"] == fmt, f"{label}: dump format {fmt}")
        check(not os.path.exists(os.path.join(rundir, "kdump-disk.img")), f"{label}: the capture disk was deleted")
        check(rj["title"] == "BUG: kernel NULL pointer dereference in null_deref_crash", f"{label}: report title")
        if not rj["dump"]:
            continue
        dump = rj["dump"]["path"]
        if info_fmt == "kdump-flattened":
            with open(dump, "rb") as f:
                check(f.read(12) == b"makedumpfile", f"{label}: kept flattened")
            check(info_field(stub_info(dump), "format") == info_fmt, f"{label}: --info says {info_fmt}")
        elif info_fmt:
            with open(dump, "rb") as f:
                check(f.read(8) == b"KDUMP   ", f"{label}: made plain with makedumpfile -R")
            check(info_field(stub_info(dump), "format") == info_fmt, f"{label}: --info says {info_fmt}")
        else:
            with open(dump, "rb") as f:
                check(f.read(4) == b"\x7fELF", f"{label}: an ELF /proc/vmcore")
        with open(os.path.join(rundir, "vmcore-dmesg.txt"), errors="replace") as f:
            dmesg = f.read()
        check("BUG: kernel NULL pointer dereference" in dmesg and "null_deref_crash+0x7" in dmesg,
              f"{label}: vmcore-dmesg.txt holds the oops")
        check("Kernel panic - not syncing: Fatal exception" in dmesg, f"{label}: and the panic")
        check_dump(dump, rj, label)

    # The host's makedumpfile on the guest's ELF /proc/vmcore.
    rj = runs["cp"]
    if rj["dump"]:
        with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="kdump-guest-") as tmp:
            for opt in ("-c", "-l", "-F"):
                out = os.path.join(tmp, f"vmcore{opt}")
                args = ["makedumpfile", opt, "-d", "31", rj["dump"]["path"]]
                if opt == "-F":
                    with open(out, "wb") as f:
                        p = subprocess.run(args, stdout=f, stderr=subprocess.PIPE, text=True)
                else:
                    p = subprocess.run(args + [out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                if not check(p.returncode == 0, f"host makedumpfile {opt} -d 31 on the guest's ELF vmcore"):
                    print(p.stdout if opt != "-F" else p.stderr)
                    continue
                with open(out, "rb") as f:
                    head = f.read(16)
                check(head == b"makedumpfile\0\0\0\0" if opt == "-F" else head[:8] == b"KDUMP   ",
                      f"makedumpfile {opt}: {'flattened' if opt == '-F' else 'kdump-compressed'}")
                check_dump(out, rj, f"host makedumpfile {opt}")

    # Errors: a collector the harness refuses, one that fails in the guest.
    p = subprocess.run([OOPSLAB, "run", "--lab", LAB, "--capture", "kdump", "--collector", "gzip -c"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(p.returncode == 2 and "--collector" in p.stderr, f"an unknown collector is refused as bad usage (exit 2): {p.stderr.strip()}")
    rj, rundir = run_lab(LAB, "--capture", "kdump", "--collector", "makedumpfile -d 99", check_rc=False)
    check(rj["outcome"] == "error" and "collector failed" in (rj["error"] or ""),
          f"a failing collector: outcome error with the capture init's message ({rj.get('error')})")
    check(not os.path.exists(os.path.join(rundir, "kdump-disk.img")), "and the capture disk is deleted")
    finish()


main()
