/* SPDX-License-Identifier: MIT */
/* hist_json.c - a histogram's buckets as JSON, for the stats and replay reports. */
#include <math.h>

#include "mmr_hist.h"
#include "mmr_json.h"

/* V * SCALE as an integer, saturating: the top buckets reach 2^64 - 1. */
static uint64_t scaled(uint64_t v, double scale)
{
	if (scale == 1.0)
		return v;
	double x = (double)v * scale;
	return x >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)llround(x);
}

void mmr_hist_json(struct mmr_json *j, cJSON *parent, const char *key, const struct mmr_hist *h,
		   double scale)
{
	cJSON *arr = mmr_json_arr(j, parent, key);
	for (unsigned b = 0; arr && h->count && b < MMR_HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		cJSON *e = mmr_json_push_obj(j, arr);
		if (!e)
			return;
		mmr_json_u64(j, e, "low", scaled(mmr_hist_bucket_low(b), scale));
		mmr_json_u64(j, e, "high", scaled(mmr_hist_bucket_high(b), scale));
		mmr_json_u64(j, e, "count", h->buckets[b]);
	}
}

/* A member of O as an exact count: number text that fits a uint64_t. */
static int bucket_u64(const cJSON *o, const char *key, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble >= 18446744073709551616.0)
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}

int mmr_hist_from_json(struct mmr_hist *h, const cJSON *array)
{
	if (!cJSON_IsArray(array))
		return -1;
	const cJSON *e;
	cJSON_ArrayForEach(e, array) {
		uint64_t low, high, count;
		if (bucket_u64(e, "low", &low) || bucket_u64(e, "high", &high) || bucket_u64(e, "count", &count) ||
		    high < low)
			return -1;
		if (!count)
			continue;
		mmr_hist_add_n(h, low, count);
		/* The bucket's values reached up to HIGH: percentiles report bucket highs, as they would have. */
		if (high > h->max)
			h->max = high;
	}
	return 0;
}
