/* SPDX-License-Identifier: MIT */
/*
 * loader.c - finding engine plugins: shared objects that export
 * mmr_engines[], loaded with dlopen from the build's engine directory,
 * MMREPLAY_ENGINE_PATH, or a file or directory the user names.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmr_calibrate.h"
#include "mmr_install.h"
#include "run_internal.h"

#ifndef MMR_ENGINE_DIR
#define MMR_ENGINE_DIR "engines"
#endif

struct entry {
	const struct mmr_engine_ops *ops;
	char *file;
};

struct mmr_engine_catalog {
	struct entry *v;
	size_t n, cap;
	void **handles; /* dlopen handles, closed with the catalog */
	size_t nhandles;
};

const char *mmr_engines_default_dir(void)
{
	/* An install's own engines, found from the binary (relocatable); else this build's. */
	static char installed[PATH_MAX];
	if (installed[0] || mmr_install_path(MMR_INSTALL_ENGINEDIR, installed, sizeof(installed)) == 0)
		return installed;
	return MMR_ENGINE_DIR;
}

#define STATIC_TLS_TUNABLE "glibc.rtld.optional_static_tls"

void mmr_engines_reserve_tls(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");
	if (getenv("MMR_NO_TLS_REEXEC") || (t && strstr(t, STATIC_TLS_TUNABLE)))
		return;
	char v[1024];
	int n = snprintf(v, sizeof(v), "%s%s" STATIC_TLS_TUNABLE "=4096", t ? t : "", t && *t ? ":" : "");
	if (n < 0 || (size_t)n >= sizeof(v) || setenv("GLIBC_TUNABLES", v, 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* Still here: the reserve stays as it was. */
	if (t)
		setenv("GLIBC_TUNABLES", t, 1);
	else
		unsetenv("GLIBC_TUNABLES");
}

static int add_entry(struct mmr_engine_catalog *c, const struct mmr_engine_ops *ops, const char *file)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].ops->name, ops->name) == 0)
			return 0; /* the first of a name wins: earlier directories come first */
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct entry *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	char *copy = strdup(file);
	if (!copy)
		return -1;
	c->v[c->n++] = (struct entry){ops, copy};
	return 0;
}

/* E's outcome declarations (mmr_engine.h).  Returns 0, or -1 with ERR naming the first wrong one. */
static int check_outcomes(const struct mmr_engine_ops *e, const char *file, struct mmr_error *err)
{
	size_t n = 0;
	for (const struct mmr_engine_outcome *o = e->outcomes; o && o->key; o++) {
		const char *why = ++n > MMR_OUTCOMES_MAX                   ? "is one too many (at most 32)"
				  : !o->unit                                 ? "has no unit"
				  : o->better > MMR_BETTER_FEWER               ? "has no direction MMR_BETTER_*"
				  : o->op && mmr_op_from_name(o->op) < 0       ? "names no op"
				  : o->work && !o->op                          ? "is work of no op"
				  : o->work && o->better != MMR_BETTER_MORE    ? "is work, yet more of it is not better"
				  : strlen(o->key) >= MMR_OUTCOME_KEY_MAX      ? "has a key too long"
				  : NULL;
		if (why) {
			snprintf(err->msg, sizeof(err->msg), "%s: engine '%s': outcome '%.60s' %s", file, e->name,
				 o->key, why);
			return -1;
		}
	}
	return 0;
}

/* E's cost assumptions: a source each, and a range around nothing or a real one. */
static int check_costs(const struct mmr_engine_ops *e, const char *file, struct mmr_error *err)
{
	for (const struct mmr_engine_param *p = e->params; p && p->key; p++) {
		bool cost = p->profile || p->source;
		const char *why = !cost && (p->lo || p->hi) ? "has a range and no source"
				  : cost && !(p->lo < p->hi)    ? "is a cost without a range lo < hi"
				  : p->profile && mmr_cal_key_from_name(p->profile) < 0
				  ? "takes its default from a measurement mmreplay calibrate does not make"
				  : NULL;
		if (why) {
			snprintf(err->msg, sizeof(err->msg), "%s: engine '%s': option '%.60s' %s", file, e->name,
				 p->key, why);
			return -1;
		}
	}
	return 0;
}

/* Check every engine of LIST; fill ERR for the first that is wrong. */
static int check_list(const struct mmr_engine_ops *const *list, const char *file, struct mmr_error *err)
{
	if (!list || !list[0]) {
		snprintf(err->msg, sizeof(err->msg), "%s: its %s list is empty", file, MMR_ENGINE_SYMBOL);
		return -1;
	}
	for (size_t i = 0; list[i]; i++) {
		const struct mmr_engine_ops *e = list[i];
		if (e->abi != MMR_ENGINE_ABI) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s: engine built for engine ABI %u, this mmreplay speaks ABI %u: rebuild it",
				 file, e->abi, MMR_ENGINE_ABI);
			return -1;
		}
		if (!e->name || !e->create || !e->destroy || !e->op[MMR_OP_ALLOC] || !e->families) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s: engine '%s' lacks a name, create, destroy, an alloc op or families", file,
				 e->name ? e->name : "?");
			return -1;
		}
		if (check_outcomes(e, file, err) || check_costs(e, file, err))
			return -1;
	}
	return 0;
}

int mmr_engines_add_file(struct mmr_engine_catalog *c, const char *file, struct mmr_error *err)
{
	void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err->msg, sizeof(err->msg), "%s: cannot load: %s", file, dlerror());
		return -1;
	}
	const struct mmr_engine_ops *const *list = dlsym(h, MMR_ENGINE_SYMBOL);
	if (!list) {
		snprintf(err->msg, sizeof(err->msg), "%s: no %s symbol: not an mmreplay engine", file,
			 MMR_ENGINE_SYMBOL);
		dlclose(h);
		return -1;
	}
	void **hs = realloc(c->handles, (c->nhandles + 1) * sizeof(*hs));
	if (!hs || check_list(list, file, err)) {
		if (!hs)
			snprintf(err->msg, sizeof(err->msg), "engines: out of memory");
		else
			c->handles = hs;
		dlclose(h);
		return -1;
	}
	c->handles = hs;
	c->handles[c->nhandles++] = h;
	for (size_t i = 0; list[i]; i++)
		if (add_entry(c, list[i], file)) {
			snprintf(err->msg, sizeof(err->msg), "engines: out of memory");
			return -1;
		}
	return 0;
}

static bool is_object(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every .so of DIR, in name order; failures go to WARN. */
static void load_dir(struct mmr_engine_catalog *c, const char *dir, FILE *warn)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct mmr_error err;
		if (is_object(names[i]->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (mmr_engines_add_file(c, path, &err) && warn)
				fprintf(warn, "mmreplay: warning: %s\n", err.msg);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

struct mmr_engine_catalog *mmr_engines_load(const char *path, FILE *warn)
{
	struct mmr_engine_catalog *c = calloc(1, sizeof(*c));
	char *copy = path ? strdup(path) : NULL;
	if (!c || (path && !copy)) {
		free(c);
		free(copy);
		return NULL;
	}
	char *save = NULL;
	for (char *p = copy ? strtok_r(copy, ":", &save) : NULL; p; p = strtok_r(NULL, ":", &save)) {
		struct stat st;
		struct mmr_error err;
		if (stat(p, &st) != 0) {
			/* A missing directory on the path is not an error; a named object that is not there is a typo. */
			if (is_object(p) && warn)
				fprintf(warn, "mmreplay: warning: %s: no such engine object (%s)\n", p, strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode))
			load_dir(c, p, warn);
		else if (mmr_engines_add_file(c, p, &err) && warn)
			fprintf(warn, "mmreplay: warning: %s\n", err.msg);
	}
	free(copy);
	return c;
}

void mmr_engines_free(struct mmr_engine_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].file);
	/* Objects stay loaded until exit, so a sanitizer build's leak report can still name engine code. */
	free(c->handles);
	free(c->v);
	free(c);
}

size_t mmr_engines_count(const struct mmr_engine_catalog *c)
{
	return c->n;
}

const struct mmr_engine_ops *mmr_engines_get(const struct mmr_engine_catalog *c, size_t i,
					     const char **file)
{
	if (i >= c->n)
		return NULL;
	if (file)
		*file = c->v[i].file;
	return c->v[i].ops;
}

const struct mmr_engine_ops *mmr_engines_find(const struct mmr_engine_catalog *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].ops->name, name) == 0)
			return c->v[i].ops;
	return NULL;
}

/*
 * A version "6.18" or "6.18.44" at *P into V[3] (an absent patch level 0),
 * *P moved past it.  Returns the parts read (2 or 3), or 0 when *P does
 * not start with major.minor.
 */
static int parse_version(const char **p, unsigned long v[3])
{
	char *end;
	int parts = 0;
	v[0] = v[1] = v[2] = 0;
	for (int i = 0; i < 3; i++) {
		if (i && **p != '.')
			break;
		const char *s = i ? *p + 1 : *p;
		if (*s < '0' || *s > '9')
			break;
		errno = 0;
		v[i] = strtoul(s, &end, 10);
		if (errno || v[i] > 1000000)
			return 0;
		*p = end;
		parts++;
	}
	return parts >= 2 ? parts : 0;
}

/* -1, 0 or 1 as A is below, at or above B, on the first PARTS parts. */
static int version_cmp(const unsigned long a[3], const unsigned long b[3], int parts)
{
	for (int i = 0; i < parts; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

bool mmr_engine_models_kernel(const struct mmr_engine_ops *e, const char *release)
{
	unsigned long rel[3], from[3], until[3];
	const char *r = release, *k = e ? e->kernel : NULL;
	if (!k || !r || !parse_version(&r, rel))
		return false;
	int from_parts = 0, until_parts = 0;
	if (*k != '-' && !(from_parts = parse_version(&k, from)))
		return false;
	if (*k++ != '-')
		return false;
	if (*k && !(until_parts = parse_version(&k, until)))
		return false;
	if (*k)
		return false;
	/* A bound compares on the parts it names: "-6.8" holds every 6.8.x. */
	if (from_parts && version_cmp(rel, from, from_parts) < 0)
		return false;
	return !until_parts || version_cmp(rel, until, until_parts) <= 0;
}
