/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel structures a synthetic vmlinux (fake-vmlinux.c) describes in its
 * DWARF, with the members and names the task and module walks read
 * (stub/kernel/tasks.c, modules.c) and nothing else. test-walks.c includes
 * the same header and lays the structures out in a synthetic dump with the
 * compiler's own offsetof(), so the walks' DWARF lookups are checked against
 * an independent answer.
 */
#pragma once

#define FAKE_NR_CPUS 2

struct list_head {
	struct list_head *next, *prev;
};

struct thread_struct {
	unsigned long sp;
	unsigned long fsbase;
};

/* What __switch_to_asm pushes (arch/x86/include/asm/switch_to.h). */
struct inactive_task_frame {
	unsigned long r15, r14, r13, r12, bx, bp, ret_addr;
};

struct mm_struct {
	unsigned long pgd;
};

struct signal_struct {
	int nr_threads;
	struct list_head thread_head;
};

struct task_struct {
	unsigned int __state;
	unsigned int cpu;
	struct list_head tasks;
	struct mm_struct *mm;
	int exit_state;
	int pid;
	int tgid;
	struct task_struct *parent;
	struct list_head thread_node;
	struct signal_struct *signal;
	char comm[16];
	struct thread_struct thread;
};

struct module_layout {
	void *base;
	unsigned int size;
};

struct attribute {
	const char *name;
	unsigned short mode;
};

struct bin_attribute {
	struct attribute attr;
	unsigned long size;
};

struct module_sect_attr {
	struct bin_attribute battr;
	unsigned long address;
};

struct attribute_group {
	const char *name;
};

struct module_sect_attrs {
	struct attribute_group grp;
	unsigned int nsections;
	struct module_sect_attr attrs[];
};

enum module_state { MODULE_STATE_LIVE, MODULE_STATE_COMING, MODULE_STATE_GOING, MODULE_STATE_UNFORMED };

struct module {
	enum module_state state;
	struct list_head list;
	char name[56];
	struct module_layout core_layout;
	struct module_layout init_layout;
	struct module_sect_attrs *sect_attrs;
};
