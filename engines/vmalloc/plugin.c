/* SPDX-License-Identifier: MIT */
/* plugin.c - the vmalloc family's engines, one plugin object. */
#include "vmalloc.h"

const struct mmr_engine_ops *const mmr_engines[] = {&vm_global.ops, &vm_nodes.ops, NULL};
