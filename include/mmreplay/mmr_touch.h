/* SPDX-License-Identifier: MIT */
/*
 * mmr_touch.h - how much of each object a slab engine writes before
 * handing it out.  An allocator that returns cold memory (pages never
 * touched, lines not in cache) would look faster than one that returns
 * warm memory, though the caller pays the difference right after; writing
 * the object, as every real caller does, makes the engines pay it alike.
 *
 * The engine option is touch=none|ends|line|all, default ends: the first
 * and last byte, which faults in every page an object spans at its edges
 * and the cache lines it starts and ends in.
 */
#ifndef MMR_TOUCH_H
#define MMR_TOUCH_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mmr_engine.h"

enum mmr_touch {
	MMR_TOUCH_NONE, /* hand the object out as is */
	MMR_TOUCH_ENDS, /* write its first and last byte (default) */
	MMR_TOUCH_LINE, /* write its first cache line (64 bytes, or less when smaller) */
	MMR_TOUCH_ALL,  /* write every byte */
};

/* The engine parameter entry for the option, for an engine's params[]. */
#define MMR_TOUCH_PARAM MMR_OPTION("touch", "ends", "what of each object to write before handing it out: none, ends, line or all")

/*
 * Read the touch option of ENV into *T, its default the one PARAMS (the
 * engine's, holding MMR_TOUCH_PARAM) declares.  Returns 0, or -1 with ERR
 * for another value.
 */
static inline int mmr_touch_opt(const struct mmr_engine_env *env, const struct mmr_engine_param *params,
				enum mmr_touch *t, struct mmr_error *err)
{
	static const char *const names[] = {"none", "ends", "line", "all"};
	const char *v;
	if (mmr_engine_param_str(env, params, "touch", &v, err))
		return -1;
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(v, names[i]) == 0) {
			*t = (enum mmr_touch)i;
			return 0;
		}
	snprintf(err->msg, sizeof(err->msg), "engine option touch=%s: none, ends, line or all", v);
	return -1;
}

/* Write the part T says of the SIZE bytes at P. */
static inline void mmr_touch(enum mmr_touch t, void *p, uint64_t size)
{
	volatile uint8_t *b = p;
	if (!size || t == MMR_TOUCH_NONE)
		return;
	if (t == MMR_TOUCH_ALL) {
		memset(p, 0xa5, size);
		return;
	}
	if (t == MMR_TOUCH_LINE) {
		memset(p, 0xa5, size < 64 ? size : 64);
		return;
	}
	b[0] = 0xa5;
	b[size - 1] = 0xa5;
}

#endif /* MMR_TOUCH_H */
