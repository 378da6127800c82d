/* SPDX-License-Identifier: MIT */
/* families.c - names of the capture families and the -e list parser. */
#include <stdio.h>
#include <string.h>

#include "cap_internal.h"

static const char *const names[MMR_CAP_COUNT] = {
	[MMR_CAP_SLAB] = "slab", [MMR_CAP_PAGE] = "page", [MMR_CAP_VMALLOC] = "vmalloc",
	[MMR_CAP_PERCPU] = "percpu", [MMR_CAP_CMA] = "cma", [MMR_CAP_DMA] = "dma",
	[MMR_CAP_RCU] = "rcu", [MMR_CAP_LOCK] = "lock",
};

const char *mmr_capture_family_name(unsigned fam)
{
	return fam < MMR_CAP_COUNT ? names[fam] : NULL;
}

int mmr_capture_parse_families(const char *list, unsigned *mask, struct mmr_error *err)
{
	unsigned m = 0;
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned f = 0;
		if (len == 3 && strncmp(p, "all", 3) == 0) {
			m |= MMR_CAP_ALL;
		} else {
			while (f < MMR_CAP_COUNT && !(strlen(names[f]) == len && strncmp(p, names[f], len) == 0))
				f++;
			if (f == MMR_CAP_COUNT) {
				snprintf(err->msg, sizeof(err->msg),
					 "unknown family '%.*s' (families: slab, page, vmalloc, percpu, cma, dma, rcu, lock, all)",
					 (int)(len > 64 ? 64 : len), p);
				return -1;
			}
			m |= 1u << f;
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*mask = m;
	return 0;
}
