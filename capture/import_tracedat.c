/* SPDX-License-Identifier: MIT */
/*
 * import_tracedat.c - trace-cmd trace.dat files, read with libtracecmd.
 *
 * libtracecmd parses the file's own copy of the event formats into a tep
 * handle and hands back each ring-buffer record, all CPUs merged in
 * timestamp order; each goes to the sink exactly as a live capture's
 * records do, so both give the same events for the same tracepoints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <trace-cmd.h>

#include "cap_internal.h"

struct dat_import {
	struct cap_sink sink;
	struct mmr_error *err;
	bool failed;
	uint64_t *lost;   /* per CPU, grown as CPUs show up */
	size_t nlost;
	struct mmr_idmap pids; /* pids seen, to name from the file's cmdlines */
};

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
	if (cap_sink_record(&im->sink, rec->data, (size_t)rec->size, rec->ts, (uint32_t)cpu, im->err)) {
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
	struct dat_import im = {.err = err};
	/* libtracecmd would print its own diagnostics; ours is the one error line. */
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
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
	if (mmr_idmap_init(&im.pids, 256) || lost_slot(&im, meta.nr_cpus - 1)) {
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
	tracecmd_close(h);
	return rc;
}
