#!/usr/bin/python3
"""SIGINT and SIGTERM during boot leave no QEMU process and no running domain;
a run killed outright (SIGKILL) has its QEMU destroyed by the next run."""
import json
import os
import signal
import subprocess
import time

from oopslab_test import OOPSLAB, check, finish, runs_dir


def qemu_pids(domain):
    p = subprocess.run(["pgrep", "-f", f"guest={domain},"], stdout=subprocess.PIPE, text=True)
    return p.stdout.split()


def running_domains(uri):
    p = subprocess.run(["virsh", "-c", uri, "list", "--name"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    return [d for d in p.stdout.split() if d]


def start_and_wait_for_boot(out):
    proc = subprocess.Popen([OOPSLAB, "run", "--lab", "hang", "--timeout", "0", "--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait for the guest to be started, then signal while it boots.
    for line in proc.stderr:
        print(line, end="")
        if "starting guest" in line:
            break
    # QEMU exists once libvirt has let it start (before that, a killed
    # libvirt takes its half-started child with it).
    domain = f"oopslab-hang-{proc.pid}"
    deadline = time.time() + 60
    while not qemu_pids(domain) and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    return proc, domain


base = runs_dir()
for sig in (signal.SIGINT, signal.SIGTERM):
    out = os.path.join(base, f"signal-{sig.name}")
    subprocess.run(["rm", "-rf", out])
    proc, domain = start_and_wait_for_boot(out)
    check(qemu_pids(domain), f"{sig.name}: QEMU of {domain} is running before the signal")
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    print(stderr)
    check(proc.returncode == 128 + sig, f"{sig.name}: exit code {proc.returncode} == {128 + sig}")
    check(not qemu_pids(domain), f"{sig.name}: no QEMU process of {domain} survives")
    with open(os.path.join(out, "run.json")) as f:
        rj = json.load(f)
    check(rj["outcome"] == "error" and "interrupted" in rj["error"], f"{sig.name}: run.json says {rj['error']}")
    check(rj["dump"] is None, f"{sig.name}: no dump")
    check(domain not in running_domains(rj["connect"]), f"{sig.name}: no running domain in {rj['connect']}")

# SIGKILL cannot be caught: the embedded driver's QEMU outlives us, and the
# next run on the same libvirt root must destroy it.
out = os.path.join(base, "signal-SIGKILL")
subprocess.run(["rm", "-rf", out])
proc, domain = start_and_wait_for_boot(out)
proc.kill()
proc.wait()
check(qemu_pids(domain), "SIGKILL: the QEMU process is orphaned (expected)")
out2 = os.path.join(base, "after-SIGKILL")
subprocess.run(["rm", "-rf", out2])
p = subprocess.run([OOPSLAB, "run", "--lab", "clean-exit", "--out", out2], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True, timeout=120)
print(p.stderr)
check(p.returncode == 0, "the next run succeeds")
check(not qemu_pids(domain), "SIGKILL: the next run destroyed the orphaned QEMU")
finish()
