/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the table of built-in workloads, lookup by name, parameter
 * defaults and the checks every generator runs behind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl_internal.h"

static const struct mmr_workload *const workloads[] = {
	&wl_vmalloc_test, &wl_kfree_rcu_flood, &wl_zram_swap,
	&wl_hugetlb_cma,  &wl_fbdev_damage,    &wl_slab_mix,	&wl_cma_bulk,
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
int mmr_workload_check(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
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
	if (mmr_workload_check(wl, cfg, err))
		return -1;
	if (!w) {
		snprintf(err->msg, sizeof(err->msg), "workload %s: no trace writer given", wl->name);
		return -1;
	}
	return wl->generate(cfg, w, err);
}

/*
 * The trace's "source" metadata: everything needed to make the same file
 * again ("workload slab-mix seed=1 cpus=4 ops=1000000 --max-size 8192 ...").
 */
static void describe(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
		     char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "workload %s seed=%" PRIu64 " cpus=%" PRIu32
				    " ops=%" PRIu64, wl->name, cfg->seed, cfg->cpus, cfg->ops);
	for (size_t i = 0; i < wl->nparams && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, " --%s %" PRIu64, wl->params[i].name,
				      cfg->params[i]);
}

/* Remove what a failed run wrote, but only a regular file: never a device such as /dev/full. */
static void remove_partial(const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		unlink(path);
}

/* Check CFG, then write WL's trace to PATH; a failed run leaves no file. */
int mmr_workload_write(const struct mmr_workload *wl, const struct mmr_workload_config *cfg,
		       const char *path, const struct mmr_writer_opts *opts, struct mmr_error *err)
{
	char source[1024];
	if (mmr_workload_check(wl, cfg, err))
		return -1;
	describe(wl, cfg, source, sizeof(source));
	struct mmr_meta meta = {
		.kernel_release = "", .clock = "synthetic", .source = source, .nr_cpus = cfg->cpus,
	};
	struct mmr_writer *w = mmr_writer_open(path, &meta, opts, err);
	if (!w)
		return -1;
	if (mmr_workload_generate(wl, cfg, w, err)) {
		struct mmr_error ignored;
		mmr_writer_close(w, &ignored);
		remove_partial(path);
		return -1;
	}
	if (mmr_writer_close(w, err)) {
		remove_partial(path);
		return -1;
	}
	return 0;
}
