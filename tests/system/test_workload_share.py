#!/usr/bin/python3
"""--share: a script kept on the host runs from the shared directory in the
guest (virtio-9p) and writes its result to the console. Read-only unless
--share-rw."""
import os

from oopslab_test import check, finish
from workload_util import run, tmpdir

d = tmpdir("share")
script = os.path.join(d, "probe.sh")
with open(script, "w") as f:
    f.write("#!/bin/sh\n"
            "echo \"share-probe: kernel $(uname -r), $(cat /mnt/share/data.txt)\"\n"
            "if echo x > /mnt/share/written 2>/dev/null; then echo share-probe: wrote; "
            "else echo share-probe: read-only; fi\n")
os.chmod(script, 0o755)
with open(os.path.join(d, "data.txt"), "w") as f:
    f.write("payload-4711\n")

rc, err, rj, out = run("workload-share-ro", "--share", d, "--exec", "/mnt/share/probe.sh")
with open(os.path.join(out, "console.log"), errors="replace") as f:
    console = f.read()
check(rc == 0 and rj and rj["outcome"] == "no-panic" and rj["exit_status"] == 0, f"the script ran (rc {rc})")
check("share-probe: kernel" in console and "payload-4711" in console, "its result is on the console")
check("share-probe: read-only" in console and not os.path.exists(os.path.join(d, "written")),
      "the share is read-only by default")
check(rj and rj["workload"]["share"] == os.path.realpath(d), "run.json names the shared directory")

rc, err, rj, out = run("workload-share-rw", "--share", f"{d}:/srv/host", "--share-rw", "--exec",
                       "sed s,/mnt/share,/srv/host,g /srv/host/probe.sh | sh")
with open(os.path.join(out, "console.log"), errors="replace") as f:
    console = f.read()
check("share-probe: wrote" in console and os.path.exists(os.path.join(d, "written")),
      "--share-rw at /srv/host: the guest wrote to the host directory")
finish()
