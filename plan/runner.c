/* SPDX-License-Identifier: MIT */
/*
 * runner.c - a prepared plan directory's jobs run on this machine, N at a
 * time, each a child mmreplay replay (the same binary), resumable: a job
 * whose results.json is there is done and skipped, and since results.json
 * is written atomically a run killed at any point leaves each job either
 * done or not started.
 *
 * Why children rather than threads: a replay measures the machine and
 * owns its process (threads, signals, its engines' TLS); a child per job
 * also keeps one job's crash from taking the others down.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan_internal.h"

/*
 * The signals taken: SIGCHLD, and SIGINT, SIGTERM and SIGHUP unless
 * ignored.  An ignored one stays ignored, as the jobs inherit it: a shell
 * ignores SIGINT in what it starts with &, so that ^C meant for it spares
 * them.
 */
static void run_signals(sigset_t *s)
{
	static const int stops[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	sigemptyset(s);
	sigaddset(s, SIGCHLD);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		if (sigaction(stops[i], NULL, &sa) != 0 || sa.sa_handler != SIG_IGN)
			sigaddset(s, stops[i]);
}

void plan_signals_block(struct plan_sigs *old)
{
	sigset_t s;
	run_signals(&s);
	sigprocmask(SIG_BLOCK, &s, &old->mask);
	/*
	 * SIGCHLD ignored (a parent may start us so) makes the kernel reap the
	 * children unseen and send no SIGCHLD: the wait below would sleep for
	 * ever.  The default while jobs run; the caller's after.
	 */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &old->chld);
}

void plan_signals_restore(const struct plan_sigs *old)
{
	sigaction(SIGCHLD, &old->chld, NULL);
	sigprocmask(SIG_SETMASK, &old->mask, NULL);
}

pid_t plan_spawn(const char *exe, char *const *argv, const char *dir, const char *log, const sigset_t *mask)
{
	int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int in = out < 0 ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		int e = errno;
		if (out >= 0)
			close(out);
		return errno = e, -1;
	}
	fflush(NULL); /* nothing buffered here is written twice by the child */
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		/* The child: only async-signal-safe calls until exec. */
		sigprocmask(SIG_SETMASK, mask, NULL);
		/* A runner killed outright (SIGKILL, the OOM killer) takes its jobs along: none runs on unseen. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(127);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 || chdir(dir) != 0)
			_exit(127);
		execv(exe, argv);
		static const char msg[] = "mmreplay run: cannot exec the mmreplay binary\n";
		ssize_t w = write(2, msg, sizeof(msg) - 1);
		(void)w;
		_exit(127);
	}
	int e = errno;
	close(in), close(out);
	errno = e;
	return pid;
}

pid_t plan_wait(int *status, int *sig)
{
	sigset_t s;
	run_signals(&s);
	for (;;) {
		pid_t pid = waitpid(-1, status, WNOHANG);
		if (pid != 0)
			return pid; /* a child, or -1: none left */
		int got = sigwaitinfo(&s, NULL);
		if (got == SIGINT || got == SIGTERM || got == SIGHUP) {
			*sig = got;
			return 0;
		}
	}
}

void plan_last_line(const char *path, char *buf, size_t len)
{
	char tail[1024];
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
	ssize_t n = end < 0 ? -1 : pread(fd, tail, sizeof(tail) - 1, end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1 : 0);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		n--;
	tail[n] = '\0';
	char *start = strrchr(tail, '\n');
	snprintf(buf, len, "%s", start ? start + 1 : tail);
}

const char *plan_status_text(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "wait status %#x", (unsigned)st);
	return buf;
}

/* A run in progress: which job each running child is. */
struct run {
	const struct mmr_plan *p;
	const struct mmr_plan_jobs *jobs;
	const char *dir;
	const struct mmr_plan_run_opts *o;
	struct mmr_plan_run_stats *s;
	pid_t *pid;     /* o->jobs slots, 0 when free */
	size_t *job;    /* the job in each slot */
	size_t *todo;   /* the jobs not done when the run started */
	size_t ntodo, running, next;
	struct plan_sigs old;
};

/* The command whose lines these are. */
static const char *who(const struct run *r)
{
	return r->o->name ? r->o->name : "run";
}

static void progress(const struct run *r)
{
	if (r->o->tty)
		fprintf(stderr, "\r\033[K%s: %zu of %zu jobs done, %zu failed, %zu running", who(r), r->s->skipped + r->s->done,
			r->jobs->n, r->s->failed, r->running);
}

/* Job I's child ended with wait status ST: done, or failed and reported. */
static void finished(struct run *r, size_t i, int st)
{
	const struct mmr_plan_job *j = &r->jobs->v[i];
	const char *engine = mmr_plan_job_engine(r->p, j);
	char log[PATH_MAX], how[96], last[300];
	snprintf(log, sizeof(log), "%s/logs/%s.log", r->dir, j->id);
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (ok && !mmr_plan_job_done(r->p, j, r->dir))
		ok = false, snprintf(how, sizeof(how), "exit 0 without results.json");
	else if (!ok)
		plan_status_text(st, how, sizeof(how));
	if (r->o->tty)
		fputs("\r\033[K", stderr);
	if (ok) {
		r->s->done++;
		if (!r->o->quiet && !r->o->tty)
			fprintf(stderr, "mmreplay %s: %zu of %zu done: job %s, %s on %s, %u thread%s, kernel %s\n", who(r),
				r->s->skipped + r->s->done,
			       r->jobs->n, j->id, engine, r->p->traces[j->trace].name, j->threads, j->threads == 1 ? "" : "s",
			       j->kernel);
	} else {
		r->s->failed++;
		plan_last_line(log, last, sizeof(last));
		fprintf(stderr, "mmreplay %s: job %s (%s on %s, cell %s) failed (%s): %s: %s\n", who(r), j->id, engine,
			r->p->traces[j->trace].name, j->cell_id, how, log, last[0] ? last : "no output");
	}
	fflush(stdout);
	progress(r);
}

/* *ARGV with copies of the NULL-terminated EXTRA words (may be NULL) after its own.  0, or -1: out of memory. */
static int with_extra(char ***argv, const char *const *extra)
{
	size_t n = 0, k = 0;
	while ((*argv)[n])
		n++;
	while (extra && extra[k])
		k++;
	char **v = k ? realloc(*argv, (n + k + 1) * sizeof(*v)) : *argv;
	if (!v)
		return -1;
	*argv = v;
	for (size_t i = 0; i < k; i++) {
		v[n + i + 1] = NULL;
		if (!(v[n + i] = strdup(extra[i])))
			return -1;
	}
	return 0;
}

/* Start the next jobs not done into free slots.  -1 with ERR when one cannot be started. */
static int start_jobs(struct run *r, struct mmr_error *err)
{
	while (r->running < r->o->jobs && r->next < r->ntodo) {
		size_t i = r->todo[r->next++], slot = 0;
		const struct mmr_plan_job *j = &r->jobs->v[i];
		while (r->pid[slot])
			slot++;
		char log[PATH_MAX], **argv = NULL;
		snprintf(log, sizeof(log), "%s/logs/%s.log", r->dir, j->id);
		pid_t pid = mmr_plan_job_argv(r->p, r->jobs, j, NULL, &argv) || with_extra(&argv, r->o->extra)
				    ? (errno = ENOMEM, -1)
				    : plan_spawn(r->o->exe, argv, r->dir, log, &r->old.mask);
		mmr_plan_argv_free(argv);
		if (pid < 0) {
			snprintf(err->msg, sizeof(err->msg), "job %s: cannot start it (log %.300s): %s", j->id, log, strerror(errno));
			return -1;
		}
		r->pid[slot] = pid, r->job[slot] = i, r->running++;
		progress(r);
	}
	return 0;
}

/*
 * Child PID ended with ST: its job finished (COUNTED), or was stopped by a
 * signal passed on, and counts only if it got done first.  A job killed
 * while writing its results leaves the writer's temporary
 * (results.json.PID.tmp, PID its own): removed, so that a stopped run
 * leaves nothing half made.
 */
static void reap(struct run *r, pid_t pid, int st, bool counted)
{
	for (size_t slot = 0; slot < r->o->jobs; slot++)
		if (r->pid[slot] == pid) {
			const struct mmr_plan_job *j = &r->jobs->v[r->job[slot]];
			r->pid[slot] = 0, r->running--;
			if (counted)
				finished(r, r->job[slot], st);
			else if (mmr_plan_job_done(r->p, j, r->dir))
				r->s->done++; /* it ended before the signal reached it */
			char tmp[PATH_MAX];
			if (snprintf(tmp, sizeof(tmp), "%s/cells/%s/%s/results.json.%ld.tmp", r->dir, j->cell_id,
				     mmr_plan_job_engine(r->p, j), (long)pid) < (int)sizeof(tmp))
				unlink(tmp);
			return;
		}
}

int mmr_plan_run(const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		 const struct mmr_plan_run_opts *o, struct mmr_plan_run_stats *s, struct mmr_error *err)
{
	*s = (struct mmr_plan_run_stats){0};
	struct run r = {.p = p, .jobs = jobs, .dir = dir, .o = o, .s = s};
	r.pid = calloc(o->jobs, sizeof(*r.pid));
	r.job = calloc(o->jobs, sizeof(*r.job));
	r.todo = calloc(jobs->n + 1, sizeof(*r.todo));
	for (size_t i = 0; r.todo && i < jobs->n; i++)
		if (mmr_plan_job_done(p, &jobs->v[i], dir))
			s->skipped++;
		else
			r.todo[r.ntodo++] = i;
	int rc = 0;
	if (!r.pid || !r.job || !r.todo) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		rc = -1;
	}
	plan_signals_block(&r.old);
	while (rc == 0 && !s->signal && (rc = start_jobs(&r, err)) == 0 && r.running) {
		int st = 0, sig = 0;
		pid_t pid = plan_wait(&st, &sig);
		if (pid > 0)
			reap(&r, pid, st, true);
		else if (pid == 0)
			s->signal = sig;
		else
			rc = -1, snprintf(err->msg, sizeof(err->msg), "lost track of %zu running jobs", r.running);
	}
	/* Interrupted, or a job that could not start: the running ones are stopped and waited for. */
	for (size_t slot = 0; slot < o->jobs && r.pid && (s->signal || rc); slot++)
		if (r.pid[slot])
			kill(r.pid[slot], s->signal ? s->signal : SIGTERM);
	unsigned more = 0; /* signals after the first */
	while (r.running) {
		int st = 0, sig = 0;
		pid_t pid = plan_wait(&st, &sig);
		if (pid < 0)
			break;
		if (pid > 0)
			reap(&r, pid, st, false);
		/* A second ^C is passed on too; a third kills jobs that would not stop. */
		if (pid == 0 && ++more == 2)
			fprintf(stderr, "mmreplay %s: signalled again: killing the %zu running job%s\n", who(&r), r.running,
				r.running == 1 ? "" : "s");
		for (size_t slot = 0; pid == 0 && slot < o->jobs; slot++)
			if (r.pid[slot])
				kill(r.pid[slot], more >= 2 ? SIGKILL : sig);
	}
	plan_signals_restore(&r.old);
	if (o->tty)
		fputs("\r\033[K", stderr);
	free(r.pid), free(r.job), free(r.todo);
	return rc;
}
