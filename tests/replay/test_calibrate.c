/* SPDX-License-Identifier: MIT */
/*
 * test_calibrate.c - the profile the engines' costs come from: two rounds
 * that agree are repeatable and two that do not are measured again and
 * marked; a quick calibration gives a positive figure for everything this
 * machine can measure and writes them to a profile that reads back the
 * same; a profile missing a measurement, or with a value that is no time,
 * is refused naming the key, except the kernel's grace period (rcu_gp_ns),
 * added later: a profile from before it loads, that figure not measured
 * and saying why; a replay takes a cost from the profile, says
 * so, and refuses an engine whose cost names no measurement.
 *
 * No figure is asserted beyond being positive: timings are the machine's
 * (BENCHMARKS.md has this one's), and a test must not depend on them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_calibrate.h"
#include "run_internal.h"

static char path[256], trace[256];

/* A sampler that gives 100 in one round and 200 in the other, while ALTERNATE; else always 100. */
struct fake {
	unsigned calls, per_round;
	bool alternate;
};

static double fake_sample(void *ctx)
{
	struct fake *f = ctx;
	unsigned round = f->calls++ / f->per_round;
	return f->alternate && round % 2 ? 200 : 100;
}

static double nan_sample(void *ctx)
{
	(void)ctx;
	return NAN;
}

static void test_rounds(void **state)
{
	(void)state;
	struct mmr_cal_value v;
	struct fake f = {.per_round = 5};
	assert_true(mmr_cal_measure(fake_sample, &f, 5, 3, &v));
	assert_int_equal(f.calls, 10); /* agreed at once: two rounds */
	assert_true(v.ns == 100 && v.spread_pct == 0);
	f = (struct fake){.per_round = 5, .alternate = true};
	assert_false(mmr_cal_measure(fake_sample, &f, 5, 3, &v));
	assert_int_equal(f.calls, 30); /* three tries of two rounds */
	assert_true(fabs(v.spread_pct - 100) < 1e-9 && v.ns == 150);
	assert_false(mmr_cal_measure(nan_sample, NULL, 5, 3, &v));
	assert_true(isnan(v.ns));
}

static void test_quick_profile_round_trip(void **state)
{
	(void)state;
	struct mmr_profile p, q;
	struct mmr_error err = {{0}};
	if (mmr_calibrate(&p, true, &err))
		fail_msg("%s", err.msg);
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++) {
		if (p.online_cpus < 2 && p.v[k].why[0])
			continue; /* a cross-CPU measurement on one CPU: not taken, and it says why */
		if (k == MMR_CAL_RCU_GP && p.v[k].why[0])
			continue; /* membarrier(GLOBAL) refused (nohz_full): not taken, and it says why */
		if (!(p.v[k].ns > 0 && p.v[k].ns < 1e9))
			fail_msg("%s: %g ns", mmr_cal_key_name(k), p.v[k].ns);
	}
	assert_int_equal(mmr_profile_write(&p, path, &err), 0);
	assert_int_equal(mmr_profile_read(&q, path, &err), 0);
	assert_string_equal(q.hostname, p.hostname);
	assert_int_equal(q.rcu_expedited, p.rcu_expedited);
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++)
		if (isfinite(p.v[k].ns))
			assert_true(fabs(q.v[k].ns - p.v[k].ns) <= 0.05 + 1e-9); /* one decimal in the file */
}

/* Write TEXT as the profile file. */
static void write_profile_text(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Write TEXT as the profile file and expect reading it to fail with WHY in the message. */
static void expect_bad_profile(const char *text, const char *why)
{
	write_profile_text(text);
	struct mmr_profile p;
	struct mmr_error err = {{0}};
	assert_int_equal(mmr_profile_read(&p, path, &err), -1);
	if (!strstr(err.msg, why) || !strstr(err.msg, path))
		fail_msg("expected '%s' in: %s", why, err.msg);
}

static void test_bad_profiles(void **state)
{
	(void)state;
	struct mmr_profile p;
	struct mmr_error err = {{0}};
	unlink(path);
	assert_int_equal(mmr_profile_read(&p, path, &err), 1);
	expect_bad_profile("{", "not an mmreplay profile");
	expect_bad_profile("{\"mmreplay_profile\": 2, \"measurements\": {}}", "not an mmreplay profile");
	expect_bad_profile("{\"mmreplay_profile\": 1, \"measurements\": {}}",
			   "no measurement 'page_copy_ns': the profile is older than this mmreplay or was edited");
	/* Every measurement there but one negative. */
	char text[2048];
	size_t n = (size_t)snprintf(text, sizeof(text), "{\"mmreplay_profile\": 1, \"measurements\": {");
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"%s\": {\"ns\": %s}", k ? ", " : "",
				      mmr_cal_key_name(k), k == MMR_CAL_TLB_SHOOTDOWN ? "-5" : "100");
	snprintf(text + n, sizeof(text) - n, "}}");
	expect_bad_profile(text, "measurement 'tlb_shootdown_ns' is -5 ns: not a time between 0 and 1 s");
}

/*
 * P read from a profile as an older calibrate wrote it: MACHINE's members
 * after online_cpus, and the first NKEYS measurements only, the Kth
 * 100 + K ns.
 */
static void read_old_profile(struct mmr_profile *p, const char *machine, unsigned nkeys)
{
	char text[2048];
	size_t n = (size_t)snprintf(text, sizeof(text), "{\"mmreplay_profile\": 1, \"machine\": {\"online_cpus\": 2%s}, "
					"\"measurements\": {", machine);
	for (unsigned k = 0; k < nkeys; k++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"%s\": {\"ns\": %u}", k ? ", " : "",
				      mmr_cal_key_name(k), 100 + k);
	snprintf(text + n, sizeof(text) - n, "}}");
	write_profile_text(text);
	struct mmr_error err = {{0}};
	if (mmr_profile_read(p, path, &err))
		fail_msg("%s", err.msg);
}

/*
 * A profile written before rcu_gp_ns existed (every other measurement,
 * no rcu_expedited) loads: rcu_gp_ns not measured, saying the profile
 * predates it, the others as written.  Any other measurement missing is
 * still refused (test_bad_profiles).
 */
static void test_profile_before_rcu_gp(void **state)
{
	(void)state;
	struct mmr_profile p;
	read_old_profile(&p, "", MMR_CAL_RCU_GP);
	for (unsigned k = 0; k < MMR_CAL_RCU_GP; k++)
		assert_true(p.v[k].ns == 100 + k);
	assert_true(isnan(p.v[MMR_CAL_RCU_GP].ns));
	assert_non_null(strstr(p.v[MMR_CAL_RCU_GP].why, "the profile predates this measurement"));
	assert_int_equal(p.rcu_expedited, -1);
	/* Written again, it says the figure is missing and why. */
	char *json = mmr_profile_json(&p);
	assert_non_null(json);
	assert_non_null(strstr(json, "the profile predates this measurement"));
	free(json);
}

/*
 * A profile from before rcu_gp_exp_ns, taken on a kernel that expedites
 * every grace period: its rcu_gp_ns was an expedited grace period, so it
 * reads as rcu_gp_exp_ns, and rcu_gp_ns as not measured, saying why.  On
 * a kernel that did not expedite, rcu_gp_ns stays what it was.
 */
static void test_profile_old_expedited_gp(void **state)
{
	(void)state;
	for (int expedited = 0; expedited < 2; expedited++) {
		struct mmr_profile p;
		read_old_profile(&p, expedited ? ", \"rcu_expedited\": true" : ", \"rcu_expedited\": false",
				 MMR_CAL_RCU_GP + 1);
		double gp = p.v[MMR_CAL_RCU_GP].ns, exp = p.v[MMR_CAL_RCU_GP_EXP].ns;
		if (expedited) {
			assert_true(exp == 100 + MMR_CAL_RCU_GP && isnan(gp));
			assert_non_null(strstr(p.v[MMR_CAL_RCU_GP].why, "its grace period was expedited"));
		} else {
			assert_true(gp == 100 + MMR_CAL_RCU_GP && isnan(exp));
		}
	}
}

/* ---- a replay takes its costs from the profile --------------------------------------------- */

static uint64_t seen_flush;

static const struct mmr_engine_param costly_params[] = {
	MMR_COST("flush_ns", "5000", "a TLB flush", "tlb_shootdown_ns", MMR_REF_MACHINE, 500, 100000),
	MMR_COST("drain_ms", "20", "a drain delay", NULL, "a citation", 1, 5000),
	MMR_OPTION("other", "1", "not a cost"),
	{0},
};

static void *costly_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	static int engine;
	return mmr_engine_param_u64(env, costly_params, "flush_ns", &seen_flush, err) ? NULL : &engine;
}

static void costly_destroy(void *e)
{
	(void)e;
}

static int costly_op(void *t, struct mmr_call *c)
{
	(void)t;
	c->handle = (uint64_t)c->slot + 1;
	return 0;
}

static const struct mmr_engine_ops costly_ops = {
	.abi = MMR_ENGINE_ABI, .name = "costly", .families = 1u << MMR_FAM_SLAB, .params = costly_params,
	.create = costly_create, .destroy = costly_destroy,
	.op = {[MMR_OP_ALLOC] = costly_op, [MMR_OP_FREE] = costly_op},
};

static void write_trace(void)
{
	struct mmr_meta meta = {.clock = "mono", .source = "test_calibrate", .nr_cpus = 1};
	struct mmr_error err = {{0}};
	struct mmr_writer *w = mmr_writer_open(trace, &meta, NULL, &err);
	assert_non_null(w);
	for (unsigned i = 0; i < 8; i++) {
		struct mmr_event a = {.ts_ns = i, .family = MMR_FAM_SLAB, .op = MMR_OP_ALLOC, .id = 0x40 + i * 64,
				      .bytes_req = 8, .node = -1};
		assert_int_equal(mmr_writer_write(w, &a, &err), 0);
	}
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

static struct mmr_replay_result *replay(const struct mmr_profile *p, const char *flush)
{
	static const char *keys[] = {"flush_ns"};
	const char *values[] = {flush};
	struct mmr_replay_opts o = {.trace = trace, .engine = &costly_ops, .threads = 1, .as_family = -1,
				    .pace_factor = 1, .watchdog_s = 30, .profile = p,
				    .nopts = flush ? 1 : 0, .opt_keys = keys, .opt_values = values};
	struct mmr_error err = {{0}};
	struct mmr_replay_result *r = mmr_replay_run(&o, &err);
	if (!r)
		fail_msg("%s", err.msg);
	return r;
}

static void test_costs_from_profile(void **state)
{
	(void)state;
	struct mmr_profile p = {.path = "/x/profile.json", .hostname = "h", .created = "today"};
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++)
		p.v[k].ns = 100 + k;
	write_trace();
	struct mmr_replay_result *r = replay(&p, NULL);
	assert_int_equal(seen_flush, 100 + MMR_CAL_TLB_SHOOTDOWN);
	assert_int_equal(r->costs.n, 2);
	assert_string_equal(r->costs.v[0].source, "measured: tlb_shootdown_ns in /x/profile.json (h, today)");
	assert_string_equal(r->costs.v[1].source, "default 20: a citation");
	mmr_replay_result_free(r);
	/* --engine-opt wins over the profile. */
	r = replay(&p, "7");
	assert_int_equal(seen_flush, 7);
	assert_string_equal(r->costs.v[0].source, "--engine-opt");
	mmr_replay_result_free(r);
	/* A measurement the profile lacks (one CPU): the default, and why. */
	p.v[MMR_CAL_TLB_SHOOTDOWN].ns = NAN;
	snprintf(p.v[MMR_CAL_TLB_SHOOTDOWN].why, sizeof(p.v[0].why), "needs 2 CPUs");
	r = replay(&p, NULL);
	assert_int_equal(seen_flush, 5000);
	assert_non_null(strstr(r->costs.v[0].source, "default 5000: the profile has no tlb_shootdown_ns (needs 2 CPUs)"));
	mmr_replay_result_free(r);
	/* No profile: the reference machine's figure, said so. */
	r = replay(NULL, NULL);
	assert_non_null(strstr(r->costs.v[0].source, "default 5000: " MMR_REF_MACHINE "; no profile"));
	mmr_replay_result_free(r);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/test_calibrate.%d.json", P_tmpdir, (int)getpid());
	snprintf(trace, sizeof(trace), "%s/test_calibrate.%d.mmr", P_tmpdir, (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink(trace);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds),
		cmocka_unit_test(test_quick_profile_round_trip),
		cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_profile_before_rcu_gp),
		cmocka_unit_test(test_profile_old_expedited_gp),
		cmocka_unit_test(test_costs_from_profile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
