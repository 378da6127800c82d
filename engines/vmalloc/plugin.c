/* SPDX-License-Identifier: MIT */
/* plugin.c - the vmalloc family's engines, one plugin object. */
#include "vmalloc.h"

extern const struct mmr_engine_ops vm_global_ops, vm_nodes_ops;

const struct mmr_engine_ops *const mmr_engines[] = {&vm_global_ops, &vm_nodes_ops, NULL};
