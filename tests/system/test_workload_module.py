#!/usr/bin/python3
"""--module: a module the test writes to a temporary directory (not in the
tree) crashes in a timer callback, in softirq context on the IRQ stack.
Built out of tree in the cache, never in the user's directory; the report
names its function and file:line, `oopslab gdb --batch` shows the line, and
bt through the stub runs from panic through the IRQ stack into the
interrupted task. The same module as a prebuilt .ko gives the same crash;
the module's parameters reach it as insmod takes them."""
import os
import re
import shutil
import subprocess

from oopslab_test import OOPSLAB, check, finish
from workload_util import (TIMER_MARKER, marked_line, run, stub_bt, tmpdir, tree_listing,
                           write_timer_module)

parent = tmpdir("module")
src = write_timer_module(parent)
before = tree_listing(src)
line = marked_line(os.path.join(src, "timer_crash.c"), TIMER_MARKER)

# The trigger is the timer; --exec keeps the guest alive until it fires.
rc, err, rj, out = run("workload-timer", "--module", src, "--exec", "sleep 10")
check(rc == 0 and rj and rj["outcome"] == "panic", f"timer module: outcome panic (rc {rc})")
check(tree_listing(src) == before, "the module directory is untouched (built out of tree)")
check(rj["workload"]["modules"][0]["name"] == "timer_crash", "run.json names the module")
built = rj["workload"]["modules"][0]["built"]
check(not built.startswith(src) and os.path.exists(built), f"built in the cache: {built}")
kept = rj["workload"]["modules"][0]["path"]
check(kept == os.path.join(os.path.abspath(out), "modules", "timer_crash.ko") and os.path.exists(kept),
      "the .ko is kept in RUN/modules for the stub")
check(rj["add_symbol_file"] and "timer_crash.ko" in rj["add_symbol_file"], "its section addresses were recorded")

report = subprocess.run([OOPSLAB, "report", out], stdout=subprocess.PIPE, text=True).stdout
print(report)
check(rj["title"] == "BUG: kernel NULL pointer dereference in timer_crash_fn", f"title: {rj['title']}")
want = f"timer_crash_fn+"
rip = [l for l in report.splitlines() if want in l][:1]
check(rip and rip[0].rstrip().endswith(f"{src}/timer_crash.c:{line}"),
      f"the report names timer_crash_fn at {src}/timer_crash.c:{line}: {rip}")
check("<IRQ>" in report, "the report's trace is on the IRQ stack")

g = subprocess.run([OOPSLAB, "gdb", "--batch", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   text=True, timeout=600).stdout
print(g[-1500:])
check(re.search(rf"is in timer_crash_fn \({re.escape(src)}/timer_crash.c:{line}\)", g),
      "oopslab gdb --batch: the crash is in timer_crash_fn at the marked line")
check(re.search(rf"^{line}\s.*{re.escape(TIMER_MARKER)}", g, re.M), "... and lists the marked line")

bt = stub_bt(rj, "bt")
print(bt[-3000:])
frames = [l for l in bt.splitlines() if re.match(r"#\d+ ", l)]
names = [re.sub(r"^#\d+\s+(0x[0-9a-f]+ in )?", "", f).split(" (")[0] for f in frames]
print(names)


def at(name):
    return names.index(name) if name in names else -1


i_panic, i_fn = at("panic"), at("timer_crash_fn")
i_softirq = max(at("__do_softirq"), at("handle_softirqs"))
i_irq = max(at("sysvec_apic_timer_interrupt"), at("irq_exit_rcu"))
check(0 <= i_panic < i_fn, "bt: panic above timer_crash_fn")
check(i_fn < i_softirq < i_irq, "bt: timer_crash_fn called from softirq, from the timer interrupt")
sig = [i for i, n in enumerate(names) if n == "<signal handler called>"]
check(len(sig) >= 2 and sig[-1] > i_irq and sig[-1] + 1 < len(names),
      f"bt: through the interrupt frame into the interrupted task ({names[sig[-1] + 1:][:3] if sig else None})")

# The same module, prebuilt: the .ko the first run built, copied elsewhere,
# with a parameter insmod passes on (the module has none: the kernel warns
# and ignores it, which shows the parameters reached insmod).
ko_dir = tmpdir("ko")
ko = os.path.join(ko_dir, "timer_crash.ko")
shutil.copy(built, ko)
rc, err, rj2, out2 = run("workload-timer-ko", "--module", f"{ko} oopslab_param=17", "--exec", "sleep 10")
check(rc == 0 and rj2 and rj2["outcome"] == "panic", f"prebuilt .ko: outcome panic (rc {rc})")
check(rj2 and rj2["title"] == rj["title"], "prebuilt .ko: the same crash title")
check(rj2 and rj2["workload"]["modules"][0]["params"] == "oopslab_param=17", "run.json records the parameters")
with open(os.path.join(out2, "console.log"), errors="replace") as f:
    console = f.read()
check(re.search(r"timer_crash: unknown parameter 'oopslab_param' ignored", console),
      "the parameter reached the module's insmod")

# Two modules, in order: the first says it is loaded, the second's init
# crashes (a normal crash, before /init could print its sections).
first = os.path.join(parent, "first")
os.makedirs(first)
with open(os.path.join(first, "first.c"), "w") as f:
    f.write('#include <linux/module.h>\nstatic int __init first_init(void)\n{\n\tpr_info("first-module: loaded\\n");\n'
            '\treturn 0;\n}\nmodule_init(first_init);\nMODULE_LICENSE("GPL");\n')
with open(os.path.join(first, "Kbuild"), "w") as f:
    f.write("obj-m += first.o\n")
second = os.path.join(parent, "second")
os.makedirs(second)
with open(os.path.join(second, "init_crash.c"), "w") as f:
    f.write('#include <linux/module.h>\nstatic int *volatile where;\nstatic int __init init_crash_init(void)\n{\n'
            '\t*where = 1; /* init-crash: here */\n\treturn 0;\n}\nmodule_init(init_crash_init);\nMODULE_LICENSE("GPL");\n')
with open(os.path.join(second, "Kbuild"), "w") as f:
    f.write("ccflags-y := -g\nobj-m += init_crash.o\n")
rc, err, rj5, out5 = run("workload-two-modules", "--module", first, "--module", second)
with open(os.path.join(out5, "console.log"), errors="replace") as f:
    console = f.read()
check(rc == 0 and rj5 and rj5["outcome"] == "panic", f"a module whose init crashes: outcome panic (rc {rc})")
check("first-module: loaded" in console and console.index("first-module: loaded") < console.index("BUG:"),
      "the modules loaded in order")
iline = marked_line(os.path.join(second, "init_crash.c"), "init-crash: here")
check(rj5 and rj5["crash_function"] == "init_crash_init", f"the report names init_crash_init: {rj5 and rj5['crash_function']}")
check(rj5 and rj5["module"].endswith("/modules/init_crash.ko"), "the report used the crashing module")
report = subprocess.run([OOPSLAB, "report", out5], stdout=subprocess.PIPE, text=True).stdout
check(f"{second}/init_crash.c:{iline}" in report, f"... at init_crash.c:{iline}")

# --kernel-tree: the tree gives the bzImage, vmlinux and the module build.
tree = rj["kernel_dir"]
rc, err, rj4, out4 = run("workload-timer-tree", "--kernel-tree", tree, "--module", src, "--exec", "sleep 10")
check(rc == 0 and rj4 and rj4["outcome"] == "panic", f"--kernel-tree: outcome panic (rc {rc})")
check(rj4 and rj4["kernel"] == os.path.join(tree, "arch/x86/boot/bzImage") and rj4["vmlinux"] == os.path.join(tree, "vmlinux"),
      f"--kernel-tree: its bzImage and vmlinux ({rj4 and rj4['kernel']})")
check(rj4 and rj4["title"] == rj["title"], "--kernel-tree: the same crash")
finish()
