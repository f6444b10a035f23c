#!/usr/bin/python3
"""Every kernel task is a gdb thread: checked against crash on the same dump.

The stub lists the vCPUs first (thread n+1 = CPU n), then every task: each
CPU's idle task and every thread of every process. This test compares:

* the tasks: gdb's `info threads` (name = comm, extra = "pid N, state S, ...")
  and `monitor ps` against crash. Debian 12's crash (8.0.2) reads the task
  table through the pid IDR and misses every task whose struct pid it reads
  wrongly: since "pid: Replace struct pid 1-element array with flex-array"
  (in this 6.1 kernel) it sees only the idle and the running tasks (fixed in
  crash 8.0.4, "Fix failure of gathering task table on Linux 6.5-rc1 and
  later"). So crash's `ps` is compared for the tasks it lists, and the whole
  set against crash's own walk of the same lists the kernel keeps
  (`list task_struct.tasks -h init_task`, then each process's
  signal->thread_head), with crash's state codes (RU, IN, UN, ID, ...) from
  __state and exit_state as crash's task_state_string() maps them.

* the backtraces: the first five functions of gdb's `bt` on each task's thread
  against crash. For the tasks crash knows, against `crash bt`. For the
  others (crash has no context for them), against a frame-pointer walk over
  the task's stack as crash reads it (`rd`), started from the switch frame
  crash shows (`struct inactive_task_frame` at thread.sp) and named with
  `sym`: the lab kernel has CONFIG_FRAME_POINTER, and on the tasks crash does
  know, that walk gives what `crash bt` gives (checked below).

  Normalization, the same on both sides, for what crash does not show:
  - gdb shows inlined functions as frames of their own (frame type
    INLINE_FRAME, e.g. context_switch in __schedule); crash does not: they
    are dropped. (gdb's "0x... in" prefix is no sign of them: frame #0 of a
    sleeping task is inlined context_switch and has it.)
  - crash names a frame by its return address. When a function's last
    instruction is a call to a noreturn function (oops_end -> panic,
    rest_init -> cpu_startup_entry), the return address is the first byte of
    the next function, and crash leaves the frame out. gdb names it by the
    call (pc - 1): such frames (return address = a symbol's start) are
    dropped from both lists.
  - crash starts a running task's backtrace where its scan of the stack
    finds die, panic, sysrq_handle_crash, crash_kexec... (crash's
    x86_64_get_dumpfile_stack_frame), not at the CPU's registers: gdb's
    frames above crash's first one (the panic notifier that told QEMU) are
    dropped for those tasks.
  - crash names frames by ELF symbols, gdb by DWARF functions: a gdb frame
    also goes by the ELF symbol at its pc (secondary_startup_64 is
    secondary_startup_64_no_verify to crash, an inner label), and names
    lose GCC's suffixes (.constprop.0, .isra.0, .cold).
  - crash shows an exception's interrupted function as "[exception RIP:
    fn+off]" under the entry frame; gdb as a frame under "<signal handler
    called>": it counts as a frame on both sides.
  Running tasks: gdb's bt of the task equals that of its CPU's thread;
  crash cannot unwind a CPU stopped on its IRQ stack (it fails to read the
  exception stacks), and then only that is checked.

The time of `info threads` and `thread apply all bt 1` is printed, not
asserted.

Dumps: null-deref (a page fault; the other CPU idle) and bad-pointer (a
general protection fault; the other CPU may run a kernel thread).

Usage: test_tasks.py [--kaslr]   (test_tasks_kaslr.py runs the KASLR case)
"""
import json
import os
import re
import sys
import tempfile

from oopslab_test import STUB, check, crash_batch, finish, gdb_batch, gdb_stub, run_lab

THREAD_SIZE = 16384  # x86_64 kernel stacks (no KASAN in the lab kernel)
TID_IDLE, TID_TASK = 900000, 1000000

# crash's two-letter states as ps letters
CRASH_TO_PS = {"RU": "R", "IN": "S", "UN": "D", "ID": "I", "ST": "T", "TR": "t", "ZO": "Z", "DE": "X",
               "PA": "P", "WA": "R", "NE": "R"}


def crash_state(state, exit_state):
    """crash 8.0.2's task_state_string() for Linux >= 4.14 bit values."""
    s = state | exit_state
    code = "??"
    if s == 0:
        code = "RU"
    if s & 0x1:
        code = "IN"
    if s & 0x2:
        code = "ID" if s & 0x400 else "UN"
    if s & 0x20:
        code = "ZO"
    if s & 0x4:
        code = "ST"
    if s & 0x8:
        code = "TR"
    if s & (0x10 | 0x80) and code == "??":
        code = "DE"
    if s == 0x40:
        code = "PA"
    if s == 0x200:
        code = "WA"
    if s == 0x800:
        code = "NE"
    return code


def base(name):
    """Function name without GCC's clone suffixes."""
    return (name or "??").split(".")[0]


# ---- gdb ----

GDB_SCRIPT = r'''
import gdb, json, time
t0 = time.monotonic()
info = gdb.execute("info threads", to_string=True)
t_info = time.monotonic() - t0
gdb.execute("maintenance flush register-cache")  # no frames cached by info threads
t0 = time.monotonic()
allbt = gdb.execute("thread apply all bt 1", to_string=True)
t_allbt = time.monotonic() - t0
find = gdb.execute("thread find sh", to_string=True)
threads = []
for th in sorted(gdb.selected_inferior().threads(), key=lambda t: t.num):
    th.switch()
    frames = []
    f = gdb.newest_frame()
    while f is not None and len(frames) < 24:
        sym = gdb.execute("info symbol %#x" % f.pc(), to_string=True).strip()
        frames.append({"name": f.name(), "inline": f.type() == gdb.INLINE_FRAME,
                       "sigtramp": f.type() == gdb.SIGTRAMP_FRAME, "pc": f.pc(), "sym": sym})
        try:
            f = f.older()
        except gdb.error:
            break
    threads.append({"num": th.num, "tid": th.ptid[1], "name": th.name, "frames": frames})
print("TASKS-JSON " + json.dumps({"threads": threads, "info": info, "allbt": allbt, "find": find,
                                  "t_info": t_info, "t_allbt": t_allbt}))
'''


def gdb_side(dump, vmlinux, add_symbol_file, kaslr):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(GDB_SCRIPT)
        script = f.name
    mod = [add_symbol_file] if add_symbol_file else []  # the lab module's symbols
    try:
        if kaslr:
            # Load vmlinux the way `monitor kaslr` says.
            out = gdb_stub(dump, "monitor kaslr")
            load = re.findall(r"^  ((?:symbol-file|add-symbol-file|sharedlibrary).*)$", out, re.M)
            check(any(c.startswith("add-symbol-file") for c in load), f"monitor kaslr gives the commands: {load}")
            out = gdb_stub(dump, *load, *mod, "monitor ps", f"source {script}")
        else:
            out = gdb_stub(dump, *mod, "monitor ps", f"source {script}", vmlinux=vmlinux)
    finally:
        os.unlink(script)
    m = re.search(r"^TASKS-JSON (.*)$", out, re.M)
    if not check(m is not None, "gdb ran the thread script"):
        print(out)
        finish()
    return json.loads(m.group(1)), out


# "  3    Thread 900000 "swapper/0" (pid 0, state R, runnable) 0x..."
INFO_RE = re.compile(r'^\*?\s+(\d+)\s+Thread (\d+) "(.*?)" \((.*?)\)\s', re.M)
EXTRA_RE = re.compile(r"^pid (\d+), state (\S), (on CPU (\d+)|sleeping|runnable)$")
# ">      56       1    0  ffff888000282d00  R   sh"
PS_RE = re.compile(r"^([> ])\s*(\d+)\s+(-?\d+)\s+(\d+)\s+([0-9a-f]+)\s+(\S)\s+(.*)$", re.M)


def gdb_frames(frames):
    """A gdb backtrace, normalized (see the docstring): per frame the names
    it may go by, the function's (DWARF) and the ELF symbol's at its pc."""
    out = []
    for i, f in enumerate(frames):
        if f["inline"]:
            continue
        m = re.match(r"^([\w.]+)( \+ \d+)? in section", f["sym"])
        # pc is a return address (not the first frame, nor one interrupted
        # by an exception or interrupt), and a symbol's start
        if i > 0 and not frames[i - 1]["sigtramp"] and m and not m.group(2):
            continue
        out.append({base(f["name"])} | ({base(m.group(1))} if m else set()))
    return out


def same(gdb, crash, n=5):
    """The first N frames agree."""
    return len(gdb[:n]) == len(crash[:n]) and all(c in g for g, c in zip(gdb, crash[:n]))


def show(gdb, n=5):
    return ["|".join(sorted(g)) for g in gdb[:n]]


# ---- crash ----

def parse_list(text):
    """crash `list -s` / `struct` output: [{member: value}] with "addr"."""
    tasks, cur = [], None
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{16})$", line)
        if m:
            cur = {"addr": int(m.group(1), 16)}
            tasks.append(cur)
            continue
        m = re.match(r"^\s+([\w.]+) = (.*?),?$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2)
    return tasks


def num(v):
    return int(v.split()[0], 0)


def comm(v):
    return re.match(r'"(.*?)(?:\\000.*)?"$', v).group(1)


def crash_bts(text):
    """{task address: [function names]} of crash bt output; an exception
    frame's "[exception RIP: fn+off]" is a frame too, as in gdb."""
    out = {}
    for block in re.split(r"^(?=PID: )", text, flags=re.M):
        m = re.match(r"PID: \s*\d+\s+TASK: ([0-9a-f]+)", block)
        if m:
            out[int(m.group(1), 16)] = [
                base(f.group(1) or f.group(2))
                for f in re.finditer(r"^\s*(?:#\d+ \[[0-9a-f]+\] (\S+) at|\[exception RIP: ([\w.]+))", block, re.M)]
    return out


def crash_side(vmlinux, dump):
    ts = "task_struct.pid,comm,__state,exit_state,signal,stack,thread.sp"
    first = crash_batch(vmlinux, dump, ["ps", "foreach bt", f"list task_struct.tasks -s {ts} -h init_task",
                                        "struct signal_struct.thread_head -o", "struct inactive_task_frame -o"])
    ps = {}
    for m in re.finditer(r"^(>?)\s+(\d+)\s+(-?\d+)\s+(\d+)\s+([0-9a-f]+)\s+(\w\w)\s+[\d.]+\s+\d+\s+\d+\s+(.*)$",
                         first, re.M):
        ps[int(m.group(5), 16)] = {"running": m.group(1) == ">", "pid": int(m.group(2)), "cpu": int(m.group(4)),
                                   "st": m.group(6), "comm": m.group(7).strip().strip("[]")}
    bts = crash_bts(first)
    head_off = int(re.search(r"\[(\d+)\] struct list_head thread_head;", first).group(1))
    frame = {m.group(2): int(m.group(1)) for m in re.finditer(r"\[(\d+)\] unsigned long (\w+);", first)}
    procs = [p for p in parse_list(first) if "signal" in p]

    # Each process's threads (the leader again among them).
    cmds = [f"list task_struct.thread_node -s {ts} -H {num(p['signal']) + head_off:#x}"
            for p in procs if num(p["pid"]) != 0]
    tasks = {p["addr"]: p for p in procs}
    for t in parse_list(crash_batch(vmlinux, dump, cmds)):
        tasks[t["addr"]] = t
    return ps, bts, tasks, frame


def crash_idle(vmlinux, dump, ps, listed, ts):
    """The idle tasks crash's ps shows that are not on init_task's list."""
    out = {}
    for a, p in ps.items():
        if p["pid"] == 0 and a not in listed:
            text = crash_batch(vmlinux, dump, [f"struct {ts} {a:x}"])
            t = parse_list(f"{a:016x}\n" + text)
            out[a] = t[0]
    return out


def stacks(vmlinux, dump, tasks):
    """{address: u64} of every listed task's kernel stack, as crash reads it."""
    cmds = [f"rd -64 {num(t['stack']):x} {THREAD_SIZE // 8}" for t in tasks.values()]
    mem = {}
    for m in re.finditer(r"^([0-9a-f]{16}):\s+([0-9a-f]{16})(?:\s+([0-9a-f]{16}))?", crash_batch(vmlinux, dump, cmds),
                         re.M):
        a = int(m.group(1), 16)
        mem[a] = int(m.group(2), 16)
        if m.group(3):
            mem[a + 8] = int(m.group(3), 16)
    return mem


def fp_walk(mem, task, frame):
    """[(pc, is_return_address)]: the switch frame's return address, then
    the frame-pointer chain. An odd frame pointer is the entry code's
    encoded pointer to a pt_regs (ENCODE_FRAME_POINTER): the interrupted
    rip and rbp are there."""
    sp, stack = num(task["thread.sp"]), num(task["stack"])
    if sp + frame["ret_addr"] not in mem:
        return []
    pcs, bp = [(mem[sp + frame["ret_addr"]], True)], mem.get(sp + frame["bp"], 0)
    while stack <= bp < stack + THREAD_SIZE - 16 and len(pcs) < 16:
        if bp & 1:
            regs = bp & ~1
            if regs + 168 > stack + THREAD_SIZE:
                break
            pcs.append((mem[regs + 128], False))  # pt_regs.ip
            bp = mem[regs + 32]  # pt_regs.bp
            continue
        if bp & 7:
            break
        pcs.append((mem[bp + 8], True))
        bp = mem[bp]
    return pcs


def crash_names(vmlinux, dump, walks):
    """Name the walks' addresses with crash's sym, normalized."""
    pcs = sorted({pc for w in walks.values() for pc, _ in w})
    syms = {}
    text = crash_batch(vmlinux, dump, ["sym " + " ".join(f"{pc:x}" for pc in pcs[i:i + 32])
                                       for i in range(0, len(pcs), 32)])
    for m in re.finditer(r"^([0-9a-f]{16}) \(\w\) ([\w.]+)(\+\d+)?", text, re.M):
        syms[int(m.group(1), 16)] = (base(m.group(2)), m.group(3) is not None)
    out = {}
    for addr, w in walks.items():
        names = []
        for i, (pc, is_ret) in enumerate(w):
            name, inside = syms.get(pc, ("??", True))
            if i > 0 and is_ret and not inside:
                continue  # the return address is the next function's first byte
            if name == "??":
                break
            names.append(name)
        out[addr] = names
    return out


def check_dump(rj, kaslr):
    dump, vmlinux = rj["dump"]["path"], rj["vmlinux"]
    g, gout = gdb_side(dump, vmlinux, rj["add_symbol_file"], kaslr)
    ps_text = gout[gout.find("      PID    PPID"):gout.find("TASKS-JSON")]
    print(ps_text)
    ncpu = rj["cpus"]
    threads = g["threads"]
    print(f"gdb: {len(threads)} threads; info threads {g['t_info']:.2f} s, "
          f"thread apply all bt 1 {g['t_allbt']:.2f} s")

    # vCPUs first, in CPU order.
    check([t["tid"] for t in threads[:ncpu]] == list(range(1, ncpu + 1)) and
          [t["name"] for t in threads[:ncpu]] == [f"CPU {c}" for c in range(ncpu)],
          "threads 1..N are the vCPUs, tid cpu+1, named CPU n")
    info = {int(m.group(2)): (m.group(3), m.group(4)) for m in INFO_RE.finditer(g["info"])}
    gtasks = {}
    for t in threads[ncpu:]:
        name, extra = info.get(t["tid"], (None, ""))
        m = EXTRA_RE.match(extra)
        if not check(m is not None and name == t["name"], f"thread {t['num']} (tid {t['tid']}): {name} ({extra})"):
            continue
        pid = int(m.group(1))
        # idle tasks are "swapper/CPU"
        want_tid = TID_TASK + pid if pid else TID_IDLE + int(t["name"].split("/")[-1])
        check(t["tid"] == want_tid, f"tid {t['tid']} fits pid {pid} {t['name']}")
        gtasks[t["tid"]] = {"pid": pid, "st": m.group(2), "comm": t["name"],
                            "cpu": int(m.group(4)) if m.group(4) else None, "frames": t["frames"], "num": t["num"]}
    ps = {int(m.group(5), 16): m for m in PS_RE.finditer(ps_text)}
    check(len(ps) == len(gtasks), f"monitor ps lists {len(ps)} tasks, gdb has {len(gtasks)} task threads")
    by_pid_comm = {(t["pid"], t["comm"]): t for t in gtasks.values()}
    for m in ps.values():
        t = by_pid_comm.get((int(m.group(2)), m.group(7).strip("[]")))
        check(t is not None and t["st"] == m.group(6) and (m.group(1) == ">") == (t["cpu"] is not None),
              f"monitor ps line agrees with the thread: {m.group(0).strip()}")

    # thread find / thread apply all bt 1
    sh = [t for t in gtasks.values() if t["comm"] == "sh"]
    check(sh and re.search(rf"^Thread {sh[0]['num']} has target name 'sh'", g["find"], re.M) is not None,
          "thread find sh finds the shell")
    heads = re.findall(r"^Thread (\d+) \(Thread (\d+)", g["allbt"], re.M)
    check(len(heads) == len(threads) and g["allbt"].count("\n#0 ") == len(threads),
          f"thread apply all bt 1: {len(heads)} threads, each with frame #0")

    # ---- the task set against crash ----
    cps, cbts, ctasks, frame = crash_side(vmlinux, dump)
    ts = "task_struct.pid,comm,__state,exit_state,signal,stack,thread.sp"
    ctasks.update(crash_idle(vmlinux, dump, cps, set(ctasks), ts))
    crash_set = {(num(t["pid"]), comm(t["comm"]), CRASH_TO_PS[crash_state(num(t["__state"]), num(t["exit_state"]))])
                 for t in ctasks.values()}
    gdb_set = {(t["pid"], t["comm"], t["st"]) for t in gtasks.values()}
    print(f"crash ps lists {len(cps)} tasks; crash's walk of the task lists {len(crash_set)}")
    check(gdb_set == crash_set, f"gdb's {len(gdb_set)} (pid, comm, state) == crash's {len(crash_set)}: "
          f"only gdb {sorted(gdb_set - crash_set)}, only crash {sorted(crash_set - gdb_set)}")
    for addr, p in cps.items():
        t = by_pid_comm.get((p["pid"], p["comm"]))
        check(t is not None and t["st"] == CRASH_TO_PS[p["st"]] and (t["cpu"] is not None) == p["running"],
              f"crash ps {p['pid']} {p['comm']} {p['st']}{' (running)' if p['running'] else ''}: gdb agrees")
    by_addr_ps = {int(m.group(5), 16): (int(m.group(2)), m.group(7).strip("[]")) for m in ps.values()}
    check(set(by_addr_ps) == set(ctasks), "monitor ps's task addresses are crash's")

    # ---- backtraces ----
    mem = stacks(vmlinux, dump, ctasks)
    running = {a for a, (pid, name) in by_addr_ps.items() if by_pid_comm[(pid, name)]["cpu"] is not None}
    # thread.sp of a running task is stale: its CPU's registers apply.
    walks = {a: fp_walk(mem, t, frame) for a, t in ctasks.items() if a not in running}
    fp_names = crash_names(vmlinux, dump, walks)
    matched = {"crash bt": 0, "frame-pointer walk": 0, "CPU thread": 0}
    vcpu_frames = {c: gdb_frames(threads[c]["frames"]) for c in range(ncpu)}
    for addr, (pid, name) in sorted(by_addr_ps.items(), key=lambda kv: kv[1]):
        t = by_pid_comm[(pid, name)]
        label = f"pid {pid} {name} (thread {t['num']})"
        crash_bt = cbts.get(addr) or []
        mine = gdb_frames(t["frames"])
        if t["cpu"] is not None:
            check(mine == vcpu_frames[t["cpu"]], f"{label}: bt == CPU {t['cpu']}'s thread")
            matched["CPU thread"] += 1
            if not crash_bt:
                print(f"note: {label}: crash bt cannot unwind it (running on CPU {t['cpu']})")
                continue
            # crash starts a running task where its stack scan finds die,
            # panic, sysrq_handle_crash, crash_kexec... (crash's
            # x86_64_get_dumpfile_stack_frame): gdb's frames above go.
            start = next((i for i, g in enumerate(mine) if crash_bt[0] in g), 0)
            mine = mine[start:]
        if crash_bt:
            ok = check(same(mine, crash_bt), f"{label}: gdb {show(mine)} == crash bt {crash_bt[:5]}")
            matched["crash bt"] += ok
            if t["cpu"] is None:
                check(fp_names[addr][:5] == crash_bt[:5],
                      f"{label}: the frame-pointer walk gives crash bt's {fp_names[addr][:5]}")
        else:
            ok = check(len(mine) >= 2 and same(mine, fp_names[addr]),
                       f"{label}: gdb {show(mine)} == crash-read frame-pointer walk {fp_names[addr][:5]}")
            matched["frame-pointer walk"] += ok
    print(f"backtraces: {len(by_addr_ps)} tasks; matched: {matched}")


def main():
    kaslr = "--kaslr" in sys.argv[1:]
    if kaslr:
        # KASLR may pick the default slot now and then: boot again until the
        # kernel really moved, a few times at most (as test_stub_kaslr does).
        for attempt in range(4):
            rj, rundir = run_lab("null-deref", "--kaslr", reuse=attempt == 0)
            with open(os.path.join(rundir, "console.log"), errors="replace") as f:
                moved = re.search(r"Kernel Offset: 0x[1-9a-f]", f.read())
            if moved:
                break
        check(moved is not None, "the KASLR kernel moved")
        runs = [rj]
    else:
        runs = [run_lab(lab)[0] for lab in ("null-deref", "bad-pointer")]
    for rj in runs:
        print(f"==== {rj['lab']}{' (KASLR)' if kaslr else ''}: {rj['dump']['path']}")
        check(rj["outcome"] == "panic", "the lab panicked")
        check_dump(rj, kaslr)

    # Without vmlinux: the vCPUs only, and the stub says why.
    out = gdb_batch(f"target remote | {STUB} --stdio --vmlinux /dev/null {runs[0]['dump']['path']}", "info threads")
    print(out)
    check(len(re.findall(r"^\*?\s+\d+\s+Thread ", out, re.M)) == runs[0]["cpus"] and "no tasks" in out,
          "without vmlinux: the vCPU threads only, and the stub says so")
    finish()


if __name__ == "__main__":
    main()
