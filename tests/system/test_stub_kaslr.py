#!/usr/bin/python3
"""A KASLR boot: loading vmlinux the way `monitor kaslr` says makes bt,
list and x/s work; the stub's offset equals the console's "Kernel Offset"
when the kernel printed one, and VMCOREINFO's KERNELOFFSET."""
import re

from oopslab_test import backtrace, check, finish, gdb_stub, labs, marker_line, parse_sym, run_lab

lab = labs()["null-deref"]
rj, rundir = run_lab("null-deref", "--kaslr")
check(rj["kaslr"] is True and "nokaslr" not in rj["cmdline"], "booted with KASLR")
fct, off, _ = parse_sym(rj["rip"])
_, line = marker_line(lab)

# No vmlinux on gdb's command line: the stub says how to load it.
out = gdb_stub(rj["dump"]["path"], "monitor kaslr")
print(out)
m = re.search(r"KASLR offset: 0x([0-9a-f]+)", out)
check(m is not None and int(m.group(1), 16) != 0, "monitor kaslr reports a non-zero offset")
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
