#!/usr/bin/python3
"""One lab end to end under the real harness (TCG, libvirt, pvpanic):
outcome, detection by the pvpanic event, the dump's notes, the oops naming
the lab's function, and that function+offset resolving to the marked line."""
import os
import re
import sys

from oopslab_test import (call_trace, check, elf_notes, finish, gdb_batch, labs, marker_line, parse_sym,
                          run_lab)

REQUIRED_KEYS = ["outcome", "lab", "accel", "cmdline", "kaslr", "dump", "timings", "vmlinux", "module",
                 "add_symbol_file", "panic_line"]

name = sys.argv[1]
lab = labs()[name]
expect = lab.get("expect", "panic")
extra = ("--timeout", "3") if expect == "hang" else ()
rj, rundir = run_lab(name, *extra)

for k in REQUIRED_KEYS:
    check(k in rj, f"run.json has '{k}'")
check(rj["outcome"] == expect, f"outcome {rj['outcome']!r} == expected {expect!r}")
check(rj["accel"] in ("tcg", "kvm") and rj["accel_reason"], f"accel {rj['accel']} with a reason: {rj['accel_reason']}")
check("nokaslr" in rj["cmdline"].split() and rj["kaslr"] is False, "labs boot with nokaslr by default")
check(os.path.getsize(os.path.join(rundir, "console.log")) > 0, "console.log is not empty")
check(all(k in rj["timings"] for k in ("start", "boot", "dump", "total")), "per-stage timings recorded")

if expect == "no-panic":
    check(rj["dump"] is None, "no dump for a guest that exits cleanly")
    finish()

dump = rj["dump"]
check(dump and dump["format"] == "elf" and os.path.getsize(dump["path"]) == dump["bytes"],
      "dump recorded with its format and size")
e_type, e_machine, notes = elf_notes(dump["path"])
check(e_type == 4 and e_machine == 62, "the dump is an x86_64 ELF core")
prstatus = [n for n in notes if n[0] == "CORE" and n[1] == 1]
check(len(prstatus) == rj["cpus"], f"one NT_PRSTATUS per vCPU ({len(prstatus)} for {rj['cpus']})")
vmci = [n for n in notes if n[0] == "VMCOREINFO"]
check(len(vmci) == 1 and b"OSRELEASE=6.1." in vmci[0][2], "one VMCOREINFO note naming the 6.1 kernel")

if expect == "hang":
    check(rj["detected_by"].startswith("timeout"), f"hang detected by the timeout: {rj['detected_by']}")
    finish()

check(rj["detected_by"] == "pvpanic", f"panic detected by the pvpanic event ({rj['detected_by']})")
check(rj["panic_line"] and rj["panic_line"].startswith("Kernel panic - not syncing"),
      f"panic line seen on the console: {rj['panic_line']}")

with open(os.path.join(rundir, "console.log"), errors="replace") as f:
    console = f.read()
want = lab["function"]
path, line = marker_line(lab, rj["kernel_dir"])

symbol_cmds = []
if lab.get("module"):
    check(rj["module"] and os.path.exists(rj["module"]), f"lab module recorded: {rj['module']}")
    check(rj["add_symbol_file"] and rj["add_symbol_file"].startswith("add-symbol-file " + rj["module"]),
          "add-symbol-file command recorded")
    symbol_cmds.append(rj["add_symbol_file"])

rip = parse_sym(rj.get("rip"))
if rip:
    # An oops: the faulting instruction itself.
    fct, off, mod = rip
    check(fct == want, f"the oops RIP names {want}: {rj['rip']}")
    check(mod == lab.get("module"), f"RIP module [{mod}] is the lab's")
    addr = f"{fct}+{off}"
else:
    # A plain panic: the function shows up as a return address in the trace,
    # which points after the call: step back one byte, as decode_stacktrace does.
    frames = [f for f in call_trace(console) if f[0] == want]
    check(frames, f"the panic's call trace names {want}")
    if not frames:
        finish()
    fct, off, mod = frames[0]
    addr = f"{fct}+{off}-1"

out = gdb_batch(*symbol_cmds, f"info line *({addr})", f"list *({addr}),+0", vmlinux=rj["vmlinux"])
m = re.search(r'Line (\d+) of "([^"]+)"', out)
check(m is not None, f"gdb resolves {addr} to a source line")
if m:
    check(int(m.group(1)) == line and m.group(2).endswith(os.path.basename(path)),
          f"{addr} is {os.path.basename(m.group(2))}:{m.group(1)}, the marked line {os.path.basename(path)}:{line}")
print(out[-600:])
finish()
