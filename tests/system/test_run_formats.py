#!/usr/bin/python3
"""`oopslab run --format` with the kdump codecs QEMU cannot write here (zstd,
lzo, snappy): the harness writes them itself from the guest's shared RAM
(capture-ram.c) and keeps only that file, which the stub serves to gdb (bt
down to the lab function)."""
import os

from oopslab_test import backtrace, check, finish, gdb_stub, labs, run_lab

lab = labs()["null-deref"]
for fmt in ("kdump-zstd", "kdump-lzo", "kdump-snappy"):
    rj, rundir = run_lab("null-deref", "--format", fmt)
    check(rj["outcome"] == "panic" and rj["dump"]["format"] == fmt, f"{fmt}: run.json records the format")
    files = sorted(os.listdir(rundir))
    check([f for f in files if f.startswith("vmcore")] == ["vmcore"], f"{fmt}: only the converted vmcore is kept: {files}")
    with open(rj["dump"]["path"], "rb") as f:
        check(f.read(8) == b"KDUMP   ", f"{fmt}: the file is kdump-compressed")
    out = gdb_stub(rj["dump"]["path"], "bt", vmlinux=rj["vmlinux"])
    names = [fr[1] for fr in backtrace(out)]
    check("panic" in names and lab["function"] in names, f"{fmt}: the stub serves it: bt reaches {lab['function']}")
    os.unlink(rj["dump"]["path"])
finish()
