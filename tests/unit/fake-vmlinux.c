/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A synthetic vmlinux for the walks' unit tests: the symbols and the DWARF
 * of fake-kernel.h, linked at the kernel's address (meson.build), no code.
 * Per-CPU variables are arrays here, and __per_cpu_offset[cpu] is
 * cpu * 8, so that per-CPU lookups (&var + __per_cpu_offset[cpu]) land on
 * var[cpu].
 */
#include "fake-kernel.h"

struct task_struct init_task;
struct list_head modules;
unsigned long __per_cpu_offset[FAKE_NR_CPUS];
struct task_struct *current_task[FAKE_NR_CPUS];
struct task_struct *idle_threads[FAKE_NR_CPUS];
/* Types only the walks name: referenced so that the compiler describes them. */
struct inactive_task_frame fake_frame;
struct module fake_module;
struct module_sect_attr fake_sect_attr;
