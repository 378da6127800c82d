/* SPDX-License-Identifier: MIT */
/*
 * command.c - a plan's jobs as the command lines that run them: the
 * same text whether this machine runs them, GNU parallel or Slurm does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plan_internal.h"

/* A command line being built into a fixed buffer; ok stays true while it fits. */
struct cmdline {
	char *buf;
	size_t len, at;
	bool ok;
};

/* Append word W, single-quoted when the shell would read anything in it as more than letters. */
static void word(struct cmdline *c, const char *w)
{
	bool plain = *w != '\0';
	for (const char *s = w; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%", *s))
			plain = false;
	const char *sep = c->at ? " " : "";
	int n;
	if (plain) {
		n = snprintf(c->buf + c->at, c->len - c->at, "%s%s", sep, w);
	} else {
		n = snprintf(c->buf + c->at, c->len - c->at, "%s'", sep);
		for (const char *s = w; n > 0 && c->at + (size_t)n < c->len && *s; s++)
			n += snprintf(c->buf + c->at + n, c->len - c->at - (size_t)n, *s == '\'' ? "'\\''" : "%c", *s);
		if (n > 0 && c->at + (size_t)n < c->len)
			n += snprintf(c->buf + c->at + n, c->len - c->at - (size_t)n, "'");
	}
	if (n < 0 || c->at + (size_t)n >= c->len)
		c->ok = false;
	else
		c->at += (size_t)n;
}

/* Append a word made with FMT. */
static void wordf(struct cmdline *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wordf(struct cmdline *c, const char *fmt, ...)
{
	char w[4400];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(w, sizeof(w), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(w))
		c->ok = false;
	else
		word(c, w);
}

static void trace_arg(struct cmdline *c, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t,
		      const char *dir)
{
	if (p->traces[t].source == MMR_PLAN_FILE)
		word(c, jobs->trace_paths[t]);
	else
		wordf(c, "%s/traces/%s.mmr", dir, jobs->trace_ids[t]);
}

int mmr_plan_generate_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t,
			      const char *dir, char *buf, size_t len)
{
	const struct mmr_plan_trace *tr = &p->traces[t];
	struct cmdline c = {.buf = buf, .len = len, .ok = len > 0};
	if (!c.ok || tr->source != MMR_PLAN_GENERATE)
		return -1;
	buf[0] = '\0';
	word(&c, "mmreplay"), word(&c, "generate"), word(&c, tr->workload), word(&c, "-o");
	trace_arg(&c, p, jobs, t, dir);
	wordf(&c, "--ops=%llu", (unsigned long long)tr->ops);
	wordf(&c, "--seed=%llu", (unsigned long long)tr->seed);
	wordf(&c, "--cpus=%llu", (unsigned long long)tr->cpus);
	for (size_t i = 0; i < tr->nparams; i++)
		wordf(&c, "--%s=%s", tr->params[i].key, tr->params[i].value);
	word(&c, "-q");
	return c.ok ? 0 : -1;
}

int mmr_plan_job_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j,
			 const char *dir, char *buf, size_t len)
{
	struct cmdline c = {.buf = buf, .len = len, .ok = len > 0};
	if (!c.ok)
		return -1;
	buf[0] = '\0';
	const struct mmr_plan_group *g = mmr_plan_job_group(p, j);
	word(&c, "mmreplay"), word(&c, "replay");
	trace_arg(&c, p, jobs, j->trace, dir);
	word(&c, "-e"), word(&c, g->engines[j->engine]);
	wordf(&c, "--threads=%u", j->threads);
	wordf(&c, "--kernel=%s", j->kernel);
	wordf(&c, "--repeat=%u", g->repeat);
	for (size_t i = 0; i < g->nfixed; i++)
		word(&c, "-O"), wordf(&c, "%s=%s", g->fixed[i].key, g->fixed[i].value);
	for (size_t i = 0; i < g->nopts; i++)
		word(&c, "-O"), wordf(&c, "%s=%s", g->opts[i].key, mmr_plan_group_opt_value(g, i, j->point));
	for (size_t i = 0; i < g->nreplay; i++) {
		const struct mmr_plan_replay_opt *o = mmr_plan_replay_find(g->replay[i].key);
		if (o->takes_value)
			wordf(&c, "%s=%s", o->flag, g->replay[i].value);
		else if (!strcmp(g->replay[i].value, "true"))
			word(&c, o->flag);
	}
	word(&c, "-o"), wordf(&c, "%s/cells/%s", dir, j->cell_id);
	word(&c, "-q");
	return c.ok ? 0 : -1;
}

int mmr_plan_mkdir_command(const char *dir, const char *sub, char *buf, size_t len)
{
	struct cmdline c = {.buf = buf, .len = len, .ok = len > 0};
	if (!c.ok)
		return -1;
	buf[0] = '\0';
	word(&c, "mkdir"), word(&c, "-p"), wordf(&c, "%s/%s", dir, sub);
	return c.ok ? 0 : -1;
}
