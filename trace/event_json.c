/* SPDX-License-Identifier: MIT */
/* event_json.c - counts of events out of range as JSON, for the stats and replay reports. */
#include "mmr_json.h"
#include "mmr_trace.h"

void mmr_invalid_json(struct mmr_json *j, cJSON *parent, const char *key, const struct mmr_invalid_counts *c)
{
	cJSON *arr = mmr_json_arr(j, parent, key);
	unsigned why, fam, op;
	uint64_t n;
	for (size_t pos = 0; mmr_invalid_next(c, &pos, &why, &fam, &op, &n);) {
		cJSON *e = mmr_json_push_obj(j, arr);
		mmr_json_str(j, e, "family", mmr_family_name(fam));
		mmr_json_str(j, e, "op", mmr_op_name(op));
		mmr_json_str(j, e, "reason", mmr_event_invalid_key(why));
		mmr_json_u64(j, e, "count", n);
	}
}
