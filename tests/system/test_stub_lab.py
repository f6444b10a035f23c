#!/usr/bin/python3
"""oopslab-stub serves a lab's dump to gdb 13: bt on the stop thread runs from
panic() down through the exception to the lab function at its marked line;
after add-symbol-file, list *(FUNC+OFF) from the console's oops line shows
the marked line; one thread per vCPU; x/s linux_banner."""
import os
import re
import sys

from oopslab_test import backtrace, check, finish, gdb_stub, labs, marker_line, parse_sym, run_lab

name = sys.argv[1]
lab = labs()[name]
rj, rundir = run_lab(name)
check(rj["outcome"] == "panic", f"{name} panicked")
fct, off, mod = parse_sym(rj["rip"])
_, line = marker_line(lab, rj["kernel_dir"])
with open(os.path.join(rundir, "console.log"), errors="replace") as f:
    m = re.search(r"CPU: (\d+) PID: \d+ Comm:", f.read())
panic_cpu = int(m.group(1)) if m else None

out = gdb_stub(rj["dump"]["path"], rj["add_symbol_file"], "info threads", "bt",
               f"list *({fct}+{off:#x})", "x/s linux_banner", vmlinux=rj["vmlinux"])
print(out)
threads = re.findall(r'^\*?\s+(\d+)\s+Thread (\d+) "CPU (\d+)"', out, re.M)
check(len(threads) == rj["cpus"], f"info threads lists {len(threads)} threads for {rj['cpus']} vCPUs")
check(all(int(t[1]) == int(t[2]) + 1 for t in threads), "thread ids are cpu + 1, in CPU order")
cur = re.search(r'^\*\s+\d+\s+Thread \d+ "CPU (\d+)"', out, re.M)
check(cur and panic_cpu is not None and int(cur.group(1)) == panic_cpu,
      f"the stop thread is the CPU that oopsed (console: CPU {panic_cpu})")

frames = backtrace(out)
names = [f[1] for f in frames]
check("panic" in names, "bt shows panic()")
check(fct in names, f"bt reaches the lab function {fct}")
if "panic" in names and fct in names:
    check(names.index("panic") < names.index(fct), "panic() is above the lab function (the panic path)")
    lab_frame = frames[names.index(fct)]
    check(lab_frame[3] == line and lab_frame[2].endswith(lab["source"].split("/")[-1]),
          f"the lab frame is at the marked line {line}: {lab_frame}")
check(re.search(rf"is in {fct} \(.*:{line}\)\.", out) is not None,
      f"list *({fct}+{off:#x}) names the marked line {line}")
check(re.search(rf"^{line}\t.*oopslab: crash here", out, re.M) is not None, "and prints it")
check('<linux_banner>:\t"Linux version 6.1.' in out, "x/s linux_banner reads the banner from the dump")
finish()
