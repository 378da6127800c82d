/* SPDX-License-Identifier: MIT */
/* plan_internal.h - what plan.c, parts.c and expand.c share: the reader's state and its checks. */
#ifndef PLAN_INTERNAL_H
#define PLAN_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/*
 * runner.c: the child processes of prepare.c and runner.c.  SIGINT,
 * SIGTERM and SIGCHLD are blocked while children run and taken with
 * sigwaitinfo, so that a signal arriving between two checks is never lost
 * and no handler runs in the middle of anything.
 */
/* Block the three into *OLD (restore with plan_signals_restore). */
void plan_signals_block(sigset_t *old);
void plan_signals_restore(const sigset_t *old);
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
/* Write TEXT to PATH through PATH.PID.tmp renamed into place, with MODE.  0, or -1 with errno. */
int plan_write_atomic(const char *path, const char *text, unsigned mode);

#endif /* PLAN_INTERNAL_H */
