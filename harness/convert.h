/* `oopslab convert`: rewrite a dump as kdump-compressed or QEMU-style ELF. */
#pragma once

int cmd_convert(int argc, char **argv);
