# SPDX-License-Identifier: GPL-2.0-or-later
"""Make the kernel's lx-symbols (scripts/gdb, vmlinux-gdb.py) work against
oopslab-stub. Source it after vmlinux-gdb.py, or before (it then waits for it):

    gdb -iex 'add-auto-load-safe-path KERNEL_DIR' -x scripts/gdb/oopslab-lx.py ...

lx-symbols drops every symbol and reloads vmlinux with a plain
`symbol-file VMLINUX`, at its link address. Two things go wrong with a dump:

- On a KASLR boot every kernel symbol is then off by the KASLR offset, so even
  the module list lx-symbols walks next cannot be read. Here vmlinux is loaded
  the way `monitor kaslr` says instead: moved by the offset, with
  .data..percpu left at 0 (per-CPU symbols are offsets, not addresses).
- Dropping the symbols also drops gdb's shared libraries: the stub's unwind
  info for the entry code (without it `bt` stops at asm_exc_page_fault) and
  the modules' .ko files. They are read again (`sharedlibrary`) at the end.

Nothing else of lx-symbols changes. Its breakpoint on do_init_module (to
follow module loading in a live kernel) is harmless: the stub cannot run, so
it is never hit.
"""
import re

import gdb


def kaslr_offset():
    """The stub's answer; 0 for a kernel that did not move (or another server)."""
    try:
        out = gdb.execute("monitor kaslr", to_string=True)
    except gdb.error:
        return 0
    m = re.search(r"KASLR offset: (0x[0-9a-f]+)", out)
    return int(m.group(1), 16) if m else 0


def adapt(lx_symbols):
    if getattr(lx_symbols, "oopslab_adapted", False):
        return
    plain_invoke = lx_symbols.invoke

    def invoke(self, arg, from_tty):
        offset = kaslr_offset()
        execute = gdb.execute

        def execute_moved(command, *args, **kwargs):
            m = re.fullmatch(r"symbol-file (\S+)", command)
            if m and offset:
                command = "add-symbol-file {} -o {:#x} -s .data..percpu 0".format(m.group(1), offset)
                kwargs["to_string"] = True
            return execute(command, *args, **kwargs)

        # lx-symbols runs gdb.execute("symbol-file ...") itself: swap it for
        # the duration of the command only.
        gdb.execute = execute_moved
        try:
            plain_invoke(self, arg, from_tty)
        finally:
            gdb.execute = execute
        execute("sharedlibrary", to_string=True)

    lx_symbols.invoke = invoke
    lx_symbols.oopslab_adapted = True


def try_adapt(event=None):
    try:
        import linux.symbols  # on sys.path once vmlinux-gdb.py ran
    except ImportError:
        return False
    adapt(linux.symbols.LxSymbols)
    if event is not None:
        gdb.events.new_objfile.disconnect(try_adapt)
    return True


if not try_adapt():
    gdb.events.new_objfile.connect(try_adapt)
