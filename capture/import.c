/* SPDX-License-Identifier: MIT */
/*
 * import.c - `mmreplay import`: tell a perf.data, a trace.dat and a text
 * trace apart by their first bytes and hand each to its reader.  Both readers feed the same sink
 * as live capture, so an import and a capture of the same tracepoints give
 * the same events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "cap_internal.h"

bool cap_tp_known(struct tep_handle *tep)
{
	for (size_t i = 0; i < cap_tp_count(); i++) {
		const struct cap_tp *tp = cap_tp_get(i);
		struct tep_event *e = tep_find_event_by_name(tep, tp->pub.system, tp->pub.event);
		struct cap_event ce;
		if (e && e->id >= 0 && e->id < (int)CAP_EVENT_IDS && cap_event_bind(&ce, tp, e) == 0)
			return true;
	}
	return false;
}

const char *mmr_import_type_name(enum mmr_import_type type)
{
	switch (type) {
	case MMR_IMPORT_PERF: return "perf.data";
	case MMR_IMPORT_TRACEDAT: return "trace.dat";
	case MMR_IMPORT_TEXT: return "text";
	}
	return "unknown";
}

/*
 * The magics.  perf.data's is a number, so a file from a machine of the
 * other byte order starts with it reversed; the perf reader explains that
 * case, as it does version 1 ("PERFFILE") and pipe-mode files.
 */
static const char perf_magic[8] = "PERFILE2";
static const char perf_magic_swapped[8] = "2ELIFREP";
static const char perf_magic_v1[8] = "PERFFILE";
static const unsigned char dat_magic[10] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};

int mmr_import_detect(const char *path, enum mmr_import_type *type, struct mmr_error *err)
{
	unsigned char head[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mmr_error_at(err, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	ssize_t n = pread(fd, head, sizeof(head), 0);
	int saved = errno;
	close(fd);
	if (n < 0) {
		mmr_error_at(err, path, 0, "cannot read: %s", strerror(saved));
		return -1;
	}
	if (n == 0) {
		mmr_error_at(err, path, 0, "empty file, neither perf.data, trace.dat nor a text trace");
		return -1;
	}
	if (n >= 8 && (!memcmp(head, perf_magic, 8) || !memcmp(head, perf_magic_swapped, 8) ||
		       !memcmp(head, perf_magic_v1, 8))) {
		*type = MMR_IMPORT_PERF;
		return 0;
	}
	if (n >= (ssize_t)sizeof(dat_magic) && !memcmp(head, dat_magic, sizeof(dat_magic))) {
		*type = MMR_IMPORT_TRACEDAT;
		return 0;
	}
	/* Text: an event line begins with its timestamp, a comment with '#'. */
	size_t lead = 0;
	while (lead < (size_t)n && (head[lead] == ' ' || head[lead] == '\t' || head[lead] == '\n'))
		lead++;
	if (lead < (size_t)n && (head[lead] == '#' || (head[lead] >= '0' && head[lead] <= '9'))) {
		*type = MMR_IMPORT_TEXT;
		return 0;
	}
	if (n >= 8 && !memcmp(head, "MMRTRACE", 8))
		mmr_error_at(err, path, 0, "an mmreplay trace already, not perf.data, trace.dat or text");
	else
		mmr_error_at(err, path, 0, "neither perf.data, trace.dat nor a text trace (unknown magic)");
	return -1;
}

int mmr_import(const char *in, const char *out, struct mmr_import_summary *sum,
	       struct mmr_error *err)
{
	enum mmr_import_type type;
	if (mmr_import_detect(in, &type, err))
		return -1;
	memset(sum, 0, sizeof(*sum));
	sum->type = type;
	int rc = type == MMR_IMPORT_PERF ? cap_import_perf(in, out, sum, err)
		 : type == MMR_IMPORT_TRACEDAT ? cap_import_tracedat(in, out, sum, err)
		 : cap_import_text(in, out, sum, err);
	sum->type = type;
	return rc;
}
