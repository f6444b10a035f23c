#!/usr/bin/python3
"""The timeout path: a guest that idles gets an NMI; with unknown_nmi_panic=1
that NMI panics it, and the pvpanic event ends the run as a panic."""
from oopslab_test import check, finish, run_lab

rj, rundir = run_lab("hang", "--timeout", "3", "--append", "unknown_nmi_panic=1")
check(rj["outcome"] == "panic", f"outcome {rj['outcome']}")
check(rj["detected_by"] == "pvpanic after NMI", f"detected by {rj['detected_by']}")
check(rj["panic_line"] and "NMI" in rj["panic_line"], f"panic line names the NMI: {rj['panic_line']}")
check(rj["dump"] and rj["dump"]["bytes"] > 0, "memory captured")
finish()
