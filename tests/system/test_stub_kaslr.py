#!/usr/bin/python3
"""A KASLR boot: loading vmlinux the way `monitor kaslr` says makes bt,
list and x/s work; the stub's offset equals the console's "Kernel Offset"
when the kernel printed one, and VMCOREINFO's KERNELOFFSET."""
import os
import re

from oopslab_test import backtrace, check, finish, gdb_stub, labs, marker_line, parse_sym, run_lab

lab = labs()["null-deref"]


def console_offset(rundir):
    with open(os.path.join(rundir, "console.log"), errors="replace") as f:
        m = re.search(r"Kernel Offset: (0x[0-9a-f]+) from", f.read())
    return int(m.group(1), 16) if m else None


# KASLR may pick the default slot (offset 0) now and then: boot again until
# the kernel really moved, a few times at most.
for attempt in range(4):
    rj, rundir = run_lab("null-deref", "--kaslr", reuse=attempt == 0)
    if console_offset(rundir):
        break
check(rj["kaslr"] is True and "nokaslr" not in rj["cmdline"], "booted with KASLR")
check(bool(console_offset(rundir)), f"the kernel moved: Kernel Offset {console_offset(rundir)}")
fct, off, _ = parse_sym(rj["rip"])
_, line = marker_line(lab)

# No vmlinux on gdb's command line: the stub says how to load it.
out = gdb_stub(rj["dump"]["path"], "monitor kaslr")
print(out)
m = re.search(r"KASLR offset: 0x([0-9a-f]+)", out)
check(m is not None and int(m.group(1), 16) == console_offset(rundir),
      "monitor kaslr reports the offset the kernel printed")
cmds = re.findall(r"^  ((?:symbol-file|add-symbol-file|sharedlibrary).*)$", out, re.M)
check(any(c.startswith("add-symbol-file " + rj["vmlinux"]) for c in cmds), f"and the commands: {cmds}")

out = gdb_stub(rj["dump"]["path"], *cmds, rj["add_symbol_file"], "bt", f"list *({fct}+{off:#x})",
               "x/s linux_banner")
print(out)
names = [f[1] for f in backtrace(out)]
check("panic" in names and fct in names, f"bt shows panic() and {fct}")
check(re.search(rf"is in {fct} \(.*:{line}\)\.", out) is not None, f"list *({fct}+{off:#x}) is line {line}")
check('<linux_banner>:\t"Linux version 6.1.' in out, "x/s linux_banner")
finish()
