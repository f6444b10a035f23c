#!/usr/bin/python3
"""crash's vocabulary as stub monitor commands, on a lab dump whose /init
started the fixtures (guests/initramfs/fixtures: processes holding files, a
pipe, a tmpfs mount). Every expected value comes from an oracle: Debian's
crash 8.0.2 on the same dump where it answers, else the kernel's own /proc
views the guest printed before the crash ("oopslab-proc: TAG LINE")."""
import os
import re
import subprocess

from oopslab_test import STUB, check, crash_batch, finish, run_lab

rj, rundir = run_lab("null-deref")
dump, vmlinux = rj["dump"]["path"], rj["vmlinux"]


def monitor(*cmds, vmlinux_arg=True):
    """{command: output} of `monitor CMD` in one gdb session (no vmlinux in gdb)."""
    args = ["gdb", "-q", "-nx", "-batch", "-ex", f"target remote | {STUB} --stdio {dump}"]
    for i, c in enumerate(cmds):
        args += ["-ex", f"echo ==MON {i}==\\n", "-ex", f"monitor {c}"]
    args += ["-ex", "echo ==MON END==\\n"]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300).stdout
    parts = re.split(r"^==MON (\d+|END)==\n", out, flags=re.M)
    return {cmds[int(parts[i])]: parts[i + 1] for i in range(1, len(parts) - 1, 2) if parts[i] != "END"}


def crash(*cmds):
    lines = []
    for i, c in enumerate(cmds):
        lines += [f"echo ==CR {i}==", c]
    lines.append("echo ==CR END==")
    out = crash_batch(vmlinux, dump, lines)
    parts = re.split(r"^==CR (\d+|END)==\n", out, flags=re.M)
    return {cmds[int(parts[i])]: parts[i + 1] for i in range(1, len(parts) - 1, 2) if parts[i] != "END"}


def proc_views():
    """{tag: [lines]} from the console's oopslab-proc lines."""
    views = {}
    with open(os.path.join(rundir, "console.log"), errors="replace") as f:
        for l in f:
            m = re.match(r"oopslab-proc: (\S+) ?(.*)$", l.rstrip("\r\n"))
            if m:
                views.setdefault(m.group(1), []).append(m.group(2))
    return views


def table(text, header):
    """The lines after HEADER up to a blank line or a new task header."""
    lines = text.splitlines()
    out = []
    if header not in lines:
        return None
    for l in lines[lines.index(header) + 1:]:
        if not l.strip() or l.startswith("PID: "):
            break
        out.append(l)
    return out


proc = proc_views()
fixture_pids = sorted(int(t.split("/")[1]) for t in proc if t.startswith("task/"))
check(len(fixture_pids) >= 5, f"the guest printed /proc views of the fixture processes: {fixture_pids}")

cmds = ["help", "files", "vm", "kmem -i", "mount", "net", "runq", "irq", "timer", "timer -r", "sig", "task", "bt -a",
        "log -m", "log -T", "dmesg", "bt", "foreach sleep files", "foreach RU bt", "foreach bt", "foreach vm", "ps"]
cmds += [f"files {p}" for p in fixture_pids] + [f"vm {p}" for p in fixture_pids]
mon = monitor(*cmds)
cr = crash("bt", "files", "vm", "kmem -i", "mount", "net", "runq", "irq", "timer", "timer -r", "sig", "log -m",
           *[f"p shadow_timekeeper.tkr_mono.{f}" for f in ("base", "xtime_nsec", "shift")])

# help: one usage line per command, and each listed command is known
usages = re.findall(r"^  monitor (\w+)", mon["help"], re.M)
for c in ["files", "vm", "kmem", "mount", "net", "runq", "irq", "timer", "sig", "task", "foreach", "log", "bt"]:
    check(c in usages, f"monitor help lists {c}")
check(not any("unknown monitor command" in v for v in mon.values()), "every command is known")

# files: the panicking shell, as crash prints it (fds, addresses, types, paths)
hdr = " FD       FILE            DENTRY           INODE       TYPE PATH"
check(table(mon["files"], hdr) == table(cr["files"], hdr) and table(cr["files"], hdr),
      f"files == crash files: {table(mon['files'], hdr)}")
check(mon["files"].splitlines()[:2] == cr["files"].splitlines()[:2], "files: task header, ROOT and CWD as crash")


def proc_fds(pid):
    fds = {}
    for l in proc.get(f"fd/{pid}", []):
        m = re.search(r" (\d+) -> (.*)$", l)
        if m:
            fds[int(m.group(1))] = m.group(2)
    return fds


def mon_fds(text):
    return {int(l.split()[0]): l.split(None, 5)[5] for l in (table(text, hdr) or [])}


for p in fixture_pids:
    cwd = next((l.split(" -> ")[1] for l in proc[f"fd/{p}"] if l.startswith("cwd -> ")), None)
    check(mon_fds(mon[f"files {p}"]) == proc_fds(p) and proc_fds(p),
          f"files {p} == /proc/{p}/fd: {proc_fds(p)}")
    check(f"CWD: {cwd}\n" in mon[f"files {p}"], f"files {p}: CWD {cwd} as /proc/{p}/cwd")
check(any("pipe:[" in v for p in fixture_pids for v in proc_fds(p).values()), "a fixture holds a pipe")

# foreach sleep files: every sleep task, with the files /proc showed
sleeps = sorted(int(t.split("/")[1]) for t, v in proc.items() if t.startswith("task/") and v[0].endswith(" sleep"))
got = [int(m) for m in re.findall(r"^PID: (\d+) .*COMMAND: \"sleep\"", mon["foreach sleep files"], re.M)]
check(sorted(got) == sleeps, f"foreach sleep files: the sleep tasks {sleeps}")

# vm: the header as crash prints it; the VMAs as /proc/PID/maps
vhdr = "       MM               PGD          RSS    TOTAL_VM"
check(table(mon["vm"], vhdr)[:1] == table(cr["vm"], vhdr)[:1], f"vm: MM, PGD, RSS, TOTAL_VM as crash: {table(cr['vm'], vhdr)[:1]}")
vmahdr = "      VMA           START       END     FLAGS FILE"
for p in fixture_pids:
    want = []
    for l in proc.get(f"maps/{p}", []):
        f = l.split()
        s, e = f[0].split("-")
        path = f[5] if len(f) > 5 and f[5].startswith("/") else ""
        want.append((int(s, 16), int(e, 16), path))
    have = []
    for l in table(mon[f"vm {p}"], vmahdr) or []:
        f = l.split()
        have.append((int(f[1], 16), int(f[2], 16), f[4] if len(f) > 4 else ""))
    check(have == want and want, f"vm {p}: the VMAs of /proc/{p}/maps ({len(want)})")

# kmem -i: page counts as crash, but SLAB and COMMITTED (see README)
def kmem_rows(text):
    return {l[:13].strip(): l for l in text.splitlines() if re.match(r"^ *[A-Z ]+ +\d+ ", l)}


km, kc = kmem_rows(mon["kmem -i"]), kmem_rows(cr["kmem -i"])
for row in ["TOTAL MEM", "FREE", "USED", "SHARED", "BUFFERS", "CACHED", "TOTAL HUGE", "HUGE FREE", "TOTAL SWAP",
            "SWAP USED", "SWAP FREE", "COMMIT LIMIT"]:
    check(row in kc and km.get(row) == kc[row], f"kmem -i {row}: {km.get(row)!r} == crash {kc.get(row)!r}")
meminfo = {l.split(":")[0]: int(l.split()[1]) for l in proc["meminfo"]}
check(int(km["TOTAL MEM"].split()[2]) * 4 == meminfo["MemTotal"], "kmem -i TOTAL MEM == /proc/meminfo MemTotal")
slab = int(km["SLAB"].split()[1]) * 4
check(abs(slab - meminfo["Slab"]) <= meminfo["Slab"] // 4, f"kmem -i SLAB {slab} kB near /proc/meminfo Slab {meminfo['Slab']} kB")

# mount: crash's table; and /proc/mounts' devices, dirs and types
mhdr = "     MOUNT           SUPERBLK     TYPE   DEVNAME   DIRNAME"
check(table(mon["mount"], mhdr) == table(cr["mount"], mhdr), "mount == crash mount")
mine = sorted((l.split()[3], l.split()[4], l.split()[2]) for l in table(mon["mount"], mhdr))
procm = sorted((l.split()[0], l.split()[1], l.split()[2]) for l in proc["mounts"])
check(mine == procm and ("fixture", "/tmp/fixture", "tmpfs") in procm, f"mount == /proc/mounts: {procm}")

# irq, timer, sig: crash's tables line for line
for c, start in [("irq", " IRQ   IRQ_DESC/_DATA      IRQACTION      NAME"), ("timer", "JIFFIES"), ("sig", "SIGNAL_STRUCT")]:
    a = [l.rstrip() for l in cr[c].strip("\n").splitlines()]
    b = [l.rstrip() for l in mon[c].strip("\n").splitlines()]
    diff = [(x, y) for x, y in zip(a, b) if x != y][:2]
    check(a == b and any(l.startswith(start) for l in a), f"{c} == crash {c} ({len(a)}, {len(b)} lines) {diff or (a[-1:], b[-1:])}")

# timer -r: crash's text, column for column, but for CURRENT (and so TTE):
# crash counts jiffies since boot, we take the kernel's own ktime_get() at
# the dump plus the clock base's offset, as /proc/timer_list does. The
# oracle for it is crash printing the timekeeper and each base's offset;
# the expected text is crash's with that CURRENT, laid out by crash's rules
# (kernel.c: dump_active_timers, print_timer; tools.c: mkstring).
def crash_value(text):
    m = re.search(r"= (-?\d+)\s*$", text.strip())
    return int(m.group(1)) if m else None


tkr = {f: crash_value(cr[f"p shadow_timekeeper.tkr_mono.{f}"]) for f in ("base", "xtime_nsec", "shift")}
ktime = tkr["base"] + (tkr["xtime_nsec"] >> tkr["shift"])
bases = re.findall(r"HRTIMER_CLOCK_BASE: ([0-9a-f]+)", cr["timer -r"])
offs = crash(*[f"p ((struct hrtimer_clock_base *)0x{b})->offset" for b in bases])
base_now = {b: ktime + crash_value(offs[f"p ((struct hrtimer_clock_base *)0x{b})->offset"]) for b in bases}


def mk(s, w, centre, ljust=False):
    """mkstring(): CENTER|RJUST, CENTER|LJUST or RJUST."""
    extra = max(w - len(s), 0)
    left = (extra // 2 if ljust else extra - extra // 2) if centre else extra
    return " " * left + s + " " * (extra - left)


def expected_timer_r(text):
    out, lines, i, now = [], text.strip("\n").splitlines(), 0, None
    while i < len(lines):
        m = re.match(r"  CLOCK: \d+  HRTIMER_CLOCK_BASE: ([0-9a-f]+)", lines[i])
        if m:
            now = base_now[m.group(1)]
        if lines[i].strip() != "CURRENT":
            out.append(lines[i])
            i += 1
            continue
        rows = []
        for l in lines[i + 3:]:
            if not l.strip():
                break
            rows.append(l.split())
        w = [max(len(rows[-1][0]), 11), max(len(rows[-1][1]), 7), len(str(int(rows[-1][1]) - now))]
        out += ["  " + mk("CURRENT", w[0], True), "  " + mk(str(now), w[0], True),
                "  " + "  ".join([mk("SOFTEXPIRES", w[0], True), mk("EXPIRES", w[1], True), mk("TTE", w[2], True),
                                  mk("HRTIMER", 16, True, True), mk("FUNCTION", 16, True, True)])]
        out += ["  " + "  ".join([mk(r[0], w[0], True), mk(r[1], w[1], True), mk(str(int(r[1]) - now), w[2], False)]
                                 + r[3:]) for r in rows]
        i += 3 + len(rows)
    return out


want = expected_timer_r(cr["timer -r"])
have = mon["timer -r"].strip("\n").splitlines()[:len(want)]
diff = [(a, b) for a, b in zip(want, have) if a != b][:2]
check(want == have and any("<hrtimer_wakeup>" in l for l in want) and 0 < ktime < 10 ** 12,
      f"timer -r == crash timer -r with CURRENT the kernel's ktime {ktime} ({len(want)} lines) {diff}")
check("CURRENT" in cr["timer -r"] and "TTE" in mon["timer -r"], "timer -r: crash's CURRENT and TTE columns")

# runq: each CPU's run queue and current task as crash; queued tasks are
# checked against monitor ps (crash 8.0.2 knows only 3 tasks here)
rq_lines = lambda t: [l for l in t.splitlines() if "RUNQUEUE" in l or "CURRENT" in l or "PRIO_ARRAY" in l or "RB_ROOT" in l]
check(rq_lines(mon["runq"]) == rq_lines(cr["runq"]) and rq_lines(cr["runq"]), "runq: queues and current tasks as crash")
ps_state = {int(m.group(1)): m.group(2) for m in re.finditer(r"^[ >]*(\d+)\s+-?\d+\s+\d+\s+[0-9a-f]+\s+(\w)\s", mon["ps"], re.M)}
queued = [int(p) for p in re.findall(r"^     \[\s*\d+\] PID: (\d+)", mon["runq"], re.M)]
check(all(ps_state.get(p) == "R" for p in queued), f"runq: the queued tasks {queued} are runnable in ps")

# foreach RU bt: exactly the runnable tasks, each with frames
ru = sorted({p for p, s in ps_state.items() if s == "R"})
got = sorted({int(p) for p in re.findall(r"^PID: (\d+) ", mon["foreach RU bt"], re.M)})
check(got == ru and "#0 [" in mon["foreach RU bt"], f"foreach RU bt: the RU tasks {ru}")
check("panic at " in mon["foreach bt"], "foreach bt: the panicking task's stack goes through panic()")

# bt (and foreach bt): the panicking task's stack as crash's bt from panic()
# on, through the page fault's exception frame (its RIP and registers) to
# the system call's user registers. Where a noreturn call ends a function,
# we name the caller (return address - 1, as gdb); crash drops that frame:
# it is allowed only where crash's `sym` puts the return address at a
# symbol's first byte.
def bt_from_panic(text):
    lines = [l for l in text.splitlines() if not l.startswith("gdb: ")]
    i = next((i for i, l in enumerate(lines) if " panic at " in l), len(lines))
    return [re.sub(r"^ *#\d+ ", "", l) for l in lines[i:] if l.strip() and not l.startswith("PID: ")]


ours, theirs = bt_from_panic(mon["bt"]), bt_from_panic(cr["bt"])
extra = [l for l in ours if l not in theirs]
syms = crash(*[f"sym {l.split()[-1]}" for l in extra]) if extra else {}
starts = all(re.match(rf"{l.split()[-1]} \(\w\) [\w.]+ ", syms[f"sym {l.split()[-1]}"]) for l in extra)
check([l for l in ours if l in theirs] == theirs and len(theirs) > 10 and any("[exception RIP: " in l for l in theirs)
      and starts and len(extra) <= 2, f"bt == crash bt from panic() on ({len(theirs)} lines; extra {extra})")
check(bt_from_panic(mon["foreach bt"])[:len(ours)] == ours, "foreach bt: the panicking task as bt")

# net: crash's devices and addresses; on a kernel without CONFIG_NET, one
# line saying so and no table (crash: no dev_base either)
if "init_net do not exist" in cr["net"]:
    check(len(mon["net"].strip().splitlines()) == 1 and "NET_DEVICE" not in mon["net"] and "CONFIG_NET" in mon["net"],
          f"net: no networking, one line: {mon['net'].strip()}")
else:
    nhdr = "   NET_DEVICE     NAME   IP ADDRESS(ES)"
    rows = lambda t: [l.split() for l in (table(t, nhdr) or [])]
    check(rows(mon["net"]) == rows(cr["net"]) and rows(cr["net"]), f"net == crash net: {rows(cr['net'])}")
    check(any("127.0.0.1" in r for r in rows(mon["net"])), "the fixtures' loopback address is listed")

# log -m as crash's; log -T: the same records with wall-clock times
check(mon["log -m"] == cr["log -m"], "log -m == crash log -m")
dm, lt = mon["dmesg"].splitlines(), mon["log -T"].splitlines()
check(len(dm) == len(lt) and all(a.split("] ", 1)[-1] == b.split("] ", 1)[-1] for a, b in zip(dm, lt)),
      "log -T: the dmesg records, times replaced")
check(re.match(r"^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}\] Linux version", lt[0]) is not None, f"log -T: {lt[0]!r}")

# bt -a: one entry per CPU; the panicking one says why
cpus = re.findall(r"CPU: (\d+) ", mon["bt -a"])
panic_cpu = re.search(r"CPU: (\d+) ", cr["files"]).group(1)
check(len(cpus) == 2 and f"panicked: panic_cpu = {panic_cpu} in the dump" in mon["bt -a"],
      f"bt -a: both CPUs, the panicking one (crash: CPU {panic_cpu}) named: {mon['bt -a']}")

# task: the printed gdb command prints the task_struct, through the stub
m = re.search(r"In gdb: (print .*)$", mon["task"], re.M)
out = subprocess.run(["gdb", "-q", "-nx", "-batch", vmlinux, "-ex", f"target remote | {STUB} --stdio {dump}",
                      "-ex", m.group(1) if m else "echo none"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     text=True, timeout=300).stdout
check(m is not None and re.search(r"\bpid = 129\b|pid = \d+", out) and 'comm = "sh"' in out,
      "task: the command it prints shows the shell's task_struct")
finish()
