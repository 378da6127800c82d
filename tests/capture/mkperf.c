/* SPDX-License-Identifier: MIT */
/*
 * mkperf.c - write a synthetic perf.data (perf_synth.h) for the CLI tests,
 * which need one on machines without perf or root; with --trace-dat, a
 * trace-cmd trace.dat (version 6) instead.
 *
 *   mkperf FILE [--layout single|identifier|full] [--compress 0|1|2]
 *               [--events N] [--lost] [--cpus N]
 *   mkperf FILE --trace-dat [--version 6|7] [--compress 0|1] [--events N] [--cpus N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf_synth.h"

static int usage(void)
{
	fprintf(stderr, "usage: mkperf FILE [--layout single|identifier|full] [--compress 0|1|2] "
			"[--events N] [--lost] [--cpus N] [--trace-dat [--version 6|7]]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct ps_opts o = {.layout = PS_IDENTIFIER};
	bool dat = false;
	int version = 6;
	if (argc < 2)
		return usage();
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--lost") || !strcmp(a, "--trace-dat")) {
			o.lost |= a[2] == 'l';
			dat |= a[2] == 't';
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--layout") && !strcmp(v, "single"))
			o.layout = PS_SINGLE;
		else if (!strcmp(a, "--layout") && !strcmp(v, "identifier"))
			o.layout = PS_IDENTIFIER;
		else if (!strcmp(a, "--layout") && !strcmp(v, "full"))
			o.layout = PS_ID_FULL;
		else if (!strcmp(a, "--compress"))
			o.compress = atoi(v);
		else if (!strcmp(a, "--events"))
			o.events = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--cpus"))
			o.nr_cpus = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--version"))
			version = atoi(v);
		else
			return usage();
	}
	struct ps_file f = {0};
	if (dat && version == 7)
		ps_trace_dat7(&f.buf, o.nr_cpus ? o.nr_cpus : 2, o.events ? o.events : 100, o.compress != 0);
	else if (dat)
		ps_trace_dat(&f.buf, o.nr_cpus ? o.nr_cpus : 2, o.events ? o.events : 100);
	else
		ps_perf_data(&f, &o);
	int rc = ps_write(&f.buf, argv[1]);
	if (rc)
		perror(argv[1]);
	ps_file_free(&f);
	return rc ? 1 : 0;
}
