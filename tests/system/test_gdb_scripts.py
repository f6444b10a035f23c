#!/usr/bin/python3
"""The kernel's own gdb scripts (vmlinux-gdb.py of the lab kernel build)
against the stub, on a nokaslr and a KASLR null-deref dump: lx-lsmod shows
what `monitor lsmod` does; lx-symbols loads the lab module from the kernel
build tree; lx-dmesg shows the oops; lx-ps lists the tasks with the crashing
shell; $lx_current() is that shell.

lx-symbols reloads vmlinux at its link address and drops gdb's libraries.
With nokaslr it works as it is, and `sharedlibrary` brings the entry-code
unwind info back; on a KASLR boot it needs scripts/gdb/oopslab-lx.py, which
is sourced here for both."""
import os
import re
import subprocess

from oopslab_test import SOURCE, STUB, backtrace, check, finish, gdb_stub, labs, marker_line, parse_sym, run_lab

lab = labs()["null-deref"]
ADAPTER = os.path.join(SOURCE, "scripts", "gdb", "oopslab-lx.py")


def gdb_lx(rj, *commands, adapter=False):
    """gdb as a user would start it for the kernel's scripts: the kernel build
    directory declared safe for auto-loading, vmlinux on the command line
    without KASLR, or loaded as `monitor kaslr` says with it."""
    kdir, dump = rj["kernel_dir"], rj["dump"]["path"]
    args = ["gdb", "-q", "-nx", "-batch", "-iex", f"add-auto-load-safe-path {kdir}"]
    if adapter:
        args += ["-x", ADAPTER]
    if not rj["kaslr"]:
        args.append(rj["vmlinux"])
    args += ["-ex", f"target remote | {STUB} --stdio {dump}"]
    if rj["kaslr"]:
        out = gdb_stub(dump, "monitor kaslr")
        for c in re.findall(r"^  ((?:symbol-file|add-symbol-file|sharedlibrary).*)$", out, re.M):
            args += ["-ex", c]
    for c in commands:
        args += ["-ex", c]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    return p.stdout


def one_dump(rj, rundir, tag):
    fct, off, _ = parse_sym(rj["rip"])
    src, line = marker_line(lab)
    module, ko, labs_dir = lab["module"], rj["module"], os.path.dirname(os.path.dirname(rj["module"]))
    pc = None
    with open(os.path.join(rundir, "console.log"), errors="replace") as f:
        console = f.read()
    comm = re.search(r"CPU: \d+ PID: (\d+) Comm: (\S+)", console)

    lsmod = gdb_stub(rj["dump"]["path"], "monitor lsmod", "info address " + fct, vmlinux=rj["vmlinux"])
    print(lsmod)
    row = re.search(rf"^[0-9a-f]{{16}}\s+{module}\s+([0-9a-f]{{16}})\s+(\d+)", lsmod, re.M)
    m = re.search(rf'Symbol "{fct}" is a function at address (0x[0-9a-f]+)', lsmod)
    if m:
        pc = int(m.group(1), 16) + off

    # lx-lsmod, lx-dmesg, lx-ps, $lx_current(): they only read memory
    out = gdb_lx(rj, "lx-lsmod", "lx-dmesg", "lx-ps", "p $lx_current().comm", "p $lx_current().pid")
    print(out)
    lx = re.search(rf"^(0x[0-9a-f]+) {module}\s+(\d+)\s+\d+", out, re.M)
    check(lx and row and int(lx.group(1), 16) == int(row.group(1), 16) and lx.group(2) == row.group(2),
          f"{tag}: lx-lsmod: {module} at the base and size of monitor lsmod "
          f"({lx.groups() if lx else None} / {row.groups() if row else None})")
    check(re.search(r"^\[\s*\d+\.\d+\] BUG: kernel NULL pointer dereference", out, re.M) is not None,
          f"{tag}: lx-dmesg shows the oops")
    check(comm and re.search(rf"^0x[0-9a-f]+\s+{comm.group(1)}\s+{re.escape(comm.group(2))}$", out, re.M),
          f"{tag}: lx-ps lists the task that oopsed ({comm.groups() if comm else None})")
    check(re.search(r"^0x[0-9a-f]+\s+1\s+init$", out, re.M) is not None, f"{tag}: and init")
    check(comm and re.search(rf'^\$1 = "{re.escape(comm.group(2))}"', out, re.M) and
          re.search(rf"^\$2 = {comm.group(1)}$", out, re.M),
          f"{tag}: $lx_current() on the stop thread is the task that oopsed")

    # lx-symbols finds the .ko in the lab build tree and loads it where the
    # module is; with the adapter, bt needs nothing more.
    out = gdb_lx(rj, f"lx-symbols {labs_dir}", f"info symbol {pc:#x}" if pc else "info symbol 0",
                 "bt", f"list *({fct}+{off:#x})", adapter=True)
    print(out)
    check(re.search(rf"^loading @0x{row.group(1) if row else 'x'}: {re.escape(ko)}$", out, re.M) is not None,
          f"{tag}: lx-symbols loads {os.path.basename(ko)} at the module's base")
    check(re.search(rf"^{fct} \+ {off} in section \S+ of {re.escape(ko)}$", out, re.M) is not None,
          f"{tag}: its symbols are at the module's addresses ({fct}+{off})")
    hit = [f for f in backtrace(out) if f[1] == fct]
    check(hit and hit[0][3] == line and "panic" in [f[1] for f in backtrace(out)],
          f"{tag}: after lx-symbols, bt runs from panic() to {fct} at line {line}: {hit}")
    check(re.search(rf"is in {fct} \(.*:{line}\)\.", out) is not None, f"{tag}: list *({fct}+{off:#x})")
    check("Python Exception" not in out, f"{tag}: no Python exception")

    if not rj["kaslr"]:
        # Without the adapter: lx-symbols as the kernel ships it. It drops
        # the libraries (bt stops at the entry code) until `sharedlibrary`.
        out = gdb_lx(rj, f"lx-symbols {labs_dir}", "bt", "echo ====\\n", "sharedlibrary", "bt")
        print(out)
        before, _, after = out.partition("====")
        check(f"loading @0x{row.group(1) if row else 'x'}: {ko}" in before and "Python Exception" not in out,
              f"{tag}: plain lx-symbols loads the module")
        hit = [f for f in backtrace(after) if f[1] == fct]
        check(hit and hit[0][3] == line, f"{tag}: and after `sharedlibrary` bt reaches {fct} at line {line}")


rj, rundir = run_lab("null-deref")
check(os.path.exists(os.path.join(rj["kernel_dir"], "vmlinux-gdb.py")), "the lab kernel build has vmlinux-gdb.py")
one_dump(rj, rundir, "nokaslr")
for attempt in range(4):
    rj, rundir = run_lab("null-deref", "--kaslr", reuse=attempt == 0)
    with open(os.path.join(rundir, "console.log"), errors="replace") as f:
        if re.search(r"Kernel Offset: 0x[0-9a-f]+ from", f.read()):
            break
check(rj["kaslr"] is True, "booted with KASLR")
one_dump(rj, rundir, "kaslr")
finish()
