/* SPDX-License-Identifier: MIT */
/*
 * command.c - a plan's jobs as the commands that run them: one builder
 * makes each command's words (an argv for exec), and the shell-quoted line
 * that plan show, jobs.tsv, GNU parallel and Slurm use is made from those
 * words, so the job's option list exists once and the local runner and
 * the emitted files can never run different commands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

/* An argv being built: NULL-terminated; ok stays true while memory lasts. */
struct words {
	char **v;
	size_t n, cap;
	bool ok;
};

/* Append a copy of word W. */
static void word(struct words *w, const char *s)
{
	if (!w->ok)
		return;
	if (w->n + 2 > w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 32;
		char **v = realloc(w->v, cap * sizeof(*v));
		if (!v) {
			w->ok = false;
			return;
		}
		w->v = v, w->cap = cap;
	}
	if (!(w->v[w->n] = strdup(s))) {
		w->ok = false;
		return;
	}
	w->v[++w->n] = NULL;
}

/* Append a word made with FMT. */
static void wordf(struct words *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wordf(struct words *w, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->ok = false;
		return;
	}
	word(w, s);
	free(s);
}

/* The argv of W into *ARGV, or -1 (out of memory) with W freed. */
static int finish(struct words *w, char ***argv)
{
	if (!w->ok || !w->v) {
		mmr_plan_argv_free(w->v);
		*argv = NULL;
		return -1;
	}
	*argv = w->v;
	return 0;
}

void mmr_plan_argv_free(char **argv)
{
	for (char **a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

/* Trace T as a job reads it: DIR's copy (DIR NULL: a prepared directory's, relative), or the file as found. */
static void trace_arg(struct words *w, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t,
		      const char *dir)
{
	if (!dir)
		wordf(w, "traces/%s.mmr", jobs->trace_ids[t]);
	else if (p->traces[t].source == MMR_PLAN_FILE)
		word(w, jobs->trace_paths[t]);
	else
		wordf(w, "%s/traces/%s.mmr", dir, jobs->trace_ids[t]);
}

int mmr_plan_generate_argv(const struct mmr_plan *p, size_t t, const char *out, char ***argv)
{
	const struct mmr_plan_trace *tr = &p->traces[t];
	struct words w = {.ok = tr->source == MMR_PLAN_GENERATE};
	word(&w, "mmreplay"), word(&w, "generate"), word(&w, tr->workload), word(&w, "-o"), word(&w, out);
	wordf(&w, "--ops=%llu", (unsigned long long)tr->ops);
	wordf(&w, "--seed=%llu", (unsigned long long)tr->seed);
	wordf(&w, "--cpus=%llu", (unsigned long long)tr->cpus);
	for (size_t i = 0; i < tr->nparams; i++)
		wordf(&w, "--%s=%s", tr->params[i].key, tr->params[i].value);
	word(&w, "-q");
	return finish(&w, argv);
}

int mmr_plan_job_argv(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j,
		      const char *dir, char ***argv)
{
	struct words w = {.ok = true};
	const struct mmr_plan_group *g = mmr_plan_job_group(p, j);
	word(&w, "mmreplay"), word(&w, "replay");
	trace_arg(&w, p, jobs, j->trace, dir);
	word(&w, "-e"), word(&w, g->engines[j->engine]);
	wordf(&w, "--threads=%u", j->threads);
	wordf(&w, "--kernel=%s", j->kernel);
	wordf(&w, "--repeat=%u", g->repeat);
	for (size_t i = 0; i < g->nfixed; i++)
		word(&w, "-O"), wordf(&w, "%s=%s", g->fixed[i].key, g->fixed[i].value);
	for (size_t i = 0; i < g->nopts; i++)
		word(&w, "-O"), wordf(&w, "%s=%s", g->opts[i].key, mmr_plan_group_opt_value(g, i, j->point));
	for (size_t i = 0; i < g->nreplay; i++) {
		const struct mmr_plan_replay_opt *o = mmr_plan_replay_find(g->replay[i].key);
		if (o->takes_value)
			wordf(&w, "%s=%s", o->flag, g->replay[i].value);
		else if (!strcmp(g->replay[i].value, "true"))
			word(&w, o->flag);
	}
	word(&w, "-o");
	if (dir)
		wordf(&w, "%s/cells/%s", dir, j->cell_id);
	else
		wordf(&w, "cells/%s", j->cell_id);
	word(&w, "-q");
	return finish(&w, argv);
}

/* Append word W to BUF (LEN bytes, AT used), single-quoted when the shell would read anything in it as more than letters. */
static bool quote_word(char *buf, size_t len, size_t *at, const char *w)
{
	bool plain = *w != '\0';
	for (const char *s = w; *s; s++)
		if (!strchr(PLAN_ALNUM "_-+=.,/:@%", *s))
			plain = false;
	int n = snprintf(buf + *at, len - *at, "%s%s", *at ? " " : "", plain ? w : "'");
	for (const char *s = w; !plain && n > 0 && *at + (size_t)n < len && *s; s++)
		n += snprintf(buf + *at + n, len - *at - (size_t)n, *s == '\'' ? "'\\''" : "%c", *s);
	if (!plain && n > 0 && *at + (size_t)n < len)
		n += snprintf(buf + *at + n, len - *at - (size_t)n, "'");
	if (n < 0 || *at + (size_t)n >= len)
		return false;
	*at += (size_t)n;
	return true;
}

int mmr_plan_quote(char *const *argv, char *buf, size_t len)
{
	size_t at = 0;
	if (!len)
		return -1;
	buf[0] = '\0';
	for (char *const *a = argv; a && *a; a++)
		if (!quote_word(buf, len, &at, *a))
			return -1;
	return argv ? 0 : -1;
}

/* ARGV (NULL: it could not be made) as one quoted line into BUF, then freed; -1 when there is none or it does not fit. */
static int quoted(char **argv, char *buf, size_t len)
{
	int rc = argv ? mmr_plan_quote(argv, buf, len) : -1;
	mmr_plan_argv_free(argv);
	return rc;
}

int mmr_plan_generate_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, size_t t,
			      const char *dir, char *buf, size_t len)
{
	char out[4200], **argv = NULL;
	int n = dir ? snprintf(out, sizeof(out), "%s/traces/%s.mmr", dir, jobs->trace_ids[t])
		    : snprintf(out, sizeof(out), "traces/%s.mmr", jobs->trace_ids[t]);
	if (n < 0 || (size_t)n >= sizeof(out))
		return -1;
	mmr_plan_generate_argv(p, t, out, &argv);
	return quoted(argv, buf, len);
}

int mmr_plan_job_command(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const struct mmr_plan_job *j,
			 const char *dir, char *buf, size_t len)
{
	char **argv = NULL;
	mmr_plan_job_argv(p, jobs, j, dir, &argv);
	return quoted(argv, buf, len);
}

int mmr_plan_mkdir_command(const char *dir, const char *sub, char *buf, size_t len)
{
	char path[4200];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, sub);
	char *argv[] = {"mkdir", "-p", path, NULL};
	return n < 0 || (size_t)n >= sizeof(path) ? -1 : mmr_plan_quote(argv, buf, len);
}
