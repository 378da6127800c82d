/* SPDX-License-Identifier: MIT */
/*
 * lock_names.c - look up docs/kernel-locks.tsv (embedded as
 * mmr_kernel_locks_tsv by the build): caller function -> kernel lock name.
 * The text is parsed once, on first use, into a table of rows; lookups
 * are a scan of the rows (a hundred or so, one lookup per lock reported).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lock_names.h"
#include "mmr_trace.h"

extern const char mmr_kernel_locks_tsv[];

enum where { WHERE_ANY, WHERE_STATIC, WHERE_DYNAMIC };

struct row {
	const char *function, *lock, *type; /* type: "any" or an mmr_lock_type_name prefix */
	enum where where;
};

static struct row *rows;
static size_t nrows;
static char *text; /* the table's copy, cut into NUL-terminated fields */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Cut LINE into up to N tab-separated fields.  Returns how many. */
static size_t split(char *line, char **f, size_t n)
{
	size_t k = 0;
	while (k < n) {
		f[k++] = line;
		char *tab = strchr(line, '\t');
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return k;
}

/* Parse the embedded table.  A line that is not a whole row is passed over (the table's test checks none is). */
static void load(void)
{
	size_t len = strlen(mmr_kernel_locks_tsv), cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += mmr_kernel_locks_tsv[i] == '\n';
	text = malloc(len + 1);
	rows = calloc(cap, sizeof(*rows));
	if (!text || !rows) {
		free(text);
		free(rows);
		text = NULL;
		rows = NULL;
		return;
	}
	memcpy(text, mmr_kernel_locks_tsv, len + 1);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *f[5];
		if (line[0] == '#' || split(line, f, 5) != 5)
			continue;
		enum where w = strcmp(f[3], "static") == 0    ? WHERE_STATIC
			       : strcmp(f[3], "dynamic") == 0 ? WHERE_DYNAMIC
							      : WHERE_ANY;
		rows[nrows++] = (struct row){f[0], f[1], f[2], w};
	}
}

size_t mmr_kernel_lock_rows(void)
{
	pthread_once(&once, load);
	return nrows;
}

bool mmr_kernel_addr_static(uint64_t addr)
{
	return addr >= 0xffffffff80000000ull;
}

/* True when row R is FUNCTION's, whose name runs LEN bytes. */
static bool is_of(const struct row *r, const char *function, size_t len)
{
	return strlen(r->function) == len && strncmp(r->function, function, len) == 0;
}

/*
 * The one lock the rows of FUNCTION that pass the filter name, or NULL.
 * CHECK_WAIT: filter by the wait's FLAGS and ADDR; otherwise every row.
 */
static const char *match(const char *function, bool check_wait, uint64_t flags, uint64_t addr)
{
	if (!function || mmr_kernel_lock_rows() == 0)
		return NULL;
	/* "__mutex_lock.constprop.0+0x1c" and "rmqueue_bulk" name functions as kallsyms does. */
	size_t len = strcspn(function, ".+");
	const char *type = mmr_lock_type_name(flags), *found = NULL;
	enum where here = mmr_kernel_addr_static(addr) ? WHERE_STATIC : WHERE_DYNAMIC;
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		if (!is_of(r, function, len))
			continue;
		if (check_wait && ((r->where != WHERE_ANY && r->where != here) ||
				   (strcmp(r->type, "any") != 0 && strncmp(type, r->type, strlen(r->type)) != 0)))
			continue;
		if (found && strcmp(found, r->lock) != 0)
			return NULL;
		found = r->lock;
	}
	return found;
}

const char *mmr_kernel_lock_of_caller(const char *function)
{
	return match(function, false, 0, 0);
}

const char *mmr_kernel_lock_of_wait(const char *function, uint64_t flags, uint64_t addr)
{
	return match(function, true, flags, addr);
}
