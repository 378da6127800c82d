/* SPDX-License-Identifier: MIT */
/*
 * sink.c - where every source's raw tracepoint records go: decoded with
 * the recorded kernel's formats, call sites named, ordered by timestamp,
 * written.  One sink serves live capture and both importers, which is
 * what makes the same tracepoints give the same events from any of them.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "cap_internal.h"

/*
 * ftrace's kernel_stack, when TEP has its format and it has what a stack
 * needs (an int size, then the caller array): the stacks a trigger takes
 * at lock:contention_begin.
 */
static void bind_stack(struct cap_sink *s)
{
	s->stack_id = -1;
	struct tep_event *e = tep_find_event_by_name(s->tep, "ftrace", "kernel_stack");
	if (!e || e->id < 0 || e->id >= (int)CAP_EVENT_IDS || s->slot[e->id])
		return;
	struct tep_format_field *size = tep_find_field(e, "size");
	struct tep_format_field *caller = tep_find_field(e, "caller");
	if (!size || !caller || size->size != 4 || size->offset < 0 || caller->offset < size->offset + 4)
		return;
	s->stack_size = size;
	s->stack_caller = caller;
	s->ev_stack_min = (size_t)caller->offset;
	s->stack_id = e->id;
}

/*
 * Where E's common type and pid lie, to read them without a library call
 * per record when the recorded kernel has our byte order.  Left unset
 * (libtraceevent reads them) when they are not where every kernel puts
 * them, in the record's first 8 bytes.
 */
static void bind_common(struct cap_sink *s, struct tep_event *e)
{
	struct tep_format_field *type = tep_find_common_field(e, "common_type");
	struct tep_format_field *pid = tep_find_common_field(e, "common_pid");
	if (!type || !pid || type->offset < 0 || type->offset + type->size > 8 || type->size < 1 ||
	    type->size > 4 || pid->offset < 0 || pid->offset + pid->size > 8 || pid->size != 4)
		return;
	s->common_type = (struct cap_field_at){(uint16_t)type->offset, (uint8_t)type->size, false};
	s->common_pid = (struct cap_field_at){(uint16_t)pid->offset, 4, true};
	s->native = tep_is_file_bigendian(s->tep) == tep_is_local_bigendian(s->tep);
}

/* Bind every capture tracepoint of FAMILIES that TEP knows. */
static int bind_events(struct cap_sink *s, unsigned families, struct mmr_error *err)
{
	s->ev = calloc(cap_tp_count(), sizeof(*s->ev));
	s->slot = calloc(CAP_EVENT_IDS, sizeof(*s->slot));
	if (!s->ev || !s->slot || mmr_idmap_init(&s->named, 1024))
		goto oom;
	for (size_t i = 0; i < cap_tp_count(); i++) {
		const struct cap_tp *tp = cap_tp_get(i);
		if (!(families & (1u << tp->pub.family)))
			continue;
		struct tep_event *e = tep_find_event_by_name(s->tep, tp->pub.system, tp->pub.event);
		if (!e || e->id < 0 || e->id >= (int)CAP_EVENT_IDS || cap_event_bind(&s->ev[s->nev], tp, e))
			continue;
		s->slot[e->id] = (uint8_t)++s->nev;
		if (s->nev == 1)
			bind_common(s, e);
	}
	bind_stack(s);
	if (s->nev == 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "no allocator tracepoint of the chosen families in the event formats");
		return -1;
	}
	return 0;
oom:
	snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
	return -1;
}

/*
 * zstd at level 1, where the writer's default is 3: compression is on the
 * live capture's hot path, and level 1 took 7% less of its CPU for 15%
 * more bytes per event (0.94 against 0.82, BENCHMARKS.md).  Importers
 * share the sink and so the level; a file is still a hundredth of perf's.
 */
static const struct mmr_writer_opts cap_writer_opts = {.zstd_level = 1};

/* Remove OUT when it is a regular file (never what a symlink was swapped for, say /dev/null). */
static void remove_output(const char *out)
{
	struct stat st;
	if (lstat(out, &st) == 0 && S_ISREG(st.st_mode))
		unlink(out);
}

static void sink_release(struct cap_sink *s)
{
	cap_merge_free(s->merge);
	free(s->slot);
	s->slot = NULL;
	mmr_idmap_destroy(&s->named);
	free(s->ev);
	free(s->pend);
	s->pend = NULL;
	s->npend = 0;
	s->merge = NULL;
	s->ev = NULL;
}

int cap_sink_open(struct cap_sink *s, const char *out, const struct mmr_meta *meta,
		  struct tep_handle *tep, unsigned families, struct mmr_error *err)
{
	memset(s, 0, sizeof(*s));
	s->tep = tep;
	s->out_path = out;
	if (bind_events(s, families, err))
		goto fail;
	s->w = mmr_writer_open(out, meta, &cap_writer_opts, err);
	if (!s->w) {
		remove_output(out); /* created, perhaps with part of a header, before the failure */
		goto fail;
	}
	s->merge = cap_merge_new(s->w);
	if (!s->merge) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		mmr_writer_close(s->w, &(struct mmr_error){{0}});
		remove_output(out);
		goto fail;
	}
	return 0;
fail:
	sink_release(s);
	return -1;
}

bool cap_sink_usable(const struct cap_sink *s, const struct tep_event *e)
{
	if (!cap_tp_find(e->system, e->name))
		return true;
	return e->id >= 0 && e->id < (int)CAP_EVENT_IDS && s->slot[e->id] != 0;
}

/* Whether ADDR is seen for the first time (1, now marked), was seen (0), or -1 (ERR) when out of memory. */
static int first_sight(struct cap_sink *s, uint64_t addr, struct mmr_error *err)
{
	if (mmr_idmap_get(&s->named, addr))
		return 0;
	if (mmr_idmap_put(&s->named, addr, 1)) {
		snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
		return -1;
	}
	return 1;
}

/* Name ADDR in the trace the first time it is seen, when the kernel's symbols are known. */
static int name_site(struct cap_sink *s, uint64_t addr, struct mmr_error *err)
{
	int first = first_sight(s, addr, err);
	if (first <= 0)
		return first;
	const char *fn = tep_find_function(s->tep, addr);
	if (!fn)
		return 0;
	char name[256];
	snprintf(name, sizeof(name), "%s+0x%" PRIx64, fn,
		 addr - (uint64_t)tep_find_function_address(s->tep, addr));
	return mmr_writer_add_symbol(s->w, addr, name, err);
}

/*
 * Name lock ADDR the first time it is seen, when a static variable starts
 * exactly there (free_vmap_area_lock).  A lock inside a heap object or a
 * bigger variable stays an address: the nearest symbol below it is not its
 * name.
 */
static int name_lock(struct cap_sink *s, uint64_t addr, struct mmr_error *err)
{
	int first = first_sight(s, addr, err);
	if (first <= 0)
		return first;
	const char *name = NULL;
	if (s->ksyms) {
		name = cap_ksyms_data_at(s->ksyms, addr);
	} else if ((uint64_t)tep_find_function_address(s->tep, addr) == addr) {
		/* A trace.dat's own kallsyms, data symbols included, parsed by libtraceevent. */
		name = tep_find_function(s->tep, addr);
	}
	return name ? mmr_writer_add_symbol(s->w, addr, name, err) : 0;
}

/* A begin held on one CPU until the next record there says whether its stack follows. */
struct cap_pend {
	bool held;
	struct mmr_event ev;
};

/* Name what EV points at in the trace being written.  Returns 0, or -1 (ERR). */
static int name_event(struct cap_sink *s, const struct mmr_event *ev, struct mmr_error *err)
{
	if (ev->call_site && name_site(s, ev->call_site, err))
		return -1;
	if (ev->family == MMR_FAM_LOCK && ev->id && name_lock(s, ev->id, err))
		return -1;
	return 0;
}

/* Name what EV points at and hold it for ordering.  Returns 0, or -1 (ERR). */
static int emit(struct cap_sink *s, const struct mmr_event *ev, struct mmr_error *err)
{
	if (name_event(s, ev, err))
		return -1;
	if (cap_merge_push(s->merge, ev, err))
		return -1;
	s->by_family[ev->family]++;
	s->events++;
	return 0;
}

/* Write the begin held on CPU, if any, as it is.  Returns 0, or -1 (ERR). */
static int release(struct cap_sink *s, uint32_t cpu, struct mmr_error *err)
{
	if (cpu >= s->npend || !s->pend[cpu].held)
		return 0;
	s->pend[cpu].held = false;
	return emit(s, &s->pend[cpu].ev, err);
}

/* Hold begin EV on its CPU.  Returns 0, or -1 (ERR) when out of memory. */
static int hold(struct cap_sink *s, const struct mmr_event *ev, struct mmr_error *err)
{
	if (ev->cpu >= s->npend) {
		size_t n = (size_t)ev->cpu + 1 > s->npend * 2 ? (size_t)ev->cpu + 1 : s->npend * 2;
		struct cap_pend *p = realloc(s->pend, n * sizeof(*p));
		if (!p) {
			snprintf(err->msg, sizeof(err->msg), "capture: out of memory");
			return -1;
		}
		memset(p + s->npend, 0, (n - s->npend) * sizeof(*p));
		s->pend = p;
		s->npend = n;
	}
	s->pend[ev->cpu] = (struct cap_pend){true, *ev};
	return 0;
}

static const char *frame_name(void *ctx, uint64_t addr)
{
	return tep_find_function(ctx, addr);
}

/* Give begin EV the caller found in CHAIN and the stacked flag. */
static void take_chain(struct cap_sink *s, struct mmr_event *ev, const uint64_t *chain, size_t n)
{
	ev->call_site = cap_lock_caller(chain, n, frame_name, s->tep);
	ev->flags |= MMR_EF_STACKED;
	s->stacked++;
	s->callers += ev->call_site != 0;
	if (!ev->call_site || s->nnamed_locks == CAP_NAMED_LOCKS)
		return;
	for (unsigned i = 0; i < s->nnamed_locks; i++)
		if (s->named_locks[i] == ev->id)
			return;
	s->named_locks[s->nnamed_locks++] = ev->id;
}

/*
 * A kernel_stack record on CPU from task PID: the stack of the begin held
 * there when it is that task's.  Returns 0, or -1 (ERR).
 */
static int take_stack(struct cap_sink *s, const uint8_t *data, size_t size, uint32_t cpu, int32_t pid,
		      struct mmr_error *err)
{
	s->stacks++;
	struct cap_pend *p = cpu < s->npend ? &s->pend[cpu] : NULL;
	if (!p || !p->held || p->ev.pid != pid)
		return release(s, cpu, err);
	int lsize = tep_get_long_size(s->tep) == 4 ? 4 : 8;
	size_t off = (size_t)s->stack_caller->offset;
	/* The record holds as many frames as its size field says, never more than its bytes. */
	size_t n = off < size ? (size - off) / (size_t)lsize : 0;
	uint64_t want = tep_read_number(s->tep, data + s->stack_size->offset, 4);
	if (want < n)
		n = (size_t)want;
	uint64_t frames[64];
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++)
		frames[i] = tep_read_number(s->tep, data + off + i * (size_t)lsize, lsize);
	take_chain(s, &p->ev, frames, n);
	return release(s, cpu, err);
}

int cap_sink_record(struct cap_sink *s, const void *data, size_t size, uint64_t ts, uint32_t cpu,
		    struct mmr_error *err)
{
	return cap_sink_record_chain(s, data, size, ts, cpu, NULL, 0, err);
}

int cap_sink_record_chain(struct cap_sink *s, const void *data, size_t size, uint64_t ts, uint32_t cpu,
			  const uint64_t *chain, size_t nchain, struct mmr_error *err)
{
	struct tep_record rec = {.ts = ts, .data = (void *)data, .size = (int)size, .cpu = (int)cpu};
	s->records++;
	/* The common fields (type, flags, preempt count, pid) take the first 8 bytes. */
	if (size < 8 || size > INT32_MAX) {
		s->malformed++;
		return 0;
	}
	const uint8_t *raw = data;
	int type = s->native ? (int)cap_read_native(raw + s->common_type.offset, s->common_type.size)
			     : tep_data_type(s->tep, &rec);
	int32_t pid = s->native ? (int32_t)cap_read_native(raw + s->common_pid.offset, 4)
				: tep_data_pid(s->tep, &rec);
	if (s->stack_id >= 0 && type == s->stack_id && size >= s->ev_stack_min)
		return take_stack(s, data, size, cpu, pid, err);
	/* Anything else on this CPU means the begin held there got no stack. */
	if (release(s, cpu, err))
		return -1;
	if (type < 0 || type >= (int)CAP_EVENT_IDS || !s->slot[type])
		return 0;
	const struct cap_event *ce = &s->ev[s->slot[type] - 1];
	if (size < ce->min_size) {
		s->malformed++;
		return 0;
	}
	struct mmr_event ev = {.ts_ns = ts, .cpu = cpu, .node = -1};
	ev.pid = pid;
	if (!ce->tp->decode(ce, data, &ev))
		return 0;
	ev.flags |= ce->tp->flags;
	bool begin = ev.family == MMR_FAM_LOCK && ev.op == MMR_OP_CONTENTION_BEGIN;
	if (begin && chain) {
		s->stacks++;
		take_chain(s, &ev, chain, nchain);
	} else if (begin && s->stack_id >= 0) {
		return hold(s, &ev, err);
	}
	return emit(s, &ev, err);
}

int cap_sink_flush(struct cap_sink *s, uint64_t until, struct mmr_error *err)
{
	/* A begin older than UNTIL had its stack written long before (UNTIL trails by the margin). */
	for (size_t c = 0; c < s->npend; c++)
		if (s->pend[c].held && (s->pend[c].ev.ts_ns < until || until == UINT64_MAX) &&
		    release(s, (uint32_t)c, err))
			return -1;
	if (cap_merge_flush(s->merge, until, err) == 0)
		return 0;
	s->write_failed = true;
	return -1;
}

int cap_sink_comm(struct cap_sink *s, int32_t pid, const char *comm, struct mmr_error *err)
{
	return mmr_writer_add_comm(s->w, pid, comm, err);
}

struct rename_ctx {
	struct cap_sink *s;
	struct mmr_error *err;
};

static int rename_held(void *ctx, const struct mmr_event *ev)
{
	struct rename_ctx *c = ctx;
	return name_event(c->s, ev, c->err);
}

/*
 * Record LOST[cpu] for NR_CPUS CPUs (LOST may be NULL) and close the trace
 * being written.  Returns 0, or -1 (ERR, write_failed set): what a failed
 * close put down is gone, and the reader recovers the blocks before it.
 */
static int close_writer(struct cap_sink *s, const uint64_t *lost, uint32_t nr_cpus, struct mmr_error *err)
{
	int rc = 0;
	for (uint32_t c = 0; !rc && lost && c < nr_cpus; c++)
		rc = mmr_writer_set_lost(s->w, c, lost[c], err);
	struct mmr_error cerr;
	if (mmr_writer_close(s->w, &cerr)) {
		if (!rc)
			*err = cerr;
		rc = -1;
	}
	s->w = NULL;
	if (rc)
		s->write_failed = true;
	return rc;
}

int cap_sink_rotate(struct cap_sink *s, const char *out, const struct mmr_meta *meta, const uint64_t *lost,
		    uint32_t nr_cpus, struct mmr_error *err)
{
	int rc = close_writer(s, lost, nr_cpus, err);
	if (!rc && !(s->w = mmr_writer_open(out, meta, &cap_writer_opts, err))) {
		remove_output(out);
		rc = -1;
	}
	if (rc) {
		s->write_failed = true;
		return -1;
	}
	s->out_path = out;
	cap_merge_set_writer(s->merge, s->w);
	/* Each trace names what it holds: the events still held were named in the last one. */
	mmr_idmap_clear(&s->named);
	struct rename_ctx ctx = {s, err};
	if (cap_merge_each(s->merge, rename_held, &ctx)) {
		/* The new part would read as complete and empty: it goes, and the error says the last one. */
		mmr_writer_close(s->w, &(struct mmr_error){{0}});
		s->w = NULL;
		remove_output(out);
		s->write_failed = true;
		return -1;
	}
	return 0;
}

void cap_sink_cut(struct cap_sink *s)
{
	/* The writer cut the file back to its last whole block when the write failed, and writes no more. */
	if (s->w)
		mmr_writer_close(s->w, &(struct mmr_error){{0}});
	s->w = NULL;
	sink_release(s);
}

int cap_sink_close(struct cap_sink *s, const uint64_t *lost, uint32_t nr_cpus, struct mmr_error *err)
{
	if (cap_sink_flush(s, UINT64_MAX, err)) {
		cap_sink_cut(s);
		return -1;
	}
	int rc = close_writer(s, lost, nr_cpus, err);
	sink_release(s);
	return rc;
}

void cap_sink_abort(struct cap_sink *s)
{
	if (s->w) {
		mmr_writer_close(s->w, &(struct mmr_error){{0}});
		remove_output(s->out_path);
	}
	s->w = NULL;
	sink_release(s);
}
