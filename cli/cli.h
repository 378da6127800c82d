/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the subcommands of the mmreplay binary share: the command
 * table entry, the exit codes, and the helpers that keep every error one
 * line in one format ("mmreplay stats: what (try 'mmreplay help stats')").
 *
 * Each subcommand lives in its own cmd_*.c file and is a thin layer over a
 * stage library: it parses its arguments and calls the library.
 */
#ifndef MMR_CLI_H
#define MMR_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

/* Exit codes, documented in docs/cli.md. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,  /* the work failed: corrupt trace, I/O error, out of memory */
	CLI_USAGE = 2, /* the command line was wrong: option, number, missing file */
};

struct cli_cmd {
	const char *name;    /* "stats" */
	const char *summary; /* one line for `mmreplay --help` */
	const char *help;    /* usage and options, for `mmreplay help NAME` */
	/* Run with argv[0] == name.  Returns an exit code. */
	int (*run)(int argc, char **argv);
};

extern const struct cli_cmd cli_cmd_stats;
extern const struct cli_cmd cli_cmd_plan;

/* The directory of the bundled traces (MMREPLAY_TRACES_DIR, the install's, or the source tree's). */
const char *cli_traces_dir(void);
extern const struct cli_cmd cli_cmd_calibrate;
extern const struct cli_cmd cli_cmd_generate;
extern const struct cli_cmd cli_cmd_list;
extern const struct cli_cmd cli_cmd_capture;
extern const struct cli_cmd cli_cmd_dump;
extern const struct cli_cmd cli_cmd_replay;
extern const struct cli_cmd cli_cmd_import;
extern const struct cli_cmd cli_cmd_plot;
extern const struct cli_cmd cli_cmd_compare;
extern const struct cli_cmd cli_cmd_sweep;
extern const struct cli_cmd cli_cmd_validate;
extern const struct cli_cmd cli_cmd_demo;
extern const struct cli_cmd cli_cmd_run;
extern const struct cli_cmd cli_cmd_collect;

/*
 * Print "mmreplay CMD: MESSAGE (try 'mmreplay help CMD')" on stderr.
 * Returns CLI_USAGE, so a caller can `return cli_usage(...)`.
 */
__attribute__((format(printf, 2, 3))) int cli_usage(const char *cmd, const char *fmt, ...);

/* Print "mmreplay CMD: MESSAGE" on stderr.  Returns CLI_FAIL. */
__attribute__((format(printf, 2, 3))) int cli_fail(const char *cmd, const char *fmt, ...);

/* Print "mmreplay CMD: warning: MESSAGE" on stderr. */
__attribute__((format(printf, 2, 3))) void cli_warn(const char *cmd, const char *fmt, ...);

/* Print CMD's help text on stdout.  Returns CLI_OK. */
int cli_print_help(const struct cli_cmd *cmd);

/*
 * Parse TEXT, the value of option OPT, as an unsigned count: decimal or
 * 0x hex, with an optional k, M or G suffix (powers of 1000).  Returns 0,
 * or reports "bad number" for OPT through cli_usage and returns CLI_USAGE.
 */
int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out);

/* As cli_parse_u64, also refusing values outside MIN..MAX. */
int cli_parse_range(const char *cmd, const char *opt, const char *text, uint64_t min,
		    uint64_t max, uint64_t *out);

/*
 * getopt_long with mmreplay's error messages.  Call with *first = true to
 * start a fresh parse.  Returns the option's value, -1 at the end of the
 * options, or '?' after reporting an unknown option or a missing value
 * through cli_usage (the caller then returns CLI_USAGE).
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, bool *first);

/*
 * Check that PATH names a readable regular file.  Returns 0, or reports
 * why not through cli_usage and returns CLI_USAGE.
 */
int cli_check_input(const char *cmd, const char *path);

/* cli_check_input for a trace, which may also be a directory of parts (capture --max-size). */
int cli_check_trace(const char *cmd, const char *path);

struct mmr_reader;

/*
 * Open the trace PATH for CMD: a missing or unreadable file is a usage
 * error (CLI_USAGE), a corrupt one a failure (CLI_FAIL), both reported; a
 * killed writer's file opens with its warning printed.  Returns CLI_OK
 * with *R set, or the exit code.
 */
int cli_open_trace(const char *cmd, const char *path, struct mmr_reader **r);

/*
 * Check that PATH can be created or replaced: not a directory, in a
 * directory that exists and is writable.  Returns 0, or reports why not
 * through cli_usage and returns CLI_USAGE.
 */
int cli_check_output(const char *cmd, const char *path);

/* A file a command reads or writes, as the user named it (cli_check_distinct). */
struct cli_file {
	const char *path; /* NULL: not given, skipped */
	const char *what; /* how the command line named it: "-o", "--trace-dat", "the input" */
	bool output;      /* the command writes it */
};

/*
 * Refuse a command line on which a file the command writes is also one it
 * reads, or another one it writes: the same path, or the same file reached
 * another way (a symlink, even a dangling one that writing would follow,
 * or a hard link).  Call it once every path is known and before anything
 * is written.  Returns 0, or reports "cannot write 'B' (--trace-dat): it
 * is the same file as 'A' (-o)" through cli_usage and returns CLI_USAGE.
 * A path it cannot resolve (a missing directory, a symlink loop) is left
 * to cli_check_input and cli_check_output to report.
 */
int cli_check_distinct(const char *cmd, const struct cli_file *files, size_t n);

/*
 * The engine search path: EXTRA (--engine-path, may be NULL), then
 * $MMREPLAY_ENGINE_PATH, then the install's engine directory
 * (mmr_install.h) or this build's, joined by ':' (free() it).  NULL when
 * out of memory.
 */
char *cli_engine_path(const char *extra);

struct mmr_plan;
struct mmr_plan_jobs;
struct mmr_plan_summary;
struct mmr_plan_report_opts;

/* How cli_plan_execute runs a plan here (cmd_run.c). */
struct cli_plan_exec {
	unsigned jobs;                   /* at a time; 0 is 1 */
	bool quiet;                      /* no progress and no summary line, only failures */
	bool no_summary;                 /* progress, but no summary line: the caller says what was done */
	bool prepare_only;               /* make DIR ready and stop (--emit writes the job list next) */
	const char *engine_path;         /* --engine-path, for the engine check (the jobs get it in extra) */
	const char *const *extra;        /* words every job takes after its own (mmr_plan_run_opts.extra) */
	const struct mmr_plan_report_opts *report; /* NULL, or how the reports are presented (the demo's) */
	struct mmr_plan_summary *summary; /* NULL, or what the reports tell: their first verdicts, the sweep */
	bool reported;                   /* out: the reports were written */
};

/*
 * Run plan P (JOBS its expansion) into results directory DIR as CMD:
 * check its engines, prepare DIR, run the jobs not done, build the
 * reports.  Messages are CMD's.  Returns an exit code: 0, 1 (a job or a
 * report failed, DIR not usable), 128+N when stopped by signal N.
 */
int cli_plan_execute(const char *cmd, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs, const char *dir,
		     struct cli_plan_exec *x);
/* "report: DIR/index.html (and index.md)" and the index's first verdicts, on stdout. */
void cli_print_summary(const char *dir, const struct mmr_plan_summary *sum);

struct mmr_profile;

/*
 * The calibrate profile replays take their costs from, into P with *OUT
 * pointing at it: PATH (which must be there), else the default one when
 * it is there; *OUT NULL when NONE or there is none.  A profile from
 * another host is a warning (unless QUIET).  Returns 0, or an exit code
 * after one line on a profile that cannot be used.
 */
int cli_load_profile(const char *cmd, const char *path, bool none, bool quiet, struct mmr_profile *p,
		     const struct mmr_profile **out);

struct mmr_engine_catalog;
struct mmr_engine_ops;
/*
 * The engines of LIST ("slub,libc") from C into OUT (room for MAX), *N of
 * them.  Returns CLI_OK, or the exit code after one line naming an unknown
 * or unavailable engine, too many, or none.
 */
int cli_pick_engines(const char *cmd, const struct mmr_engine_catalog *c, const char *list,
		     const struct mmr_engine_ops **out, size_t max, size_t *n);

struct mmr_validate_engine;
/* What `mmreplay validate` is asked (cmd_validate.c's options). */
struct cli_validate_opts {
	const char *trace, *out;
	const char *engines;     /* a comma list, or NULL: those that model the trace's kernel */
	unsigned repeat;         /* replays per engine */
	bool plots, quiet;
	bool spin_all;           /* --spinlock-waits all */
	const struct mmr_profile *prof;
	const char *engine_path; /* --engine-path, or NULL */
};

/*
 * `mmreplay validate`, for demo too: the trace's kernel lock contention
 * against the engines, into O->out (created).  *X (free()) gets each
 * engine's outcome, *NX of them.  Returns an exit code after one line on
 * stderr on failure.
 */
int cli_validate(const struct cli_validate_opts *o, struct mmr_validate_engine **x, size_t *nx);

#endif /* MMR_CLI_H */
