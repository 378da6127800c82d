/* SPDX-License-Identifier: MIT */
/*
 * seedtool.c - seeds for the fuzz targets from real and generated traces
 * (tests/fuzz/seeds.sh runs it):
 *
 *   seedtool stored IN.mmr OUT.mmr [BLOCK]
 *       IN's events, names and metadata again, in uncompressed blocks of
 *       BLOCK events (default 64): a reader seed whose every field the
 *       fuzzer can change in place (zstd frames would hide them).
 *   seedtool replay IN.mmr OUTDIR [MAX]
 *       for every engine that replays a family of IN's first MAX events
 *       (default 200), OUTDIR/ENGINE@IN.bin: fuzz_replay's input naming the
 *       engine, on 2 threads (1 is a bit away), with those events exactly.
 *   seedtool plan IN.mmr OUT [MAX]
 *       fuzz_plan's input: an engine of every family and op, 2 threads,
 *       IN's first MAX events (default 200) exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "mmr_idmap.h"
#include "mmr_replay.h"

static int fail(const char *what, const char *msg)
{
	fprintf(stderr, "seedtool: %s: %s\n", what, msg);
	return 1;
}

/* Name in W the site and task of EV that R names, once each.  Returns 0 or -1. */
static int copy_names(struct mmr_writer *w, struct mmr_reader *r, const struct mmr_event *ev, struct mmr_idmap *seen,
		      struct mmr_error *err)
{
	const char *sym = mmr_reader_symbol(r, ev->call_site), *comm = mmr_reader_comm(r, ev->pid);
	uint64_t site_key = ev->call_site * 2, pid_key = (uint64_t)(uint32_t)ev->pid * 2 + 1;
	if (sym && !mmr_idmap_get(seen, site_key) &&
	    (mmr_idmap_put(seen, site_key, 1) || mmr_writer_add_symbol(w, ev->call_site, sym, err)))
		return -1;
	if (comm && !mmr_idmap_get(seen, pid_key) &&
	    (mmr_idmap_put(seen, pid_key, 1) || mmr_writer_add_comm(w, ev->pid, comm, err)))
		return -1;
	return 0;
}

static int stored(const char *in, const char *out, uint32_t block)
{
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(in, &err);
	if (!r)
		return fail(in, err.msg);
	struct mmr_meta meta = *mmr_reader_meta(r);
	struct mmr_writer_opts wo = {.block_events = block, .stored = true};
	struct mmr_writer *w = mmr_writer_open(out, &meta, &wo, &err);
	struct mmr_idmap seen = {0};
	struct mmr_event ev;
	int rc = w ? 0 : -1;
	while (!rc && (rc = mmr_reader_next(r, &ev, &err)) == 1)
		rc = copy_names(w, r, &ev, &seen, &err) || mmr_writer_write(w, &ev, &err) ? -1 : 0;
	for (uint32_t c = 0; !rc && meta.lost && c < meta.nr_cpus; c++)
		rc = mmr_writer_set_lost(w, c, meta.lost[c], &err);
	if (w && mmr_writer_close(w, rc ? NULL : &err))
		rc = -1;
	mmr_idmap_destroy(&seen);
	mmr_reader_close(r);
	return rc ? fail(out, err.msg) : 0;
}

/* The first MAX events of IN into *EVS (malloc'd); their families into *FAMS.  Returns the count, or -1. */
static long read_events(const char *in, size_t max, struct mmr_event **evs, uint32_t *fams)
{
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(in, &err);
	if (!r) {
		fail(in, err.msg);
		return -1;
	}
	*evs = calloc(max ? max : 1, sizeof(**evs));
	size_t n = 0;
	int rc = 0;
	while (*evs && n < max && (rc = mmr_reader_next(r, &(*evs)[n], &err)) == 1)
		*fams |= 1u << (*evs)[n++].family;
	mmr_reader_close(r);
	if (!*evs || rc < 0) {
		fail(in, *evs ? err.msg : "out of memory");
		return -1;
	}
	return (long)n;
}

static int replay_seeds(const char *in, const char *outdir, size_t max)
{
	struct mmr_event *evs = NULL;
	uint32_t fams = 0;
	long n = read_events(in, max, &evs, &fams);
	struct mmr_engine_catalog *cat = n > 0 ? mmr_engines_load(mmr_engines_default_dir(), stderr) : NULL;
	const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
	int rc = n < 0 || !cat;
	for (size_t i = 0; !rc && i < mmr_engines_count(cat); i++) {
		const struct mmr_engine_ops *e = mmr_engines_get(cat, i, NULL);
		if (!(e->families & fams))
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s@%.*s.bin", outdir, e->name, (int)strcspn(base, "."), base);
		FILE *f = fopen(path, "wb");
		if (!f)
			return fail(path, "cannot create");
		/* The engine by name, then settings: C0 bit 0 is two threads, the rest defaults. */
		fprintf(f, "%s%c%c%c%c%c%c%c", e->name, 0, 1, 0, 0, 0, 0, 0);
		for (long k = 0; k < n; k++)
			fz_encode_event(f, &evs[k]);
		if (fclose(f))
			return fail(path, "cannot write");
	}
	if (cat)
		mmr_engines_free(cat);
	free(evs);
	return rc;
}

static int plan_seed(const char *in, const char *out, size_t max)
{
	struct mmr_event *evs = NULL;
	uint32_t fams = 0;
	long n = read_events(in, max, &evs, &fams);
	FILE *f = n >= 0 ? fopen(out, "wb") : NULL;
	if (f) {
		/* No family or op left out, 2 threads on the cpu mapping, no --as, all events. */
		fwrite("\0\0\0\0\0\1\0\0", 1, 8, f);
		for (long k = 0; k < n; k++)
			fz_encode_event(f, &evs[k]);
	}
	free(evs);
	if (n >= 0 && (!f || fclose(f)))
		return fail(out, "cannot write");
	return n < 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "stored"))
		return stored(argv[2], argv[3], argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) : 64);
	if (argc >= 4 && !strcmp(argv[1], "replay"))
		return replay_seeds(argv[2], argv[3], argc > 4 ? strtoul(argv[4], NULL, 0) : 200);
	if (argc >= 4 && !strcmp(argv[1], "plan"))
		return plan_seed(argv[2], argv[3], argc > 4 ? strtoul(argv[4], NULL, 0) : 200);
	fprintf(stderr, "usage: seedtool stored IN.mmr OUT.mmr [BLOCK] | replay IN.mmr OUTDIR [MAX] | plan IN.mmr OUT [MAX]\n");
	return 2;
}
