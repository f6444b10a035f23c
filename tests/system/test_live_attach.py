"""oopslab run --lab null-deref --gdb: the harness starts gdb itself,
attached through the live stub. gdb's commands come from its stdin (not a
terminal here, so gdb reads them as a script): break in the lab function,
continue (which triggers the lab), next, print rec, continue into the
panic, bt, quit. Checked: each stop, and that the run then ends as any run
does (exit 0, outcome panic, the dump in the run directory).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from oopslab_test import OOPSLAB, check, finish, labs, marker_line, runs_dir  # noqa: E402


def main():
    _, marked = marker_line(labs()["null-deref"])
    rundir = os.path.join(tempfile.mkdtemp(prefix="live-attach-", dir=runs_dir()), "run")
    script = "\n".join(["set pagination off", "set width 0", "break null_deref_crash", "continue", "next", "print rec",
                        "continue", "bt", "quit", ""])
    p = subprocess.run([OOPSLAB, "run", "--lab", "null-deref", "--gdb", "--out", rundir], input=script,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    out = p.stdout
    print(out)
    check("the guest is stopped before the trigger" in out, "gdb starts attached, with the harness's hint")
    check(re.search(r"Breakpoint 1, null_deref_crash \(\) at \S*null_deref\.c:\d+", out),
          "continue triggers the lab and stops at the breakpoint")
    check(re.search(rf"^(\(gdb\) )*{marked}\s", out, re.M), f"next reaches the marked line {marked}")
    check(re.search(r"\(struct lab_record \*\) 0x0", out), "print rec shows 0x0")
    check("received signal SIGABRT" in out and re.search(r"in panic \(", out), "continue ends in the panic; bt has panic()")
    check(p.returncode == 0, f"oopslab run exits 0 (got {p.returncode})")
    rj = json.load(open(os.path.join(rundir, "run.json"))) if os.path.exists(os.path.join(rundir, "run.json")) else {}
    check(rj.get("outcome") == "panic" and os.path.exists((rj.get("dump") or {}).get("path", "")),
          "run.json says panic and the dump is there")
    # a run of its own (nothing to share), with a 512 MiB dump: not kept
    shutil.rmtree(os.path.dirname(rundir), ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
