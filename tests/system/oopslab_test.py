"""Shared helpers of the system tests: run labs through the real harness,
read the manifest, resolve marked source lines, drive gdb and crash.

Environment (set by tests/meson.build):
  OOPSLAB_BUILD_DIR   the meson build directory
  OOPSLAB_SOURCE_DIR  the source tree
  OOPSLAB_TEST_RUNS   optional: a directory where runs are kept and shared
                      by the tests of one session (scripts/test sets it);
                      without it every test makes its own runs.
"""
import configparser
import json
import os
import re
import struct
import subprocess
import sys

BUILD = os.environ.get("OOPSLAB_BUILD_DIR", "build")
SOURCE = os.environ.get("OOPSLAB_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OOPSLAB = os.path.join(BUILD, "harness", "oopslab")
STUB = os.path.join(BUILD, "stub", "oopslab-stub")

_failures = 0


def check(cond, what):
    """Record one assertion; the test fails at the end if any failed."""
    global _failures
    if cond:
        print(f"ok: {what}")
    else:
        _failures += 1
        print(f"FAIL: {what}")
    sys.stdout.flush()
    return cond


def finish():
    if _failures:
        print(f"{_failures} check(s) failed")
        sys.exit(1)
    sys.exit(0)


def labs():
    """The lab manifest as {name: {key: value}} (values raw, as written)."""
    cp = configparser.RawConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read(os.path.join(SOURCE, "guests", "labs", "labs.conf"))
    return {name: dict(cp[name]) for name in cp.sections()}


def runs_dir():
    d = os.environ.get("OOPSLAB_TEST_RUNS") or os.path.join(BUILD, "test-runs")
    os.makedirs(d, exist_ok=True)
    return d


def _newest_input():
    """mtime of the newest thing a run depends on: the harness binary and the
    guest kit sources. A kept run older than that is stale."""
    newest = os.path.getmtime(OOPSLAB)
    for root, _, files in os.walk(os.path.join(SOURCE, "guests")):
        for f in files:
            newest = max(newest, os.path.getmtime(os.path.join(root, f)))
    return newest


def _files_kept(rj):
    """A kept run is reusable only with its dump: scripts/test deletes the
    dumps at the end, and run.json alone would send a test to a missing file."""
    path = (rj.get("dump") or {}).get("path")
    return not path or os.path.exists(path)


def run_lab(lab, *extra, reuse=True, check_rc=True):
    """Run `oopslab run --lab LAB EXTRA...`; return (run_json, rundir).
    Runs with the same arguments are shared within a test session."""
    key = re.sub(r"[^A-Za-z0-9_.=-]+", "_", "-".join((lab,) + extra))
    out = os.path.join(runs_dir(), key)
    rj = os.path.join(out, "run.json")
    if reuse and os.path.exists(rj) and os.path.getmtime(rj) > _newest_input():
        with open(rj) as f:
            kept = json.load(f)
        if _files_kept(kept):
            return kept, out
    if os.path.exists(out):
        subprocess.run(["rm", "-rf", out], check=True)
    p = subprocess.run([OOPSLAB, "run", "--lab", lab, "--out", out, *extra],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stdout.write(p.stderr)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"oopslab run --lab {lab} failed with {p.returncode}")
    lines = p.stdout.strip().splitlines()
    check(lines and lines[-1] == out, f"{lab}: the run directory is the last line printed")
    with open(rj) as f:
        return json.load(f), out


def marker_line(lab, kernel_dir=None):
    """(path, line) of the line the lab's marker text is on. With
    marker_after= (for a marker whose text is on several lines of a file it
    does not own, e.g. the kernel's): the first line holding the marker
    after the one line holding marker_after."""
    src = lab["source"]
    if src.startswith("kernel:"):
        # The kernel build tree's `source` link points at the source tree.
        path = os.path.join(os.path.realpath(os.path.join(kernel_dir, "source")), src[len("kernel:"):])
    else:
        path = os.path.join(SOURCE, "guests", "labs", src)
    with open(path) as f:
        lines = f.readlines()
    after = 0
    if lab.get("marker_after"):
        hits = [i + 1 for i, l in enumerate(lines) if lab["marker_after"] in l]
        if len(hits) != 1:
            raise RuntimeError(f"marker_after {lab['marker_after']!r} found {len(hits)} times in {path}")
        after = hits[0]
        hits = [i + 1 for i, l in enumerate(lines) if i + 1 > after and lab["marker"] in l][:1]
    else:
        hits = [i + 1 for i, l in enumerate(lines) if lab["marker"] in l]
    if len(hits) != 1:
        raise RuntimeError(f"marker {lab['marker']!r} found {len(hits)} times in {path}"
                           + (f" after line {after}" if after else ""))
    return path, hits[0]


def elf_notes(path):
    """[(name, type, desc)] of an ELF core's PT_NOTE segments, parsed here in
    Python, independently of the project's C reader."""
    notes = []
    with open(path, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2:
            raise ValueError(f"{path}: not an ELF64 file")
        e_type, e_machine = struct.unpack_from("<HH", eh, 16)
        e_phoff, = struct.unpack_from("<Q", eh, 32)
        e_phentsize, e_phnum = struct.unpack_from("<HH", eh, 54)
        for i in range(e_phnum):
            f.seek(e_phoff + i * e_phentsize)
            p_type, _, p_offset, _, _, p_filesz = struct.unpack("<IIQQQQ", f.read(40))
            if p_type != 4:  # PT_NOTE
                continue
            f.seek(p_offset)
            data = f.read(p_filesz)
            off = 0
            while off + 12 <= len(data):
                namesz, descsz, ntype = struct.unpack_from("<III", data, off)
                off += 12
                name = data[off:off + namesz].rstrip(b"\0").decode()
                off += (namesz + 3) & ~3
                desc = data[off:off + descsz]
                off += (descsz + 3) & ~3
                notes.append((name, ntype, desc))
    return e_type, e_machine, notes


def _parse_notes(data):
    notes = []
    off = 0
    while off + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        off += 12
        name = data[off:off + namesz].rstrip(b"\0").decode()
        off += (namesz + 3) & ~3
        desc = data[off:off + descsz]
        off += (descsz + 3) & ~3
        notes.append((name, ntype, desc))
    return notes


def kdump_header(path):
    """The fields of a plain kdump-compressed file's header and sub-header
    that the tests look at, and its ELF notes [(name, type, desc)], parsed
    here in Python, independently of the project's C reader."""
    with open(path, "rb") as f:
        h = f.read(4096)
        if h[:8] != b"KDUMP   ":
            raise ValueError(f"{path}: not a kdump-compressed file")
        version, = struct.unpack_from("<i", h, 8)
        status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr = struct.unpack_from("<iiiiI", h, 424)
        nr_cpus, = struct.unpack_from("<i", h, 460)
        f.seek(block_size)
        sub = f.read(block_size * sub_hdr_size)
        dump_level, = struct.unpack_from("<i", sub, 8)
        off_note, size_note = struct.unpack_from("<QQ", sub, 48)
        f.seek(off_note)
        notes = _parse_notes(f.read(size_note))
    # kdump status bits (makedumpfile diskdump_mod.h): zlib 1, lzo 2, snappy 4, zstd 0x20
    codec = {1: "zlib", 2: "lzo", 4: "snappy", 0x20: "zstd"}.get(status & 0x27, "none")
    return {"version": version, "codec": codec, "dump_level": dump_level, "nr_cpus": nr_cpus,
            "max_mapnr": max_mapnr, "notes": notes}


def gdb_batch(*commands, vmlinux=None, timeout=300):
    args = ["gdb", "-q", "-nx", "-batch"]
    if vmlinux:
        args.append(vmlinux)
    for c in commands:
        args += ["-ex", c]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return p.stdout


def crash_batch(vmlinux, dump, commands, timeout=300):
    p = subprocess.run(["crash", "-s", vmlinux, dump], input="\n".join(commands) + "\nquit\n",
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return p.stdout


# "null_deref_crash+0x7/0x10 [null_deref]" -> ("null_deref_crash", 7, "null_deref")
SYM_RE = re.compile(r"([A-Za-z0-9_.$]+)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[([A-Za-z0-9_]+)\])?")


def parse_sym(text):
    m = SYM_RE.search(text or "")
    if not m:
        return None
    return m.group(1), int(m.group(2), 16), m.group(4)


def call_trace(console_text):
    """The `fct+off/len [mod]` entries of the first Call Trace block."""
    frames = []
    lines = console_text.splitlines()
    for i, l in enumerate(lines):
        if "Call Trace:" in l:
            for t in lines[i + 1:]:
                if "</TASK>" in t or "---[ end" in t or "Kernel Offset" in t:
                    break
                s = parse_sym(t)
                if s:
                    frames.append(s)
            break
    return frames


def gdb_stub(dump, *commands, vmlinux=None, stub_args=(), timeout=300):
    """gdb [vmlinux] -ex 'target remote | oopslab-stub --stdio DUMP' -ex CMD..."""
    target = " ".join(["target remote |", STUB, "--stdio", *stub_args, dump])
    return gdb_batch(target, *commands, vmlinux=vmlinux, timeout=timeout)


# "#14 null_deref_crash () at /path/null_deref.c:17" or "#4  0x... in panic (...) at file:line"
FRAME_RE = re.compile(r"^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*?\)(?: at (\S+):(\d+))?\s*$", re.M)


def backtrace(text):
    """[(level, function, file, line)] of gdb `bt` output."""
    return [(int(m.group(1)), m.group(2), m.group(3), int(m.group(4)) if m.group(4) else None)
            for m in FRAME_RE.finditer(text)]
