/* SPDX-License-Identifier: MIT */
/*
 * test_parts.c - a directory of parts (capture --max-size) read as one
 * trace: every event in order, names and lost counts from every part,
 * and the directories that are not one capture's parts refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmr_trace.h"

#define NEVENTS 900
#define NPARTS 3

static char root[] = "/tmp/mmr-test-parts-XXXXXX";

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][512];
	static int slot;
	char *p = buf[slot++ % 4];
	snprintf(p, 512, "%s/%s/%s", root, dir, name);
	return p;
}

static char *dir_path(const char *dir)
{
	static char buf[512];
	snprintf(buf, sizeof(buf), "%s/%s", root, dir);
	mkdir(buf, 0777);
	return buf;
}

/* Events in timestamp order, with ids freed in a later part than they were allocated in. */
static void make_events(struct mmr_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ev[i] = (struct mmr_event){
			.ts_ns = 1000 + i * 37,
			.id = 0x1000 + (i / 2) * 64,
			.family = MMR_FAM_SLAB,
			.op = i % 2 ? MMR_OP_FREE : MMR_OP_ALLOC,
			.bytes_req = i % 2 ? 0 : 64,
			.bytes_alloc = i % 2 ? 0 : 64,
			.call_site = 0xffffffff81000040ull + (i % 3) * 0x40,
			.pid = (int32_t)(i % 5),
			.cpu = (uint32_t)(i % 4),
			.node = -1,
		};
	}
}

static struct mmr_meta meta_of(uint32_t cpus)
{
	return (struct mmr_meta){.kernel_release = "6.1.0-test", .clock = "mono", .source = "test_parts",
				 .nr_cpus = cpus, .start_realtime_ns = 1764000000000000000ull};
}

/*
 * Write EV[0..N) as part PATH: PART's own symbol and comm, and lost
 * counts PART * 100 + cpu.
 */
static void write_part(const char *path, const struct mmr_event *ev, size_t n, int part, uint32_t cpus)
{
	struct mmr_error err;
	struct mmr_meta meta = meta_of(cpus);
	struct mmr_writer_opts opts = {.block_events = 100};
	struct mmr_writer *w = mmr_writer_open(path, &meta, &opts, &err);
	assert_non_null(w);
	char name[32];
	snprintf(name, sizeof(name), "site_of_part_%d", part);
	assert_int_equal(mmr_writer_add_symbol(w, 0xffffffff81000040ull + (uint64_t)part * 0x40, name, &err), 0);
	snprintf(name, sizeof(name), "task%d", part);
	assert_int_equal(mmr_writer_add_comm(w, part, name, &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(mmr_writer_write(w, &ev[i], &err), 0);
	for (uint32_t c = 0; c < cpus; c++)
		assert_int_equal(mmr_writer_set_lost(w, c, (uint64_t)part * 100 + c, &err), 0);
	assert_int_equal(mmr_writer_close(w, &err), 0);
}

/* Part PATH as a killed capture leaves it: whole blocks on disk, never closed. */
static void write_cut_part(const char *path, const struct mmr_event *ev, size_t n, int part)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mmr_error err;
		struct mmr_meta meta = meta_of(4);
		struct mmr_writer_opts opts = {.block_events = 100};
		struct mmr_writer *w = mmr_writer_open(path, &meta, &opts, &err);
		char name[32];
		snprintf(name, sizeof(name), "task%d", part);
		int rc = !w || mmr_writer_add_comm(w, part, name, &err);
		/* The last 50 never reach a block, as the events a killed capture held. */
		for (size_t i = 0; i + 50 < n && !rc; i++)
			rc = mmr_writer_write(w, &ev[i], &err);
		_exit(rc ? 1 : 0); /* killed: no close, no lost counts, no index */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Write the events in NPARTS parts into DIR; the last one CUT. */
static void write_parts(const char *dir, const struct mmr_event *ev, bool cut)
{
	size_t per = NEVENTS / NPARTS;
	for (int p = 0; p < NPARTS; p++) {
		char name[32];
		snprintf(name, sizeof(name), "%06d.mmr", p + 1);
		if (cut && p == NPARTS - 1)
			write_cut_part(path_in(dir, name), ev + (size_t)p * per, per, p);
		else
			write_part(path_in(dir, name), ev + (size_t)p * per, per, p, 4);
	}
}

static void test_parts_read_as_one(void **state)
{
	(void)state;
	struct mmr_event ev[NEVENTS], e;
	struct mmr_error err;
	make_events(ev, NEVENTS);
	dir_path("whole");
	write_parts("whole", ev, false);
	/* Files that are not parts are left alone. */
	FILE *f = fopen(path_in("whole", "notes.txt"), "w");
	assert_non_null(f);
	fclose(f);

	struct mmr_reader *r = mmr_reader_open(dir_path("whole"), &err);
	assert_non_null(r);
	assert_null(mmr_reader_warning(r));
	assert_int_equal(mmr_reader_event_count(r), NEVENTS);
	assert_int_equal(mmr_reader_block_count(r), NPARTS * 3);
	size_t i = 0;
	int rc;
	while ((rc = mmr_reader_next(r, &e, &err)) == 1) {
		assert_true(i < NEVENTS);
		assert_int_equal(e.ts_ns, ev[i].ts_ns);
		assert_int_equal(e.id, ev[i].id);
		assert_int_equal(e.op, ev[i].op);
		i++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, NEVENTS);
	/* Every part's names, and the lost counts of all of them added up. */
	const struct mmr_meta *m = mmr_reader_meta(r);
	assert_non_null(m->lost);
	for (uint32_t c = 0; c < 4; c++)
		assert_int_equal(m->lost[c], (0 + 100 + 200) + 3 * c);
	for (int p = 0; p < NPARTS; p++) {
		char name[32];
		snprintf(name, sizeof(name), "site_of_part_%d", p);
		assert_string_equal(mmr_reader_symbol(r, 0xffffffff81000040ull + (uint64_t)p * 0x40), name);
		snprintf(name, sizeof(name), "task%d", p);
		assert_string_equal(mmr_reader_comm(r, p), name);
	}
	/* Going back to the first block reads from the first part again. */
	assert_int_equal(mmr_reader_seek_block(r, 0, &err), 0);
	assert_int_equal(mmr_reader_next(r, &e, &err), 1);
	assert_int_equal(e.ts_ns, ev[0].ts_ns);
	mmr_reader_close(r);
}

static void test_parts_last_cut(void **state)
{
	(void)state;
	struct mmr_event ev[NEVENTS];
	struct mmr_error err;
	make_events(ev, NEVENTS);
	dir_path("cut");
	write_parts("cut", ev, true);
	struct mmr_reader *r = mmr_reader_open(dir_path("cut"), &err);
	assert_non_null(r);
	/* The cut part is named, its whole blocks kept, and the lost counts are no longer known. */
	assert_non_null(mmr_reader_warning(r));
	assert_non_null(strstr(mmr_reader_warning(r), "000003.mmr: the writer did not finish"));
	/* Blocks of 100: of the cut part's 250 events, its 200 in whole blocks. */
	assert_int_equal(mmr_reader_event_count(r), NEVENTS - 100);
	assert_null(mmr_reader_meta(r)->lost);
	mmr_reader_close(r);
}

/* A part removed by hand from between two others is said, and the rest still read. */
static void test_parts_gap(void **state)
{
	(void)state;
	struct mmr_event ev[NEVENTS];
	struct mmr_error err;
	make_events(ev, NEVENTS);
	dir_path("gap");
	/* 000002 and 000003 are rotation's: no gap.  000005 was removed by hand. */
	write_part(path_in("gap", "000003.mmr"), ev, 300, 0, 4);
	write_part(path_in("gap", "000004.mmr"), ev + 300, 300, 1, 4);
	write_part(path_in("gap", "000006.mmr"), ev + 600, 300, 2, 4);
	struct mmr_reader *r = mmr_reader_open(dir_path("gap"), &err);
	assert_non_null(r);
	assert_non_null(mmr_reader_warning(r));
	if (!strstr(mmr_reader_warning(r), "part 000005.mmr is missing between 000004.mmr and 000006.mmr"))
		fail_msg("%s", mmr_reader_warning(r));
	assert_int_equal(mmr_reader_event_count(r), NEVENTS);
	mmr_reader_close(r);

	/* The whole directory of the first test has no gap, and no warning. */
	r = mmr_reader_open(dir_path("whole"), &err);
	assert_non_null(r);
	assert_null(mmr_reader_warning(r));
	mmr_reader_close(r);
}

/* Opening DIR fails with a message holding WHAT. */
static void refused(const char *dir, const char *what)
{
	struct mmr_error err = {{0}};
	assert_null(mmr_reader_open(dir_path(dir), &err));
	if (!strstr(err.msg, what))
		fail_msg("'%s' lacks '%s'", err.msg, what);
}

static void test_parts_refused(void **state)
{
	(void)state;
	struct mmr_event ev[NEVENTS];
	make_events(ev, NEVENTS);
	refused("empty", "no .mmr file");

	/* A part of another machine. */
	dir_path("cpus");
	write_part(path_in("cpus", "000001.mmr"), ev, 300, 0, 4);
	write_part(path_in("cpus", "000002.mmr"), ev + 300, 300, 1, 8);
	refused("cpus", "000002.mmr: offset");
	refused("cpus", "not a part of the same capture");

	/* Parts whose names put them out of order. */
	dir_path("order");
	write_part(path_in("order", "000001.mmr"), ev + 300, 300, 0, 4);
	write_part(path_in("order", "000002.mmr"), ev, 300, 1, 4);
	refused("order", "start before those of the part before it");

	/* A damaged part is an error, not a quietly shorter trace. */
	dir_path("bad");
	write_part(path_in("bad", "000001.mmr"), ev, 300, 0, 4);
	FILE *f = fopen(path_in("bad", "000002.mmr"), "w");
	assert_non_null(f);
	fputs("not a trace at all, but long enough to hold a header of one........", f);
	fclose(f);
	refused("bad", "000002.mmr");
}

/* More parts than the process may open files: only the part being read is kept open. */
static void test_parts_many(void **state)
{
	(void)state;
	enum { MANY = 200, PER = 3 };
	static struct mmr_event ev[MANY * PER];
	struct mmr_event e;
	struct mmr_error err;
	make_events(ev, MANY * PER);
	dir_path("many");
	for (int p = 0; p < MANY; p++) {
		char name[32];
		snprintf(name, sizeof(name), "%06d.mmr", p + 1);
		write_part(path_in("many", name), ev + p * PER, PER, p, 4);
	}
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	struct mmr_reader *r = mmr_reader_open(dir_path("many"), &err);
	size_t n = 0;
	int rc = -1;
	if (r)
		while ((rc = mmr_reader_next(r, &e, &err)) == 1)
			assert_int_equal(e.ts_ns, ev[n++].ts_ns);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	if (!r)
		fail_msg("%s", err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(n, MANY * PER);
	mmr_reader_close(r);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_read_as_one),
		cmocka_unit_test(test_parts_last_cut),
		cmocka_unit_test(test_parts_refused),
		cmocka_unit_test(test_parts_gap),
		cmocka_unit_test(test_parts_many),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
