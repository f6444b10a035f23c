#!/usr/bin/python3
"""oopslab_test.run_lab reuses a kept run only while its dump is there:
scripts/test deletes the dumps of a session at its end, and a later session
reusing run.json alone would point its tests at a missing vmcore.  No VM:
the harness call is replaced by a recorder."""
import json
import os
import subprocess
import time

import oopslab_test
from oopslab_test import check, finish, runs_dir


REAL_RUN = subprocess.run


class Ran(Exception):
    pass


def fake_run(args, **kw):
    if args and args[0] == oopslab_test.OOPSLAB:
        raise Ran(args)
    return REAL_RUN(args, **kw)


def main():
    lab = "reuse-probe"
    out = os.path.join(runs_dir(), lab)
    os.makedirs(out, exist_ok=True)
    dump = os.path.join(out, "vmcore")
    with open(dump, "wb") as f:
        f.write(b"x")
    with open(os.path.join(out, "run.json"), "w") as f:
        json.dump({"lab": lab, "dump": {"path": dump, "format": "elf"}}, f)
    future = time.time() + 3600  # newer than every input
    os.utime(os.path.join(out, "run.json"), (future, future))
    oopslab_test.subprocess.run = fake_run
    try:
        rj, _ = oopslab_test.run_lab(lab)
        check(rj["dump"]["path"] == dump, "a kept run with its dump is reused")
    except Ran:
        check(False, "a kept run with its dump is reused")
    os.unlink(dump)
    try:
        oopslab_test.run_lab(lab)
        check(False, "a kept run whose dump was deleted is run again")
    except Ran:
        check(True, "a kept run whose dump was deleted is run again")
    oopslab_test.subprocess.run = REAL_RUN
    REAL_RUN(["rm", "-rf", out], check=True)
    finish()


if __name__ == "__main__":
    main()
