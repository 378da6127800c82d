/* SPDX-License-Identifier: MIT */
/*
 * event.c - names of families and ops, which ops begin or end a life, and
 * the valid range of an event's fields.
 */
#include <string.h>

#include "mmr_trace.h"

static const char *const family_names[MMR_FAM_COUNT] = {
	[MMR_FAM_SLAB] = "slab",
	[MMR_FAM_PAGE] = "page",
	[MMR_FAM_VMALLOC] = "vmalloc",
	[MMR_FAM_PERCPU] = "percpu",
	[MMR_FAM_CMA] = "cma",
	[MMR_FAM_ZSMALLOC] = "zsmalloc",
	[MMR_FAM_KVFREE_RCU] = "kvfree_rcu",
	[MMR_FAM_DMABUF] = "dmabuf",
	[MMR_FAM_DMA] = "dma",
	[MMR_FAM_LOCK] = "lock",
};

static const char *const op_names[MMR_OP_COUNT] = {
	[MMR_OP_ALLOC] = "alloc",
	[MMR_OP_FREE] = "free",
	[MMR_OP_REALLOC] = "realloc",
	[MMR_OP_MAP] = "map",
	[MMR_OP_UNMAP] = "unmap",
	[MMR_OP_RELEASE] = "release",
	[MMR_OP_RELEASE_NOWAIT] = "release_nowait",
	[MMR_OP_KVFREE_RCU] = "kvfree_rcu",
	[MMR_OP_VMAP] = "vmap",
	[MMR_OP_VUNMAP] = "vunmap",
	[MMR_OP_ATTACH] = "attach",
	[MMR_OP_DETACH] = "detach",
	[MMR_OP_MOVE] = "move",
	[MMR_OP_COMPACT] = "compact",
	[MMR_OP_PURGE] = "purge",
	[MMR_OP_ZONE_ALLOC] = "zone_alloc",
	[MMR_OP_PCP_DRAIN] = "pcp_drain",
	[MMR_OP_RCU_RECLAIM] = "rcu_reclaim",
	[MMR_OP_CONTENTION_BEGIN] = "contention_begin",
	[MMR_OP_CONTENTION_END] = "contention_end",
};

static const char *const flag_names[] = {
	"atomic", "headless", "map_write", "node", "cache", "batched", "failed", "stacked",
};

const char *mmr_event_flag_name(unsigned bit)
{
	return bit < sizeof(flag_names) / sizeof(flag_names[0]) ? flag_names[bit] : NULL;
}

const char *mmr_family_name(unsigned family)
{
	return family < MMR_FAM_COUNT ? family_names[family] : NULL;
}

const char *mmr_op_name(unsigned op)
{
	return op < MMR_OP_COUNT ? op_names[op] : NULL;
}

static int name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int mmr_family_from_name(const char *name)
{
	return name_index(family_names, MMR_FAM_COUNT, name);
}

int mmr_op_from_name(const char *name)
{
	return name_index(op_names, MMR_OP_COUNT, name);
}

const char *mmr_lock_type_name(uint64_t flags)
{
	const uint64_t rw = flags & (MMR_LCB_READ | MMR_LCB_WRITE);
	const bool r = rw == MMR_LCB_READ;
	/* One of read and write, or neither: both at once is no lock's wait. */
	if (flags >> 6 || rw == (MMR_LCB_READ | MMR_LCB_WRITE))
		return "unknown";
	/* A mutex reports SPIN too while it spins on its owner: still a mutex. */
	if (flags & MMR_LCB_MUTEX)
		return rw || (flags & (MMR_LCB_RT | MMR_LCB_PERCPU)) ? "unknown" : "mutex";
	if (flags & MMR_LCB_PERCPU)
		return !rw || (flags & (MMR_LCB_SPIN | MMR_LCB_RT)) ? "unknown" : r ? "pcpu-sem:R" : "pcpu-sem:W";
	if (flags & MMR_LCB_RT) {
		if (flags & MMR_LCB_SPIN)
			return "unknown";
		return !rw ? "rtmutex" : r ? "rwlock-rt:R" : "rwlock-rt:W";
	}
	if (flags & MMR_LCB_SPIN)
		return !rw ? "spinlock" : r ? "rwlock:R" : "rwlock:W";
	/* Sleeping locks without SPIN: rw semaphores, and the plain semaphore. */
	return !rw ? "semaphore" : r ? "rwsem:R" : "rwsem:W";
}

bool mmr_op_starts_object(unsigned op)
{
	return op == MMR_OP_ALLOC || op == MMR_OP_REALLOC;
}

bool mmr_op_ends_object(unsigned op)
{
	return op == MMR_OP_FREE || op == MMR_OP_RELEASE || op == MMR_OP_RELEASE_NOWAIT ||
	       op == MMR_OP_KVFREE_RCU;
}

#define M(op) (1u << MMR_OP_##op)

/*
 * The ops each family's tracepoints and workloads can produce.  alloc and
 * free belong to every family; the others name one family's mechanism.
 */
static const uint32_t family_ops[MMR_FAM_COUNT] = {
	[MMR_FAM_SLAB] = M(ALLOC) | M(FREE) | M(REALLOC),
	[MMR_FAM_PAGE] = M(ALLOC) | M(FREE) | M(ZONE_ALLOC) | M(PCP_DRAIN),
	[MMR_FAM_VMALLOC] = M(ALLOC) | M(FREE) | M(REALLOC) | M(PURGE),
	[MMR_FAM_PERCPU] = M(ALLOC) | M(FREE),
	[MMR_FAM_CMA] = M(ALLOC) | M(FREE) | M(RELEASE) | M(RELEASE_NOWAIT),
	[MMR_FAM_ZSMALLOC] = M(ALLOC) | M(FREE) | M(MAP) | M(UNMAP) | M(COMPACT),
	[MMR_FAM_KVFREE_RCU] = M(ALLOC) | M(FREE) | M(REALLOC) | M(KVFREE_RCU) | M(RCU_RECLAIM),
	[MMR_FAM_DMABUF] = M(ALLOC) | M(FREE) | M(VMAP) | M(VUNMAP) | M(ATTACH) | M(DETACH) | M(MOVE),
	[MMR_FAM_DMA] = M(ALLOC) | M(FREE),
	/* Not an allocator: nothing comes to life or dies, so neither alloc nor free. */
	[MMR_FAM_LOCK] = M(CONTENTION_BEGIN) | M(CONTENTION_END),
};

static const struct {
	const char *key, *name;
} invalid_names[MMR_INVALID_COUNT] = {
	[MMR_EVENT_VALID] = {NULL, "valid"},
	[MMR_INVALID_OP] = {"op", "op not of its family"},
	[MMR_INVALID_ORDER] = {"order", "order above 20"},
	[MMR_INVALID_SIZE] = {"size", "size above 1 TiB"},
	[MMR_INVALID_ALIGN] = {"align", "alignment not a power of two up to 1 TiB"},
	[MMR_INVALID_CPU] = {"cpu", "cpu 8192 or above"},
	[MMR_INVALID_NODE] = {"node", "node neither -1 nor below 1024"},
};

enum mmr_event_invalid mmr_event_check(const struct mmr_event *ev)
{
	if (ev->family >= MMR_FAM_COUNT || ev->op >= MMR_OP_COUNT || !(family_ops[ev->family] & (1u << ev->op)))
		return MMR_INVALID_OP;
	if (ev->order > MMR_MAX_ORDER)
		return MMR_INVALID_ORDER;
	if (ev->bytes_req > MMR_MAX_BYTES || ev->bytes_alloc > MMR_MAX_BYTES)
		return MMR_INVALID_SIZE;
	if (ev->family == MMR_FAM_VMALLOC && mmr_op_starts_object(ev->op) &&
	    (ev->aux > MMR_MAX_BYTES || (ev->aux & (ev->aux - 1))))
		return MMR_INVALID_ALIGN;
	if (ev->cpu >= MMR_MAX_CPUS)
		return MMR_INVALID_CPU;
	if (ev->node != -1 && (ev->node < 0 || ev->node >= MMR_MAX_NODES))
		return MMR_INVALID_NODE;
	return MMR_EVENT_VALID;
}

bool mmr_invalid_note(struct mmr_invalid_counts *c, const struct mmr_event *ev)
{
	enum mmr_event_invalid why = mmr_event_check(ev);
	if (why == MMR_EVENT_VALID)
		return true;
	/* An unknown family or op (an in-memory event) is counted under the last of each. */
	unsigned fam = ev->family < MMR_FAM_COUNT ? ev->family : MMR_FAM_COUNT - 1;
	unsigned op = ev->op < MMR_OP_COUNT ? ev->op : MMR_OP_COUNT - 1;
	c->n[why][fam][op]++;
	c->total++;
	return false;
}

bool mmr_invalid_next(const struct mmr_invalid_counts *c, size_t *pos, unsigned *why, unsigned *family,
		      unsigned *op, uint64_t *count)
{
	const size_t per_why = (size_t)MMR_FAM_COUNT * MMR_OP_COUNT, end = MMR_INVALID_COUNT * per_why;
	for (; *pos < end; (*pos)++) {
		unsigned w = (unsigned)(*pos / per_why), f = (unsigned)(*pos % per_why / MMR_OP_COUNT);
		unsigned k = (unsigned)(*pos % MMR_OP_COUNT);
		if (c->n[w][f][k]) {
			*why = w, *family = f, *op = k, *count = c->n[w][f][k];
			(*pos)++;
			return true;
		}
	}
	return false;
}

const char *mmr_event_invalid_name(unsigned why)
{
	return why < MMR_INVALID_COUNT ? invalid_names[why].name : NULL;
}

const char *mmr_event_invalid_key(unsigned why)
{
	return why < MMR_INVALID_COUNT ? invalid_names[why].key : NULL;
}

const char *mmr_tool_version(void)
{
	return "mmreplay " MMR_VERSION;
}
