#!/usr/bin/python3
"""Soak: one `oopslab-stub --unix` serves 2,000 gdb-like sessions in a row
on a real lab dump with its vmlinux.  Each session does what gdb does for
`info threads` and `bt` on a few threads (the thread list, registers and
stack memory of the panicking CPU and two tasks) and runs the monitor
commands (ps, lsmod, sys, dmesg).  A Python RSP client, not gdb: it is two
orders of magnitude faster and the stub cannot tell.

Asserts: every session gets the same answers as the first (threads,
registers, memory, monitor output), and the stub's RSS after session 2,000
is within 10 % of its RSS after session 100 (nothing grows per session)."""
import os
import socket
import subprocess
import tempfile
import time

from oopslab_test import STUB, check, finish, run_lab, runs_dir

SESSIONS = 2000
LAB = "null-deref"


class Rsp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.ack = True

    def _byte(self):
        while not self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("the stub closed the connection")
            self.buf = chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def packet(self):
        while self._byte() != b"$":
            pass
        data = bytearray()
        while (c := self._byte()) != b"#":
            data += c
        self._byte(), self._byte()  # checksum: the stub's framing is tested elsewhere
        return data.decode("latin-1")

    def send(self, payload):
        raw = payload.encode("latin-1")
        self.s.sendall(b"$" + raw + b"#%02x" % (sum(raw) & 0xff))

    def ask(self, payload):
        self.send(payload)
        return self.packet()

    def monitor(self, cmd):
        self.send("qRcmd," + cmd.encode().hex())
        out = []
        while (p := self.packet()).startswith("O") and p != "OK":
            out.append(bytes.fromhex(p[1:]).decode("latin-1"))
        return "".join(out), p

    def close(self):
        self.s.close()


def session(path):
    """One session; returns what it saw, to compare with the first."""
    r = Rsp(path)
    seen = []
    seen.append(r.ask("qSupported:multiprocess+;swbreak+;xmlRegisters=i386"))
    seen.append(r.ask("QStartNoAckMode"))
    seen.append(r.ask("?"))
    tids, p = [], r.ask("qfThreadInfo")
    while p.startswith("m"):
        tids += p[1:].split(",")
        p = r.ask("qsThreadInfo")
    seen.append(",".join(tids))
    # the panicking CPU, the other CPU, and the last task (a sleeping one)
    for tid in [tids[0], tids[1], tids[-1]]:
        seen.append(r.ask(f"Hg{tid}"))
        regs = r.ask("g")
        seen.append(regs)
        rsp = int.from_bytes(bytes.fromhex(regs[7 * 16:8 * 16]), "little")
        seen.append(r.ask(f"m{rsp:x},200"))
        seen.append(r.ask(f"qThreadExtraInfo,{tid}"))
    for cmd in ("ps", "lsmod", "sys", "dmesg"):
        seen.append(r.monitor(cmd))
    seen.append(r.ask("D"))
    r.close()
    return seen


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def main():
    rj, _ = run_lab(LAB)
    with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="soak-") as tmp:
        sock = os.path.join(tmp, "stub.sock")
        stub = subprocess.Popen([STUB, "--unix", sock, "--vmlinux", rj["vmlinux"], rj["dump"]["path"]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(600):
                if os.path.exists(sock):
                    break
                time.sleep(0.1)
            first = session(sock)
            check(len(first[3].split(",")) > 3, f"the first session sees {len(first[3].split(','))} threads")
            check("PID" in first[-5][0] and "null_deref" in first[-4][0] and "panic" in first[-3][0].lower(),
                  "monitor ps, lsmod and sys answer")
            differ, rss100, t0 = 0, None, time.monotonic()
            for n in range(2, SESSIONS + 1):
                if session(sock) != first:
                    differ += 1
                if n == 100:
                    rss100 = rss_kib(stub.pid)
            rss = rss_kib(stub.pid)
            print(f"{SESSIONS} sessions in {time.monotonic() - t0:.1f} s; RSS {rss100} KiB after 100, {rss} KiB after {SESSIONS}")
            check(differ == 0, f"every session got the same answers as the first ({differ} differed)")
            check(stub.poll() is None, "the stub is still serving")
            check(rss100 and rss <= rss100 * 1.10,
                  f"RSS after {SESSIONS} sessions ({rss} KiB) is within 10 % of RSS after 100 ({rss100} KiB)")
        finally:
            stub.terminate()
            _, err = stub.communicate(timeout=30)
            print(err[-2000:])
    finish()


if __name__ == "__main__":
    main()
