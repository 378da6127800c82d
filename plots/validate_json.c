/* SPDX-License-Identifier: MIT */
/*
 * validate_json.c - validate.json: what the validate report says, as
 * data, for scripts (bench/validate_loads.sh, the tests) that would
 * otherwise parse Markdown.  The keys are in docs/validate.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_json.h"
#include "validate.h"

/* One side's figures as object KEY of O: rates to 6 decimals, waits in whole ns. */
static void json_fig(struct mmr_json *j, cJSON *o, const char *key, const struct val_fig *f)
{
	cJSON *x = mmr_json_obj(j, o, key);
	mmr_json_fixed(j, x, "contended_per_kop", f->per_kop, 6);
	mmr_json_fixed(j, x, "wait_share", f->wait_share, 9);
	mmr_json_fixed(j, x, "wait_p50_ns", f->p50, 0);
	mmr_json_fixed(j, x, "wait_p99_ns", f->p99, 0);
}

/* A log ratio, or a fidelity: the number, null when none, and its words ("inf" when infinite). */
static void json_log(struct mmr_json *j, cJSON *o, const char *key, const char *text_key, double v)
{
	char buf[32];
	mmr_json_fixed(j, o, key, v, 4);
	snprintf(buf, sizeof(buf), isnan(v) ? "-" : isinf(v) ? (v > 0 ? "inf" : "-inf") : "%.2f", v);
	mmr_json_str(j, o, text_key, buf);
}

static void json_engine(struct mmr_json *j, cJSON *arr, const struct val *v, size_t e)
{
	const struct mmr_validate_engine *x = &v->out[e];
	cJSON *o = mmr_json_push_obj(j, arr);
	mmr_json_str(j, o, "engine", x->engine);
	json_log(j, o, "fidelity", "fidelity_text", x->fidelity);
	mmr_json_u64(j, o, "paired", x->paired);
	mmr_json_u64(j, o, "unmodelled", x->unmodelled);
	mmr_json_str(j, o, "most_wrong", x->worst);
	cJSON *locks = mmr_json_arr(j, o, "locks");
	for (size_t i = 0; locks && i < v->k.n; i++) {
		const struct val_row *w = &v->rows[e][i];
		cJSON *l = mmr_json_push_obj(j, locks);
		mmr_json_str(j, l, "lock", w->k->label);
		mmr_json_str(j, l, "name", w->k->name[0] ? w->k->name : NULL);
		mmr_json_u64(j, l, "addresses", w->k->addrs);
		mmr_json_u64(j, l, "kernel_contended", w->k->contended);
		mmr_json_bool(j, l, "modelled", w->mf.present);
		json_fig(j, l, "kernel", &w->kf);
		if (w->mf.present)
			json_fig(j, l, "model", &w->mf);
		else
			mmr_json_null(j, l, "model");
		json_log(j, l, "log_ratio", "ratio_text", w->lr);
	}
	cJSON *extra = mmr_json_arr(j, o, "model_only");
	for (size_t i = 0; extra && i < v->nextra[e]; i++) {
		const struct val_extra *m = &v->extra[e][i];
		cJSON *l = mmr_json_push_obj(j, extra);
		mmr_json_str(j, l, "lock", m->name);
		mmr_json_fixed(j, l, "contended_per_kop", m->f.per_kop, 6);
		mmr_json_fixed(j, l, "contended_all_per_kop", m->f.per_kop_all, 6);
		mmr_json_bool(j, l, "queued", m->f.queued);
		mmr_json_bool(j, l, "checkable", !m->unchecked);
	}
}

int val_write_json(const struct val *v, struct mmr_error *err)
{
	struct mmr_json j = {.ok = true};
	cJSON *root = mmr_json_check(&j, cJSON_CreateObject());
	mmr_json_str(&j, root, "trace", v->n ? mmr_results_trace_name(&v->res[0]) : NULL);
	mmr_json_str(&j, root, "kernel_release", v->k.release);
	mmr_json_u64(&j, root, "nr_cpus", v->k.nr_cpus);
	mmr_json_fixed(&j, root, "span_s", v->k.span_ns / 1e9, 6);
	mmr_json_u64(&j, root, "kernel_locks", v->k.n);
	mmr_json_u64(&j, root, "stacked_waits", v->k.stacked);
	mmr_json_u64(&j, root, "spinlock_waits", v->k.spin_waits);
	mmr_json_bool(&j, root, "spinlock_waits_all", v->o->spin_all);
	cJSON *arr = mmr_json_arr(&j, root, "engines");
	for (size_t e = 0; arr && e < v->n; e++)
		json_engine(&j, arr, v, e);
	char *text = j.ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	char path[4300];
	snprintf(path, sizeof(path), "%s/validate.json", v->o->outdir);
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "validate: out of memory");
		return -1;
	}
	FILE *f = fopen(path, "w");
	int rc = f && fputs(text, f) != EOF && fputc('\n', f) != EOF ? 0 : -1;
	if (f && fclose(f))
		rc = -1;
	if (rc)
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, strerror(errno));
	free(text);
	return rc;
}
