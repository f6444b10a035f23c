#!/usr/bin/python3
"""One lab end to end under the real harness (TCG, libvirt, pvpanic):
outcome, detection by the pvpanic event, the dump's notes, the oops naming
the lab's function, and that function+offset resolving to the marked line.

Labs whose panic comes from a detector (lockups, stalls, hung tasks, OOM,
NMIs) say in the manifest what the panic line and the console must contain
(panic=, console=), and where their function shows (function_in=: the RIP
line, or the call trace for panics that print no RIP of theirs).
KEY_kvm values replace KEY when the run used KVM (the perf NMI watchdog
only exists there)."""
import os
import re
import sys

from oopslab_test import SYM_RE, check, finish, kdump_header, gdb_batch, labs, marker_line, parse_sym, run_lab

REQUIRED_KEYS = ["outcome", "lab", "accel", "cmdline", "kaslr", "dump", "timings", "vmlinux", "module",
                 "add_symbol_file", "panic_line"]


def lab_value(lab, key, accel):
    """lab[key], or lab[key_kvm] for a KVM run if the manifest has it."""
    if accel == "kvm" and lab.get(key + "_kvm"):
        return lab[key + "_kvm"]
    return lab.get(key)


def trace_frames(console_text):
    """[(function, offset, module, reliable)] of the first Call Trace block.
    Unreliable entries ("? fct+off/len") are stale return addresses that the
    unwinder found on the stack; they are kept, but marked."""
    frames = []
    lines = console_text.splitlines()
    for i, l in enumerate(lines):
        if "Call Trace:" in l:
            for t in lines[i + 1:]:
                if "</TASK>" in t or "---[ end" in t or "Kernel Offset" in t:
                    break
                m = SYM_RE.search(t)
                if m:
                    reliable = not t[:m.start()].rstrip().endswith("?")
                    frames.append((m.group(1), int(m.group(2), 16), m.group(4), reliable))
            break
    return frames


name = sys.argv[1]
lab = labs()[name]
expect = lab.get("expect", "panic")
extra = ("--timeout", "3") if expect == "no-output" else ()
rj, rundir = run_lab(name, *extra)

for k in REQUIRED_KEYS:
    check(k in rj, f"run.json has '{k}'")
check(rj["outcome"] == expect, f"outcome {rj['outcome']!r} == expected {expect!r}")
check(rj["accel"] in ("tcg", "kvm") and rj["accel_reason"], f"accel {rj['accel']} with a reason: {rj['accel_reason']}")
check("nokaslr" in rj["cmdline"].split() and rj["kaslr"] is False, "labs boot with nokaslr by default")
check(os.path.getsize(os.path.join(rundir, "console.log")) > 0, "console.log is not empty")
check(all(k in rj["timings"] for k in ("start", "boot", "dump", "total")), "per-stage timings recorded")
print(f"run time: {rj['timings'].get('total')} s (accel {rj['accel']})")

if expect == "no-panic":
    check(rj["dump"] is None, "no dump for a guest that exits cleanly")
    finish()

dump = rj["dump"]
check(dump and dump["format"] == "kdump-zstd" and os.path.getsize(dump["path"]) == dump["bytes"],
      "dump recorded with its format (the default, kdump-zstd) and size")
kh = kdump_header(dump["path"])
check(kh["version"] == 6 and kh["codec"] == "zstd", f"the dump is kdump-compressed, zstd ({kh['codec']})")
notes = kh["notes"]
prstatus = [n for n in notes if n[0] == "CORE" and n[1] == 1]
check(len(prstatus) == rj["cpus"], f"one NT_PRSTATUS per vCPU ({len(prstatus)} for {rj['cpus']})")
vmci = [n for n in notes if n[0] == "VMCOREINFO"]
check(len(vmci) == 1 and b"OSRELEASE=6.1." in vmci[0][2], "one VMCOREINFO note naming the 6.1 kernel")

if expect == "no-output":
    check(rj["detected_by"].startswith("timeout"), f"no-output detected by the timeout: {rj['detected_by']}")
    check(rj["title"] == "no output from test machine" and rj["type"] == "no-output",
          f"no-output has syzkaller's title: {rj['title']!r} ({rj['type']})")
    finish()

accel = rj["accel"]
# Labs that need the harness's timeout NMI to panic say detected_by=pvpanic after NMI.
want_detected = lab_value(lab, "detected_by", accel) or "pvpanic"
check(rj["detected_by"] == want_detected, f"panic detected by {want_detected!r} ({rj['detected_by']})")
check(rj["panic_line"] and rj["panic_line"].startswith("Kernel panic - not syncing"),
      f"panic line seen on the console: {rj['panic_line']}")
want_panic = lab_value(lab, "panic", accel)
if want_panic:
    check(rj["panic_line"] and want_panic in rj["panic_line"], f"the panic line says {want_panic!r}")

with open(os.path.join(rundir, "console.log"), errors="replace") as f:
    console = f.read()
want_console = lab_value(lab, "console", accel)
if want_console:
    check(want_console in console, f"the console shows {want_console!r}")
want = lab["function"]
path, line = marker_line(lab, rj["kernel_dir"])

symbol_cmds = []
if lab.get("module"):
    check(rj["module"] and os.path.exists(rj["module"]), f"lab module recorded: {rj['module']}")
    check(rj["add_symbol_file"] and rj["add_symbol_file"].startswith("add-symbol-file " + rj["module"]),
          "add-symbol-file command recorded")
    symbol_cmds.append(rj["add_symbol_file"])

rip = parse_sym(rj.get("rip"))
function_in = lab.get("function_in") or ("rip" if rip else "trace")
check(function_in in ("rip", "trace"), f"function_in={function_in} is rip or trace")
if function_in == "rip":
    # An oops, or a detector that shows the registers of the CPU it caught:
    # the instruction itself (the first RIP line on the console).
    check(rip is not None, f"the console has a kernel RIP line: {rj.get('rip')}")
    if not rip:
        finish()
    fct, off, mod = rip
    check(fct == want, f"the RIP names {want}: {rj['rip']}")
    addr = f"{fct}+{off}"
else:
    # A plain panic: the function shows up as a return address in the trace,
    # which points after the call: step back one byte, as decode_stacktrace does.
    # Reliable entries first: "? fct+off" ones are stale stack contents.
    frames = sorted((f for f in trace_frames(console) if f[0] == want), key=lambda f: not f[3])
    check(frames, f"the panic's call trace names {want}")
    if not frames:
        finish()
    fct, off, mod, reliable = frames[0]
    check(reliable, f"{fct}+{off:#x} is a reliable call trace entry")
    addr = f"{fct}+{off}-1"
check(mod == lab.get("module"), f"{fct}'s module [{mod}] is the lab's [{lab.get('module')}]")

out = gdb_batch(*symbol_cmds, f"info line *({addr})", f"list *({addr}),+0", vmlinux=rj["vmlinux"])
m = re.search(r'Line (\d+) of "([^"]+)"', out)
check(m is not None, f"gdb resolves {addr} to a source line")
if m:
    check(int(m.group(1)) == line and m.group(2).endswith(os.path.basename(path)),
          f"{addr} is {os.path.basename(m.group(2))}:{m.group(1)}, the marked line {os.path.basename(path)}:{line}")
print(out[-600:])
finish()
