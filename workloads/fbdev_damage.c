/* SPDX-License-Identifier: MIT */
/*
 * fbdev_damage.c - "fbdev-damage": DRM's fbdev emulation flushing console
 * damage, the one vmap caller the seed 001 dma-buf thread names.  A worker
 * on CPU 0 wakes at the display rate, vmaps the framebuffer's buffer,
 * copies the damaged area (time, no event) and vunmaps it again: the
 * frequent vmap/vunmap pairs the proposed contract says exporters must
 * optimise for.  Meanwhile client threads on every CPU export buffers,
 * attach and detach importers and let TTM move buffers between domains;
 * a move of a buffer that a vmap keeps pinned is where the variants differ.
 */
#include <stdlib.h>

#include "wl_internal.h"

enum { P_FPS, P_COPY, P_GAP, P_BUFFERS, P_ATTACH, P_MOVE, NPARAMS };

static const struct mmr_workload_param fd_params[NPARAMS] = {
	[P_FPS] = {"fps", 60, 1, 240, "damage worker rate: one vmap/vunmap pair per frame"},
	[P_COPY] = {"copy-us", 1500, 0, 1000000,
		    "time from vmap to vunmap (the copy); capped one microsecond below a frame"},
	[P_GAP] = {"client-gap-us", 500, 1, 10000000,
		   "mean time between one client thread's buffer operations"},
	[P_BUFFERS] = {"max-buffers", 16, 1, 4096, "client buffers alive at once, besides the framebuffer"},
	[P_ATTACH] = {"max-attach", 4, 1, 64, "attachments one buffer can have at once"},
	[P_MOVE] = {"move-pct", 10, 0, 100, "share of client operations that move a buffer"},
};

#define PID_WORKER 150  /* "kworker/0:1": the damage worker */
#define PID_CLIENT 9000 /* "gnome-shell": compositor threads, one per CPU */
#define FB_BYTES (1920ull * 1080 * 4) /* 1080p, 32 bpp */

enum fd_kind { K_FRAME, K_UNMAP, K_CLIENT };
enum {
	SITE_FB_ALLOC, SITE_FB_FREE, SITE_VMAP, SITE_VUNMAP, SITE_ALLOC, SITE_FREE, SITE_ATTACH,
	SITE_DETACH, SITE_MOVE, NSITES
};
enum fd_action { A_CREATE, A_ATTACH, A_DETACH, A_DESTROY, NACTIONS };

struct fd {
	uint64_t fps, copy_ns, gap_ns, max_buffers, max_attach, move_pct;
	uint64_t frame;  /* frames so far */
	int64_t fb;      /* framebuffer's buffer slot, -1 when it has none */
	uint64_t nclient; /* client buffers alive */
	struct wl_objs bufs; /* count = attachments, kind = 1 for the framebuffer */
	struct wl_objs atts; /* aux = buffer slot */
	struct wl_set live, idle, attached; /* all buffers; client buffers unattached; attachments */
	struct wl_addr buf_addr, att_addr;
	struct wl_table sizes, actions;
	uint64_t site[NSITES];
};

/* Client buffer sizes: cursors and small surfaces, 1 MiB textures, 1080p
 * and 4K 32 bpp scanout buffers. */
static const uint64_t client_sizes[] = {65536, 1048576, FB_BYTES, 3840ull * 2160 * 4};
static const uint32_t client_weights[] = {3, 2, 4, 1};
/* The mix of non-move client operations. */
static const uint32_t action_weights[NACTIONS] = {20, 30, 30, 20};

static uint64_t frame_ts(const struct fd *fd)
{
	return fd->frame * WL_NS_PER_S / fd->fps;
}

static int fd_emit(struct wl_sim *s, struct fd *fd, uint32_t cpu, int32_t pid, unsigned op,
		   uint32_t slot, uint64_t aux, unsigned site)
{
	struct mmr_event ev = wl_event(s, cpu, pid, op, fd->bufs.v[slot].id);
	ev.aux = aux;
	ev.call_site = fd->site[site];
	if (op == MMR_OP_ALLOC) {
		ev.bytes_req = ev.bytes_alloc = fd->bufs.v[slot].bytes;
		ev.gfp = WL_GFP_KERNEL;
	} else if (op == MMR_OP_VMAP || op == MMR_OP_VUNMAP) {
		ev.bytes_req = fd->bufs.v[slot].bytes;
	}
	return wl_emit(s, &ev);
}

static int fd_create(struct wl_sim *s, struct fd *fd, uint32_t cpu, bool is_fb)
{
	int64_t slot = wl_obj_new(&fd->bufs);
	if (slot < 0)
		return wl_oom(s);
	struct wl_obj *b = &fd->bufs.v[slot];
	b->id = wl_addr_get(&fd->buf_addr);
	b->bytes = is_fb ? FB_BYTES : client_sizes[wl_table_pick(&fd->sizes, &s->rng)];
	b->count = 0;
	b->kind = is_fb;
	int32_t pid = is_fb ? PID_WORKER : PID_CLIENT + (int32_t)cpu;
	int rc = fd_emit(s, fd, cpu, pid, MMR_OP_ALLOC, (uint32_t)slot, 0,
			 is_fb ? SITE_FB_ALLOC : SITE_ALLOC);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed++;
	if (is_fb)
		fd->fb = slot;
	else
		fd->nclient++;
	if (wl_set_add(&fd->live, (uint32_t)slot) || (!is_fb && wl_set_add(&fd->idle, (uint32_t)slot)))
		return wl_oom(s);
	return 0;
}

/* Free buffer SLOT, which has no attachment and no vmap. */
static int fd_destroy(struct wl_sim *s, struct fd *fd, uint32_t cpu, int32_t pid, uint32_t slot)
{
	bool is_fb = fd->bufs.v[slot].kind;
	int rc = fd_emit(s, fd, cpu, pid, MMR_OP_FREE, slot, 0, is_fb ? SITE_FB_FREE : SITE_FREE);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	if (is_fb)
		fd->fb = -1;
	else
		fd->nclient--;
	wl_set_del(&fd->live, slot);
	wl_set_del(&fd->idle, slot);
	if (wl_addr_put(&fd->buf_addr, fd->bufs.v[slot].id) || wl_obj_del(&fd->bufs, slot))
		return wl_oom(s);
	return 0;
}

/* The worker's frame: create the framebuffer first, then vmap it every frame. */
static int fd_frame(struct wl_sim *s, struct fd *fd)
{
	int rc = 0;
	if (wl_afford(s, 1)) {
		if (fd->fb < 0) {
			rc = fd_create(s, fd, 0, true);
		} else {
			rc = fd_emit(s, fd, 0, PID_WORKER, MMR_OP_VMAP, (uint32_t)fd->fb, 0, SITE_VMAP);
			if (rc)
				return rc < 0 ? -1 : 0;
			s->owed++;
			return wl_wake_at(s, s->now + fd->copy_ns, 0, K_UNMAP, 0);
		}
	} else if (fd->fb >= 0 && fd->bufs.v[fd->fb].count == 0) {
		/* Only closing events fit: the console goes away with the trace. */
		rc = fd_destroy(s, fd, 0, PID_WORKER, (uint32_t)fd->fb);
	}
	if (rc)
		return rc;
	fd->frame++;
	return wl_wake_at(s, frame_ts(fd), 0, K_FRAME, 0);
}

static int fd_unmap(struct wl_sim *s, struct fd *fd)
{
	int rc = fd_emit(s, fd, 0, PID_WORKER, MMR_OP_VUNMAP, (uint32_t)fd->fb, 0, SITE_VUNMAP);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	fd->frame++;
	return wl_wake_at(s, frame_ts(fd), 0, K_FRAME, 0);
}

static int fd_attach(struct wl_sim *s, struct fd *fd, uint32_t cpu, uint32_t bslot)
{
	int64_t a = wl_obj_new(&fd->atts);
	if (a < 0)
		return wl_oom(s);
	fd->atts.v[a].id = wl_addr_get(&fd->att_addr);
	fd->atts.v[a].aux = bslot;
	int rc = fd_emit(s, fd, cpu, PID_CLIENT + (int32_t)cpu, MMR_OP_ATTACH, bslot,
			 fd->atts.v[a].id, SITE_ATTACH);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed++;
	fd->bufs.v[bslot].count++;
	wl_set_del(&fd->idle, bslot);
	return wl_set_add(&fd->attached, (uint32_t)a) ? wl_oom(s) : 0;
}

static int fd_detach(struct wl_sim *s, struct fd *fd, uint32_t cpu)
{
	uint32_t a = wl_set_pick(&fd->attached, &s->rng);
	uint32_t bslot = (uint32_t)fd->atts.v[a].aux;
	struct wl_obj *b = &fd->bufs.v[bslot];
	int rc = fd_emit(s, fd, cpu, PID_CLIENT + (int32_t)cpu, MMR_OP_DETACH, bslot,
			 fd->atts.v[a].id, SITE_DETACH);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	wl_set_del(&fd->attached, a);
	if (--b->count == 0 && !b->kind && wl_set_add(&fd->idle, bslot))
		return wl_oom(s);
	if (wl_addr_put(&fd->att_addr, fd->atts.v[a].id) || wl_obj_del(&fd->atts, a))
		return wl_oom(s);
	return 0;
}

/* Try ACT; returns 1 when it cannot be done now (limits or budget). */
static int fd_try(struct wl_sim *s, struct fd *fd, uint32_t cpu, enum fd_action act)
{
	uint32_t b;
	switch (act) {
	case A_CREATE:
		if (fd->nclient >= fd->max_buffers || !wl_afford(s, 1))
			return 1;
		return fd_create(s, fd, cpu, false);
	case A_ATTACH:
		if (!fd->live.len || !wl_afford(s, 1))
			return 1;
		b = wl_set_pick(&fd->live, &s->rng);
		return fd->bufs.v[b].count >= fd->max_attach ? 1 : fd_attach(s, fd, cpu, b);
	case A_DETACH:
		return fd->attached.len ? fd_detach(s, fd, cpu) : 1;
	case A_DESTROY:
		if (!fd->idle.len)
			return 1;
		b = wl_set_pick(&fd->idle, &s->rng);
		return fd_destroy(s, fd, cpu, PID_CLIENT + (int32_t)cpu, b);
	case NACTIONS:
		break;
	}
	return 1;
}

static int fd_client(struct wl_sim *s, struct fd *fd, uint32_t cpu)
{
	int rc = 1;
	if (fd->live.len && wl_afford(s, 0) && wl_chance(&s->rng, fd->move_pct)) {
		uint32_t b = wl_set_pick(&fd->live, &s->rng);
		rc = fd_emit(s, fd, cpu, PID_CLIENT + (int32_t)cpu, MMR_OP_MOVE, b, 0, SITE_MOVE);
		if (rc < 0)
			return -1;
	}
	/* The drawn operation, else the next one that is possible now. */
	unsigned first = (unsigned)wl_table_pick(&fd->actions, &s->rng);
	for (unsigned i = 0; rc > 0 && i < NACTIONS; i++) {
		rc = fd_try(s, fd, cpu, (enum fd_action)((first + i) % NACTIONS));
		if (rc < 0)
			return -1;
	}
	/* Nothing possible: others still owe closing events, so wait; with
	 * nothing open anywhere, the exact event count wins. */
	if (rc > 0 && !s->owed)
		return fd_create(s, fd, cpu, false);
	return 0;
}

static int fd_step(struct wl_sim *s, void *ctx, const struct wl_wake *wk)
{
	struct fd *fd = ctx;
	int rc;
	switch (wk->kind) {
	case K_FRAME:
		return fd_frame(s, fd);
	case K_UNMAP:
		return fd_unmap(s, fd);
	default:
		rc = fd_client(s, fd, wk->cpu);
		if (rc)
			return rc;
		return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, fd->gap_ns), wk->cpu, K_CLIENT, 0);
	}
}

static const char *const fd_site_names[NSITES] = {
	[SITE_FB_ALLOC] = "drm_fbdev_generic_helper_fb_probe+0x8e",
	[SITE_FB_FREE] = "drm_client_buffer_delete+0x2f",
	[SITE_VMAP] = "drm_fb_helper_damage_work+0x8b",
	[SITE_VUNMAP] = "drm_fb_helper_damage_work+0x101",
	[SITE_ALLOC] = "drm_gem_prime_export+0x4c",
	[SITE_FREE] = "dma_buf_release+0x42",
	[SITE_ATTACH] = "drm_gem_prime_import_dev+0x55",
	[SITE_DETACH] = "drm_prime_gem_destroy+0x2c",
	[SITE_MOVE] = "ttm_bo_validate+0x9c",
};

static int fd_setup(struct wl_sim *s, struct fd *fd, const struct mmr_workload_config *cfg)
{
	fd->fps = cfg->params[P_FPS];
	uint64_t period = WL_NS_PER_S / fd->fps;
	fd->copy_ns = cfg->params[P_COPY] * WL_NS_PER_US;
	if (fd->copy_ns > period - WL_NS_PER_US)
		fd->copy_ns = period - WL_NS_PER_US;
	fd->gap_ns = cfg->params[P_GAP] * WL_NS_PER_US;
	fd->max_buffers = cfg->params[P_BUFFERS];
	fd->max_attach = cfg->params[P_ATTACH];
	fd->move_pct = cfg->params[P_MOVE];
	fd->fb = -1;
	wl_table_init(&fd->sizes, client_weights, 4);
	wl_table_init(&fd->actions, action_weights, NACTIONS);
	/* struct dma_buf and struct dma_buf_attachment are slab objects. */
	wl_addr_init(&fd->buf_addr, wl_slab_region(21), 512);
	wl_addr_init(&fd->att_addr, wl_slab_region(22), 128);
	if (wl_symbols(s, WL_KERNEL_TEXT + 0x900000, fd_site_names, NSITES, fd->site) ||
	    wl_comm(s, PID_WORKER, "kworker/0:1") || wl_comms(s, PID_CLIENT, "gnome-shell"))
		return -1;
	if (wl_wake_at(s, 0, 0, K_FRAME, 0))
		return -1;
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++)
		if (wl_wake_at(s, 1 + wl_exp(&s->rng, fd->gap_ns), cpu, K_CLIENT, 0))
			return -1;
	return 0;
}

static int fd_generate(const struct mmr_workload_config *cfg, struct mmr_writer *w,
		       struct mmr_error *err)
{
	struct wl_sim s;
	struct fd fd = {0};
	int rc = wl_sim_init(&s, &wl_fbdev_damage, cfg, w, err);
	if (!rc)
		rc = fd_setup(&s, &fd, cfg);
	if (!rc)
		rc = wl_sim_run(&s, fd_step, &fd);
	wl_objs_free(&fd.bufs);
	wl_objs_free(&fd.atts);
	wl_set_free(&fd.live);
	wl_set_free(&fd.idle);
	wl_set_free(&fd.attached);
	wl_addr_free(&fd.buf_addr);
	wl_addr_free(&fd.att_addr);
	wl_sim_destroy(&s);
	return rc;
}

/* The fbdev-damage workload. */
const struct mmr_workload wl_fbdev_damage = {
	.name = "fbdev-damage",
	.summary = "60 Hz fbdev damage worker vmap/vunmap while clients attach, detach and move buffers",
	.mirrors = "DRM fbdev emulation damage worker + compositor importers (seed 001a: dma-buf vmap)",
	.family = MMR_FAM_DMABUF,
	.params = fd_params,
	.nparams = NPARAMS,
	.generate = fd_generate,
};
