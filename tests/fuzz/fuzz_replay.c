/* SPDX-License-Identifier: MIT */
/*
 * fuzz_replay.c - the replay planner (replay/run/plan.c) and every engine
 * family, fed arbitrary event streams: the input picks an engine and the
 * replay's settings and decodes into events (fz_decode_event), which are
 * written with the trace writer (so every block's checksum is right) and
 * replayed with mmr_replay_run on 1 or 2 threads under a short watchdog.
 * The results are then written and read back with the report library's
 * reader, which must accept what the runner wrote.
 *
 * Input (docs/fuzzing.md):
 *   [NAME '\0' | INDEX]  an engine by name, else the INDEX-th available one
 *   C0 C1 C2 C3 C4 C5    settings (decode_settings)
 *   events...            nine selector bytes and raw values each (fz_decode_event)
 *
 * A watchdog report (a deadlock, an engine call that never returns) would
 * end the process with _exit(3), which libFuzzer cannot tell from a clean
 * exit and saves no input for: the replay's log goes through a stream that
 * aborts once the report is written, so the input is kept as a crash.
 * MMR_FUZZ_SAVE keeps the decoded trace; MMR_FUZZ_ENGINES=a,b limits the
 * engines an INDEX picks from; MMR_FUZZ_VERBOSE=1 says why a replay did
 * not run (an engine option refused, nothing to replay).
 *
 * The libc engine (and engines that keep real objects) malloc a trace's
 * sizes, up to the valid 1 TiB.  Unsanitized, an impossible request
 * returns NULL (a failed allocation, counted) and a huge one stays
 * virtual; under AddressSanitizer a successful one costs about a second a
 * GiB (its shadow), which the watchdog rightly calls stuck, and libFuzzer
 * calls one past its memory limit an out-of-memory.  So here a request
 * over 256 MiB returns NULL, as an impossible one does: the engines must
 * handle that anyway, and what they do below it is fuzzed as it runs.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "mmr_replay.h"
#include "mmr_report.h"

#define MAX_EVENTS 4096
#define WATCHDOG_S 3.0

/* The catalog stays loaded for the process's life: the engines' code and ops are in it. */
static struct mmr_engine_catalog *catalog;
static const struct mmr_engine_ops *engines[256];
static size_t nengines;
static FILE *replay_log;
static struct mmr_event events[MAX_EVENTS];

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=256";
}

/* The watchdog's report is one fflush of a buffered stream: pass it on, then abort. */
static ssize_t log_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	if (memmem(buf, len, "watchdog:", 9)) {
		fwrite(buf, 1, len, stderr);
		fflush(stderr);
		abort();
	}
	return (ssize_t)len; /* notes of every replay: no finding, and too many to print */
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct mmr_engine_ops *const *)a)->name, (*(const struct mmr_engine_ops *const *)b)->name);
}

/* The engines that can run here (and that MMR_FUZZ_ENGINES names), by name. */
static void load_engines(void)
{
	struct mmr_engine_catalog *cat = catalog = mmr_engines_load(mmr_engines_default_dir(), stderr);
	const char *only = getenv("MMR_FUZZ_ENGINES");
	for (size_t i = 0; cat && i < mmr_engines_count(cat) && nengines < 256; i++) {
		const struct mmr_engine_ops *e = mmr_engines_get(cat, i, NULL);
		char key[80];
		snprintf(key, sizeof(key), ",%s,", e->name);
		if (e->unavailable && e->unavailable()) {
			fprintf(stderr, "fuzz_replay: %s is unavailable here: %s\n", e->name, e->unavailable());
			continue;
		}
		if (only) {
			char list[1024];
			snprintf(list, sizeof(list), ",%s,", only);
			if (!strstr(list, key))
				continue;
		}
		engines[nengines++] = e;
	}
	if (!nengines)
		fz_fatal("no engine in %s", mmr_engines_default_dir());
	qsort(engines, nengines, sizeof(engines[0]), by_name);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	mmr_engines_reserve_tls(*argv); /* as cli/main.c: jemalloc's TLS */
	load_engines();
	static char buf[1 << 16];
	replay_log = fopencookie(NULL, "w", (cookie_io_functions_t){.write = log_write});
	if (!replay_log || setvbuf(replay_log, buf, _IOFBF, sizeof(buf)))
		fz_fatal("cannot make the replay's log stream");
	return 0;
}

/* The engine: by name when the input starts with one and a NUL, else by index. */
static const struct mmr_engine_ops *pick_engine(struct fz_cursor *c)
{
	const uint8_t *nul = memchr(c->p, '\0', c->n < 64 ? c->n : 64);
	for (size_t i = 0; nul && i < nengines; i++)
		if (strlen(engines[i]->name) == (size_t)(nul - c->p) && !memcmp(c->p, engines[i]->name, (size_t)(nul - c->p))) {
			c->n -= (size_t)(nul - c->p) + 1;
			c->p = nul + 1;
			return engines[i];
		}
	return c->n ? engines[fz_u8(c) % nengines] : NULL;
}

/*
 * Engine option values: small ones (tiny zones, batches of one, limits of
 * zero), numbers past any range, and what is no number at all.
 */
static const char *const opt_values[16] = {
	"0", "1", "2", "3", "4", "8", "16", "64", "1000", "-1", "x", "", "4294967296", "18446744073709551615",
	"0x10", "100000",
};

/*
 * C0: bit 0 two threads; bits 1-2 the mapping (cpu, pid, hash, cpu); bit 3
 *     no timing; bit 4 pacing at 1e6 times the trace's speed with 1 ms gaps;
 *     bit 5 two runs; bit 6 --as the C1-th of the engine's families; bit 7
 *     only the first C2 events;
 * C3, C4: when C3 is not 0, the (C3-1)-th engine option set to the (C4 % 16)-th value;
 * C4 >> 4: when not 0, the trace planned and replayed in windows of 3 times that many ops;
 * C5: bit 7 stored blocks; bit 6 blocks of 1 + (C5 & 63) events.
 */
static void decode_settings(struct fz_cursor *c, struct mmr_replay_opts *o, struct mmr_writer_opts *wo,
			    const char **key, const char **value)
{
	uint8_t c0 = fz_u8(c), c1 = fz_u8(c), c2 = fz_u8(c), c3 = fz_u8(c), c4 = fz_u8(c), c5 = fz_u8(c);
	static const enum mmr_replay_map maps[4] = {MMR_MAP_CPU, MMR_MAP_PID, MMR_MAP_HASH, MMR_MAP_CPU};
	o->threads = c0 & 1 ? 2 : 1;
	o->map = maps[(c0 >> 1) & 3];
	o->timing = !(c0 & 8);
	o->pace = c0 & 16 ? MMR_PACE_ORIGINAL : MMR_PACE_ASAP;
	o->pace_factor = c0 & 16 ? MMR_PACE_FACTOR_MAX : 1;
	o->max_gap_s = c0 & 16 ? 0.001 : 0;
	o->repeat = c0 & 32 ? 2 : 1;
	o->as_family = -1;
	uint32_t fams = o->engine->families & ((1u << MMR_FAM_COUNT) - 1);
	if (c0 & 64 && fams) {
		unsigned want = c1 % (unsigned)__builtin_popcount(fams), f = 0;
		for (; !(fams & (1u << f)) || want--; f++)
			;
		o->as_family = (int)f;
	}
	o->max_events = c0 & 128 ? c2 : 0;
	size_t nparams = 0;
	while (o->engine->params && o->engine->params[nparams].key)
		nparams++;
	if (c3 && nparams) {
		*key = o->engine->params[(c3 - 1) % nparams].key;
		*value = opt_values[c4 % 16];
		o->nopts = 1;
		o->opt_keys = key;
		o->opt_values = value;
	}
	wo->stored = c5 & 128;
	wo->block_events = c5 & 64 ? 1 + (c5 & 63) : 0;
	o->window_ops = (uint64_t)(c4 >> 4) * 3; /* 0: whole; else windows of 3..45 ops */
}

/* Decode the events of C and write them to PATH.  Returns how many. */
static size_t write_trace(const char *path, struct fz_cursor *c, uint32_t families, const struct mmr_writer_opts *wo)
{
	struct fz_evstate st = {.families = families, .prev = {.node = -1}};
	size_t n = 0;
	while (n < MAX_EVENTS && fz_decode_event(c, &st, &events[n]))
		n++;
	return fz_write_events(path, events, n, wo);
}

/* Write R's results and read them back as compare and plot do. */
static void check_results(const struct mmr_replay_result *r, const char *dir, const char *engine)
{
	struct mmr_error err;
	struct mmr_results res;
	char edir[700];
	mmr_replay_print(r, fz_null());
	if (mmr_replay_write(r, dir, &err))
		fz_fatal("%s", err.msg);
	snprintf(edir, sizeof(edir), "%s/%s", dir, engine);
	if (mmr_results_load(edir, &res, &err))
		fz_finding("the report library refuses the runner's results.json: %s", err.msg);
	mmr_results_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_cursor c = {data, size};
	struct mmr_replay_opts o = {0};
	struct mmr_writer_opts wo = {0};
	const char *key, *value;
	char trace[512], out[512];
	struct mmr_error err;
	if (!(o.engine = pick_engine(&c)))
		return 0;
	decode_settings(&c, &o, &wo, &key, &value);
	if (!write_trace(fz_path(trace, sizeof(trace), "replay.mmr"), &c, o.engine->families, &wo))
		return 0;
	fz_save(trace);
	o.trace = trace;
	o.watchdog_s = WATCHDOG_S;
	o.log = replay_log;
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	fflush(replay_log);
	if (!r && getenv("MMR_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_replay: %s: %s\n", o.engine->name, err.msg);
	if (r) {
		check_results(r, fz_path(out, sizeof(out), "results"), o.engine->name);
		mmr_replay_result_free(r);
		fz_remove(out);
	}
	fz_remove(trace);
	return 0;
}
