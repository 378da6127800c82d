/* SPDX-License-Identifier: MIT */
/* plan_internal.h - what plan.c, parts.c and expand.c share: the plan's readers, on json_read.h's checks. */
#ifndef PLAN_INTERNAL_H
#define PLAN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "json_read.h"
#include "mmr_plan.h"

/* parts.c: the plan's lists.  Each returns 0, or -1 with R's error (the first one). */
int plan_read_traces(struct jr *r, const cJSON *d, struct mmr_plan *p);
/* engines, and baseline among them. */
int plan_read_engines(struct jr *r, const cJSON *d, struct mmr_plan *p);
/* kernel: the kernel modes, ["default"] when absent. */
int plan_read_kernels(struct jr *r, const cJSON *d, struct mmr_plan *p);
int plan_read_threads(struct jr *r, const cJSON *d, struct mmr_plan *p);
int plan_read_opts(struct jr *r, const cJSON *d, struct mmr_plan *p);

/* replay_opts.c: D's "replay" (at AT.replay) into a new *KV of *N, canonical, in key order. */
int plan_read_replay(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_kv **kv, size_t *n);

#endif /* PLAN_INTERNAL_H */
