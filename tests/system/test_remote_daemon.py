#!/usr/bin/python3
"""A real libvirt daemon that shares no directory with the harness: libvirtd
started by the test in its own mount namespace (libvirt_daemon.py), reached
over qemu+tcp://127.0.0.1:PORT/system. A run's kernel and initramfs go up
through the daemon's storage pool (a second run uploads nothing), its
console comes over the connection and its dump comes down into the local
run directory (and is deleted from the pool); `oopslab report` and
`oopslab gdb --batch` work on the result. Then `batch` spreads runs over two
such daemons and says which ran each. Every daemon is stopped by pid."""
import json
import os
import re
import signal
import subprocess
import xml.etree.ElementTree as ET

from libvirt_daemon import Daemon
from oopslab_test import OOPSLAB, SOURCE, check, finish, labs, runs_dir
from workload_util import run

LAB = "null-deref"
POOL_DIR = "/var/lib/libvirt/images/oopslab"


def pool_files(d):
    p = d.exec_in("ls", "-A", POOL_DIR)
    return sorted(p.stdout.split()) if p.returncode == 0 else None


def check_run(d, rj, out, what):
    lab = labs()[LAB]
    check(rj is not None and rj["outcome"] == "panic", f"{what}: outcome panic ({rj and rj['outcome']})")
    if not rj:
        return
    check(rj["connect"] == d.uri, f"{what}: run.json names the daemon {rj['connect']}")
    check(rj["title"] == lab["title"], f"{what}: title {rj['title']!r} == manifest {lab['title']!r}")
    # the console came over libvirt into the local run directory
    with open(os.path.join(out, "console.log"), errors="replace") as f:
        console = f.read()
    check("oopslab: stage=userspace" in console and rj["panic_line"] in console,
          f"{what}: console.log is local and whole, from /init's first stage to the panic")
    check(console.lstrip().startswith("[") and "Linux version 6.1" in console,
          f"{what}: ... from the kernel's first line")
    dump = rj["dump"]
    check(dump and os.path.dirname(os.path.abspath(dump["path"])) == os.path.abspath(out)
          and os.path.getsize(dump["path"]) == dump["bytes"] > 0,
          f"{what}: the dump is in the local run directory ({dump})")
    check(dump and dump["format"] == "kdump-zlib", f"{what}: QEMU's kdump-zlib by default ({dump and dump['format']})")
    with open(dump["path"], "rb") as f:
        magic = f.read(16)
    check(magic.startswith(b"makedumpfile"), f"{what}: a kdump-zlib (flattened) file: {magic!r}")
    note = (rj.get("remote") or {}).get("dump") or ""
    check("kdump-zstd" in note and "shared" in note, f"{what}: run.json says why not kdump-zstd: {note!r}")
    check(rj["accel"] == "tcg", f"{what}: TCG ({rj['accel_reason']})")
    qlog = os.path.join(d.log, "qemu", f"{rj['domain']}.log")
    with open(qlog, errors="replace") as f:
        cmd = f.read()
    check(re.search(r"-accel tcg|accel=tcg", cmd) is not None and "-enable-kvm" not in cmd and "accel kvm" not in cmd,
          f"{what}: the daemon's QEMU ran TCG (its log {qlog})")
    check(rj["domain"] not in d.virsh("list", "--all", "--name").stdout.split(), f"{what}: no domain left")
    check(not d.qemu_pids(), f"{what}: no QEMU of the daemon's left")
    files = pool_files(d)
    check(files is not None and not [f for f in files if "vmcore" in f],
          f"{what}: the dump was deleted from the pool: {files}")
    # the run directory has what an embedded run's has (but qemu.log, which stays on the daemon's host)
    for name in ("run.json", "console.log", "vmcore", "report.txt", "report.json", "domain.xml"):
        check(os.path.exists(os.path.join(out, name)), f"{what}: {name} in the run directory")


daemons = []
try:
    kit = subprocess.run([os.path.join(SOURCE, "guests", "build-guest")],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    bzimage = dict(l.split("=", 1) for l in kit.split())["bzimage"]
    a = Daemon(runs_dir(), "daemon-a", hide=[SOURCE, bzimage]).start()
    daemons.append(a)
    print(f"libvirtd pid {a.proc.pid} at {a.uri}")

    # Nothing shared: the daemon's namespace does not see the harness's files
    # (the lab kernel's cache, the run directories), nor the harness its pool.
    check(a.exec_in("test", "-e", bzimage).returncode == 1, f"the daemon cannot see the lab kernel {bzimage}")
    check(a.exec_in("test", "-e", runs_dir()).returncode == 1, f"the daemon cannot see {runs_dir()}")

    # What a daemon's run cannot have: refused before a guest exists.
    for opt in (["--capture", "kdump"], ["--share", runs_dir()], ["--gdb=listen:1"]):
        out = os.path.join(runs_dir(), "remote-refused")
        subprocess.run(["rm", "-rf", out], check=True)
        p = subprocess.run([OOPSLAB, "run", "--lab", LAB, "--connect", a.uri, "--out", out, *opt],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 2 and lines and "needs the embedded driver" in lines[-1] and not os.path.exists(out),
              f"{opt[0]} with --connect: exit 2, one line, no run directory ({p.returncode}: {lines[-1:]})")

    # 1. A run through the daemon: everything uploaded.
    rc, err, rj, out = run("remote-1", "--lab", LAB, "--connect", a.uri)
    check(rc == 0, f"run 1 exits 0 ({rc})")
    check_run(a, rj, out, "run 1")
    remote = (rj or {}).get("remote") or {}
    check(remote.get("kernel_uploaded") is True and remote.get("initrd_uploaded") is True,
          f"run 1 uploaded the kernel and the initramfs: {remote}")
    files = pool_files(a) or []
    check(remote.get("kernel") and os.path.basename(remote["kernel"]) in files and not os.path.exists(remote["kernel"]),
          f"run 1: the kernel is a volume of the daemon's pool only ({remote.get('kernel')}; pool {files})")
    st = a.exec_in("stat", "-c", "%a", remote.get("kernel", "/nonexistent"))
    check(st.stdout.strip() == "644", f"the kernel's volume is readable by the daemon's QEMU user (mode {st.stdout.strip()})")

    # report and gdb --batch on the run directory
    p = subprocess.run([OOPSLAB, "report", "--json", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300)
    rep = json.loads(p.stdout) if p.returncode == 0 else {}
    check(p.returncode == 0 and rep.get("title") == labs()[LAB]["title"] and rep.get("function") == labs()[LAB]["function"],
          f"oopslab report on run 1: {rep.get('title')!r} in {rep.get('function')!r} {p.stderr.strip()}")
    p = subprocess.run([OOPSLAB, "gdb", "--batch", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    print(p.stdout[-1200:])
    check(p.returncode == 0 and labs()[LAB]["marker"] in p.stdout,
          "oopslab gdb --batch on run 1 lists the marked line")

    # 2. Again: the pool has both by their content, nothing goes up.
    rc, err, rj, out = run("remote-2", "--lab", LAB, "--connect", a.uri)
    check(rc == 0, f"run 2 exits 0 ({rc})")
    check_run(a, rj, out, "run 2")
    remote = (rj or {}).get("remote") or {}
    check(remote.get("kernel_uploaded") is False and remote.get("initrd_uploaded") is False,
          f"run 2 uploaded nothing: {remote}")

    # QEMU killed under a run on the daemon: outcome lost-connection.
    out = os.path.join(runs_dir(), "remote-killed")
    subprocess.run(["rm", "-rf", out], check=True)
    proc = subprocess.Popen([OOPSLAB, "run", "--lab", "hang", "--timeout", "0", "--connect", a.uri, "--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        print(line, end="")
        if "guest reached userspace" in line:
            break
    pids = a.qemu_pids()
    check(len(pids) == 1, f"the daemon runs the guest's QEMU ({pids})")
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    if not pids:
        proc.terminate()  # the run would wait forever (--timeout 0)
    _, stderr = proc.communicate(timeout=300)
    print(stderr)
    rj = json.load(open(os.path.join(out, "run.json"))) if os.path.exists(os.path.join(out, "run.json")) else {}
    check(proc.returncode == 0 and rj.get("outcome") == "lost-connection" and
          rj.get("title") == "lost connection to test machine",
          f"QEMU killed on the daemon: outcome lost-connection, syzkaller's title ({proc.returncode}, "
          f"{rj.get('outcome')}, {rj.get('title')!r})")
    check(rj.get("domain") not in a.virsh("list", "--all", "--name").stdout.split(), "QEMU killed: no domain left")

    # 3. batch over two daemons, round robin, each run's host reported. B
    # first: its two runs start together on an empty pool, and one uploads
    # while the other waits for that upload.
    b = Daemon(runs_dir(), "daemon-b", hide=[SOURCE, bzimage]).start()
    daemons.append(b)
    print(f"libvirtd pid {b.proc.pid} at {b.uri}")
    bout = os.path.join(runs_dir(), "remote-batch")
    subprocess.run(["rm", "-rf", bout], check=True)
    junit = os.path.join(bout, "junit.xml")
    batch_labs = ["null-deref", "bug-on", "bad-pointer"]
    p = subprocess.run([OOPSLAB, "batch", *[f"--lab={lab}" for lab in batch_labs], "--connect", b.uri,
                        "--connect", a.uri, "-j", "3", "--out", bout, "--junit", junit],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=1800)
    print(p.stderr[-3000:])
    print(p.stdout)
    check(p.returncode == 0, f"batch over two daemons exits 0 ({p.returncode})")
    hosts, uploads = {}, {}
    for lab in batch_labs:
        path = os.path.join(bout, f"lab-{lab}", "run.json")
        rj = json.load(open(path)) if os.path.exists(path) else {}
        hosts[lab] = rj.get("connect")
        uploads[lab] = (rj.get("remote") or {}).get("kernel_uploaded")
        check(rj.get("outcome") == "panic" and os.path.exists(os.path.join(bout, f"lab-{lab}", "vmcore")),
              f"batch: {lab} panicked, its dump local ({rj.get('outcome')})")
        # three guests at once: the console comes late, but whole
        check(rj.get("title") == labs()[lab]["title"] and rj.get("panic_line"),
              f"batch: {lab}'s console is whole: title {rj.get('title')!r}, panic line {rj.get('panic_line')!r}")
        check(re.search(rf"lab/{lab} on {re.escape(str(hosts[lab]))}: panic", p.stderr) is not None,
              f"batch: {lab}'s line names its host {hosts[lab]}")
        check(f"lab/{lab} on {hosts[lab]}" in p.stdout, f"batch: the summary names {lab}'s host")
    # the labs' order in the manifest decides the jobs' order: count, not names
    on_b = [lab for lab in batch_labs if hosts[lab] == b.uri]
    check(len(on_b) == 2 and sorted(set(hosts.values())) == sorted([a.uri, b.uri]),
          f"batch: round robin, two runs on B and one on A: {hosts}")
    check(sorted(uploads[lab] for lab in on_b) == [False, True],
          f"batch: of B's two runs at once, one uploaded the kernel: {uploads}")
    check(len(pool_files(b) or []) == 4, f"batch: B's pool holds the kernel and the initramfs once: {pool_files(b)}")
    cases = ET.parse(junit).getroot().iter("testcase") if os.path.exists(junit) else []
    props = {c.get("name"): {q.get("name"): q.get("value") for q in c.iter("property")} for c in cases}
    check(all(props.get(lab, {}).get("connect") == hosts[lab] for lab in hosts),
          f"batch: the JUnit XML names each run's host: {props}")
finally:
    for d in daemons:
        d.stop()
        print(f"libvirtd {d.proc.pid} stopped: exit {d.proc.returncode}")
for d in daemons:
    check(d.proc.poll() is not None, f"libvirtd {d.proc.pid} is gone")
    check(d.ns is not None and d.ns != os.readlink("/proc/self/ns/mnt"),
          f"libvirtd {d.proc.pid} ran in its own mount namespace ({d.ns})")
    check(not d.qemu_pids(), f"no QEMU of libvirtd {d.proc.pid} left")
finish()
