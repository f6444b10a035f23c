"""oopslab run --lab null-deref --gdb=listen:PORT, with gdb 13 in batch mode
as the user's debugger (the real harness, libvirt's embedded driver, QEMU).

The run stops before the trigger and waits for a debugger; gdb attaches,
checks the live threads and monitor, sets `break null_deref_crash`,
continues (which triggers the lab), steps to the marked line, prints rec,
continues into the panic and takes a bt there, then detaches. Checked:
  - the stop at the breakpoint is in the module function at its first line;
  - `next` reaches the marked line; `print rec` shows 0x0;
  - `info threads` lists vCPUs and tasks; `monitor ps` works live;
  - continue ends in the panic, gdb reports it, and bt runs from panic()
    to null_deref_crash at the marked line;
  - the run directory then holds the dump, run.json says outcome panic,
    the stub read guest RAM from libvirt's shared file (stub.log, no
    fallback), and `oopslab report` names the crash as the lab's title,
    as without --gdb.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from oopslab_test import OOPSLAB, SOURCE, check, finish, labs, marker_line, runs_dir  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    lab = labs()["null-deref"]
    _, marked = marker_line(lab)
    port = free_port()
    out = tempfile.mkdtemp(prefix="live-run-", dir=runs_dir())
    rundir = os.path.join(out, "run")
    err = open(os.path.join(out, "oopslab.err"), "w+")
    run = subprocess.Popen([OOPSLAB, "run", "--lab", "null-deref", f"--gdb=listen:{port}", "--out", rundir],
                           stdout=subprocess.PIPE, stderr=err, text=True)
    deadline = time.time() + 400
    while time.time() < deadline and run.poll() is None:
        err.seek(0)
        if "waiting for a debugger" in err.read():
            break
        time.sleep(0.5)
    err.seek(0)
    text = err.read()
    if not check("waiting for a debugger" in text, "the run waits for a debugger before the trigger"):
        print(text)
        run.kill()
        finish()
    kit = subprocess.run([os.path.join(SOURCE, "guests", "build-guest")], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    vmlinux = re.search(r"^vmlinux=(.*)$", kit, re.M).group(1)
    cmds = ["set pagination off", "set confirm off", f"target remote 127.0.0.1:{port}",
            "echo @@threads\\n", "info threads", "echo @@ps\\n", "monitor ps",
            "break null_deref_crash",
            "echo @@break\\n", "continue", "bt 1",
            "echo @@next\\n", "next", "print rec",
            "echo @@panic\\n", "delete", "continue", "bt", "detach"]
    args = ["gdb", "-q", "-nx", "-batch", vmlinux]
    for c in cmds:
        args += ["-ex", c]
    g = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600).stdout
    print(g)
    try:
        stdout, _ = run.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        run.kill()
        stdout, _ = run.communicate()
    err.seek(0)
    print(err.read())
    part = dict(re.findall(r"@@(\w+)\n(.*?)(?=@@|\Z)", g, re.S))

    th = part.get("threads", "")
    check(re.search(r'Thread 1 "CPU 0"', th) and re.search(r'Thread 1000001 "init"', th),
          "info threads lists the vCPUs and the tasks")
    check(re.search(r"^>?\s+1\s+0\s+\d\s+[0-9a-f]+\s+S\s+init$", part.get("ps", ""), re.M), "monitor ps works live")
    b = part.get("break", "")
    m = re.search(r"Breakpoint 1, null_deref_crash \(\) at .*null_deref\.c:(\d+)", b)
    check(m and 0 < int(m.group(1)) < marked, "continue triggers the lab and stops at null_deref_crash's first line")
    n = part.get("next", "")
    check(re.search(rf"^{marked}\s", n, re.M), f"next reaches the marked line {marked}")
    check(re.search(r"\(struct lab_record \*\) 0x0", n), "print rec shows 0x0")
    p = part.get("panic", "")
    check("received signal SIGABRT" in p and "kernel panicked" in p, "continue ends in the panic and gdb reports it")
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)", p, re.M)
    check("panic" in frames and "null_deref_crash" in frames and frames.index("panic") < frames.index("null_deref_crash")
          and re.search(rf"null_deref_crash \(\) at .*null_deref\.c:{marked}", p),
          "bt at the panic runs from panic() to null_deref_crash at the marked line")

    check(run.returncode == 0, f"oopslab run exits 0 (got {run.returncode})")
    rj = {}
    if os.path.exists(os.path.join(rundir, "run.json")):
        rj = json.load(open(os.path.join(rundir, "run.json")))
    check(rj.get("outcome") == "panic", f"run.json outcome panic (got {rj.get('outcome')})")
    dump = (rj.get("dump") or {}).get("path")
    check(dump and os.path.exists(dump),
          "the run directory holds the dump")
    slog = open(os.path.join(rundir, "stub.log")).read() if os.path.exists(os.path.join(rundir, "stub.log")) else ""
    # the RAM backend's file (pc.ram), wherever the driver's memory_backing_dir puts it
    check(re.search(r"attached to QEMU.*\(memory: /\S+/pc\.ram[;)]", slog),
          "the stub attached, with guest RAM from libvirt's shared file")
    rep = subprocess.run([OOPSLAB, "report", rundir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    check(lab["title"] in rep, f"oopslab report names the crash: {lab['title']!r}")
    # a run of its own (nothing to share), with a 512 MiB dump: not kept
    shutil.rmtree(out, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
