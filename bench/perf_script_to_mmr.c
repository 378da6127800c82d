/* SPDX-License-Identifier: MIT */
/*
 * perf_script_to_mmr.c - turn `perf script` text of kmem events into a
 * .mmr trace, so the format's size can be measured on a real allocation
 * trace before the perf.data importer exists.  A benchmark aid, not the
 * importer: it reads only what `perf script --ns -F
 * comm,pid,cpu,time,event,trace` prints for kmem:kmalloc, kmem:kfree,
 * kmem:kmem_cache_alloc, kmem:kmem_cache_free, kmem:mm_page_alloc and
 * kmem:mm_page_free.  perf prints call sites as symbols and gfp flags as
 * names; both are interned to small numbers (symbols named in the trace's
 * string table), which is close to what raw fields cost.
 *
 *   perf_script_to_mmr IN.txt OUT.mmr
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmr_trace.h"

#define MAX_NAMES 65536

struct intern {
	char *names[MAX_NAMES];
	size_t n;
};

/* Index of S in T, adding it; linear in the number of distinct names, which is small. */
static size_t intern(struct intern *t, const char *s, size_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->names[i]) == len && memcmp(t->names[i], s, len) == 0)
			return i;
	if (t->n == MAX_NAMES) {
		fprintf(stderr, "perf_script_to_mmr: more than %d distinct names\n", MAX_NAMES);
		exit(1);
	}
	t->names[t->n] = strndup(s, len);
	return t->n++;
}

/* Value of " KEY=" in LINE, its length in *LEN; NULL when absent. */
static const char *field(const char *line, const char *key, size_t *len)
{
	char pat[32];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	*len = strcspn(p, " \n");
	return p;
}

static uint64_t num(const char *line, const char *key)
{
	size_t len;
	const char *p = field(line, key, &len);
	return p ? strtoull(p, NULL, 0) : 0;
}

static struct intern sites, gfps, comms;

static int parse(const char *line, struct mmr_event *e, struct mmr_writer *w)
{
	struct mmr_error err;
	const char *br = strstr(line, " [");
	const char *ev = br ? strstr(br, " kmem:") : NULL;
	if (!ev)
		return 0;
	const char *pidp = br;
	while (pidp > line && pidp[-1] != ' ')
		pidp--;
	*e = (struct mmr_event){.node = -1};
	e->pid = atoi(pidp);
	e->cpu = (uint32_t)strtoul(br + 2, NULL, 10);
	const char *tp = strchr(br, ']') + 1;
	char *dot;
	e->ts_ns = strtoull(tp, &dot, 10) * 1000000000ull + strtoull(dot + 1, NULL, 10);
	const char *comm = line;
	while (*comm == ' ')
		comm++;
	size_t before = comms.n, ci = intern(&comms, comm, (size_t)(pidp - 1 - comm));
	if (comms.n != before)
		mmr_writer_add_comm(w, e->pid, comms.names[ci], &err);

	const char *name = ev + 6;
	size_t len;
	const char *site = field(ev, "call_site", &len);
	if (site) {
		before = sites.n;
		size_t si = intern(&sites, site, len);
		e->call_site = 0xffffffff81000000ull + si * 0x40;
		if (sites.n != before)
			mmr_writer_add_symbol(w, e->call_site, sites.names[si], &err);
	}
	const char *gfp = field(ev, "gfp_flags", &len);
	if (gfp)
		e->gfp = (uint32_t)intern(&gfps, gfp, len) + 1;
	bool cache = strncmp(name, "kmem_cache_", 11) == 0;
	e->flags = cache ? MMR_EF_CACHE : 0;
	if (strncmp(name, "kmalloc:", 8) == 0 || strncmp(name, "kmem_cache_alloc:", 17) == 0) {
		e->family = MMR_FAM_SLAB;
		e->op = MMR_OP_ALLOC;
		e->id = num(ev, "ptr");
		e->bytes_req = num(ev, "bytes_req");
		e->bytes_alloc = num(ev, "bytes_alloc");
		e->node = (int32_t)strtol(field(ev, "node", &len) ? field(ev, "node", &len) : "-1",
					  NULL, 10);
	} else if (strncmp(name, "kfree:", 6) == 0 || strncmp(name, "kmem_cache_free:", 16) == 0) {
		e->family = MMR_FAM_SLAB;
		e->op = MMR_OP_FREE;
		e->id = num(ev, "ptr");
	} else if (strncmp(name, "mm_page_alloc:", 14) == 0 || strncmp(name, "mm_page_free:", 13) == 0) {
		e->family = MMR_FAM_PAGE;
		e->op = name[8] == 'a' ? MMR_OP_ALLOC : MMR_OP_FREE;
		e->id = num(ev, "pfn");
		e->order = (uint8_t)num(ev, "order");
		if (e->op == MMR_OP_ALLOC)
			e->bytes_req = e->bytes_alloc = 4096ull << e->order;
	} else {
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: perf_script_to_mmr IN.txt OUT.mmr\n");
		return 2;
	}
	FILE *in = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	struct mmr_error err;
	struct mmr_meta meta = {.kernel_release = "", .clock = "perf", .source = "perf script",
				.nr_cpus = 2};
	struct mmr_writer *w = mmr_writer_open(argv[2], &meta, NULL, &err);
	if (!w) {
		fprintf(stderr, "perf_script_to_mmr: %s\n", err.msg);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	uint64_t skipped = 0;
	struct mmr_event e;
	while (getline(&line, &cap, in) > 0) {
		if (!parse(line, &e, w))
			skipped++;
		else if (mmr_writer_write(w, &e, &err))
			break;
	}
	uint64_t n = mmr_writer_events(w);
	if (mmr_writer_close(w, &err)) {
		fprintf(stderr, "perf_script_to_mmr: %s\n", err.msg);
		return 1;
	}
	fprintf(stderr, "%llu events, %llu lines skipped\n", (unsigned long long)n,
		(unsigned long long)skipped);
	free(line);
	return 0;
}
