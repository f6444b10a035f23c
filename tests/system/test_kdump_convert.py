#!/usr/bin/python3
"""oopslab convert turns the harness's QEMU ELF dump into kdump-compressed
files (zstd, zlib, lzo, snappy; zlib with --exclude zero, which for kdump is
makedumpfile -d 1: a shared zero page and dump_level 1) and into QEMU-style
ELF (plain, and with --exclude zero: zero pages as p_memsz tails), and the
flattened QEMU kdump-zlib dump into zstd.

For every file it writes:
- gdb through oopslab-stub: bt from panic() to the lab function at its marked
  line, list *(fct+off), x/s linux_banner;
- dump-compare against the ELF original: the kernel text, 1000 random
  direct-map pages and every page the file kept (--all) read the same; only
  the firmware past the kernel's last memory section is left out of kdump
  files (and said so by convert);
- crash (the oracle) opens it, and its bt of the panic task is the same text
  as crash's bt of the original;
- makedumpfile reads the kdump files its Debian build can decompress (zlib,
  lzo): --dump-dmesg gives the original's log, and `makedumpfile -c -d 1`
  re-compresses it into a file crash and the stub read the same again. For
  snappy and zstd this build says "unsupported", which the test checks
  against makedumpfile -v.
Also: makedumpfile -F's flattened copy of our file reads the same; a
makedumpfile --split set of it opens in crash and merges back with convert; libkdumpfile reads every kdump file we write; on a KASLR boot
convert writes the right phys_base (QEMU's header has it wrong) and
makedumpfile finds the log; oopslab-stub --strict makes a left-out page
unreadable in gdb; a failed convert leaves nothing behind."""
import os
import re
import subprocess
import tempfile

from oopslab_test import OOPSLAB, STUB, check, finish, gdb_stub, run_lab, runs_dir
from test_kdump_qemu import LAB, check_crash_vs_gdb, check_stub, compare, crash_bt, info_field, stub_info

CODECS = ("zstd", "zlib", "lzo", "snappy")


def convert(src, out, fmt, *extra):
    """oopslab convert SRC OUT --format FMT EXTRA...; SRC may be a list (a --split set)."""
    srcs = src if isinstance(src, list) else [src]
    p = subprocess.run([OOPSLAB, "convert", *srcs, out, "--format", fmt, *extra], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    return p


def makedumpfile_codecs():
    p = subprocess.run(["makedumpfile", "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    enabled = {m.group(1) for m in re.finditer(r"^(\w+)\s+enabled", p.stdout, re.M)}
    return enabled | {"zlib"}


def main():
    rj, _ = run_lab(LAB, "--format", "elf")
    orig = rj["dump"]["path"]
    kz_rj, _ = run_lab(LAB, "--format", "kdump-zlib")
    _, orig_bt = crash_bt(orig, rj)
    check(orig_bt.startswith("PID:"), "crash reads the ELF original")
    with open(os.path.join(os.path.dirname(orig), "console.log"), errors="replace") as f:
        console = f.read()
    mdf = makedumpfile_codecs()

    with tempfile.TemporaryDirectory(dir=runs_dir(), prefix="kdump-convert-") as tmp:
        outputs = [(f"kdump-{c}", f"kdump-{c}", ()) for c in CODECS]
        outputs += [("kdump-zlib-d1", "kdump-zlib", ("--exclude", "zero")), ("elf", "elf", ()),
                    ("elf-nozero", "elf", ("--exclude", "zero"))]
        for name, fmt, extra in outputs:
            out = os.path.join(tmp, name)
            p = convert(orig, out, fmt, *extra)
            if not check(p.returncode == 0 and os.path.exists(out), f"convert --format {fmt} {' '.join(extra)}"):
                continue
            kdump = fmt.startswith("kdump")
            if kdump:
                check("pages from pfn 0x20000 on were left out" in p.stdout,
                      f"{name}: convert says it left out the firmware past the kernel's memory (pfn 0x20000)")
            with open(out, "rb") as f:
                check(f.read(8) == (b"KDUMP   " if kdump else b"\x7fELF\x02\x01\x01\x00"),
                      f"{name}: a plain {'kdump-compressed' if kdump else 'ELF'} file")
            info = stub_info(out)
            check(info_field(info, "format") == ("kdump-compressed" if kdump else "qemu-elf"), f"{name}: --info format")
            check(info_field(info, "codec") == (fmt.split("-")[1] if kdump else "none"), f"{name}: --info codec")
            check(info_field(info, "vmcoreinfo").startswith("yes") and info_field(info, "osrelease").startswith("6.1."),
                  f"{name}: VMCOREINFO kept")
            check(re.search(r"^cpus:\s+2$", info, re.M) is not None, f"{name}: both CPU notes kept, in CPU order")
            pages = re.search(r"\((\d+) zero\), (\d+) excluded", info)
            if extra and not kdump:
                check(pages and pages.group(1) == "0" and int(pages.group(2)) > 1000,
                      f"{name}: zero pages left out ({pages.group(2) if pages else '?'}), none stored")
            else:
                # kdump --exclude zero is makedumpfile -d 1: one shared zero
                # page, dump_level 1, nothing excluded, so crash reads it.
                check(pages and int(pages.group(1)) > 1000 and pages.group(2) == "0",
                      f"{name}: every page stored, the zero ones ({pages.group(1) if pages else '?'}) as one")
                if kdump:
                    level = "1" if extra else "0"
                    check(re.search(rf"dump_level {level},", info) is not None, f"{name}: dump_level {level}")

            gdb_out = check_stub(out, rj, name)
            ok, text = compare(orig, out, "--all", "--absent-ok")
            check(ok, f"{name}: kernel text, 1000 direct-map pages and every kept page equal the original's")
            absent = [int(n) for n in re.findall(r"(\d+) not in it", text)]
            check(kdump or sum(absent) == 0, f"{name}: the ELF output holds every page")
            _, bt = crash_bt(out, rj)
            check(bt == orig_bt, f"{name}: crash bt is the same as on the original")
            if bt != orig_bt:
                check_crash_vs_gdb(out, rj, gdb_out, name)

            codec = fmt.split("-")[1] if kdump else None
            if kdump and codec in mdf:
                dmesg = os.path.join(tmp, name + ".dmesg")
                p = subprocess.run(["makedumpfile", "--dump-dmesg", out, dmesg], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
                print(p.stdout)
                log = open(dmesg, errors="replace").read() if os.path.exists(dmesg) else ""
                check(p.returncode == 0 and "Kernel panic - not syncing" in log,
                      f"{name}: makedumpfile --dump-dmesg reads the log up to the panic")
                banner = re.search(r"Linux version \S+", console)
                check(banner is not None and banner.group(0) in log, f"{name}: the log is the console's kernel")
                recomp = os.path.join(tmp, name + ".recomp")
                p = subprocess.run(["makedumpfile", "-c", "-d", "1", out, recomp], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
                print(p.stdout)
                check(p.returncode == 0, f"{name}: makedumpfile -c -d 1 re-compresses it")
                if p.returncode == 0:
                    ok, _ = compare(orig, recomp, "--all", "--absent-ok")
                    check(ok, f"{name}: makedumpfile's re-compressed file reads the same through the stub's library")
                    _, bt2 = crash_bt(recomp, rj)
                    check(bt2 == orig_bt, f"{name}: and crash's bt on it is the same")
                    os.unlink(recomp)
            elif kdump:
                p = subprocess.run(["makedumpfile", "--dump-dmesg", out, os.path.join(tmp, "x.dmesg")],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                print(p.stdout)
                check(p.returncode != 0 and f"{codec} compression unsupported" in p.stdout,
                      f"{name}: this makedumpfile has no {codec} (makedumpfile -v), and says so")
            if extra and not kdump:
                # --strict: a zero page the file left out cannot be read.
                zero_va = zero_page_va(orig)
                out1 = gdb_stub(out, f"x/gx {zero_va:#x}", vmlinux=rj["vmlinux"],
                                stub_args=("--vmlinux", rj["vmlinux"]))
                out2 = gdb_stub(out, f"x/gx {zero_va:#x}", vmlinux=rj["vmlinux"],
                                stub_args=("--vmlinux", rj["vmlinux"], "--strict"))
                print(out1, out2)
                check(re.search(rf"{zero_va:#x}.*:\s+0x0+\b", out1) is not None,
                      f"{name}: an excluded zero page reads as zeros")
                check("Cannot access memory" in out2, f"{name}: and is an error with --strict")
            if not kdump:
                os.unlink(out)  # up to 537 MB

        # makedumpfile's own flattened stream (-F) of our zlib file, read in place.
        flat = os.path.join(tmp, "mdf.flat")
        with open(flat, "wb") as f:
            p = subprocess.run(["makedumpfile", "-F", "-c", "-d", "1", os.path.join(tmp, "kdump-zlib")], stdout=f,
                               stderr=subprocess.PIPE, text=True)
        print(p.stderr)
        if check(p.returncode == 0, "makedumpfile -F writes a flattened copy of our kdump-zlib file"):
            info = stub_info(flat)
            check(info_field(info, "format") == "kdump-flattened", "mdf.flat: --info format is kdump-flattened")
            ok, _ = compare(orig, flat, "--all", "--absent-ok")
            check(ok, "mdf.flat: every page equals the original's")
            check_stub(flat, rj, "mdf.flat")
            _, bt = crash_bt(flat, rj)
            check(bt == orig_bt, "mdf.flat: crash bt is the same as on the original")
            os.unlink(flat)

        # A makedumpfile --split set of our zlib file: crash opens the set,
        # convert merges it back into one file that reads the same.
        parts = [os.path.join(tmp, f"split{i}") for i in range(2)]
        p = subprocess.run(["makedumpfile", "--split", "--splitblock-size", "16", "-c", "-d", "1",
                            os.path.join(tmp, "kdump-zlib"), *parts], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        print(p.stdout)
        if check(p.returncode == 0, "makedumpfile --split cuts our kdump-zlib file in two"):
            for part in parts:
                info = stub_info(part)
                check("--split file for pfns" in info, f"{os.path.basename(part)}: --info names its PFN range")
            merged = os.path.join(tmp, "merged.zstd")
            p = convert([parts[1], parts[0]], merged, "kdump-zstd")
            check(p.returncode == 0, "convert merges the --split set (given in any order)")
            if p.returncode == 0:
                ok, _ = compare(orig, merged, "--all", "--absent-ok")
                check(ok, "merged: every page equals the original's")
                check_stub(merged, rj, "merged")
                _, bt = crash_bt(merged, rj)
                check(bt == orig_bt, "merged: crash bt is the same as on the original")
            out = subprocess.run(["crash", "-s", rj["vmlinux"], *parts], input="bt\nquit\n", stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=300).stdout
            m = re.search(r"^PID:.*", out, re.M | re.S)
            check(m is not None and m.group(0).strip() == orig_bt, "crash opens the --split set itself, same bt")
            for part in parts:
                os.unlink(part)

        # libkdumpfile (python3-libkdumpfile) as a third reader of our files.
        script = (
            "import kdumpfile, sys\n"
            "orig = open(sys.argv[1], 'rb')\n"
            "import struct\n"
            "eh = orig.read(64); phoff, = struct.unpack_from('<Q', eh, 32); phnum, = struct.unpack_from('<H', eh, 56)\n"
            "loads = []\n"
            "for i in range(phnum):\n"
            "    orig.seek(phoff + 56 * i); t, _, off, _, pa, fs = struct.unpack('<IIQQQQ', orig.read(40))\n"
            "    if t == 1: loads.append((pa, off, fs))\n"
            "pa0, off0, fs0 = loads[0]\n"
            "for path in sys.argv[2:]:\n"
            "    k = kdumpfile.kdumpfile(path)\n"
            "    bad = 0\n"
            "    for pa in range(0, fs0, 4096 * 61):\n"
            "        orig.seek(off0 + pa)\n"
            "        if k.read(kdumpfile.KDUMP_MACHPHYSADDR, pa0 + pa, 4096) != orig.read(4096): bad += 1\n"
            "    print(path, k.attr['file.format'], k.attr['linux.uts.release'], 'bad', bad)\n")
        kfiles = [os.path.join(tmp, f"kdump-{c}") for c in CODECS]
        p = subprocess.run(["/usr/bin/python3", "-c", script, orig, *kfiles], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        print(p.stdout)
        for f in kfiles:
            line = next((ln for ln in p.stdout.splitlines() if ln.startswith(f + " ")), "")
            check(line.endswith("bad 0") and " diskdump 6.1." in line,
                  f"{os.path.basename(f)}: libkdumpfile reads it as diskdump, with the original's pages")

        # KASLR: QEMU's sub-header phys_base is wrong (it parses the decimal
        # NUMBER(phys_base) as hex); convert writes VMCOREINFO's, and then
        # makedumpfile finds the log.
        krj, _ = run_lab(LAB, "--format", "kdump-zlib", "--kaslr")
        kout = os.path.join(tmp, "kaslr.zlib")
        p = convert(krj["dump"]["path"], kout, "kdump-zlib")
        if check(p.returncode == 0, "convert a KASLR kdump-zlib dump"):
            qemu_pb = re.search(r"phys_base (0x[0-9a-f]+)", stub_info(krj["dump"]["path"])).group(1)
            info = stub_info(kout)
            ours = int(re.search(r"phys_base (0x[0-9a-f]+)", info).group(1), 16)
            m = re.search(r"^phys_base:\s+(-?)0x([0-9a-f]+)", info, re.M)
            vmci = (-1 if m.group(1) else 1) * int(m.group(2), 16)
            check(ours == vmci % (1 << 64), f"KASLR: the header's phys_base {ours:#x} is VMCOREINFO's ({vmci:#x})")
            print(f"QEMU's header says phys_base {qemu_pb}")
            dmesg = os.path.join(tmp, "kaslr.dmesg")
            p = subprocess.run(["makedumpfile", "--dump-dmesg", kout, dmesg], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            print(p.stdout)
            check(p.returncode == 0 and "Kernel panic - not syncing" in open(dmesg, errors="replace").read(),
                  "KASLR: makedumpfile --dump-dmesg reads the converted file's log")
            # crash finds KASLR itself (gdb would need the offset: test_stub_kaslr.py).
            _, bt = crash_bt(kout, krj)
            fct = krj["rip"].split("+")[0]
            check(f"exception RIP: {fct}+" in bt and " panic at " in bt,
                  "KASLR: crash bt on the converted file runs from panic() to the lab function")

        # The flattened QEMU kdump, converted.
        out = os.path.join(tmp, "from-flat.zstd")
        p = convert(kz_rj["dump"]["path"], out, "kdump-zstd")
        check(p.returncode == 0 and "from" in p.stdout and "kdump-flattened" in p.stdout,
              "convert reads QEMU's flattened kdump-zlib")
        if p.returncode == 0:
            ok, _ = compare(kz_rj["dump"]["path"], out, "--all", "--absent-ok")
            check(ok, "from-flat: every page equals the flattened original's")
            gdb_out = check_stub(out, kz_rj, "from-flat")
            check_crash_vs_gdb(out, kz_rj, gdb_out, "from-flat")

        # A failed convert leaves nothing: an unreadable input, a missing directory.
        before = sorted(os.listdir(tmp))
        bad = os.path.join(tmp, "bad.core")
        with open(orig, "rb") as f:
            head = f.read(1 << 20)
        with open(bad, "wb") as f:
            f.write(head)  # cut: PT_LOADs past the end
        p = convert(bad, os.path.join(tmp, "never"), "kdump-zstd")
        check(p.returncode == 1 and not os.path.exists(os.path.join(tmp, "never")),
              "convert of a truncated dump fails and writes nothing")
        p = convert(orig, os.path.join(tmp, "no-dir", "x"), "kdump-zstd")
        check(p.returncode == 1, "convert into a missing directory fails")
        os.unlink(bad)
        check(sorted(os.listdir(tmp)) == before, "no temporary files are left")
    finish()


def zero_page_va(path):
    """Direct-map VA of an all-zero page above 1 MiB in the first PT_LOAD of
    a QEMU ELF dump (nokaslr: direct map at 0xffff888000000000)."""
    import struct
    with open(path, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        for i in range(phnum):
            f.seek(phoff + 56 * i)
            p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack("<IIQQQQ", f.read(40))
            if p_type != 1:
                continue
            for pa in range(0x100000, p_filesz, 4096):
                f.seek(p_offset + pa)
                if f.read(4096) == bytes(4096):
                    return 0xffff888000000000 + p_paddr + pa
    raise RuntimeError("no zero page")


if __name__ == "__main__":
    main()
