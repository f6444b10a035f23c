#!/usr/bin/python3
"""Kernel modules in the stub, on a nokaslr and a KASLR null-deref dump:
`monitor lsmod` lists the modules as crash's `mod` does (struct module, name,
base, size), and its add-symbol-file line is the harness's (run.json, from
the guest's /sys/module/*/sections); gdb loads the lab module by itself (the
.ko as a library, qXfer:libraries:read) so that bt and list reach the
crashing line with no add-symbol-file typed; --modules picks where the .ko is
found ('-' and '_' alike); a .ko of another build is refused; gdb can fetch
the listed .ko through vFile, and nothing else."""
import os
import re
import shutil
import tempfile

from oopslab_test import (backtrace, check, crash_batch, finish, gdb_stub, labs, marker_line, parse_sym,
                          run_lab)

lab = labs()["null-deref"]
MOD_ROW = re.compile(r"^([0-9a-f]{16})\s+(\w+)\s+([0-9a-f]{16})\s+(\d+)\s+(\S.*)$", re.M)


def add_symbol_file(line):
    """'add-symbol-file PATH [TEXT] [-s NAME ADDR]...' -> (PATH, {section: addr})."""
    words = line.split()
    path, rest, sections = words[1], words[2:], {}
    if rest and not rest[0].startswith("-"):
        sections[".text"] = int(rest.pop(0), 16)
    while len(rest) >= 3 and rest[0] == "-s":
        sections[rest[1]] = int(rest[2], 16)
        rest = rest[3:]
    return path, sections


def lsmod(dump, vmlinux, stub_args=()):
    out = gdb_stub(dump, "monitor lsmod", "info sharedlibrary", vmlinux=vmlinux, stub_args=stub_args)
    print(out)
    rows = {m.group(2): m for m in MOD_ROW.finditer(out)}
    cmds = {os.path.basename(c.split()[1]): c for c in re.findall(r"^add-symbol-file .*$", out, re.M)}
    return out, rows, cmds


def one_dump(rj, rundir, tag):
    dump, vmlinux, ko = rj["dump"]["path"], rj["vmlinux"], rj["module"]
    module = lab["module"]
    fct, off, _ = parse_sym(rj["rip"])
    src, line = marker_line(lab)

    # crash's mod: MODULE NAME BASE SIZE OBJECT FILE
    crash = crash_batch(vmlinux, dump, ["mod"])
    print(crash)
    crash_rows = {m.group(2): m for m in MOD_ROW.finditer(crash)}
    out, rows, cmds = lsmod(dump, vmlinux)
    check(set(rows) == set(crash_rows) and module in rows,
          f"{tag}: monitor lsmod lists the modules crash's mod does: {sorted(rows)} / {sorted(crash_rows)}")
    for name in sorted(set(rows) & set(crash_rows)):
        mine, theirs = rows[name].groups()[:4], crash_rows[name].groups()[:4]
        check(mine == theirs, f"{tag}: {name}: struct module, base, size {mine} == crash {theirs}")
    check(module in rows and rows[module].group(5) == ko,
          f"{tag}: the object file is the lab's .ko, found by default ({rows[module].group(5) if module in rows else None})")

    # The add-symbol-file line: the harness's, from the guest's sysfs
    mine = cmds.get(module + ".ko")
    check(mine is not None and add_symbol_file(mine) == add_symbol_file(rj["add_symbol_file"]),
          f"{tag}: add-symbol-file has run.json's path and section addresses:\n  {mine}\n  {rj['add_symbol_file']}")
    check(mine == rj["add_symbol_file"], f"{tag}: and is the same line")

    # gdb loaded the module as a library: bt and list with no add-symbol-file
    check(re.search(rf"^0x[0-9a-f]+\s+0x[0-9a-f]+\s+Yes\s+(target:)?{re.escape(ko)}$", out, re.M) is not None,
          f"{tag}: info sharedlibrary has {ko}, symbols read")
    if rj["kaslr"]:
        kaslr = gdb_stub(dump, "monitor kaslr")
        cmds_kaslr = re.findall(r"^  ((?:symbol-file|add-symbol-file|sharedlibrary).*)$", kaslr, re.M)
        out = gdb_stub(dump, *cmds_kaslr, "bt", f"list *({fct}+{off:#x})")
    else:
        out = gdb_stub(dump, "bt", f"list *({fct}+{off:#x})", vmlinux=vmlinux)
    print(out)
    frames = backtrace(out)
    hit = [f for f in frames if f[1] == fct]
    check(hit and hit[0][3] == line and hit[0][2].endswith(os.path.basename(src)),
          f"{tag}: bt names {fct} at {os.path.basename(src)}:{line} with no add-symbol-file: {hit}")
    check("panic" in [f[1] for f in frames], f"{tag}: from panic() down")
    check(re.search(rf"is in {fct} \(.*:{line}\)\.", out) is not None and
          re.search(rf"^{line}\t.*oopslab: crash here", out, re.M) is not None,
          f"{tag}: list *({fct}+{off:#x}) shows the marked line {line}")
    return dump, vmlinux, ko


def search_dirs(dump, vmlinux, ko, tag):
    module = lab["module"]
    with tempfile.TemporaryDirectory() as tmp:
        # --modules, colon-separated and repeated; the file named with '-'
        other = os.path.join(tmp, "other")
        sub = os.path.join(tmp, "deep", "er")
        os.makedirs(other)
        os.makedirs(sub)
        dashed = os.path.join(sub, module.replace("_", "-") + ".ko")
        shutil.copy(ko, dashed)
        out, rows, cmds = lsmod(dump, vmlinux, ("--modules", "/nonexistent:" + other, "--modules", tmp))
        check(module in rows and rows[module].group(5) == dashed,
              f"{tag}: --modules finds {os.path.basename(dashed)} recursively, '-' for '_'")
        check(re.search(rf"Yes\s+(target:)?{re.escape(dashed)}$", out, re.M) is not None,
              f"{tag}: and gdb loads that file")
        check(f"add-symbol-file {dashed} " in out, f"{tag}: the add-symbol-file line names it")

        # Not found: NAME.ko in the command, nothing handed to gdb
        out, rows, cmds = lsmod(dump, vmlinux, ("--modules", other))
        check(module in rows and "(not found)" in rows[module].group(5), f"{tag}: a .ko not found says so")
        check(f"add-symbol-file {module}.ko " in out, f"{tag}: and the command names {module}.ko")
        check(module + ".ko" not in out.split("Shared Object Library")[-1], f"{tag}: and gdb loads no module")

        # Another module's build under this name: refused (build-id)
        wrong = os.path.join(os.path.dirname(os.path.dirname(ko)), "bug-on", "bug_on.ko")
        if check(os.path.exists(wrong), f"{tag}: another lab's .ko to try: {wrong}"):
            shutil.copy(wrong, os.path.join(other, module + ".ko"))
            out, rows, cmds = lsmod(dump, vmlinux, ("--modules", other))
            check("another build" in out, f"{tag}: a .ko of another build is reported")
            check(module + ".ko" not in out.split("Shared Object Library")[-1],
                  f"{tag}: and not handed to gdb")

        # vFile serves the listed .ko, and no other file of the host
        got = os.path.join(tmp, "got.ko")
        out = gdb_stub(dump, f"remote get {ko} {got}", f"remote get /etc/hostname {tmp}/hostname",
                       vmlinux=vmlinux)
        print(out)
        with open(ko, "rb") as a:
            check(os.path.exists(got) and open(got, "rb").read() == a.read(),
                  f"{tag}: `remote get` of the listed .ko gives the file")
        check(not os.path.exists(f"{tmp}/hostname") and "No such file" in out,
              f"{tag}: `remote get /etc/hostname` is refused")


rj, rundir = run_lab("null-deref")
check(rj["outcome"] == "panic" and rj["module"], "null-deref panicked, with a module")
dump, vmlinux, ko = one_dump(rj, rundir, "nokaslr")
search_dirs(dump, vmlinux, ko, "nokaslr")

# KASLR: the module area moves too; boot again until the kernel really moved.
for attempt in range(4):
    rj, rundir = run_lab("null-deref", "--kaslr", reuse=attempt == 0)
    with open(os.path.join(rundir, "console.log"), errors="replace") as f:
        if re.search(r"Kernel Offset: 0x[0-9a-f]+ from", f.read()):
            break
check(rj["kaslr"] is True, "booted with KASLR")
one_dump(rj, rundir, "kaslr")
finish()
