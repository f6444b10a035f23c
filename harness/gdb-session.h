/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab gdb RUNDIR`: gdb on the run's dump through oopslab-stub, at the crash. */
#pragma once

int cmd_gdb(int argc, char **argv);

/* oopslab-stub beside this program (build tree or install), else PATH's; NULL if none. */
char *oopslab_find_stub(void);
