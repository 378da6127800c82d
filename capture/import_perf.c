/* SPDX-License-Identifier: MIT */
/*
 * import_perf.c - read a perf.data file ("PERFILE2", file mode) natively,
 * without perf: the header, the event attributes and their ids, and the
 * feature sections that follow the data (the tracing data with the event
 * formats, the kernel release, the CPU count); then hand the data section
 * to perf_records.c, which feeds the sink.
 *
 *   header (104 bytes): magic, header size, attr_size, sections
 *                       {attrs, data, event_types}, 256 feature bits
 *   attrs:    attr_size-byte entries: perf_event_attr, then {offset, size}
 *             of that event's u64 ids
 *   data:     records
 *   features: after the data, a {offset, size} per feature bit set, in
 *             bit order, each pointing at that feature's bytes
 *
 * Nothing from the file is trusted: every offset and size is checked
 * against the file before it is read, counts against fixed limits before
 * anything is allocated, and every failure is one line naming the offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <traceevent/event-parse.h>

#include "perf_internal.h"

#define PERF_MAGIC 0x32454c4946524550ull /* "PERFILE2" read as a native u64 */
#define PERF_HEADER_SIZE 104
#define PERF_PIPE_HEADER_SIZE 16
#define PERF_ATTR_MIN 64 /* PERF_ATTR_SIZE_VER0: every field this reader uses */

/* Feature bits (perf.data-file-format.txt). */
enum { FEAT_TRACING_DATA = 1, FEAT_OSRELEASE = 4, FEAT_NRCPUS = 7, FEAT_BITS = 256 };

int cap_perf_fail(struct cap_perf *p, uint64_t off, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	mmr_error_at(p->err, p->file, off, "%s", what);
	return -1;
}

/* Read exactly N bytes at OFF (already checked to be inside the file). */
static int perf_pread(struct cap_perf *p, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(p->fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cap_perf_fail(p, off + got, "read error: %s", strerror(errno));
		if (r == 0)
			return cap_perf_fail(p, off + got, "the file ended early (did it shrink while being read?)");
		got += (size_t)r;
	}
	return 0;
}

/* Is the section {OFF, SIZE} inside the file?  WHAT names it in the error; AT is where it is described. */
static int perf_section(struct cap_perf *p, uint64_t off, uint64_t size, uint64_t at, const char *what)
{
	if (off <= p->file_size && size <= p->file_size - off)
		return 0;
	if (off > p->file_size)
		return cap_perf_fail(p, at, "%s starts at %llu, past the end of the file (%llu bytes): truncated or corrupt",
				     what, (unsigned long long)off, (unsigned long long)p->file_size);
	return cap_perf_fail(p, p->file_size, "the file ends inside %s (bytes %llu to %llu): truncated",
			     what, (unsigned long long)off, (unsigned long long)(off + size));
}

/* Magic, header size and file size: what kind of perf.data this is. */
static int perf_check_magic(struct cap_perf *p, const uint8_t *h, size_t n)
{
	if (n < 8)
		return cap_perf_fail(p, 0, "truncated: %zu bytes, too short for a perf.data header", n);
	uint64_t magic = cap_rd64(h);
	if (magic == __builtin_bswap64(PERF_MAGIC))
		return cap_perf_fail(p, 0, "perf.data of the other byte order: not supported (import it on a machine like the recording one)");
	if (!memcmp(h, "PERFFILE", 8))
		return cap_perf_fail(p, 0, "perf.data version 1 (PERFFILE): not supported");
	if (magic != PERF_MAGIC)
		return cap_perf_fail(p, 0, "not a perf.data file (bad magic)");
	if (n < 16)
		return cap_perf_fail(p, 8, "truncated: %zu bytes, too short for a perf.data header", n);
	uint64_t hsize = cap_rd64(h + 8);
	if (hsize == PERF_PIPE_HEADER_SIZE)
		return cap_perf_fail(p, 8, "pipe-mode perf.data (perf record -o -): not supported; "
				     "record to a file, or convert it with 'perf inject -o FILE'");
	if (hsize != PERF_HEADER_SIZE)
		return cap_perf_fail(p, 8, "header size %llu, expected %d (corrupt, or a perf.data this build does not know)",
				     (unsigned long long)hsize, PERF_HEADER_SIZE);
	if (n < PERF_HEADER_SIZE)
		return cap_perf_fail(p, n, "truncated: the file has %zu bytes, its header needs %d", n,
				     PERF_HEADER_SIZE);
	return 0;
}

/* Where in a sample's body the id sits, and in a record's trailer (counted from the end). */
static void perf_id_layout(uint64_t st, int *id_pos, int *is_pos)
{
	if (st & PERF_SAMPLE_IDENTIFIER) {
		*id_pos = 0;
		*is_pos = 1;
		return;
	}
	if (!(st & PERF_SAMPLE_ID)) {
		*id_pos = *is_pos = -1;
		return;
	}
	*id_pos = !!(st & PERF_SAMPLE_IP) + !!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) +
		  !!(st & PERF_SAMPLE_ADDR);
	*is_pos = 1 + !!(st & PERF_SAMPLE_CPU) + !!(st & PERF_SAMPLE_STREAM_ID);
}

/* Decode one attrs entry at A (ATTR_SIZE bytes, the ids section last). */
static int perf_attr(struct cap_perf *p, const uint8_t *a, uint64_t attr_size, uint64_t off,
		     struct cap_perf_attr *out)
{
	uint32_t size = cap_rd32(a + 4);
	/* perf writes its own sizeof(perf_event_attr) in both places; anything else is damage. */
	if (size != 0 && size != attr_size - 16)
		return cap_perf_fail(p, off + 4, "event attribute size %u does not match the header's attr_size %llu (corrupt)",
				     size, (unsigned long long)attr_size);
	uint64_t st = cap_rd64(a + 24);
	*out = (struct cap_perf_attr){
		.type = cap_rd32(a), .config = cap_rd64(a + 8), .sample_type = st,
		.read_format = cap_rd64(a + 32), .sample_id_all = (cap_rd64(a + 40) >> 18) & 1,
		.time_at = -1, .cpu_at = -1,
	};
	/* The fixed head of a sample, in the kernel's order. */
	static const uint64_t head[] = {PERF_SAMPLE_IDENTIFIER, PERF_SAMPLE_IP, PERF_SAMPLE_TID,
					PERF_SAMPLE_TIME, PERF_SAMPLE_ADDR, PERF_SAMPLE_ID,
					PERF_SAMPLE_STREAM_ID, PERF_SAMPLE_CPU, PERF_SAMPLE_PERIOD};
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
		if (!(st & head[i]))
			continue;
		if (head[i] == PERF_SAMPLE_TIME)
			out->time_at = (int)out->fixed_words;
		if (head[i] == PERF_SAMPLE_CPU)
			out->cpu_at = (int)out->fixed_words;
		out->fixed_words++;
	}
	const uint64_t trailer = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID |
				 PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER;
	out->trailer_words = (unsigned)__builtin_popcountll(st & trailer);
	return 0;
}

/* Event ids of attr IDX: the section {OFF, SIZE} of u64s.  *NIDS counts them all. */
static int perf_attr_ids(struct cap_perf *p, size_t idx, uint64_t off, uint64_t size, uint64_t at,
			 uint64_t *nids)
{
	if (size % 8)
		return cap_perf_fail(p, at, "event %zu: its ids take %llu bytes, not a multiple of 8 (corrupt)",
				     idx, (unsigned long long)size);
	if (perf_section(p, off, size, at, "an event's id list"))
		return -1;
	if (size / 8 > CAP_PERF_MAX_IDS - *nids)
		return cap_perf_fail(p, at, "more than %u event ids: not a file this build reads",
				     CAP_PERF_MAX_IDS);
	*nids += size / 8;
	uint64_t buf[512];
	for (uint64_t done = 0; done < size;) {
		size_t n = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
		if (perf_pread(p, buf, n, off + done))
			return -1;
		for (size_t i = 0; i < n / 8; i++)
			if (mmr_idmap_put(&p->id_attr, buf[i], idx))
				return cap_perf_fail(p, off, "out of memory mapping event ids");
		done += n;
	}
	return 0;
}

/* The attrs section: every event, its ids, and where ids sit in records. */
static int perf_read_attrs(struct cap_perf *p, const uint8_t *h)
{
	uint64_t attr_size = cap_rd64(h + 16), off = cap_rd64(h + 24), size = cap_rd64(h + 32);
	if (attr_size < PERF_ATTR_MIN + 16 || attr_size > 4096)
		return cap_perf_fail(p, 16, "attr_size %llu is outside %d..4096 (corrupt)",
				     (unsigned long long)attr_size, PERF_ATTR_MIN + 16);
	if (size == 0 || size % attr_size)
		return cap_perf_fail(p, 32, "attrs section of %llu bytes is not a whole number of %llu-byte attrs (corrupt)",
				     (unsigned long long)size, (unsigned long long)attr_size);
	if (perf_section(p, off, size, 24, "the attrs section"))
		return -1;
	if (size / attr_size > CAP_PERF_MAX_ATTRS)
		return cap_perf_fail(p, 32, "%llu events: more than the %d this build reads",
				     (unsigned long long)(size / attr_size), CAP_PERF_MAX_ATTRS);
	p->nattrs = (size_t)(size / attr_size);
	p->attrs_off = off;
	p->attr_size = attr_size;
	uint8_t *buf = malloc((size_t)size);
	p->attrs = calloc(p->nattrs, sizeof(*p->attrs));
	if (!buf || !p->attrs || mmr_idmap_init(&p->id_attr, 64)) {
		free(buf);
		return cap_perf_fail(p, off, "out of memory reading %zu events", p->nattrs);
	}
	int rc = perf_pread(p, buf, (size_t)size, off);
	uint64_t nids = 0;
	for (size_t i = 0; !rc && i < p->nattrs; i++) {
		const uint8_t *a = buf + i * attr_size;
		uint64_t at = off + i * attr_size;
		rc = perf_attr(p, a, attr_size, at, &p->attrs[i]) ||
		     perf_attr_ids(p, i, cap_rd64(a + attr_size - 16), cap_rd64(a + attr_size - 8),
				   at + attr_size - 16, &nids);
	}
	free(buf);
	if (rc)
		return -1;
	/* Records of several events only say whose they are if all put the id in one place. */
	perf_id_layout(p->attrs[0].sample_type, &p->id_pos, &p->is_pos);
	for (size_t i = 1; i < p->nattrs; i++) {
		int idp, isp;
		perf_id_layout(p->attrs[i].sample_type, &idp, &isp);
		if (idp != p->id_pos || isp != p->is_pos || idp < 0 ||
		    p->attrs[i].sample_id_all != p->attrs[0].sample_id_all)
			return cap_perf_fail(p, off + i * attr_size + 24,
					     "events disagree on where their records carry the event id (corrupt)");
	}
	return 0;
}

/* A perf_header_string feature: u32 length, then that many bytes holding a NUL. */
static int perf_feat_string(struct cap_perf *p, uint64_t off, uint64_t size, char *out, size_t cap)
{
	char buf[4096 + 4];
	if (size < 4 || size > sizeof(buf))
		return cap_perf_fail(p, off, "string feature of %llu bytes (corrupt)", (unsigned long long)size);
	if (perf_pread(p, buf, (size_t)size, off))
		return -1;
	uint32_t len = cap_rd32((const uint8_t *)buf);
	if (len > size - 4 || !memchr(buf + 4, 0, len))
		return cap_perf_fail(p, off, "string feature of length %u does not fit its %llu bytes or lacks a NUL (corrupt)",
				     len, (unsigned long long)size);
	size_t l = strlen(buf + 4);
	if (l >= cap)
		return cap_perf_fail(p, off, "string feature of %zu characters: longer than %zu (corrupt)", l, cap - 1);
	memcpy(out, buf + 4, l + 1);
	return 0;
}

static int perf_feat_tracing(struct cap_perf *p, uint64_t off, uint64_t size)
{
	if (size > CAP_PERF_MAX_TDATA)
		return cap_perf_fail(p, off, "tracing data of %llu bytes: more than this build reads",
				     (unsigned long long)size);
	uint8_t *buf = malloc(size ? (size_t)size : 1);
	if (!buf)
		return cap_perf_fail(p, off, "out of memory reading %llu bytes of tracing data",
				     (unsigned long long)size);
	struct cap_tdata_info info;
	int rc = perf_pread(p, buf, (size_t)size, off);
	if (!rc) {
		p->tep = cap_tracing_data_parse(buf, (size_t)size, p->file, off, &info, p->err);
		rc = p->tep ? 0 : -1;
	}
	free(buf);
	p->tdata_off = off;
	/* Symbols the file carries are the recording's own; otherwise the running kernel's may do. */
	if (!rc && info.kallsyms_size == 0)
		p->want_kallsyms = true;
	return rc;
}

static int perf_feat_nrcpus(struct cap_perf *p, uint64_t off, uint64_t size)
{
	uint8_t buf[8];
	if (size < 8)
		return cap_perf_fail(p, off, "CPU count feature of %llu bytes, expected 8 (corrupt)",
				     (unsigned long long)size);
	if (perf_pread(p, buf, 8, off))
		return -1;
	/* perf writes the CPUs present first, then those online. */
	uint32_t avail = cap_rd32(buf), online = cap_rd32(buf + 4);
	uint32_t n = avail ? avail : online;
	if (n > CAP_PERF_MAX_CPUS)
		return cap_perf_fail(p, off, "implausible CPU count %u (corrupt)", n);
	p->nr_cpus = n;
	return 0;
}

/* Feature bit B of header H: a bitmap of native u64 words from offset 72. */
static bool perf_feat_bit(const uint8_t *h, int b)
{
	return (cap_rd64(h + 72 + 8 * (b / 64)) >> (b % 64)) & 1;
}

/* perf's name of feature bit B (perf.data-file-format.txt), for messages. */
static const char *perf_feat_name(int b)
{
	static const char *const names[] = {
		"reserved", "tracing data", "build ids", "hostname", "os release", "perf version", "arch",
		"CPU count", "CPU description", "CPU id", "total memory", "command line", "event description",
		"CPU topology", "NUMA topology", "branch stack", "PMU mappings", "group description", "auxtrace",
		"stat", "cache", "sample time", "memory topology", "clock id", "directory format",
		"BPF program info", "BPF BTF", "compression", "CPU PMU caps", "clock data", "hybrid topology",
		"PMU caps",
	};
	return b < (int)(sizeof(names) / sizeof(names[0])) ? names[b] : "unknown feature";
}

/*
 * The feature table after the data section: every feature's section must
 * lie inside the file (a file cut inside one it does not read is still a
 * cut file, and was imported without a word), then the features this
 * reader needs.
 */
static int perf_read_features(struct cap_perf *p, const uint8_t *h)
{
	uint64_t table = p->data_off + p->data_size, nfeat = 0;
	for (int b = 0; b < FEAT_BITS; b++)
		nfeat += perf_feat_bit(h, b);
	if (perf_section(p, table, nfeat * 16, 72, "the feature table"))
		return -1;
	uint8_t *t = malloc(nfeat ? (size_t)nfeat * 16 : 1);
	if (!t)
		return cap_perf_fail(p, table, "out of memory reading the feature table");
	int rc = perf_pread(p, t, (size_t)nfeat * 16, table);
	for (int b = 0, i = 0; !rc && b < FEAT_BITS; b++) {
		if (!perf_feat_bit(h, b))
			continue;
		char what[64];
		uint64_t at = table + 16 * (uint64_t)i, off = cap_rd64(t + 16 * i), size = cap_rd64(t + 16 * i + 8);
		i++;
		snprintf(what, sizeof(what), "feature section %d (%s)", b, perf_feat_name(b));
		rc = perf_section(p, off, size, at, what);
		if (!rc && b == FEAT_TRACING_DATA)
			rc = perf_feat_tracing(p, off, size);
		else if (!rc && b == FEAT_OSRELEASE)
			rc = perf_feat_string(p, off, size, p->osrelease, sizeof(p->osrelease));
		else if (!rc && b == FEAT_NRCPUS)
			rc = perf_feat_nrcpus(p, off, size);
	}
	free(t);
	if (rc)
		return -1;
	if (!p->tep)
		return cap_perf_fail(p, 72, "no tracing data: the file holds no tracepoint events "
				     "(record with 'perf record -e kmem:kmalloc ...')");
	return 0;
}

/* Header, attrs and features: everything before the data. */
static int perf_read_head(struct cap_perf *p)
{
	uint8_t h[PERF_HEADER_SIZE];
	struct stat st;
	p->fd = open(p->file, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0)
		return cap_perf_fail(p, 0, "cannot open: %s", strerror(errno));
	if (fstat(p->fd, &st))
		return cap_perf_fail(p, 0, "cannot stat: %s", strerror(errno));
	p->file_size = (uint64_t)st.st_size;
	size_t n = p->file_size < sizeof(h) ? (size_t)p->file_size : sizeof(h);
	if (perf_pread(p, h, n, 0) || perf_check_magic(p, h, n))
		return -1;
	p->data_off = cap_rd64(h + 40);
	p->data_size = cap_rd64(h + 48);
	if (perf_section(p, p->data_off, p->data_size, 40, "the data section"))
		return -1;
	return perf_read_attrs(p, h) || perf_read_features(p, h) ? -1 : 0;
}

/*
 * Where a raw record keeps its event type.  Reading it directly when the
 * recorded kernel has our byte order saves a library call per sample.
 */
static void perf_type_field(struct cap_perf *p)
{
	struct tep_event *e = tep_get_first_event(p->tep);
	struct tep_format_field *f = e ? tep_find_common_field(e, "common_type") : NULL;
	p->type_size = 0;
	if (f && (f->size == 2 || f->size == 4) && f->offset >= 0 && f->offset + f->size <= 8 &&
	    tep_is_file_bigendian(p->tep) == tep_is_local_bigendian(p->tep)) {
		p->type_off = f->offset;
		p->type_size = f->size;
	}
}

void cap_perf_load_kallsyms(struct cap_perf *p)
{
	if (!p->want_kallsyms || p->kallsyms_done)
		return;
	p->kallsyms_done = true;
	p->ksyms = cap_ksyms_load("/proc/kallsyms");
	if (!p->ksyms)
		return;
	/*
	 * The same release can be a different boot: with KASLR its symbols
	 * moved, and names from now would be wrong names, worse than none.
	 * The kernel's mmap record says where the recording's kernel was; zero
	 * addresses mean kptr_restrict hides them from us.
	 */
	uint64_t now = cap_ksyms_addr(p->ksyms, p->kref[0] ? p->kref : "_text");
	if (now != 0 && (!p->kref[0] || now == p->kref_addr)) {
		cap_ksyms_attach(p->ksyms, p->tep);
		p->sink.ksyms = p->ksyms; /* the sink is open: records are arriving */
	}
}

/*
 * Every recorded tracepoint must have its format, and every one the sink
 * decodes must have bound: a format damaged past use would otherwise drop
 * that event's records without a word.
 */
static int perf_check_events(struct cap_perf *p)
{
	for (size_t i = 0; i < p->nattrs; i++) {
		const struct cap_perf_attr *a = &p->attrs[i];
		uint64_t at = p->attrs_off + i * p->attr_size + 8;
		if (a->type != PERF_TYPE_TRACEPOINT || !(a->sample_type & PERF_SAMPLE_RAW))
			continue;
		struct tep_event *e = a->config <= INT32_MAX ? tep_find_event(p->tep, (int)a->config) : NULL;
		if (!e)
			return cap_perf_fail(p, at, "tracepoint %llu was recorded but the tracing data has no format for it (corrupt)",
					     (unsigned long long)a->config);
		if (!cap_sink_usable(&p->sink, e))
			return cap_perf_fail(p, at, "the format of %s:%s lacks a field it needs (corrupt, or a kernel this build does not know)",
					     e->system, e->name);
	}
	return 0;
}

/* The trace's metadata, then the sink. */
static int perf_open_sink(struct cap_perf *p, const char *out)
{
	struct utsname u;
	perf_type_field(p);
	if (!cap_tp_known(p->tep))
		return cap_perf_fail(p, p->tdata_off, "no allocator tracepoint among the recorded events "
				     "(see 'mmreplay help import')");
	if (p->want_kallsyms && (!p->osrelease[0] || uname(&u) || strcmp(u.release, p->osrelease)))
		p->want_kallsyms = false;
	/* Without a CPU count (no HEADER_NRCPUS) every lost event is counted on CPU 0. */
	if (!p->nr_cpus) {
		p->nr_cpus = 1;
		p->fold_lost = true;
	}
	struct mmr_meta meta = {
		.kernel_release = p->osrelease, .clock = "perf", .source = "import perf.data",
		.nr_cpus = p->nr_cpus,
	};
	p->lost = calloc(p->nr_cpus, sizeof(*p->lost));
	p->lost_samples = calloc(p->nr_cpus, sizeof(*p->lost_samples));
	if (!p->lost || !p->lost_samples || mmr_idmap_init(&p->id_cpu, 256))
		return cap_perf_fail(p, 0, "out of memory");
	if (cap_sink_open(&p->sink, out, &meta, p->tep, MMR_CAP_ALL, p->err))
		return -1;
	/*
	 * perf never records ftrace's kernel_stack: its stacks come as call
	 * chains with the sample.  No begin waits for one, so the sink's
	 * events stay in step with perf's rounds.
	 */
	p->sink.stack_id = -1;
	p->sink_open = true;
	return perf_check_events(p);
}

/*
 * Close the trace with the lost counts.  perf (6.0 on) writes both the
 * ring buffer's PERF_RECORD_LOST and, at the end, each event's own count
 * as PERF_RECORD_LOST_SAMPLES: two views of the same drops, so a CPU's
 * lost count is the larger of the two, not their sum.
 */
static int perf_close_sink(struct cap_perf *p, const char *out, struct mmr_import_summary *sum)
{
	uint32_t n = p->nr_cpus;
	for (uint32_t c = 0; c < n; c++) {
		if (p->lost_samples[c] > p->lost[c])
			p->lost[c] = p->lost_samples[c];
		sum->lost += p->lost[c];
	}
	sum->records = p->records;
	sum->events = p->sink.events;
	memcpy(sum->by_family, p->sink.by_family, sizeof(sum->by_family));
	sum->out_of_order = cap_merge_out_of_order(p->sink.merge);
	p->sink_open = false;
	if (cap_sink_close(&p->sink, p->lost, n, p->err) == 0)
		return 0;
	/* The sink is gone; what it left behind is not a trace. */
	struct stat st;
	if (lstat(out, &st) == 0 && S_ISREG(st.st_mode))
		unlink(out);
	return -1;
}

int cap_import_perf(const char *in, const char *out, struct mmr_import_summary *sum,
		    struct mmr_error *err)
{
	struct cap_perf p = {.file = in, .fd = -1, .err = err};
	memset(sum, 0, sizeof(*sum));
	sum->type = MMR_IMPORT_PERF;
	int rc = perf_read_head(&p);
	if (!rc)
		rc = perf_open_sink(&p, out);
	if (!rc)
		rc = cap_perf_read_data(&p);
	if (!rc)
		rc = perf_close_sink(&p, out, sum);
	if (p.sink_open)
		cap_sink_abort(&p.sink);
	struct stat st;
	if (!rc && stat(out, &st) == 0)
		sum->file_bytes = (uint64_t)st.st_size;
	if (rc)
		memset(sum->by_family, 0, sizeof(sum->by_family));
	cap_perf_data_free(&p);
	free(p.attrs);
	free(p.lost);
	free(p.lost_samples);
	mmr_idmap_destroy(&p.id_attr);
	mmr_idmap_destroy(&p.id_cpu);
	if (p.tep)
		tep_free(p.tep);
	cap_ksyms_free(p.ksyms); /* after the tep handle that resolves through it */
	if (p.fd >= 0)
		close(p.fd);
	return rc ? -1 : 0;
}
