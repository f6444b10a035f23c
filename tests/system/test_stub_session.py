#!/usr/bin/python3
"""The stub as a gdb target: a read-only, stopped kernel. continue and step
say why and stay put; writes fail; monitor commands; detach ends the session;
--listen (loopback) and --unix; bad input gets one line and exit 1 (2 for bad usage); the dump
is never written."""
import os
import re
import shutil
import socket
import subprocess
import time

from oopslab_test import STUB, check, finish, gdb_batch, gdb_stub, run_lab, runs_dir

rj, _ = run_lab("null-deref")
dump, vmlinux = rj["dump"]["path"], rj["vmlinux"]
mtime = os.stat(dump).st_mtime_ns

out = gdb_stub(dump, "p/x $pc", "continue", "p/x $pc", "step", "p/x $pc", "set var panic_cpu.counter = 5",
               "x/gx 0xffff800000000000", "monitor help", "monitor info version", "monitor info",
               "monitor vmcoreinfo", "monitor no-such", "p $xmm0", "p/x $cr3", "detach", vmlinux=vmlinux)
print(out)
pcs = re.findall(r"^\$\d+ = (0x[0-9a-f]+)", out, re.M)
check(len(pcs) >= 3 and pcs[0] == pcs[1] == pcs[2], "continue and step leave the pc where it was")
check(out.count("it cannot run, step or stop at a breakpoint") == 2, "continue and step say why")
check("Cannot access memory at address 0xffffffff" in out, "a memory write fails")
check("Cannot access memory at address 0xffff800000000000" in out, "an unmapped read fails")
for cmd in ("help", "info version", "info", "kaslr", "vmcoreinfo"):
    check(re.search(rf"^  monitor {cmd} ", out, re.M) is not None, f"monitor help lists {cmd}")
check(re.search(r"^oopslab-stub \d+\.\d+\.\d+ ", out, re.M) is not None, "monitor info version answers")
check(re.search(r"^CPUs: \d+; stop thread \d+: panic_cpu = \d+ in the dump$", out, re.M) is not None,
      "monitor info says how the stop thread was found")
check("OSRELEASE=6.1." in out, "monitor vmcoreinfo prints the note")
check("unknown monitor command 'no-such'" in out, "an unknown monitor command says so")
check(re.search(r"^\$\d+ = <unavailable>$", out, re.M) is not None, "x87/SSE state is unavailable")
check(re.search(r"^\$\d+ = 0x[0-9a-f]+000$", out, re.M) is not None, "cr3 is available")
check("[Inferior 1 (Remote target) detached]" in out, "detach ends the session")

# --listen: loopback by default, on an ephemeral port
p = subprocess.Popen([STUB, "--listen", "0", dump], stderr=subprocess.PIPE, text=True)
line = p.stderr.readline()
m = re.search(r"on (127\.0\.0\.1):(\d+) ", line)
check(m is not None, f"--listen binds 127.0.0.1 by default: {line.strip()}")
if m:
    out = gdb_batch(f"target remote {m.group(1)}:{m.group(2)}", "bt 1", "detach", vmlinux=vmlinux)
    check("pvpanic" in out or "#0" in out, "gdb connects over TCP")
    out = gdb_batch(f"target remote {m.group(1)}:{m.group(2)}", "info threads", "detach", vmlinux=vmlinux)
    check('Thread 1 "CPU 0"' in out, "and again after a detach")
p.terminate()
p.wait()

sock = os.path.join(runs_dir(), "stub.sock")
if os.path.exists(sock):
    os.unlink(sock)
p = subprocess.Popen([STUB, "--unix", sock, dump], stderr=subprocess.PIPE, text=True)
p.stderr.readline()
out = gdb_batch(f"target remote {sock}", "info threads", "detach", vmlinux=vmlinux)
check('Thread 2 "CPU 1"' in out, "gdb connects over --unix")
p.terminate()
p.wait()
os.unlink(sock)


def stub_error(args, needle, status=1):
    p = subprocess.run([STUB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    lines = p.stderr.strip().splitlines()
    check(p.returncode == status and len(lines) == 1 and needle in lines[0],
          f"{args}: exit {p.returncode} (want {status}), one line with {needle!r}: {lines}")


stub_error(["--stdio", "/nonexistent/vmcore"], "/nonexistent/vmcore")
# bad usage: exit 2
stub_error(["--listen", "nonsense:port", dump], "expected [HOST:]PORT", 2)
stub_error(["--bogus", dump], "--bogus", 2)
stub_error(["--stdio", "--listen", "1234", dump], "choose one of", 2)
stub_error([], "no dump given", 2)
cut = os.path.join(runs_dir(), "truncated-vmcore")
# Cut inside the program headers: nothing can be read, one line names the offset.
with open(dump, "rb") as src, open(cut, "wb") as dst:
    dst.write(src.read(100))
stub_error(["--stdio", cut], "offset 0x")
# Cut after the notes: the dump opens, with a warning saying how much is missing
# (the test truncated checks what can still be read).
with open(dump, "rb") as src, open(cut, "wb") as dst:
    dst.write(src.read(1 << 20))
p = subprocess.run([STUB, "--info", cut], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
check(p.returncode == 0 and re.search(r"truncated: .* missing", p.stdout + p.stderr) is not None,
      f"a dump cut after its notes opens and says what is missing: {p.returncode} {(p.stdout + p.stderr)[-300:]}")
os.unlink(cut)
check(os.stat(dump).st_mtime_ns == mtime, "the dump was never written")
finish()
