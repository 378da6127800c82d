/* SPDX-License-Identifier: MIT */
/*
 * instance.c - the tracefs side of a live capture: finding (or mounting)
 * tracefs, a private instance named after the tool and its pid so the
 * user's own tracing is never touched, enabling the families' tracepoints
 * in it, and removing instances that a killed run left behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "cap_internal.h"

#define INSTANCE_PREFIX "mmreplay-"

const char *cap_tracefs_dir(bool write, struct mmr_error *err)
{
	/* Finds the mount point, mounting tracefs first when it is not mounted and we may. */
	errno = 0;
	const char *path = tracefs_tracing_dir();
	if (!path) {
		int e = errno;
		if (geteuid() != 0)
			snprintf(err->msg, sizeof(err->msg),
				 "tracefs is not mounted, and mounting it needs root "
				 "(mount -t tracefs nodev /sys/kernel/tracing)");
		else
			snprintf(err->msg, sizeof(err->msg),
				 "tracefs is not mounted, and mounting it on /sys/kernel/tracing failed: %s%s",
				 e ? strerror(e) : "no tracefs in this kernel?",
				 e == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return NULL;
	}
	char instances[4096];
	snprintf(instances, sizeof(instances), "%s/instances", path);
	if (!write && access(path, R_OK | X_OK) != 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot read tracefs at %.200s: %s (needs root)", path,
			 strerror(errno));
		return NULL;
	}
	if (write && access(instances, W_OK) != 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "cannot create a tracing instance in %.200s: %s (capture needs root, or "
			 "CAP_SYS_ADMIN with write access to tracefs)", instances, strerror(errno));
		return NULL;
	}
	return path;
}

/* True when PID is a live mmreplay process (so its instance is in use). */
static bool owner_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	/* Ours, before we made it: an earlier process of our pid left it (pids wrap). */
	if (pid == getpid())
		return false;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) != NULL;
	fclose(f);
	/* A recycled pid that belongs to something else does not keep the instance. */
	return ok && strncmp(comm, "mmreplay", 8) == 0;
}

static int collect_stale(const char *name, void *ctx)
{
	char ***list = ctx;
	char *end;
	if (strncmp(name, INSTANCE_PREFIX, strlen(INSTANCE_PREFIX)) != 0)
		return 0;
	long pid = strtol(name + strlen(INSTANCE_PREFIX), &end, 10);
	if (*end != '\0' || pid <= 0 || pid > INT32_MAX || owner_alive((pid_t)pid))
		return 0;
	size_t n = 0;
	while (*list && (*list)[n])
		n++;
	char **grown = realloc(*list, (n + 2) * sizeof(**list));
	if (!grown)
		return 1;
	grown[n] = strdup(name);
	grown[n + 1] = NULL;
	*list = grown;
	return 0;
}

int cap_instance_remove_stale(FILE *log)
{
	char **list = NULL;
	int removed = 0;
	tracefs_instances_walk(collect_stale, &list);
	for (size_t i = 0; list && list[i]; i++) {
		struct tracefs_instance *in = tracefs_instance_alloc(NULL, list[i]);
		if (in && tracefs_instance_destroy(in) == 0) {
			removed++;
			fprintf(log, "mmreplay capture: removed tracing instance %s left by a killed run\n",
				list[i]);
		}
		tracefs_instance_free(in);
		free(list[i]);
	}
	free(list);
	return removed;
}

int cap_instance_create(struct cap_instance *ci, struct mmr_error *err)
{
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->name, sizeof(ci->name), INSTANCE_PREFIX "%d", (int)getpid());
	ci->inst = tracefs_instance_create(ci->name);
	if (!ci->inst) {
		snprintf(err->msg, sizeof(err->msg), "cannot create tracing instance %s: %s", ci->name,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int cap_instance_destroy(struct cap_instance *ci)
{
	if (!ci->inst)
		return 0;
	tracefs_trace_off(ci->inst);
	int rc = tracefs_instance_destroy(ci->inst);
	int e = errno;
	tracefs_instance_free(ci->inst);
	ci->inst = NULL;
	errno = e;
	return rc < 0 ? -1 : 0;
}

/* Write VALUE to the instance file NAME; fill ERR on failure. */
static int set_file(struct cap_instance *ci, const char *name, const char *value,
		    struct mmr_error *err)
{
	if (tracefs_instance_file_write(ci->inst, name, value) >= 0)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "cannot set %s to '%s' in tracing instance %s: %s", name,
		 value, ci->name, strerror(errno));
	return -1;
}

int cap_instance_setup(struct cap_instance *ci, unsigned buffer_kb, pid_t pid, struct mmr_error *err)
{
	char num[32];
	tracefs_trace_off(ci->inst);
	/* mono is CLOCK_MONOTONIC, so the reader can tell how old a buffer's contents are. */
	if (set_file(ci, "trace_clock", "mono", err))
		return -1;
	/* When full, drop new events rather than overwrite unread ones (counted either way). */
	if (tracefs_option_disable(ci->inst, TRACEFS_OPTION_OVERWRITE) < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot turn off overwrite in tracing instance %s",
			 ci->name);
		return -1;
	}
	/* Wake the reader's poll when a buffer is a quarter full (kernels since 5.1). */
	if (tracefs_file_exists(ci->inst, "buffer_percent") && set_file(ci, "buffer_percent", "25", err))
		return -1;
	errno = 0;
	if (buffer_kb && tracefs_instance_set_buffer_size(ci->inst, buffer_kb, -1) < 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "the kernel refused a ring buffer of %u KiB per CPU in tracing instance %s: %s "
			 "(try a smaller --buffer-kb)", buffer_kb, ci->name,
			 errno ? strerror(errno) : "unknown error");
		return -1;
	}
	/*
	 * The capture's own reading and writing allocates too; keep it out of
	 * the trace (kernels since 5.8 have the notrace list).
	 */
	if (pid <= 0 && tracefs_file_exists(ci->inst, "set_event_notrace_pid")) {
		snprintf(num, sizeof(num), "%d", (int)getpid());
		if (set_file(ci, "set_event_notrace_pid", num, err))
			return -1;
	}
	if (pid > 0) {
		snprintf(num, sizeof(num), "%d", (int)pid);
		if (set_file(ci, "set_event_pid", num, err))
			return -1;
		/* Children forked after this point are added to the filter by the kernel. */
		if (tracefs_option_enable(ci->inst, TRACEFS_OPTION_EVENT_FORK) < 0) {
			snprintf(err->msg, sizeof(err->msg), "cannot enable event-fork in tracing instance %s",
				 ci->name);
			return -1;
		}
	}
	return 0;
}

int cap_instance_lost(struct cap_instance *ci, int cpu, uint64_t *lost)
{
	static const char *const keys[] = {"overrun:", "commit overrun:", "dropped events:"};
	char file[64];
	snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
	char *text = tracefs_instance_file_read(ci->inst, file, NULL);
	if (!text)
		return -1;
	*lost = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strncmp(line, keys[k], strlen(keys[k])) == 0)
				*lost += strtoull(line + strlen(keys[k]), NULL, 10);
	free(text);
	return 0;
}

bool cap_tracepoint_exists(const struct mmr_capture_tracepoint *tp)
{
	return tracefs_event_file_exists(NULL, tp->system, tp->event, "format");
}

int cap_instance_enable(struct cap_instance *ci, unsigned families, uint64_t *enabled, FILE *log,
			struct mmr_error *err)
{
	char missing[1024] = "";
	size_t mlen = 0;
	*enabled = 0;
	for (size_t i = 0; i < mmr_capture_tracepoint_count(); i++) {
		const struct mmr_capture_tracepoint *tp = mmr_capture_tracepoint_get(i);
		if (!(families & (1u << tp->family)))
			continue;
		if (!cap_tracepoint_exists(tp)) {
			if (!tp->optional && mlen < sizeof(missing))
				mlen += (size_t)snprintf(missing + mlen, sizeof(missing) - mlen, "%s%s:%s",
							 mlen ? ", " : "", tp->system, tp->event);
			continue;
		}
		/* The kernel has it but will not record it: a capture without it would mislead. */
		errno = 0;
		if (tracefs_event_enable(ci->inst, tp->system, tp->event) != 0) {
			snprintf(err->msg, sizeof(err->msg), "cannot enable %s:%s in tracing instance %s: %s",
				 tp->system, tp->event, ci->name, errno ? strerror(errno) : "unknown error");
			return -1;
		}
		*enabled |= 1ull << i;
	}
	if (mlen)
		fprintf(log, "mmreplay capture: warning: this kernel has no %s; those events are not recorded\n",
			missing);
	if (*enabled == 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "nothing to record: this kernel has none of the chosen families' tracepoints");
		return -1;
	}
	return 0;
}

int mmr_capture_list_events(FILE *out, struct mmr_error *err)
{
	if (!cap_tracefs_dir(false, err))
		return -1;
	fprintf(out, "%-8s %-40s %s\n", "FAMILY", "TRACEPOINT", "ON THIS KERNEL");
	for (size_t i = 0; i < mmr_capture_tracepoint_count(); i++) {
		const struct mmr_capture_tracepoint *tp = mmr_capture_tracepoint_get(i);
		char name[128];
		snprintf(name, sizeof(name), "%s:%s", tp->system, tp->event);
		fprintf(out, "%-8s %-40s %s\n", mmr_capture_family_name(tp->family), name,
			cap_tracepoint_exists(tp) ? "yes" : tp->optional ? "no (optional)" : "no");
	}
	return 0;
}
