/* SPDX-License-Identifier: MIT */
/*
 * main.c - the mmreplay binary: finds the subcommand and hands it argv.
 * Global options are only --help and --version; everything else belongs
 * to a subcommand, so scripts never depend on option order across them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mmr_replay.h"
#include "mmr_trace.h"

static const struct cli_cmd *const commands[] = {
	&cli_cmd_capture,
	&cli_cmd_generate,
	&cli_cmd_replay,
	&cli_cmd_import,
	&cli_cmd_stats,
	&cli_cmd_dump,
	&cli_cmd_list,
	&cli_cmd_plot,
	&cli_cmd_compare,
	&cli_cmd_sweep,
	&cli_cmd_validate,
	&cli_cmd_demo,
	&cli_cmd_plan,
	&cli_cmd_run,
	&cli_cmd_calibrate,
	&cli_cmd_collect,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int print_usage(FILE *f)
{
	fputs("usage: mmreplay [--help] [--version] COMMAND [ARGS...]\n"
	      "\n"
	      "Record the kernel's allocation and free events, replay them against models\n"
	      "of allocator variants, and compare per-op latency and lock contention.\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("  help       show the help of a command\n"
	      "\n"
	      "'mmreplay help COMMAND' shows a command's options.  Exit status: 0 on success,\n"
	      "1 when the work failed (corrupt trace, I/O error), 2 for a wrong command line.\n", f);
	return CLI_OK;
}

/* `mmreplay help [COMMAND]` */
static int run_help(int argc, char **argv)
{
	if (argc < 2)
		return print_usage(stdout);
	if (argc > 2)
		return cli_usage(NULL, "help takes one command name, got %d", argc - 1);
	if (strcmp(argv[1], "help") == 0)
		return print_usage(stdout);
	const struct cli_cmd *cmd = find_command(argv[1]);
	if (!cmd)
		return cli_usage(NULL, "no help for unknown command '%s'", argv[1]);
	return cli_print_help(cmd);
}

int main(int argc, char **argv)
{
	/*
	 * SIGCHLD ignored, as a parent may leave it, makes the kernel reap our
	 * children (gnuplot, perf, a plan's jobs) before we can read how they
	 * ended: every wait would fail.  Nothing here wants it ignored.
	 */
	signal(SIGCHLD, SIG_DFL);
	if (argc < 2)
		return cli_usage(NULL, "no command given");
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return print_usage(stdout);
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("%s\n", mmr_tool_version());
		return CLI_OK;
	}
	if (strcmp(name, "help") == 0)
		return run_help(argc - 1, argv + 1);
	if (name[0] == '-')
		return cli_usage(NULL, "unknown option '%s'", name);
	const struct cli_cmd *cmd = find_command(name);
	if (!cmd)
		return cli_usage(NULL, "unknown command '%s'", name);
	if (cmd == &cli_cmd_replay || cmd == &cli_cmd_list || cmd == &cli_cmd_sweep || cmd == &cli_cmd_demo ||
	    cmd == &cli_cmd_validate)
		mmr_engines_reserve_tls(argv);
	int rc = cmd->run(argc - 1, argv + 1);
	/* Output that could not be written is a failure, not a success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == CLI_OK)
			rc = cli_fail(name, "cannot write to standard output");
	}
	return rc;
}
