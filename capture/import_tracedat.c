/* SPDX-License-Identifier: MIT */
/*
 * import_tracedat.c - trace-cmd trace.dat files, read with libtracecmd.
 *
 * libtracecmd parses the file's own copy of the event formats into a tep
 * handle and hands back each ring-buffer record, all CPUs merged in
 * timestamp order; each goes to the sink exactly as a live capture's
 * records do, so both give the same events for the same tracepoints.
 *
 * libtracecmd trusts the sizes in a file's header (a corrupt page size is
 * a malloc of gigabytes), so the header is checked here first: in full for
 * version 6, whose layout we write ourselves (tracedat.c), and its fixed
 * prefix for version 7.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <trace-cmd.h>

#include "cap_internal.h"

/* A read position in the mapped file, for the header check. */
struct dat_cur {
	const uint8_t *buf;
	size_t len, pos;
	const char *file;
	struct mmr_error *err;
};

/* Check that N bytes remain for WHAT.  Returns 0, or -1 with ERR. */
static int cur_need(struct dat_cur *c, uint64_t n, const char *what)
{
	if (n <= c->len - c->pos)
		return 0;
	mmr_error_at(c->err, c->file, c->pos, "truncated in %s: %llu bytes needed, %zu left", what,
		 (unsigned long long)n, c->len - c->pos);
	return -1;
}

/* After version 6's tracing data: CPU count, options, and the flyrecord CPU table. */
static int check_v6_tail(struct dat_cur *c, uint32_t page_size)
{
	if (cur_need(c, 4, "the CPU count"))
		return -1;
	uint32_t cpus = cap_rd32(c->buf + c->pos);
	if (cpus < 1 || cpus > 65536) {
		mmr_error_at(c->err, c->file, c->pos, "CPU count %u out of range 1..65536 (corrupt)", cpus);
		return -1;
	}
	c->pos += 4;
	if (cur_need(c, 10, "the data kind"))
		return -1;
	if (memcmp(c->buf + c->pos, "options  ", 10) == 0) {
		c->pos += 10;
		for (;;) {
			if (cur_need(c, 2, "the options"))
				return -1;
			uint16_t id = cap_rd16(c->buf + c->pos);
			c->pos += 2;
			if (id == 0)
				break;
			if (cur_need(c, 4, "an option size"))
				return -1;
			uint32_t size = cap_rd32(c->buf + c->pos);
			c->pos += 4;
			if (cur_need(c, size, "an option"))
				return -1;
			c->pos += size;
		}
		if (cur_need(c, 10, "the data kind"))
			return -1;
	}
	if (memcmp(c->buf + c->pos, "flyrecord", 10) != 0) {
		mmr_error_at(c->err, c->file, c->pos, "no flyrecord data (a latency trace, or corrupt)");
		return -1;
	}
	c->pos += 10;
	if (cur_need(c, (uint64_t)cpus * 16, "the CPU data table"))
		return -1;
	for (uint32_t i = 0; i < cpus; i++, c->pos += 16) {
		uint64_t off = cap_rd64(c->buf + c->pos), size = cap_rd64(c->buf + c->pos + 8);
		if (size && (off > c->len || size > c->len - off || off % page_size)) {
			mmr_error_at(c->err, c->file, c->pos, "CPU %u's data (%llu bytes at %llu) is not within "
				 "the file or not page aligned (corrupt or truncated)", i,
				 (unsigned long long)size, (unsigned long long)off);
			return -1;
		}
	}
	return 0;
}

/* The checks libtracecmd does not make, on the mapped file.  Returns 0 or -1 (ERR). */
static int check_header(struct dat_cur *c)
{
	if (cur_need(c, 12, "the file header"))
		return -1;
	const char *version = (const char *)c->buf + 10;
	bool v6 = memcmp(version, "6", 2) == 0, v7 = memcmp(version, "7", 2) == 0;
	if (!v6 && !v7) {
		mmr_error_at(c->err, c->file, 10, "trace.dat version '%.4s' is not 6 or 7", version);
		return -1;
	}
	c->pos = 12;
	if (cur_need(c, 6, "the file header"))
		return -1;
	uint8_t big = c->buf[12], lsize = c->buf[13];
	uint32_t page = cap_rd32(c->buf + 14);
	if (big > 1 || (lsize != 4 && lsize != 8) || page < 4096 || page > (1u << 20) || (page & (page - 1))) {
		mmr_error_at(c->err, c->file, 12, "bad header: endian %u, long size %u, page size %u (corrupt)",
			 big, lsize, page);
		return -1;
	}
	if (big) {
		mmr_error_at(c->err, c->file, 12, "big-endian trace.dat files are not supported");
		return -1;
	}
	if (v7)
		return 0;
	struct cap_tdata_info info;
	struct tep_handle *tep = cap_tracing_data_parse(c->buf, c->len, c->file, 0, &info, c->err);
	if (!tep)
		return -1;
	/* A header_page libtraceevent could not read leaves these 0; libtracecmd then fails badly. */
	bool page_ok = tep_get_header_page_size(tep) > 0 && tep_get_header_timestamp_size(tep) > 0;
	tep_free(tep);
	if (!page_ok) {
		mmr_error_at(c->err, c->file, 12, "header_page does not describe a ring-buffer page (corrupt)");
		return -1;
	}
	c->pos = info.used;
	return check_v6_tail(c, page);
}

/* Map IN and check its header.  Returns 0, or -1 with ERR. */
static int precheck(const char *in, struct mmr_error *err)
{
	struct stat st;
	int fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		mmr_error_at(err, in, 0, "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size;
	void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (map == MAP_FAILED) {
		mmr_error_at(err, in, 0, len ? "cannot map: %s" : "empty file", strerror(errno));
		return -1;
	}
	struct dat_cur c = {.buf = map, .len = len, .file = in, .err = err};
	int rc = check_header(&c);
	munmap(map, len);
	return rc;
}

struct dat_import {
	struct cap_sink sink;
	struct mmr_error *err;
	bool failed;
	uint64_t *lost;   /* per CPU, grown as CPUs show up */
	size_t nlost;
	struct mmr_idmap pids; /* pids seen, to name from the file's cmdlines */
	uint8_t *checked;      /* event ids whose format was checked: CAP_EVENT_IDS entries */
	const char *in;
};

/*
 * Every recorded event must have a format, and a capture tracepoint's
 * must have bound: otherwise its records would be dropped without a word.
 */
static int check_type(struct dat_import *im, struct tep_record *rec)
{
	int type = tep_data_type(im->sink.tep, rec);
	if (type < 0 || type >= (int)CAP_EVENT_IDS || im->checked[type])
		return 0;
	im->checked[type] = 1;
	struct tep_event *e = tep_find_event(im->sink.tep, type);
	if (!e)
		mmr_error_at(im->err, im->in, rec->offset, "a record of event id %d, which has no format in the file (corrupt)", type);
	else if (!cap_sink_usable(&im->sink, e))
		mmr_error_at(im->err, im->in, rec->offset, "the format of %s:%s lacks a field it needs (corrupt, or a kernel this build does not know)",
			 e->system, e->name);
	return e && cap_sink_usable(&im->sink, e) ? 0 : -1;
}

/* Room for CPU in the lost counts.  Returns 0, or -1 when out of memory. */
static int lost_slot(struct dat_import *im, uint32_t cpu)
{
	if (cpu < im->nlost)
		return 0;
	size_t n = (size_t)cpu + 1;
	uint64_t *grown = realloc(im->lost, n * sizeof(*grown));
	if (!grown)
		return -1;
	memset(grown + im->nlost, 0, (n - im->nlost) * sizeof(*grown));
	im->lost = grown;
	im->nlost = n;
	return 0;
}

static int on_record(struct tracecmd_input *handle, struct tep_record *rec, int cpu, void *arg)
{
	struct dat_import *im = arg;
	(void)handle;
	if (cpu < 0 || cpu > 65535 || rec->size < 0 || lost_slot(im, (uint32_t)cpu)) {
		snprintf(im->err->msg, sizeof(im->err->msg), "trace.dat: record on CPU %d is malformed", cpu);
		im->failed = true;
		return 1;
	}
	/* -1: the page says events were lost without saying how many; count one. */
	if (rec->missed_events)
		im->lost[cpu] += rec->missed_events > 0 ? (uint64_t)rec->missed_events : 1;
	if ((rec->size >= 8 && check_type(im, rec)) ||
	    cap_sink_record(&im->sink, rec->data, (size_t)rec->size, rec->ts, (uint32_t)cpu, im->err)) {
		im->failed = true;
		return 1;
	}
	if (rec->size >= 8) {
		int pid = tep_data_pid(im->sink.tep, rec);
		if (pid > 0 && !mmr_idmap_get(&im->pids, (uint64_t)pid))
			mmr_idmap_put(&im->pids, (uint64_t)pid, 1);
	}
	return 0;
}

/* Name every pid seen from the file's saved cmdlines. */
static int add_comms(struct dat_import *im)
{
	size_t pos = 0;
	uint64_t pid, one;
	while (mmr_idmap_next(&im->pids, &pos, &pid, &one)) {
		const char *comm = tep_data_comm_from_pid(im->sink.tep, (int)pid);
		if (comm && strcmp(comm, "<...>") != 0 && cap_sink_comm(&im->sink, (int32_t)pid, comm, im->err))
			return -1;
	}
	return 0;
}

int cap_import_tracedat(const char *in, const char *out, struct mmr_import_summary *sum,
			struct mmr_error *err)
{
	struct dat_import im = {.err = err, .in = in};
	/* libtracecmd would print its own diagnostics; ours is the one error line. */
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	if (precheck(in, err))
		return -1;
	struct tracecmd_input *h = tracecmd_open(in, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: offset 0: not a readable trace.dat (corrupt or truncated header, or an "
			 "unsupported version)", in);
		return -1;
	}
	struct tep_handle *tep = tracecmd_get_tep(h);
	struct mmr_meta meta = {
		.kernel_release = "", .clock = "unknown", .source = "import trace.dat",
		.nr_cpus = tep_get_cpus(tep) > 0 ? (uint32_t)tep_get_cpus(tep) : 1,
	};
	int rc = -1;
	im.checked = calloc(CAP_EVENT_IDS, 1);
	if (!im.checked || mmr_idmap_init(&im.pids, 256) || lost_slot(&im, meta.nr_cpus - 1)) {
		snprintf(err->msg, sizeof(err->msg), "import: out of memory");
		goto done;
	}
	if (cap_sink_open(&im.sink, out, &meta, tep, MMR_CAP_ALL, err))
		goto done;
	if (tracecmd_iterate_events(h, NULL, 0, on_record, &im) < 0 && !im.failed) {
		snprintf(err->msg, sizeof(err->msg), "%s: the trace data is corrupt or truncated", in);
		im.failed = true;
	}
	if (im.failed || add_comms(&im)) {
		cap_sink_abort(&im.sink);
		goto done;
	}
	sum->records = im.sink.records;
	sum->events = im.sink.events;
	memcpy(sum->by_family, im.sink.by_family, sizeof(sum->by_family));
	sum->out_of_order = cap_merge_out_of_order(im.sink.merge);
	for (size_t c = 0; c < im.nlost; c++)
		sum->lost += im.lost[c];
	/* Lost counts of CPUs past the header's count (a damaged file) are in the summary only. */
	if (cap_sink_close(&im.sink, im.lost, meta.nr_cpus, err))
		goto done;
	struct stat st;
	sum->file_bytes = stat(out, &st) == 0 ? (uint64_t)st.st_size : 0;
	rc = 0;
done:
	mmr_idmap_destroy(&im.pids);
	free(im.lost);
	free(im.checked);
	tracecmd_close(h);
	return rc;
}
