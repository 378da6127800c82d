/* SPDX-License-Identifier: MIT */
/* plan_internal.h - what plan.c, parts.c and expand.c share: the reader's state and its checks. */
#ifndef PLAN_INTERNAL_H
#define PLAN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "catalog_json.h"
#include "mmr_plan.h"

/* Reading one plan file: the first error wins, the rest of the file is not looked at. */
struct plan_reader {
	const char *path;
	struct mmr_error *err;
	bool failed;
};

/* ERR = "PATH: KEY: what", unless an earlier error is there. */
void plan_bad(struct plan_reader *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* False, with an error, when object O (at key path WHERE) has a key not in the NULL-terminated KEYS. */
bool plan_only_keys(struct plan_reader *r, const cJSON *o, const char *where, const char *const *keys);
/* String member KEY of O, copied; NULL when absent (an error if REQUIRED) or not a non-empty string. */
char *plan_str(struct plan_reader *r, const cJSON *o, const char *where, const char *key, bool required);
/* V as a whole number in LO..HI. */
bool plan_num(struct plan_reader *r, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, uint64_t *out);
bool plan_num_key(struct plan_reader *r, const cJSON *o, const char *where, const char *key, uint64_t lo,
		  uint64_t hi, uint64_t def, uint64_t *out);
/* An option's or param's value as the command line takes it; NULL with an error. */
char *plan_value(struct plan_reader *r, const cJSON *v, const char *path);
/* Array KEY of O, 1..MMR_PLAN_MAX_LIST items. */
const cJSON *plan_list(struct plan_reader *r, const cJSON *o, const char *key, bool required);

/* parts.c: the plan's lists.  Each returns 0, or -1 with the reader's error. */
int plan_read_traces(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);
int plan_read_engines(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);
int plan_read_threads(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);
int plan_read_opts(struct plan_reader *r, const cJSON *d, struct mmr_plan *p);

/* meta.c: what collect and the reports read of a job's results.json. */
struct plan_meta {
	char tool[64], engine[64];
	struct mmr_plan_host host; /* jobs 1 */
};

/*
 * Read results.json PATH's tool, engine and machine into M (control
 * characters as '?').  Returns 0; 1 when there is no such file (the job is
 * not done); or -1 with ERR ("PATH: what"): unreadable, not JSON, no engine.
 */
int plan_meta_read(const char *path, struct plan_meta *m, struct mmr_error *err);
/* Count one job of host H in *V (*N of them), adding it when new.  Returns 0, or -1 when out of memory. */
int plan_host_add(struct mmr_plan_host **v, size_t *n, const struct mmr_plan_host *h);
/* "NAME (CPU)", or "an unnamed host", into BUF. */
const char *plan_host_text(const struct mmr_plan_host *h, char *buf, size_t len);

#endif /* PLAN_INTERNAL_H */
