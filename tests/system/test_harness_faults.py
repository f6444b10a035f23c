#!/usr/bin/python3
"""Harness faults end with a clear error, no QEMU process left, no domain
left, and no half-written run.json: the run directory's filesystem fills up
during the dump (a small tmpfs), libvirt is unreachable, the kernel image is
corrupt (truncated). QEMU killed under the run is not an error but outcome
lost-connection, with syzkaller's title."""
import json
import os
import signal
import subprocess
import time

from oopslab_test import OOPSLAB, SOURCE, check, finish, runs_dir
from workload_util import expect_refused, qemu_pids, running_domains, tmpdir


def start(out, *args):
    proc = subprocess.Popen([OOPSLAB, "run", "--out", out, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:
        print(line, end="")
        lines.append(line)
        if "guest reached userspace" in line:
            break
    return proc, lines


def finished(what, proc, lines, out):
    stdout, stderr = proc.communicate(timeout=600)
    print(stderr)
    rj_path = os.path.join(out, "run.json")
    rj = None
    if os.path.exists(rj_path):
        with open(rj_path) as f:
            rj = json.load(f)  # a half-written file would not parse
    domain = rj["domain"] if rj else None
    errors = [l for l in stderr.splitlines() if l.startswith("oopslab: ")]
    check(proc.returncode == 1 and errors, f"{what}: exit 1 with an error line: {errors}")
    check(rj and rj["outcome"] == "error" and rj["error"], f"{what}: run.json is whole and says error: "
          f"{rj and rj['error']}")
    check(domain and not qemu_pids(domain), f"{what}: no QEMU process of {domain} left")
    check(rj and domain not in running_domains(rj["connect"]), f"{what}: no domain left")
    check(not [f for f in os.listdir(out) if f.endswith(".tmp") or ".json." in f],
          f"{what}: no temporary files left: {os.listdir(out)}")
    return rj, errors


# 1. The run directory's filesystem fills up during the dump.
mnt = tmpdir("tmpfs")
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", mnt], check=True)
try:
    out = os.path.join(mnt, "run")
    # The crash comes from --exec 3 s after userspace, once the test has
    # filled the disk.
    proc, lines = start(out, "--memory", "128", "--exec", "sleep 3; echo c > /proc/sysrq-trigger")
    # The space check passed at the start; now leave too little for a dump.
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    with open(os.path.join(mnt, "filler"), "wb") as f:
        f.write(b"\1" * (free - 1024 * 1024))  # the default dump of 128 MiB is a few MB
    rj, errors = finished("disk full", proc, lines, out)
    check(errors and ("No space" in errors[-1] or "no space" in errors[-1]), f"disk full: the error says so")
    check(rj and rj["dump"] is None and not os.path.exists(os.path.join(out, "vmcore")),
          "disk full: no partial dump left")
finally:
    subprocess.run(["umount", "-l", mnt])

# 2. libvirt unreachable.
expect_refused("libvirt unreachable", ["--lab", "null-deref", "--connect", "qemu+unix:///system?socket=/nonexistent/s"],
               ["cannot connect to libvirt at qemu+unix:///system?socket=/nonexistent/s"], 1)

# 3. A corrupt (truncated) kernel image.
kit = dict(l.split("=", 1) for l in subprocess.run([os.path.join(SOURCE, "guests", "build-guest")],
                                                  stdout=subprocess.PIPE, text=True, check=True)
           .stdout.split())
d = tmpdir("corrupt")
with open(kit["bzimage"], "rb") as f:
    data = f.read()
bad = os.path.join(d, "bzImage")
with open(bad, "wb") as f:
    f.write(data[:len(data) * 2 // 3])
expect_refused("truncated kernel", ["--lab", "null-deref", "--kernel", bad],
               [f"kernel {bad}: truncated bzImage", f"the file has {len(data) * 2 // 3}"], 2)

# 4. QEMU killed under the run.
out = os.path.join(runs_dir(), "fault-qemu-killed")
subprocess.run(["rm", "-rf", out])
proc, lines = start(out, "--lab", "hang", "--timeout", "0")
domain = f"oopslab-hang-{proc.pid}"
pids = qemu_pids(domain)
check(pids, f"QEMU of {domain} runs")
for pid in pids:
    os.kill(int(pid), signal.SIGKILL)
# Not an error of the harness: the outcome syzkaller calls a lost connection.
stdout, stderr = proc.communicate(timeout=600)
print(stderr)
with open(os.path.join(out, "run.json")) as f:
    rj = json.load(f)
check(proc.returncode == 0, f"QEMU killed: exit 0, an outcome ({proc.returncode})")
check(rj["outcome"] == "lost-connection" and rj["error"] is None,
      f"QEMU killed: outcome lost-connection ({rj['outcome']}, error {rj['error']})")
check(rj["title"] == "lost connection to test machine" and rj["type"] == "lost-connection",
      f"QEMU killed: syzkaller's title: {rj['title']!r} ({rj['type']})")
check(rj["detected_by"].startswith("QEMU stopped under the run"), f"QEMU killed: detected_by says so: {rj['detected_by']}")
check("QEMU stopped under the run" in stderr, "QEMU killed: the run says so")
check(not qemu_pids(domain) and domain not in running_domains(rj["connect"]), "QEMU killed: no QEMU, no domain left")
finish()
