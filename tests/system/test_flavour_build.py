#!/usr/bin/python3
"""Kernel flavours build and are cached (guests/kernel/build-kernel --flavour):
each flavour is its own cache entry, keyed by its fragment (the same set in
another order is the same key), whose .config holds every line of the lab
fragment and of the flavour's, and a second call reuses the entry without
rebuilding. An unknown flavour is a usage error, and a flavour fragment line
that olddefconfig drops is refused before anything is built. Prints each
build's cost (build-stats: wall seconds, bzImage, vmlinux and tree sizes),
the figures the README quotes."""
import os
import shutil
import subprocess
import sys
import tempfile

from oopslab_test import SOURCE, check, finish

KERNEL = os.path.join(SOURCE, "guests", "kernel")
BUILD = os.path.join(KERNEL, "build-kernel")
FLAVOURS = ["kasan", "kfence", "ubsan", "lockdep"]


def key(*args, script=BUILD, env=None):
    p = subprocess.run([script, *args, "--print-key"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def fragment_lines(path):
    with open(path) as f:
        return [l.strip() for l in f if l.startswith("CONFIG_")]


plain = key()[1]
keys = {f: key("--flavour", f)[1] for f in FLAVOURS}
check(len(set(keys.values()) | {plain}) == len(FLAVOURS) + 1, f"every flavour has its own key: {plain} {keys}")
check(key("--flavour", "lockdep,kasan")[1] == key("--flavour", "kasan,lockdep")[1] == key("--flavour", "kasan,lockdep,kasan")[1],
      "a flavour set's key does not depend on the order or repeats")
check(key("--flavour", "kasan,lockdep")[1] not in keys.values(), "a combination is a kernel of its own")
rc, out, err = key("--flavour", "kasan,msan")
check(rc == 2 and "unknown flavour 'msan'" in err, f"an unknown flavour is a usage error: {rc} {err!r}")

base = fragment_lines(os.path.join(KERNEL, "oopslab.config"))
for f in FLAVOURS:
    p = subprocess.run(["nice", "-n", "19", BUILD, "--flavour", f], stdout=subprocess.PIPE, text=True)
    check(p.returncode == 0, f"the {f} kernel builds")
    if p.returncode:
        continue
    kdir = p.stdout.strip().splitlines()[-1]
    check(os.path.basename(kdir) == keys[f], f"{f}: cached under its key {keys[f]}")
    with open(os.path.join(kdir, ".config")) as cf:
        config = set(cf.read().splitlines())
    ours = fragment_lines(os.path.join(KERNEL, "flavours", f + ".config"))
    check(all(l in config for l in ours), f"{f}: .config has every line of {f}.config")
    overridden = {l.split("=")[0] for l in ours}
    check(all(l in config for l in base if l.split("=")[0] not in overridden), f"{f}: and of oopslab.config")
    with open(os.path.join(kdir, "build-stats")) as sf:
        stats = dict(l.strip().split("=", 1) for l in sf if "=" in l)
    print(f"cost of {f}: {stats}")
    check(int(stats.get("vmlinux_bytes", 0)) > 0, f"{f}: build-stats records the build's cost")
    mtime = os.path.getmtime(os.path.join(kdir, ".complete"))
    p2 = subprocess.run([BUILD, "--flavour", f], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(p2.returncode == 0 and p2.stdout.strip().splitlines()[-1] == kdir and
          os.path.getmtime(os.path.join(kdir, ".complete")) == mtime and "building" not in p2.stderr,
          f"{f}: a second call reuses the cache entry")

# A flavour line olddefconfig drops (software tags are arm64-only) is refused,
# from a copy of the kernel directory and a private cache sharing the source.
with tempfile.TemporaryDirectory() as tmp:
    kcopy = os.path.join(tmp, "kernel")
    shutil.copytree(KERNEL, kcopy)
    with open(os.path.join(kcopy, "flavours", "kasan.config"), "a") as f:
        f.write("CONFIG_KASAN_SW_TAGS=y\n")
    cache = os.path.join(tmp, "cache")
    os.makedirs(os.path.join(cache, "oopslab"))
    real_src = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "oopslab", "src")
    os.symlink(real_src, os.path.join(cache, "oopslab", "src"))
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    p = subprocess.run(["nice", "-n", "19", os.path.join(kcopy, "build-kernel"), "--flavour", "kasan"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    print(p.stderr[-800:])
    check(p.returncode != 0 and "'CONFIG_KASAN_SW_TAGS=y' did not survive olddefconfig" in p.stderr,
          "a dropped flavour line is refused, naming the line")
    check("kasan.config" in p.stderr, "and the fragment it came from")
    check(not any(os.path.exists(os.path.join(cache, "oopslab", "kernel", k, ".complete"))
                  for k in os.listdir(os.path.join(cache, "oopslab", "kernel")) if not k.startswith(".")),
          "nothing is left marked complete")
finish()
