"""A module loaded after gdb attached has its symbols at the next stop, with
no command (oopslab run --gdb=listen:PORT, a workload run).

The run brings the null-deref lab's .ko as a file (--file) and loads it
only in --exec, after /init's wait: when gdb attaches, the module is not
there. gdb sets `break do_init_module` and continues; at that stop the stub
has re-read the module list and told gdb (`library:` in the stop reply), so
`info sharedlibrary` lists null_deref.ko with its symbols, and a breakpoint
in it then stops in the module function when the exec line triggers it.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from oopslab_test import OOPSLAB, SOURCE, check, finish, runs_dir  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    kit = dict(l.split("=", 1) for l in subprocess.run([os.path.join(SOURCE, "guests", "build-guest")],
                                                       stdout=subprocess.PIPE, text=True, check=True).stdout.split())
    ko = os.path.join(kit["labs_dir"], "null-deref", "null_deref.ko")
    port = free_port()
    out = tempfile.mkdtemp(prefix="live-module-", dir=runs_dir())
    rundir = os.path.join(out, "run")
    err = open(os.path.join(out, "oopslab.err"), "w+")
    run = subprocess.Popen([OOPSLAB, "run", f"--gdb=listen:{port}", "--out", rundir, "--file", f"{ko}:/root/late.ko",
                            "--exec", "insmod /root/late.ko && echo 1 > /sys/module/null_deref/parameters/trigger"],
                           stdout=subprocess.PIPE, stderr=err, text=True)
    deadline = time.time() + 400
    while time.time() < deadline and run.poll() is None:
        err.seek(0)
        if "waiting for a debugger" in err.read():
            break
        time.sleep(0.5)
    err.seek(0)
    text = err.read()
    if not check("waiting for a debugger" in text, "the workload run waits for a debugger before --exec"):
        print(text)
        run.kill()
        finish()
    cmds = ["set pagination off", "set confirm off", f"target remote 127.0.0.1:{port}",
            "echo @@before\\n", "info sharedlibrary",
            "break do_init_module",
            "echo @@load\\n", "continue", "info sharedlibrary", "info line null_deref_crash",
            "break null_deref_crash",
            "echo @@hit\\n", "delete 1", "continue", "bt 1",
            "echo @@panic\\n", "delete", "continue", "detach"]
    args = ["gdb", "-q", "-nx", "-batch", kit["vmlinux"]]
    for c in cmds:
        args += ["-ex", c]
    g = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600).stdout
    print(g)
    try:
        run.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        run.kill()
        run.communicate()
    err.seek(0)
    print(err.read())
    part = dict(re.findall(r"@@(\w+)\n(.*?)(?=@@|\Z)", g, re.S))

    check("null_deref.ko" not in part.get("before", ""), "when gdb attaches, the module is not loaded")
    ld = part.get("load", "")
    check(re.search(r"Breakpoint 1, (0x[0-9a-f]+ in )?do_init_module", ld), "continue stops in do_init_module")
    check(re.search(r"0x[0-9a-f]+\s+0x[0-9a-f]+\s+Yes\s+\S*null_deref\.ko", ld),
          "at that stop the new module is in gdb's library list with its symbols (no command)")
    check(re.search(r'Line \d+ of "\S*null_deref\.c"', ld), "null_deref_crash has its line information")
    hit = part.get("hit", "")
    check(re.search(r"Breakpoint 2, null_deref_crash \(\) at \S*null_deref\.c:\d+", hit),
          "a breakpoint in the just-loaded module stops there")
    check("SIGABRT" in part.get("panic", ""), "continue then ends in the panic")
    check(run.returncode == 0, f"oopslab run exits 0 (got {run.returncode})")
    # a run of its own (nothing to share), with a 512 MiB dump: not kept
    shutil.rmtree(out, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
