/* SPDX-License-Identifier: MIT */
/*
 * validate_kernel.c - the kernel's side of `mmreplay validate`: its lock
 * contention as `mmreplay stats --json` reports it, per lock address,
 * grouped by kernel lock name, since a model has one lock class per name
 * (zone->lock) where the kernel has one lock per zone or node.  A lock the
 * capture could not name stays on its own, labelled by address and caller.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mmr_fs.h"
#include "report.h"
#include "validate.h"

/*
 * Kernel locks listed at most: the report is read by people, and a trace
 * may hold any number of lock addresses.  The rest are summed in one row.
 */
#define VAL_MAX_LOCKS 256

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A + B, stopping at UINT64_MAX: a hand-edited file must not wrap a sum into a small one. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A new group in K labelled LABEL (NAME: its kernel name, "" for none), or the summing last one when K is full. */
static struct val_klock *group_new(struct val_kernel *k, const char *name, const char *label)
{
	if (k->n >= VAL_MAX_LOCKS - 1) {
		struct val_klock *o = &k->locks[VAL_MAX_LOCKS - 1];
		if (k->n == VAL_MAX_LOCKS - 1) {
			memset(o, 0, sizeof(*o));
			snprintf(o->label, sizeof(o->label), "(other locks)");
			mmr_hist_init(&o->hist);
			o->p50 = o->p99 = NAN;
			k->n++;
		}
		return o;
	}
	struct val_klock *g = &k->locks[k->n++];
	memset(g, 0, sizeof(*g));
	mmr_hist_init(&g->hist);
	g->hist_known = true;
	g->p50 = g->p99 = NAN;
	rpt_copy_name(g->name, sizeof(g->name), name);
	rpt_copy_name(g->label, sizeof(g->label), label);
	return g;
}

/* The group of a named ROW: the one of its name (compared as stored: cleaned and cut), else a new one. */
static struct val_klock *group_named(struct val_kernel *k, const char *name)
{
	char clean[sizeof(k->locks[0].name)];
	rpt_copy_name(clean, sizeof(clean), name);
	for (size_t i = 0; i < k->n && i < VAL_MAX_LOCKS - 1; i++)
		if (!strcmp(k->locks[i].name, clean))
			return &k->locks[i];
	return group_new(k, clean, clean);
}

/* An unnamed ROW's group: its own, labelled by address (or symbol) and caller. */
static struct val_klock *group_unnamed(struct val_kernel *k, const cJSON *row)
{
	const char *addr = json_str(row, "addr"), *sym = json_str(row, "symbol");
	const char *caller = json_str(row, "caller_symbol");
	char label[200];
	snprintf(label, sizeof(label), "%.80s (%.100s)", sym ? sym : addr ? addr : "?", caller ? caller : "no caller recorded");
	return group_new(k, "", label);
}

/* Add ROW to group G; a lone address keeps the percentiles stats wrote for it. */
static void group_add(struct val_kernel *k, struct val_klock *g, const cJSON *row)
{
	g->addrs++;
	g->contended = sat_add(g->contended, rpt_json_count(row, "contended"));
	g->wait_ns = sat_add(g->wait_ns, rpt_json_count(row, "wait_total_ns"));
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(row, "wait_histogram");
	if (!cJSON_IsArray(h) || mmr_hist_from_json(&g->hist, h))
		g->hist_known = false;
	const cJSON *p50 = cJSON_GetObjectItemCaseSensitive(row, "wait_p50_ns");
	const cJSON *p99 = cJSON_GetObjectItemCaseSensitive(row, "wait_p99_ns");
	g->p50 = cJSON_IsNumber(p50) ? p50->valuedouble : NAN;
	g->p99 = cJSON_IsNumber(p99) ? p99->valuedouble : NAN;
	k->stacked = sat_add(k->stacked, rpt_json_count(row, "stacked"));
	const char *type = json_str(row, "type");
	if (type && !strcmp(type, "spinlock"))
		k->spin_waits = sat_add(k->spin_waits, rpt_json_count(row, "contended"));
}

/* Most total wait first, the summing "(other locks)" row last. */
static int group_cmp(const void *a, const void *b)
{
	const struct val_klock *x = a, *y = b;
	return x->wait_ns != y->wait_ns ? (x->wait_ns > y->wait_ns ? -1 : 1) : (x->contended < y->contended) - (x->contended > y->contended);
}

/*
 * ROWS grouped: named rows first, so that no number of unnamed addresses
 * can crowd a named lock out of the list, then the unnamed ones each on
 * its own.  A group's percentiles are its lone row's, else its merged
 * histogram's.
 */
static int load_rows(struct val_kernel *k, const cJSON *rows, const char *path, struct mmr_error *err)
{
	size_t n = (size_t)cJSON_GetArraySize(rows);
	if (!(k->locks = calloc(n < VAL_MAX_LOCKS ? n + 1 : VAL_MAX_LOCKS, sizeof(*k->locks)))) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: out of memory", path);
		return -1;
	}
	for (int named = 1; named >= 0; named--) {
		const cJSON *row;
		cJSON_ArrayForEach(row, rows) {
			const char *name = json_str(row, "name");
			if ((name && *name) != named)
				continue;
			group_add(k, named ? group_named(k, name) : group_unnamed(k, row), row);
		}
	}
	size_t sorted = k->n < VAL_MAX_LOCKS ? k->n : VAL_MAX_LOCKS - 1;
	qsort(k->locks, sorted, sizeof(*k->locks), group_cmp);
	for (size_t i = 0; i < k->n; i++) {
		struct val_klock *g = &k->locks[i];
		if ((g->addrs != 1 || isnan(g->p50)) && g->hist_known && g->hist.count) {
			g->p50 = (double)mmr_hist_percentile(&g->hist, 50);
			g->p99 = (double)mmr_hist_percentile(&g->hist, 99);
		} else if (g->addrs != 1) {
			g->p50 = g->p99 = NAN;
		}
	}
	return 0;
}

int val_kernel_load(const char *path, struct val_kernel *k, struct mmr_error *err)
{
	memset(k, 0, sizeof(*k));
	char *text = mmr_slurp(path);
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	cJSON *d = cJSON_Parse(text);
	free(text);
	const cJSON *lc = cJSON_GetObjectItemCaseSensitive(d, "lock_contention");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(lc, "locks");
	int rc = -1;
	if (!d)
		snprintf(err->msg, sizeof(err->msg), "%.400s: not JSON", path);
	else if (!cJSON_IsArray(rows))
		snprintf(err->msg, sizeof(err->msg),
			 "%.400s: no lock_contention.locks: not a trace's statistics, or made by an older mmreplay", path);
	else
		rc = load_rows(k, rows, path, err);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "trace");
	const char *rel = json_str(t, "kernel_release");
	rpt_copy_name(k->release, sizeof(k->release), rel ? rel : "");
	uint64_t cpus = rpt_json_count(t, "nr_cpus");
	k->nr_cpus = cpus > 0 && cpus < 100000 ? (unsigned)cpus : 0;
	k->span_ns = (double)rpt_json_count(d, "duration_ns");
	cJSON_Delete(d);
	if (rc)
		val_kernel_free(k);
	return rc;
}

void val_kernel_free(struct val_kernel *k)
{
	free(k->locks);
	memset(k, 0, sizeof(*k));
}
