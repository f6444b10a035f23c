/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oopslab batch`: a matrix of kernels x labs, in parallel, for CI. */
#pragma once

int cmd_batch(int argc, char **argv);
