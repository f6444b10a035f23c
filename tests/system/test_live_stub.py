"""oopslab-stub --live in front of QEMU's gdbstub, on a real guest.

Plain QEMU (TCG) started here boots the null-deref lab with its RAM on a
shared memory-backend-file, QEMU's gdbstub on a Unix socket and a second
serial port on which /init waits (oopslab.wait=ttyS1) before the trigger.
gdb 13, in batch mode, attaches through the stub, sets a breakpoint and a
read watchpoint, sends the go line, continues, steps to the marked line,
and continues into the panic. Checked:
  - `break null_deref_crash` + continue stops in the module function (the
    module was found and loaded by gdb from the library list);
  - `info threads` lists the vCPUs and the tasks; a sleeping task's bt runs
    through schedule(); `monitor ps` lists the guest's processes;
  - `next` from the breakpoint reads lab_current: `rwatch lab_current`
    fires, and the stop is at the marked line; `print rec` is 0x0. Before
    the stub attaches, another debugger (gdb straight on QEMU's gdbstub)
    lets interrupts into single steps (`Qqemu.sstep=0x1`, which QEMU keeps
    across sessions): the stub must turn the masking back on (qqemu.sstep
    through it reads 0x7), or the step over the breakpoint may take an
    interrupt instead and gdb reports the breakpoint again on line 15;
  - without --allow-writes, a memory write is refused and the guest keeps
    its value; with it, the write reaches the guest and reads back;
  - a session's end resumes the guest (its jiffies move between two
    sessions 2 s apart);
  - `stepi` after the watchpoint cut the `next` short runs the faulting
    store (QEMU's leftover debug event must not end it in place);
  - gdb with no file gets vmlinux from the stub with --serve-vmlinux (here
    the kernel did not move: nm's address), and none without it;
  - continue ends in the panic: gdb reports SIGABRT and bt runs from
    panic() to null_deref_crash at the marked line.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from oopslab_test import SOURCE, STUB, check, finish, labs, marker_line  # noqa: E402


def guest_kit():
    out = subprocess.run([os.path.join(SOURCE, "guests", "build-guest")], check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def nm(path, sym):
    out = subprocess.run(["nm", path], stdout=subprocess.PIPE, text=True).stdout
    return int(re.search(rf"^([0-9a-f]+) \w {re.escape(sym)}$", out, re.M).group(1), 16)


def gdb(what, args, timeout):
    """gdb's output; on a hang, what it printed so far and a failed check
    naming the session (the per-session limits stay inside meson's 600 s)."""
    try:
        return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout).stdout
    except subprocess.TimeoutExpired as e:
        out = e.output.decode(errors="replace") if isinstance(e.output, bytes) else (e.output or "")
        print(f"--- {what}: no end after {timeout} s; gdb printed:\n{out}")
        check(False, f"{what}: gdb session ended within {timeout} s")
        return out


def start_qemu(kit, tmp, lab):
    cmd = ["qemu-system-x86_64", "-machine", "pc,memory-backend=pc.ram", "-accel", "tcg", "-m", "512", "-smp", "2",
           "-object", f"memory-backend-file,id=pc.ram,size=512M,mem-path={tmp}/ram,share=on",
           "-kernel", kit["bzimage"], "-initrd", kit["initrd"],
           "-append", f"console=ttyS0 oopslab.lab={lab} oopslab.wait=ttyS1 oops=panic panic=0 nokaslr",
           "-vga", "none", "-nic", "none", "-display", "none", "-device", "pvpanic", "-action", "panic=pause",
           "-serial", f"file:{tmp}/console", "-serial", f"unix:{tmp}/go.sock,server,nowait",
           "-gdb", f"unix:{tmp}/gdb.sock,server,nowait"]
    q = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with open(f"{tmp}/console", errors="replace") as f:
                if "stage=wait" in f.read():
                    return q
        except FileNotFoundError:
            pass
        if q.poll() is not None:
            break
        time.sleep(0.3)
    q.kill()
    raise SystemExit(f"guest did not reach the wait stage; QEMU: {q.stderr.read().decode()[:500]}")


def main():
    kit = guest_kit()
    _, marked = marker_line(labs()["null-deref"])
    with tempfile.TemporaryDirectory(prefix="oopslab-live-") as tmp:
        q = start_qemu(kit, tmp, "null-deref")
        try:
            stub = (f"{STUB} --stdio --live {tmp}/gdb.sock --ram {tmp}/ram --vmlinux {kit['vmlinux']} "
                    f"--modules {kit['labs_dir']}")
            go = (f"python import socket; s = socket.socket(socket.AF_UNIX); s.connect('{tmp}/go.sock'); "
                  "s.sendall(b'go\\n'); s.close()")
            # another debugger, straight on QEMU's gdbstub, lets interrupts in
            # during single steps (QEMU keeps that setting for the next one)
            qargs = ["gdb", "-q", "-nx", "-batch", "-ex", f"target remote {tmp}/gdb.sock",
                     "-ex", "maintenance packet Qqemu.sstep=0x1", "-ex", "maintenance packet qqemu.sstep",
                     "-ex", "detach"]
            qout = gdb("gdb on QEMU's gdbstub", qargs, 60)
            cmds = ["set pagination off", "set confirm off", f"target remote | {stub}",
                    "echo @@sstep\\n", "maintenance packet qqemu.sstep",
                    "echo @@threads\\n", "info threads",
                    "echo @@ps\\n", "monitor ps",
                    "echo @@sleeping\\n",
                    "python [t for t in gdb.selected_inferior().threads() if t.name == 'sleep'][0].switch()",
                    "bt", "thread 1",
                    "echo @@write\\n", "print lab_current = (void *)1", "print lab_current",
                    "break null_deref_crash", "rwatch lab_current", go,
                    "echo @@break\\n", "continue", "bt 1",
                    "echo @@next\\n", "next", "print rec",
                    "echo @@stepi\\n", "stepi", "print $pc",
                    "echo @@panic\\n", "delete", "continue", "bt"]
            # --allow-writes: a write reaches the guest (read back through the
            # RAM mapping), and is undone for the session below
            wcmds = ["set confirm off", f"target remote | {stub} --allow-writes", "print lab_current = (void *)0x10",
                     "print lab_current", "print lab_current = (void *)0", "print lab_current",
                     "print/d jiffies"]
            wargs = ["gdb", "-q", "-nx", "-batch", kit["vmlinux"]]
            for c in wcmds:
                wargs += ["-ex", c]
            wout = gdb("--allow-writes session", wargs, 60)
            # the stub's detach resumes the guest (QEMU 7.2 in multiprocess
            # mode takes `D;PID` only): its clock runs between sessions
            time.sleep(2)
            jout = gdb("jiffies session", ["gdb", "-q", "-nx", "-batch", kit["vmlinux"], "-ex",
                                           f"target remote | {stub}", "-ex", "print/d jiffies"], 60)
            # gdb with no file on a kernel that did not move (nokaslr): vmlinux
            # from the stub only with --serve-vmlinux (what run --gdb --kaslr
            # passes, as a KASLR boot may land at offset 0)
            nofile = {}
            for extra in ("", " --serve-vmlinux"):
                nargs = ["gdb", "-q", "-nx", "-batch", "-ex", f"target remote | {stub}{extra}",
                         "-ex", "print/x (unsigned long)&param_attr_store"]
                nofile[extra] = gdb(f"no-file session{extra}", nargs, 60)
            args = ["gdb", "-q", "-nx", "-batch", kit["vmlinux"]]
            for c in cmds:
                args += ["-ex", c]
            out = gdb("the main session", args, 240)
        finally:
            q.kill()
            q.wait()
    print(out)
    part = dict(re.findall(r"@@(\w+)\n(.*?)(?=@@|\Z)", out, re.S))

    check('received: "0x1"' in qout, "another debugger on QEMU's gdbstub turned interrupt masking in steps off")
    check('received: "0x7"' in part.get("sstep", ""),
          "the stub turns QEMU's masking of interrupts and timers in single steps back on (qqemu.sstep 0x7)")
    th = part.get("threads", "")
    check(re.search(r'Thread 1 "CPU 0"', th) and re.search(r'Thread 2 "CPU 1"', th), "info threads lists the vCPUs")
    check(re.search(r'Thread 1000001 "init"', th) and re.search(r'"sleep" \(pid \d+, state S', th),
          "info threads lists the tasks, init and the sleeping sleeps")
    check(re.search(r"^>?\s+1\s+0\s+\d\s+[0-9a-f]+\s+S\s+init$", part.get("ps", ""), re.M),
          "monitor ps lists init, live")

    sl = part.get("sleeping", "")
    check(re.search(r"\bschedule \(\)", sl) and "do_nanosleep" in sl,
          "a sleeping task's thread gives a bt through schedule()")

    w = part.get("write", "")
    check("Cannot access memory" in w and "memory writes are off" in out and
          re.search(r"\$1 = \(struct lab_record \* volatile\) 0x0", w),
          "without --allow-writes a write is refused and lab_current stays NULL")

    check(re.search(r"\$2 = \(struct lab_record \* volatile\) 0x10\b", wout) and
          re.search(r"\$4 = \(struct lab_record \* volatile\) 0x0\b", wout),
          "with --allow-writes a write reaches the guest and reads back")

    j0, j1 = re.search(r"\$5 = (\d+)", wout), re.search(r"\$1 = (\d+)", jout)
    check(j0 and j1 and int(j1.group(1)) - int(j0.group(1)) >= 50,
          f"the guest ran between two stub sessions (jiffies {j0 and j0.group(1)} -> {j1 and j1.group(1)} "
          "over 2 s): detaching resumes it")

    m = re.search(r"\$1 = (0x[0-9a-f]+)", nofile[" --serve-vmlinux"])
    check(m and int(m.group(1), 16) == nm(kit["vmlinux"], "param_attr_store"),
          "--serve-vmlinux: gdb with no file gets vmlinux from the stub at offset 0 (nm's address)")
    check("No symbol table" in nofile[""], "without it (and no KASLR offset) gdb with no file is offered no vmlinux")
    b = part.get("break", "")
    check(re.search(r"Breakpoint 1, null_deref_crash \(\) at .*null_deref\.c:\d+", b),
          "break null_deref_crash + continue stops in the module function")
    first = int(re.search(r"null_deref\.c:(\d+)", b).group(1)) if re.search(r"null_deref\.c:(\d+)", b) else 0
    check(0 < first < marked, f"the breakpoint is at the function's first line ({first}), before the marked {marked}")

    n = part.get("next", "")
    check(re.search(r"Hardware read watchpoint 2: lab_current", n), "rwatch lab_current fires when the lab reads it")
    check(re.search(rf"^{marked}\s", n, re.M), f"next reaches the marked line {marked}")
    check(re.search(r"\(struct lab_record \*\) 0x0", n), "print rec shows 0x0")

    check(re.search(r"\$\d+ = .* <asm_exc_page_fault>", part.get("stepi", "")),
          "stepi after the step the watchpoint cut runs the faulting store (QEMU's leftover debug event is "
          "not taken for the step): pc is at asm_exc_page_fault")
    p = part.get("panic", "")
    check("received signal SIGABRT" in p and "kernel panicked" in p, "continue ends in the panic and gdb reports the stop")
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)", p, re.M)
    check("panic" in frames and "null_deref_crash" in frames and frames.index("panic") < frames.index("null_deref_crash"),
          "bt at the panic runs from panic() to null_deref_crash")
    check(re.search(rf"null_deref_crash \(\) at .*null_deref\.c:{marked}", p), "... at the marked line")
    finish()


if __name__ == "__main__":
    main()
