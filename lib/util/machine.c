/* SPDX-License-Identifier: MIT */
/* machine.c - this machine's kernel, name and CPU model. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "mmr_machine.h"

void mmr_machine_get(struct mmr_machine *m)
{
	struct utsname u;
	char line[512];
	memset(m, 0, sizeof(*m));
	if (uname(&u) == 0) {
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
		snprintf(m->hostname, sizeof(m->hostname), "%s", u.nodename);
	}
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", colon);
		break;
	}
	if (f)
		fclose(f);
}
