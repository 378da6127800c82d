/* SPDX-License-Identifier: MIT */
/*
 * bench_trace.c - size and speed of the .mmr format.
 *
 *   bench_trace [--repeat R] [--block N] [--level L] TRACE...
 *
 * For each TRACE: load its events into memory, then write them to a fresh
 * file R times and read that file back R times, and print bytes per event
 * and the best write and read rates (events per second) as a Markdown
 * table row.  Best-of-R, since the figure of interest is what the code
 * can do, not what a noisy neighbour did to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmr_trace.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct mmr_event *load(const char *path, size_t *n, struct mmr_reader **keep)
{
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r) {
		fprintf(stderr, "bench_trace: %s\n", err.msg);
		exit(1);
	}
	*n = mmr_reader_event_count(r);
	struct mmr_event *ev = malloc((*n ? *n : 1) * sizeof(*ev));
	size_t i = 0;
	int rc;
	while (ev && i < *n && (rc = mmr_reader_next(r, &ev[i], &err)) == 1)
		i++;
	if (!ev || i != *n) {
		fprintf(stderr, "bench_trace: %s\n", ev ? err.msg : "out of memory");
		exit(1);
	}
	*keep = r;
	return ev;
}

static double bench_write(const char *out, const struct mmr_event *ev, size_t n,
			  const struct mmr_meta *meta, const struct mmr_writer_opts *opts,
			  uint64_t *bytes)
{
	struct mmr_error err;
	double t0 = now();
	struct mmr_writer *w = mmr_writer_open(out, meta, opts, &err);
	for (size_t i = 0; w && i < n; i++)
		if (mmr_writer_write(w, &ev[i], &err))
			goto fail;
	if (!w)
		goto fail;
	*bytes = mmr_writer_bytes(w);
	if (mmr_writer_close(w, &err))
		goto fail;
	double t = now() - t0;
	FILE *f = fopen(out, "rb");
	fseek(f, 0, SEEK_END);
	*bytes = (uint64_t)ftell(f);
	fclose(f);
	return t;
fail:
	fprintf(stderr, "bench_trace: %s\n", err.msg);
	exit(1);
}

/* Keeps the decode from being optimised away. */
static volatile uint64_t sink;

static double bench_read(const char *path, size_t expect)
{
	struct mmr_error err;
	double t0 = now();
	struct mmr_reader *r = mmr_reader_open(path, &err);
	const struct mmr_event *evs;
	size_t n, total = 0;
	uint64_t sum = 0;
	int rc = -1;
	while (r && (rc = mmr_reader_next_block(r, &evs, &n, &err)) == 1) {
		total += n;
		sum += evs[n - 1].id;
	}
	double t = now() - t0;
	if (rc || total != expect) {
		fprintf(stderr, "bench_trace: %s\n", err.msg);
		exit(1);
	}
	mmr_reader_close(r);
	sink += sum;
	return t;
}

int main(int argc, char **argv)
{
	int repeat = 5, i = 1;
	struct mmr_writer_opts opts = {0};
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--repeat") == 0)
			repeat = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--block") == 0)
			opts.block_events = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--level") == 0)
			opts.zstd_level = atoi(argv[i + 1]);
		else
			break;
	}
	if (i >= argc || repeat < 1) {
		fprintf(stderr, "usage: bench_trace [--repeat R] [--block N] [--level L] TRACE...\n");
		return 2;
	}
	char out[] = "/tmp/mmr-bench-XXXXXX";
	int fd = mkstemp(out);
	if (fd < 0)
		return 1;
	close(fd);
	printf("| trace | events | file bytes | bytes/event | write Mev/s | read Mev/s |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (; i < argc; i++) {
		struct mmr_reader *src;
		size_t n;
		struct mmr_event *ev = load(argv[i], &n, &src);
		double bw = 1e30, br = 1e30;
		uint64_t bytes = 0;
		for (int k = 0; k < repeat; k++) {
			double t = bench_write(out, ev, n, mmr_reader_meta(src), &opts, &bytes);
			bw = t < bw ? t : bw;
			t = bench_read(out, n);
			br = t < br ? t : br;
		}
		printf("| %s | %zu | %llu | %.2f | %.1f | %.1f |\n", argv[i], n,
		       (unsigned long long)bytes, n ? (double)bytes / (double)n : 0.0,
		       (double)n / bw / 1e6, (double)n / br / 1e6);
		mmr_reader_close(src);
		free(ev);
	}
	unlink(out);
	return 0;
}
