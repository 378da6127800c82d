/* SPDX-License-Identifier: MIT */
/* mmr_machine.h - which machine figures come from: what results and calibrate profiles record. */
#ifndef MMR_MACHINE_H
#define MMR_MACHINE_H

#include <stddef.h>

/* The machine's identity; each field "" when the system does not say. */
struct mmr_machine {
	char kernel[128];    /* uname -r */
	char hostname[256];  /* uname -n */
	char cpu_model[256]; /* /proc/cpuinfo's "model name", which not every architecture prints */
};

/* Fill M for this machine. */
void mmr_machine_get(struct mmr_machine *m);

#endif /* MMR_MACHINE_H */
