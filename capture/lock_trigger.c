/* SPDX-License-Identifier: MIT */
/*
 * lock_trigger.c - spreading the capture's kernel stacks over the locks.
 *
 * A stacktrace:N trigger on lock:contention_begin spends its N stacks on
 * the first N waits, which on a busy machine are nearly all on the hottest
 * lock: the locks that contend later, or less, stay without a caller and
 * so without a name.  One stack names a lock, so each time a lock gets its
 * name the trigger is put back with a filter that leaves that lock's
 * address out, and the count it had left: the stacks go to locks not yet
 * named, and never more than N in all.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "cap_internal.h"

int cap_lock_trigger_text(char *buf, size_t n, unsigned count, const uint64_t *skip, size_t nskip)
{
	int len = snprintf(buf, n, "stacktrace:%u", count);
	for (size_t i = 0; len >= 0 && (size_t)len < n && i < nskip; i++)
		len += snprintf(buf + len, n - (size_t)len, "%s lock_addr != 0x%" PRIx64, i ? " &&" : " if", skip[i]);
	return len >= 0 && (size_t)len < n ? 0 : -1;
}

unsigned cap_lock_trigger_left(const char *text)
{
	/* The kernel lists a counted trigger as "stacktrace:count=K ..." (K left), an uncounted one as "unlimited". */
	const char *p = text ? strstr(text, "stacktrace:count=") : NULL;
	if (!p)
		return UINT_MAX;
	char *end;
	errno = 0;
	unsigned long k = strtoul(p + strlen("stacktrace:count="), &end, 10);
	return errno || end == p + strlen("stacktrace:count=") || k >= UINT_MAX ? UINT_MAX : (unsigned)k;
}

int cap_lock_trigger_rearm(struct tracefs_instance *inst, const uint64_t *skip, size_t nskip, FILE *log)
{
	char *now = tracefs_event_file_read(inst, "lock", "contention_begin", "trigger", NULL);
	unsigned left = cap_lock_trigger_left(now);
	free(now);
	if (left == 0)
		return 1;
	char text[CAP_NAMED_LOCKS * 40 + 64];
	if (left == UINT_MAX || cap_lock_trigger_text(text, sizeof(text), left, skip, nskip))
		return 1;
	/* A trigger is replaced by removing it ("!" and its name) and writing the new one. */
	if (tracefs_event_file_write(inst, "lock", "contention_begin", "trigger", "!stacktrace") < 0 ||
	    tracefs_event_file_write(inst, "lock", "contention_begin", "trigger", text) < 0) {
		fprintf(log, "mmreplay capture: warning: the kernel refused the trigger '%s' on lock:contention_begin: "
			     "%s; no more lock stacks are taken\n", text, errno ? strerror(errno) : "unknown error");
		return -1;
	}
	return 0;
}
