#!/usr/bin/python3
"""--accel auto does not pick a software /dev/kvm (kvm_pvm); explicit
choices are recorded as requested."""
import os

from oopslab_test import check, finish, run_lab

rj, _ = run_lab("clean-exit")
print(f"auto: {rj['accel']} ({rj['accel_reason']})")
if os.path.isdir("/sys/module/kvm_pvm"):
    check(rj["accel"] == "tcg" and "kvm_pvm" in rj["accel_reason"], "auto avoids kvm_pvm and says why")
elif os.path.isdir("/sys/module/kvm_intel") or os.path.isdir("/sys/module/kvm_amd"):
    check(rj["accel"] == "kvm", "auto picks hardware KVM")
else:
    check(rj["accel"] == "tcg", "auto falls back to tcg without hardware KVM")
rj, _ = run_lab("clean-exit", "--accel", "tcg")
check(rj["accel"] == "tcg" and "requested" in rj["accel_reason"], "--accel tcg is honoured and recorded")
check(rj["outcome"] == "no-panic", "the tcg guest ran")
finish()
