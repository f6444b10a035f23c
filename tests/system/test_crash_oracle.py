#!/usr/bin/python3
"""Oracle: Debian's crash opens the harness's null-deref dump with the built
vmlinux, and its backtrace of the panic task shows the lab's function."""
from oopslab_test import check, crash_batch, finish, labs, run_lab

lab = labs()["null-deref"]
rj, _ = run_lab("null-deref")
out = crash_batch(rj["vmlinux"], rj["dump"]["path"], ["sys", "bt"])
print(out)
check('PANIC: "Oops: ' in out, "crash's sys shows the oops as the panic")
check(f"exception RIP: {lab['function']}+" in out, f"crash bt shows the exception RIP in {lab['function']}")
check(" panic at " in out, "crash bt starts in panic()")
finish()
