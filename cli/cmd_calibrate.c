/* SPDX-License-Identifier: MIT */
/* cmd_calibrate.c - mmreplay calibrate: measure this machine's costs into the profile replays use. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "mmr_calibrate.h"

static const char calibrate_help[] =
	"usage: mmreplay calibrate [-o PROFILE] [--quick] [-q]\n"
	"\n"
	"Measure on this machine what the engines' cost assumptions stand for:\n"
	"a 4 KiB page copied, page-table entries set up and torn down per page,\n"
	"a TLB shootdown, a cache line moved between CPUs, a futex wake, a\n"
	"wake-up on another CPU and a context switch, each with the real\n"
	"operation (docs/calibrate.md).  Everything is measured in two passes,\n"
	"whose figures should agree within 25%; the profile says how far they did\n"
	"and marks those that did not.  Replays take the\n"
	"defaults of the engines' cost options from the profile, and their\n"
	"results say, per cost, its value and where it came from.\n"
	"\n"
	"  -o, --output PROFILE  where to write it, in a directory that exists (default:\n"
	"                        $MMREPLAY_PROFILE,\n"
	"                        else ~/.cache/mmreplay/profile.json)\n"
	"      --quick           fewer and smaller samples (seconds, not a minute)\n"
	"  -q, --quiet           do not print the measurements\n"
	"  -h, --help            show this help\n";

static int calibrate_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"quick", no_argument, NULL, 'Q'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool first = true, quick = false, quiet = false;
	const char *out = NULL;
	char path[1024];
	int c;
	while ((c = cli_getopt("calibrate", argc, argv, "o:qh", longopts, &first)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'Q': quick = true; break;
		case 'q': quiet = true; break;
		case 'h': return cli_print_help(&cli_cmd_calibrate);
		default: return CLI_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage("calibrate", "unexpected argument '%s'", argv[optind]);
	struct mmr_error err;
	struct mmr_profile p;
	/* Before a minute of measuring, not after. */
	if (out && cli_check_output("calibrate", out))
		return CLI_USAGE;
	if (!out && mmr_profile_default_path(path, sizeof(path), &err))
		return cli_fail("calibrate", "%s", err.msg);
	if (mmr_calibrate(&p, quick, &err) || mmr_profile_write(&p, out ? out : path, &err))
		return cli_fail("calibrate", "%s", err.msg);
	for (unsigned k = 0; !quiet && k < MMR_CAL_COUNT; k++) {
		const struct mmr_cal_value *v = &p.v[k];
		if (!isfinite(v->ns))
			printf("%-17s not measured: %s\n", mmr_cal_key_name(k), v->why);
		else
			printf("%-17s %10.1f ns  (passes %.1f and %.1f: %.1f%% apart%s)\n", mmr_cal_key_name(k), v->ns,
			       v->rounds[0], v->rounds[1], v->spread_pct, v->repeatable ? "" : ", NOT repeatable");
	}
	/* Which of the two grace periods the kernel runs, and that the other one was switched to for its figure. */
	if (!quiet && p.rcu_expedited >= 0)
		printf("%-17s this kernel %s every grace period (/sys/kernel/rcu_expedited is %d)%s\n", "",
		       p.rcu_expedited ? "expedites" : "expedites no", p.rcu_expedited,
		       isfinite(p.v[p.rcu_expedited ? MMR_CAL_RCU_GP : MMR_CAL_RCU_GP_EXP].ns)
			       ? ": switched for the other figure and back" : "");
	printf("profile: %s\n", out ? out : path);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_calibrate = {
	.name = "calibrate",
	.summary = "measure this machine's costs (page copy, page tables, TLB shootdown...) into the profile",
	.help = calibrate_help,
	.run = calibrate_run,
};
