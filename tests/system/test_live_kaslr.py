"""oopslab run --lab null-deref --gdb --kaslr: the guest boots with KASLR,
and gdb, started by the harness with no file, gets vmlinux relocated from
the live stub (the offset found at the first stop, from the page tables)
and the lab module from the library list, with no command. gdb's commands
come from its stdin (a script). Checked, with the console's "Kernel
Offset" and nm's link-time values as the oracles:
  - the kernel moved, and gdb's address of a vmlinux function is its link
    address plus that offset;
  - `break null_deref_crash` + continue stops in the module function at its
    first line, and `bt` there is symbolized through the module and
    vmlinux (file:line for the lab's frames and param_attr_store);
  - `rwatch lab_current` fires in `next`, at the marked line;
  - continue then (QEMU's leftover debug event from the step the watchpoint
    cut must not stop it) ends in the panic, gdb reports it, and bt runs
    from panic() to null_deref_crash at the marked line;
  - the run then ends as any run does: exit 0, outcome panic, the dump in
    the run directory, and `oopslab report` names the crash.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from oopslab_test import OOPSLAB, backtrace, check, finish, labs, marker_line, runs_dir  # noqa: E402

SCRIPT = ["set pagination off", "set width 0", "echo @@addr\\n", "print/x (unsigned long)&param_attr_store",
          "break null_deref_crash", "rwatch lab_current", "echo @@break\\n", "continue", "bt", "echo @@next\\n", "next",
          "echo @@panic\\n", "continue", "bt", "quit", ""]


def console_offset(rundir):
    try:
        with open(os.path.join(rundir, "console.log"), errors="replace") as f:
            m = re.search(r"Kernel Offset: (0x[0-9a-f]+) from", f.read())
    except FileNotFoundError:
        return None
    return int(m.group(1), 16) if m else None


def nm(path, sym):
    out = subprocess.run(["nm", path], stdout=subprocess.PIPE, text=True).stdout
    return int(re.search(rf"^([0-9a-f]+) \w {re.escape(sym)}$", out, re.M).group(1), 16)


def live_run(out):
    rundir = os.path.join(out, "run")
    p = subprocess.run([OOPSLAB, "run", "--lab", "null-deref", "--gdb", "--kaslr", "--out", rundir],
                       input="\n".join(SCRIPT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    return p, rundir


def main():
    lab = labs()["null-deref"]
    _, marked = marker_line(lab)
    out = tempfile.mkdtemp(prefix="live-kaslr-", dir=runs_dir())
    # a KASLR boot may, rarely, land at offset 0: boot again then
    for attempt in range(3):
        shutil.rmtree(os.path.join(out, "run"), ignore_errors=True)
        p, rundir = live_run(out)
        offset = console_offset(rundir)
        if offset:
            break
    print(p.stdout)
    # gdb reading a script prints its prompt before each command's output
    text = re.sub(r"^(\(gdb\) )+", "", p.stdout, flags=re.M)
    part = dict(re.findall(r"@@(\w+)\n(.*?)(?=@@|\Z)", text, re.S))
    check(bool(offset), f"the kernel moved: the console's Kernel Offset is {offset and hex(offset)}")

    rj = json.load(open(os.path.join(rundir, "run.json"))) if os.path.exists(os.path.join(rundir, "run.json")) else {}
    vmlinux = rj.get("vmlinux")
    m = re.search(r"\$1 = (0x[0-9a-f]+)", part.get("addr", ""))
    want = nm(vmlinux, "param_attr_store") + (offset or 0) if vmlinux else None
    check(m and want and int(m.group(1), 16) == want,
          f"gdb has vmlinux relocated: &param_attr_store is {m and m.group(1)}, link address + offset "
          f"{want and hex(want)}")

    b = part.get("break", "")
    m = re.search(r"Breakpoint 1, null_deref_crash \(\) at \S*null_deref\.c:(\d+)", b)
    check(m and 0 < int(m.group(1)) < marked, "continue triggers the lab and stops at null_deref_crash's first line")
    frames = {f[1]: f for f in backtrace(b)}
    check(all(frames.get(fn) and frames[fn][2] for fn in ("null_deref_crash", "oopslab_trigger_set",
                                                          "param_attr_store")) and "??" not in b,
          "bt at the breakpoint is symbolized: the module's frames and vmlinux's, each with its file and line")

    check(re.search(r"Hardware read watchpoint 2: lab_current", part.get("next", "")) and
          re.search(rf"^{marked}\s", part.get("next", ""), re.M),
          f"rwatch lab_current (at its relocated address) cuts the next short at the marked line {marked}")
    pan = part.get("panic", "")
    names = [f[1] for f in backtrace(pan)]
    check("received signal SIGABRT" in pan and "kernel panicked" in pan, "continue ends in the panic and gdb reports it")
    check("panic" in names and "null_deref_crash" in names and names.index("panic") < names.index("null_deref_crash")
          and re.search(rf"null_deref_crash \(\) at \S*null_deref\.c:{marked}", pan),
          "bt at the panic runs from panic() to null_deref_crash at the marked line")

    check(p.returncode == 0, f"oopslab run exits 0 (got {p.returncode})")
    dump = (rj.get("dump") or {}).get("path")
    check(rj.get("outcome") == "panic" and dump and os.path.exists(dump) and
          os.path.dirname(os.path.abspath(dump)) == os.path.abspath(rundir),
          "run.json says panic and the dump is in the run directory")
    rep = subprocess.run([OOPSLAB, "report", rundir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    check(lab["title"] in rep, f"oopslab report names the crash: {lab['title']!r}")
    # a run of its own (nothing to share), with a 512 MiB dump: not kept
    shutil.rmtree(out, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
