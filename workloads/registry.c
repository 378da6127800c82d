/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the table of built-in workloads, lookup by name, parameter
 * defaults and the checks every generator runs behind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wl_internal.h"

static const struct mmr_workload *const workloads[] = {
	&wl_vmalloc_test, &wl_kfree_rcu_flood, &wl_zram_swap,
	&wl_hugetlb_cma,  &wl_fbdev_damage,    &wl_slab_mix,
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

/* Number of built-in workloads. */
size_t mmr_workload_count(void)
{
	return NWORKLOADS;
}

/* The I-th built-in workload, or NULL. */
const struct mmr_workload *mmr_workload_get(size_t i)
{
	return i < NWORKLOADS ? workloads[i] : NULL;
}

/* The workload called NAME, or NULL. */
const struct mmr_workload *mmr_workload_find(const char *name)
{
	for (size_t i = 0; name && i < NWORKLOADS; i++)
		if (strcmp(workloads[i]->name, name) == 0)
			return workloads[i];
	return NULL;
}

/* Index of WL's param NAME, or -1. */
int mmr_workload_param_index(const struct mmr_workload *wl, const char *name)
{
	for (size_t i = 0; wl && name && i < wl->nparams; i++)
		if (strcmp(wl->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Fill CFG->params with WL's defaults; the unused tail is zeroed. */
void mmr_workload_defaults(const struct mmr_workload *wl, struct mmr_workload_config *cfg)
{
	for (size_t i = 0; i < MMR_WORKLOAD_MAX_PARAMS; i++)
		cfg->params[i] = wl && i < wl->nparams ? wl->params[i].def : 0;
}

/* Check cpus, ops and every param against its range; one line in ERR otherwise. */
int wl_check_config(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
		    struct mmr_error *err)
{
	const char *name = wl ? wl->name : "(none)";
	if (!wl || !cfg) {
		snprintf(err->msg, sizeof(err->msg), "workload %s: no workload or config given", name);
		return -1;
	}
	if (cfg->cpus < 1 || cfg->cpus > WL_MAX_CPUS) {
		snprintf(err->msg, sizeof(err->msg), "workload %s: --cpus %" PRIu32
			 " out of range 1..%u", name, cfg->cpus, WL_MAX_CPUS);
		return -1;
	}
	if (cfg->ops < 1) {
		snprintf(err->msg, sizeof(err->msg), "workload %s: --ops must be at least 1", name);
		return -1;
	}
	for (size_t i = 0; i < wl->nparams && i < MMR_WORKLOAD_MAX_PARAMS; i++) {
		const struct mmr_workload_param *p = &wl->params[i];
		uint64_t v = cfg->params[i];
		if (v < p->min || v > p->max) {
			snprintf(err->msg, sizeof(err->msg),
				 "workload %s: --%s %" PRIu64 " out of range %" PRIu64 "..%" PRIu64,
				 name, p->name, v, p->min, p->max);
			return -1;
		}
	}
	return 0;
}

/* Check CFG and run WL's generator into W. */
int mmr_workload_generate(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
			  struct mmr_writer *w, struct mmr_error *err)
{
	if (wl_check_config(wl, cfg, err))
		return -1;
	if (!w) {
		snprintf(err->msg, sizeof(err->msg), "workload %s: no trace writer given", wl->name);
		return -1;
	}
	return wl->generate(cfg, w, err);
}
