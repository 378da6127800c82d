/* SPDX-License-Identifier: MIT */
/*
 * lock_caller.c - which frame of a kernel stack taken at
 * lock:contention_begin is the code that contended: the first one that is
 * neither the lock implementation (the slow paths and the lock/down
 * wrappers) nor the tracing that took the stack.  Live capture (ftrace's
 * kernel_stack events), perf.data (PERF_SAMPLE_CALLCHAIN) and trace.dat
 * all go through cap_lock_caller, so one stack gives one caller whatever
 * recorded it.  The list below is data: one row per function or prefix,
 * documented in docs/kernel-locks.md.
 */
#include <string.h>

#include "cap_internal.h"

/* A frame name to pass over: exactly NAME, or with PREFIX any name that starts with it. */
struct skip {
	const char *name;
	bool prefix;
};

static const struct skip skips[] = {
	/* the tracing that recorded the event or took the stack */
	{"trace_event_raw_event_", true}, {"perf_trace_", true}, {"perf_tp_event", true},
	{"__traceiter_", true}, {"__trace_stack", true}, {"__ftrace_trace_stack", true},
	{"stacktrace_trigger", true}, {"event_triggers_", true}, {"trace_event_buffer_", true},
	{"perf_callchain", true}, {"get_perf_callchain", false}, {"perf_prepare_sample", false},
	/* spinlocks and rwlocks */
	{"queued_spin_lock_slowpath", false}, {"native_queued_spin_lock_slowpath", false},
	{"__pv_queued_spin_lock_slowpath", false}, {"pv_queued_spin_lock_slowpath", false},
	{"queued_read_lock_slowpath", false}, {"queued_write_lock_slowpath", false},
	{"_raw_spin_lock", true}, {"_raw_read_lock", true}, {"_raw_write_lock", true},
	{"do_raw_spin_lock", false}, {"rt_spin_lock", true}, {"rt_read_lock", true}, {"rt_write_lock", true},
	/* mutexes and rtmutexes */
	{"mutex_lock", true}, {"__mutex_lock", true}, {"mutex_spin_on_owner", false},
	{"rt_mutex_", true}, {"__rt_mutex_", true}, {"rtlock_", true}, {"__rwbase_", true}, {"rwbase_", true},
	/* rw semaphores, semaphores, percpu rw semaphores */
	{"down_read", true}, {"down_write", true}, {"rwsem_down_", true}, {"__down", true},
	{"down", false}, {"down_interruptible", false}, {"down_killable", false}, {"down_timeout", false},
	{"percpu_down_", true}, {"__percpu_down_", true}, {"percpu_rwsem_wait", false},
	/* helpers that only take the lock their caller names (compaction's zone and lru locks) */
	{"compact_lock_irqsave", false},
};

/*
 * Length of NAME's function part: up to a compiler suffix (".constprop.0",
 * ".isra.0", ".part.0", ".cold") or a "+0x..." offset, which name the same
 * function.
 */
size_t cap_func_len(const char *name)
{
	return strcspn(name, ".+");
}

bool cap_lock_frame_skipped(const char *name)
{
	size_t len = cap_func_len(name);
	for (size_t i = 0; i < sizeof(skips) / sizeof(skips[0]); i++) {
		size_t sl = strlen(skips[i].name);
		if (skips[i].prefix ? len >= sl && strncmp(name, skips[i].name, sl) == 0
				    : len == sl && strncmp(name, skips[i].name, sl) == 0)
			return true;
	}
	return false;
}

uint64_t cap_lock_caller(const uint64_t *frames, size_t n, cap_frame_name_fn name, void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		/* perf's context markers sit in the top 4095 values; from a user one on, no kernel frame follows. */
		if (frames[i] == CAP_PERF_CONTEXT_USER || frames[i] == CAP_PERF_CONTEXT_GUEST_USER)
			return 0;
		if (frames[i] == 0 || frames[i] >= (uint64_t)-4095)
			continue;
		const char *fn = name(ctx, frames[i]);
		/* An unnamed frame cannot be told apart from the lock code: no caller rather than a wrong one. */
		if (!fn)
			return 0;
		if (!cap_lock_frame_skipped(fn))
			return frames[i];
	}
	return 0;
}
