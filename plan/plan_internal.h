/* SPDX-License-Identifier: MIT */
/* plan_internal.h - what plan.c, parts.c and expand.c share: the plan's readers, on json_read.h's checks. */
#ifndef PLAN_INTERNAL_H
#define PLAN_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "json_read.h"
#include "mmr_plan.h"

/* parts.c: the plan's lists.  Each returns 0, or -1 with R's error (the first one). */
int plan_read_traces(struct jr *r, const cJSON *d, struct mmr_plan *p);
/*
 * The lists of object D (at AT: "" the plan, "groups[1]" a group) into G:
 * each absent key left empty for the caller's default; REQUIRED keys
 * absent are an error.  engines, and baseline among them (the first when
 * not given).
 */
int plan_read_engines(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g, bool required);
/* kernel: the kernel modes. */
int plan_read_kernels(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g);
int plan_read_threads(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g, bool required);
int plan_read_opts(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_group *g);
/* Free G's lists, but those it shares with TOP (NULL: shares none). */
void plan_group_free(struct mmr_plan_group *g, const struct mmr_plan_group *top);

/* groups.c: D's "groups" into P's groups, after its own lists; without them, one group of all its traces. */
int plan_read_groups(struct jr *r, const cJSON *d, struct mmr_plan *p);

/* expand.c: the XXH64 of file PATH's bytes, a file trace's id.  0, or -1 with errno on a read error. */
int plan_hash_file(const char *path, uint64_t *h);

/* replay_opts.c: D's "replay" (at AT.replay) into a new *KV of *N, canonical, in key order. */
int plan_read_replay(struct jr *r, const char *at, const cJSON *d, struct mmr_plan_kv **kv, size_t *n);

/* Letters and digits: what the shell, Slurm's job names and #SBATCH paths all take as they are. */
#define PLAN_ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/*
 * runner.c: the child processes of prepare.c and runner.c.  SIGINT,
 * SIGTERM and SIGCHLD are blocked while children run and taken with
 * sigwaitinfo, so that a signal arriving between two checks is never lost
 * and no handler runs in the middle of anything.
 */
/* Block the three into *OLD (restore with plan_signals_restore). */
struct plan_sigs {
	sigset_t mask;
	struct sigaction chld;
};
void plan_signals_block(struct plan_sigs *old);
void plan_signals_restore(const struct plan_sigs *old);
/*
 * Start EXE with ARGV in directory DIR, stdin /dev/null, stdout and stderr
 * into LOG (made or emptied), the signal mask MASK.  Returns the child's
 * pid, or -1 with errno (LOG cannot be made, fork fails).
 */
pid_t plan_spawn(const char *exe, char *const *argv, const char *dir, const char *log, const sigset_t *mask);
/*
 * Wait for a child to end (its pid, *STATUS its wait status) or for SIGINT
 * or SIGTERM (0, *SIG the signal).  Returns -1 when there is no child.
 */
pid_t plan_wait(int *status, int *sig);
/* The last non-empty line of file PATH into BUF ("" when none). */
void plan_last_line(const char *path, char *buf, size_t len);
/* How wait status ST ended, into BUF: "exit 1", "killed by signal 9". */
const char *plan_status_text(int st, char *buf, size_t len);

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
