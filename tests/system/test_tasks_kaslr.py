#!/usr/bin/python3
"""test_tasks.py on a KASLR boot: gdb loads vmlinux the way `monitor kaslr`
says, crash relocates it itself, and every task, state and backtrace still
agree."""
import sys

import test_tasks

sys.argv.append("--kaslr")
test_tasks.main()
