#!/usr/bin/python3
"""Console detection: the lab kernel without its pvpanic device
(--no-pvpanic) reaches outcome panic, detected_by console, within 2 s of the
panic's console line, never hang; the dump and the report are as with
pvpanic."""
import os

from oopslab_test import check, finish
from workload_util import run

rc, err, rj, out = run("console-detect", "--lab", "null-deref", "--no-pvpanic")
with open(os.path.join(out, "domain.xml")) as f:
    check("<panic" not in f.read(), "the domain has no panic device")
check(rc == 0 and rj["outcome"] == "panic", f"outcome panic (rc {rc}, {rj['outcome']})")
check(rj["detected_by"] == "console", f"detected_by console: {rj['detected_by']}")
check(rj["pvpanic"] is False, "run.json says there was no pvpanic device")
t = rj["timings"]
check(t["panic_line_at"] > 0 and 0 <= t["detected_at"] - t["panic_line_at"] <= 2.0,
      f"captured {t['detected_at'] - t['panic_line_at']:.2f} s after the panic line (at most 2 s)")
check(rj["dump"] and rj["dump"]["bytes"] > 0, "a dump was taken")
check(rj["title"] == "BUG: kernel NULL pointer dereference in null_deref_crash", f"report: {rj['title']}")
check((rj["panic_message"] or "").startswith("Oops"), f"the dump's log has the oops: {rj['panic_message']}")
finish()
