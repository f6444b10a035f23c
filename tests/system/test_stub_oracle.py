#!/usr/bin/python3
"""Against crash on the same dump: every CPU's rip and rsp in gdb equal the
registers crash reports for it (help -r, the dump's own register sets, which
crash's bt -a starts from), and the exception frame gdb unwinds to equals
crash bt -a's "exception RIP" frame (RIP and RSP)."""
import re

from oopslab_test import backtrace, check, crash_batch, finish, gdb_stub, run_lab

rj, _ = run_lab("null-deref")
dump, vmlinux = rj["dump"]["path"], rj["vmlinux"]
crash = crash_batch(vmlinux, dump, ["bt -a", "help -r"])
print(crash)

cmds = []
for cpu in range(rj["cpus"]):
    cmds += [f"thread {cpu + 1}", "p/x $rip", "p/x $rsp"]
out = gdb_stub(dump, *cmds, vmlinux=vmlinux)
print(out)
values = re.findall(r"^\$\d+ = (0x[0-9a-f]+)", out, re.M)
for cpu in range(rj["cpus"]):
    block = re.search(rf"^CPU {cpu}:\n(.*?)(?=^CPU \d+:|\Z)", crash, re.M | re.S)
    if not check(block is not None, f"crash help -r has CPU {cpu}"):
        continue
    rip = int(re.search(r"RIP: ([0-9a-f]+)", block.group(1)).group(1), 16)
    rsp = int(re.search(r"RSP: ([0-9a-f]+)", block.group(1)).group(1), 16)
    g_rip, g_rsp = (int(v, 16) for v in values[2 * cpu:2 * cpu + 2])
    check(g_rip == rip and g_rsp == rsp,
          f"CPU {cpu}: gdb rip/rsp {g_rip:#x}/{g_rsp:#x} == crash {rip:#x}/{rsp:#x}")

exc = re.search(r"\[exception RIP: (\w+)\+\d+\]\s+RIP: ([0-9a-f]+)\s+RSP: ([0-9a-f]+)", crash)
check(exc is not None, "crash bt -a shows the exception frame")
if exc:
    out = gdb_stub(dump, rj["add_symbol_file"], "bt", vmlinux=vmlinux)
    level = next((f[0] for f in backtrace(out) if f[1] == exc.group(1)), None)
    check(level is not None, f"gdb's bt has the {exc.group(1)} frame")
    if level is not None:
        out = gdb_stub(dump, rj["add_symbol_file"], f"frame {level}", "p/x $pc", "p/x $sp", vmlinux=vmlinux)
        pc, sp = (int(v, 16) for v in re.findall(r"^\$\d+ = (0x[0-9a-f]+)", out, re.M)[:2])
        check(pc == int(exc.group(2), 16) and sp == int(exc.group(3), 16),
              f"exception frame pc/sp {pc:#x}/{sp:#x} == crash {exc.group(2)}/{exc.group(3)}")
finish()
