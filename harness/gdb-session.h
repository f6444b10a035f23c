/* `oopslab gdb RUNDIR`: gdb on the run's dump through oopslab-stub, at the crash. */
#pragma once

int cmd_gdb(int argc, char **argv);
