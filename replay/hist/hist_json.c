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
