#!/usr/bin/python3
"""--file and --exec: dynamically linked C reproducers compiled here. One
crashes the kernel through sysrq; one exits 0, giving outcome no-panic with
exit_status 0; a command's non-zero status is recorded as it is. ELF files
bring the libraries and the loader ldd lists; their output is on the
console."""
import json
import os
import subprocess

from oopslab_test import OOPSLAB, check, finish, runs_dir
from workload_util import run, tmpdir

d = tmpdir("exec")
CRASH = r"""#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	printf("repro: crashing the kernel\n");
	fflush(stdout);
	/* the tty flushes our line asynchronously: let it out before the
	 * panic's trace, or it lands inside it */
	usleep(300000);
	if (fd < 0 || write(fd, "c", 1) != 1)
		perror("repro: sysrq");
	return 1;
}
"""
OK = r"""#include <stdio.h>
int main(void)
{
	printf("repro-ok: ran and returned\n");
	return 0;
}
"""
for name, text in (("crash", CRASH), ("ok", OK)):
    with open(os.path.join(d, name + ".c"), "w") as f:
        f.write(text)
    subprocess.run(["gcc", "-O1", "-o", os.path.join(d, name), os.path.join(d, name + ".c")], check=True)
ldd = subprocess.run(["ldd", os.path.join(d, "crash")], stdout=subprocess.PIPE, text=True).stdout
check("libc.so.6 =>" in ldd, "the reproducer is dynamically linked")

rc, err, rj, out = run("workload-exec-crash", "--file", os.path.join(d, "crash"), "--exec", "./crash")
check(rc == 0 and rj and rj["outcome"] == "panic", f"crash reproducer: outcome panic (rc {rc})")
check(rj and rj["detected_by"] == "pvpanic", "detected by pvpanic")
check(rj and rj["title"] == "sysrq triggered crash in sysrq_handle_crash", f"title {rj and rj['title']}")
check(rj and rj["exit_status"] is None, "a command that crashed the kernel has no exit status")
with open(os.path.join(out, "console.log"), errors="replace") as f:
    check("repro: crashing the kernel" in f.read(), "its output is on the console")

rc, err, rj, out = run("workload-exec-ok", "--file", f"{os.path.join(d, 'ok')}:/opt/repro/", "--exec",
                       "/opt/repro/ok", "--expect", "no-panic")
check(rc == 0 and rj and rj["outcome"] == "no-panic", f"ok reproducer: outcome no-panic (rc {rc})")
check(rj and rj["exit_status"] == 0, f"exit_status 0 in run.json: {rj and rj['exit_status']}")
check(rj and rj["dump"] is None, "no dump for a run without a panic")
with open(os.path.join(out, "console.log"), errors="replace") as f:
    check("repro-ok: ran and returned" in f.read(), "its output is on the console")

rc, err, rj, out = run("workload-exec-status", "--exec", "echo status-test; exit 7")
check(rj and rj["outcome"] == "no-panic" and rj["exit_status"] == 7, f"exit_status 7: {rj and rj['exit_status']}")

# batch takes the same workload: one run, expected to panic.
bdir = os.path.join(runs_dir(), "workload-batch")
subprocess.run(["rm", "-rf", bdir])
p = subprocess.run([OOPSLAB, "batch", "--out", bdir, "--file", os.path.join(d, "crash"), "--exec", "./crash"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
print(p.stdout, p.stderr)
runs = sorted(os.listdir(bdir)) if os.path.isdir(bdir) else []
check(p.returncode == 0 and runs == ["lab-workload"], f"batch --exec: one workload run, as expected (rc {p.returncode}, {runs})")
with open(os.path.join(bdir, "lab-workload", "run.json")) as f:
    brj = json.load(f)
check(brj["outcome"] == "panic" and brj["workload"]["exec"] == "./crash", "the batch run had the workload")
finish()
