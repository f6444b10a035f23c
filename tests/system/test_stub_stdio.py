#!/usr/bin/python3
"""--stdio under gdb's `target remote | ...`: gdb 13 gives the command a
socketpair as stderr and tries a read() of it after every byte it receives,
until it sees end of file there. The stub must end that stream once the
session starts (even though the `sh -c` that gdb runs it from keeps a copy),
after what it said at startup has been written, and send later diagnostics
to --log.

Here the test plays gdb's part with the same plumbing (socketpairs, dash
`sh -c`), and then gdb itself shows the startup message."""
import os
import socket
import subprocess

from oopslab_test import STUB, check, finish, gdb_stub, run_lab, runs_dir

rj, _ = run_lab("null-deref")
dump, vmlinux = rj["dump"]["path"], rj["vmlinux"]
# A dump with no run.json beside it: the stub says at startup that it has no vmlinux.
bare = os.path.join(runs_dir(), "stdio-test")
os.makedirs(bare, exist_ok=True)
alias = os.path.join(bare, "vmcore")
if not os.path.lexists(alias):
    os.symlink(os.path.abspath(dump), alias)
log = os.path.join(bare, "stub.log")
if os.path.exists(log):
    os.unlink(log)


def packet(payload):
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xff)


def read_reply(s):
    data = b""
    while not (b"#" in data and len(data) - data.index(b"#") >= 3):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def session(extra):
    io_parent, io_child = socket.socketpair()
    err_parent, err_child = socket.socketpair()
    # as gdb's ser-pipe.c does: the stub under /bin/sh -c (dash keeps the stderr copy)
    cmd = " ".join([STUB, "--stdio", *extra, alias])
    p = subprocess.Popen(["/bin/sh", "-c", cmd], stdin=io_child, stdout=io_child, stderr=err_child)
    io_child.close()
    err_child.close()
    io_parent.settimeout(120)
    io_parent.sendall(packet(b"qSupported:multiprocess+"))
    reply = read_reply(io_parent)
    check(b"PacketSize=" in reply, f"{extra}: the stub answers qSupported over the socketpair")
    err_parent.settimeout(30)
    said = b""
    try:
        while True:
            chunk = err_parent.recv(4096)
            if not chunk:
                check(True, f"{extra}: stderr reaches end of file while the session goes on")
                break
            said += chunk
    except socket.timeout:
        check(False, f"{extra}: stderr reaches end of file while the session goes on (still open after 30 s)")
    check(b"no vmlinux" in said, f"{extra}: what the stub said at startup came first: {said!r}")
    # a packet with a bad checksum: the diagnostic goes to the log, the session goes on
    io_parent.sendall(b"+$?#00")
    nak = io_parent.recv(1)
    check(nak == b"-", f"{extra}: a bad checksum is refused ({nak!r})")
    io_parent.sendall(packet(b"?"))
    reply = read_reply(io_parent).lstrip(b"+")
    check(reply.startswith(b"$T05thread:"), f"{extra}: and the session goes on: {reply[:30]!r}")
    io_parent.sendall(b"+" + packet(b"D"))
    read_reply(io_parent)
    io_parent.close()
    check(p.wait(timeout=60) == 0, f"{extra}: the stub exits 0 after detach")
    err_parent.close()


session([])
session(["--log", log])
text = open(log).read() if os.path.exists(log) else ""
check("bad checksum" in text and "no vmlinux" not in text,
      f"--log gets the diagnostics of the session, not the startup's: {text!r}")

# inetd-style: stdin, stdout and stderr are the one connection; ending "stderr"
# would end the session, so the stub must leave it alone
conn, child = socket.socketpair()
p = subprocess.Popen([STUB, "--stdio", alias], stdin=child, stdout=child, stderr=child)
child.close()
conn.settimeout(120)
reply = reply2 = b""
try:
    conn.sendall(packet(b"qSupported"))
    reply = read_reply(conn)
    conn.sendall(b"+" + packet(b"?"))
    reply2 = read_reply(conn)
    conn.sendall(b"+" + packet(b"D"))
    read_reply(conn)
except OSError as e:
    print(f"the connection failed: {e}")
check(b"PacketSize=" in reply and b"$T05thread:" in reply2,
      f"one socket for all three descriptors: the session goes on ({reply2[:40]!r})")
conn.close()
p.wait(timeout=60)

# gdb itself: the startup message is printed, and the session works
out = gdb_stub(alias, "p/x $pc", "detach", vmlinux=vmlinux)
print(out)
check("oopslab-stub: no vmlinux" in out, "gdb prints what the stub said before the session")
check("[Inferior 1 (Remote target) detached]" in out, "the gdb session works")

# --log is checked before gdb connects: a bad path is one line, exit 1
p = subprocess.run([STUB, "--stdio", "--log", "/nonexistent/dir/log", dump], stdin=subprocess.DEVNULL,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
lines = p.stderr.strip().splitlines()
check(p.returncode == 1 and len(lines) == 1 and "/nonexistent/dir/log" in lines[0],
      f"a bad --log is one line naming it: {lines}")
finish()
