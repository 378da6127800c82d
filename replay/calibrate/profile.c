/* SPDX-License-Identifier: MIT */
/*
 * profile.c - the machine's profile: the measurements by name, where the
 * profile lives, and its JSON (docs/calibrate.md).  A profile from
 * another machine, or one missing a measurement, is no basis for a
 * replay's costs: the reader says which key is missing, and the replay
 * says which machine the profile came from.  The one exception is a
 * measurement added after profiles were first written (rcu_gp_ns): a
 * profile from before it still loads, with that measurement not taken
 * and why, so the costs that take it fall back to their cited defaults.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cal_internal.h"
#include "mmr_fs.h"
#include "mmr_json.h"
#include "mmr_machine.h"

static const struct {
	const char *name, *how;
} keys[MMR_CAL_COUNT] = {
	[MMR_CAL_PAGE_COPY] = {"page_copy_ns", "memcpy of one 4 KiB page, 128 MiB copied page by page (past the caches)"},
	[MMR_CAL_PTE_MAP] = {"pte_map_ns", "mmap with MAP_POPULATE of a memfd's resident pages, per page: entries set, nothing zeroed"},
	[MMR_CAL_PTE_UNMAP] = {"pte_unmap_ns", "munmap of those pages, per page: entries cleared and the TLB flushed"},
	[MMR_CAL_TLB_SHOOTDOWN] = {"tlb_shootdown_ns", "mprotect of a written page while a thread of the process runs on another CPU (an IPI and its flush)"},
	[MMR_CAL_CACHELINE] = {"cacheline_ns", "one word written in turn by threads on two CPUs: one hand-over"},
	[MMR_CAL_FUTEX_WAKE] = {"futex_wake_ns", "the FUTEX_WAKE call that wakes a sleeping thread, on the waker's side"},
	[MMR_CAL_WAKEUP] = {"wakeup_ns", "futex ping-pong between threads on two CPUs: from a wake to the other thread running"},
	[MMR_CAL_CTX_SWITCH] = {"ctx_switch_ns", "futex ping-pong between two threads on one CPU: one switch"},
	[MMR_CAL_RCU_GP] = {"rcu_gp_ns", "membarrier(MEMBARRIER_CMD_GLOBAL), which the kernel implements as synchronize_rcu(), with /sys/kernel/rcu_expedited 0: a normal grace period of the running kernel"},
	[MMR_CAL_RCU_GP_EXP] = {"rcu_gp_exp_ns", "the same with /sys/kernel/rcu_expedited 1: an expedited grace period"},
};

/* The first measurement a profile may lack: those from here on came after profiles were first written. */
#define FIRST_OPTIONAL MMR_CAL_RCU_GP

const char *mmr_cal_key_name(unsigned k)
{
	return k < MMR_CAL_COUNT ? keys[k].name : NULL;
}

const char *mmr_cal_key_how(unsigned k)
{
	return k < MMR_CAL_COUNT ? keys[k].how : NULL;
}

int mmr_cal_key_from_name(const char *name)
{
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++)
		if (!strcmp(keys[k].name, name))
			return (int)k;
	return -1;
}

/* This machine's kernel, CPU, name and CPUs into P, and the time. */
static void machine(struct mmr_profile *p)
{
	p->rcu_expedited = -1; /* unknown until the grace-period measurement reads it */
	struct mmr_machine m;
	mmr_machine_get(&m);
	snprintf(p->kernel, sizeof(p->kernel), "%s", m.kernel);
	snprintf(p->hostname, sizeof(p->hostname), "%s", m.hostname);
	snprintf(p->cpu_model, sizeof(p->cpu_model), "%s", m.cpu_model);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	p->online_cpus = online > 0 ? (unsigned)online : 1;
	time_t now = time(NULL);
	struct tm tm;
	strftime(p->created, sizeof(p->created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
}

/* One pass over every measurement into P.  0, or -1 with ERR. */
static int pass(struct mmr_profile *p, bool quick, struct mmr_error *err)
{
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++)
		p->v[k].ns = NAN;
	if (cal_pages(p, quick, err) || cal_threads(p, quick, err))
		return -1;
	cal_rcu_gp(p, quick);
	return 0;
}

/*
 * Two whole passes, so that a measurement's two rounds are seconds apart
 * and what drifts on this machine (another guest on the host, a CPU's
 * frequency) shows in its spread; each pass's figure is already the
 * steadier of its own two rounds.
 */
int mmr_calibrate(struct mmr_profile *p, bool quick, struct mmr_error *err)
{
	static struct mmr_profile second;
	memset(p, 0, sizeof(*p));
	machine(p);
	second.online_cpus = p->online_cpus;
	if (pass(p, quick, err) || pass(&second, quick, err))
		return -1;
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++) {
		struct mmr_cal_value *v = &p->v[k];
		double a = v->ns, b = second.v[k].ns, lo = fmin(a, b), hi = fmax(a, b);
		v->rounds[0] = a;
		v->rounds[1] = b;
		v->ns = (a + b) / 2;
		v->spread_pct = lo > 0 ? (hi - lo) / lo * 100 : NAN;
		v->repeatable = v->repeatable && second.v[k].repeatable && v->spread_pct <= MMR_CAL_TOLERANCE_PCT;
	}
	return 0;
}

int mmr_profile_default_path(char *buf, size_t n, struct mmr_error *err)
{
	const char *env = getenv("MMREPLAY_PROFILE"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int len = env && *env ? snprintf(buf, n, "%s", env)
		  : xdg && *xdg ? snprintf(buf, n, "%s/mmreplay/profile.json", xdg)
		  : home && *home ? snprintf(buf, n, "%s/.cache/mmreplay/profile.json", home)
				  : -1;
	if (len < 0 || (size_t)len >= n) {
		snprintf(err->msg, sizeof(err->msg), "calibrate: no place for the profile: set MMREPLAY_PROFILE or HOME");
		return -1;
	}
	return 0;
}

char *mmr_profile_json(const struct mmr_profile *p)
{
	struct mmr_json j = {.ok = true};
	cJSON *root = mmr_json_check(&j, cJSON_CreateObject());
	if (!root)
		return NULL;
	mmr_json_u64(&j, root, "mmreplay_profile", 1);
	mmr_json_str(&j, root, "created", p->created);
	cJSON *m = mmr_json_obj(&j, root, "machine");
	mmr_json_str(&j, m, "kernel", p->kernel);
	mmr_json_str(&j, m, "cpu_model", p->cpu_model);
	mmr_json_str(&j, m, "hostname", p->hostname);
	mmr_json_u64(&j, m, "online_cpus", p->online_cpus);
	if (p->rcu_expedited >= 0)
		mmr_json_bool(&j, m, "rcu_expedited", p->rcu_expedited);
	else
		mmr_json_null(&j, m, "rcu_expedited");
	mmr_json_fixed(&j, root, "tolerance_pct", MMR_CAL_TOLERANCE_PCT, 1);
	cJSON *ms = mmr_json_obj(&j, root, "measurements");
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++) {
		const struct mmr_cal_value *v = &p->v[k];
		cJSON *o = mmr_json_obj(&j, ms, keys[k].name);
		mmr_json_fixed(&j, o, "ns", v->ns, 1);
		mmr_json_fixed(&j, o, "round1_ns", v->rounds[0], 1);
		mmr_json_fixed(&j, o, "round2_ns", v->rounds[1], 1);
		mmr_json_fixed(&j, o, "spread_pct", v->spread_pct, 1);
		mmr_json_bool(&j, o, "repeatable", v->repeatable);
		mmr_json_str(&j, o, "how", keys[k].how);
		if (v->why[0])
			mmr_json_str(&j, o, "why_not", v->why);
	}
	char *text = j.ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	return text;
}

int mmr_profile_write(const struct mmr_profile *p, const char *path, struct mmr_error *err)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mmr_mkdir_p(dir)) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: cannot create: %s", dir, strerror(errno));
			return -1;
		}
	}
	char *text = mmr_profile_json(p);
	FILE *f = text ? fopen(path, "w") : NULL;
	if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0 || fclose(f) != 0) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot write: %s", path, text ? strerror(errno) : "out of memory");
		if (f)
			fclose(f);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* The whole regular file PATH (free()); NULL with errno (ENOENT: none; EINVAL: not a regular file). */
static char *slurp(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL;
	if (!S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		errno = EINVAL;
		return NULL;
	}
	FILE *f = fopen(path, "r");
	char *buf = f ? calloc(1, (size_t)st.st_size + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (f)
		fclose(f);
	return buf;
}

static void str_of(char *dst, size_t n, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* P's measurements from MS.  Returns 0, or -1 with ERR naming the first missing or wrong one. */
static int read_measurements(struct mmr_profile *p, const cJSON *ms, const char *path, struct mmr_error *err)
{
	for (unsigned k = 0; k < MMR_CAL_COUNT; k++) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(ms, keys[k].name);
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(o, "ns");
		struct mmr_cal_value *v = &p->v[k];
		if (!o && k >= FIRST_OPTIONAL) {
			v->ns = NAN;
			snprintf(v->why, sizeof(v->why), "the profile predates this measurement: run mmreplay calibrate again");
			continue;
		}
		if (!cJSON_IsObject(o) || !(cJSON_IsNumber(ns) || cJSON_IsNull(ns))) {
			snprintf(err->msg, sizeof(err->msg),
				 "%.400s: no measurement '%s': the profile is older than this mmreplay or was edited: run "
				 "mmreplay calibrate again", path, keys[k].name);
			return -1;
		}
		v->ns = cJSON_IsNumber(ns) ? ns->valuedouble : NAN;
		if (cJSON_IsNumber(ns) && !(v->ns > 0 && v->ns < 1e9)) {
			snprintf(err->msg, sizeof(err->msg), "%.400s: measurement '%s' is %g ns: not a time between 0 and 1 s",
				 path, keys[k].name, v->ns);
			return -1;
		}
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "spread_pct");
		v->spread_pct = cJSON_IsNumber(s) ? s->valuedouble : NAN;
		v->repeatable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "repeatable"));
		str_of(v->why, sizeof(v->why), o, "why_not");
		if (!cJSON_IsNumber(ns) && !v->why[0])
			snprintf(v->why, sizeof(v->why), "not measured");
	}
	return 0;
}

/*
 * A profile from before rcu_gp_exp_ns took rcu_gp_ns with the kernel as it
 * ran: on an expediting kernel that figure is an expedited grace period.
 */
static void move_old_expedited_gp(struct mmr_profile *p, const cJSON *ms)
{
	struct mmr_cal_value *gp = &p->v[MMR_CAL_RCU_GP], *exp = &p->v[MMR_CAL_RCU_GP_EXP];
	if (p->rcu_expedited != 1 || cJSON_GetObjectItemCaseSensitive(ms, keys[MMR_CAL_RCU_GP_EXP].name) ||
	    !cJSON_GetObjectItemCaseSensitive(ms, keys[MMR_CAL_RCU_GP].name))
		return;
	*exp = *gp;
	*gp = (struct mmr_cal_value){.ns = NAN, .rounds = {NAN, NAN}, .spread_pct = NAN};
	snprintf(gp->why, sizeof(gp->why), "the profile predates it (its grace period was expedited): run mmreplay "
		 "calibrate again as root");
}

int mmr_profile_read(struct mmr_profile *p, const char *path, struct mmr_error *err)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	char *text = slurp(path);
	if (!text && errno == ENOENT)
		return 1;
	if (!text) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: cannot read the profile: %s", path,
			 errno == EINVAL ? "not a regular file of at most 1 MiB" : strerror(errno));
		return -1;
	}
	cJSON *d = cJSON_Parse(text);
	free(text);
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(d, "mmreplay_profile");
	if (!d || !cJSON_IsNumber(ver) || ver->valuedouble != 1) {
		snprintf(err->msg, sizeof(err->msg), "%.400s: not an mmreplay profile (version 1 JSON expected)", path);
		cJSON_Delete(d);
		return -1;
	}
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(d, "machine");
	str_of(p->kernel, sizeof(p->kernel), m, "kernel");
	str_of(p->cpu_model, sizeof(p->cpu_model), m, "cpu_model");
	str_of(p->hostname, sizeof(p->hostname), m, "hostname");
	str_of(p->created, sizeof(p->created), d, "created");
	const cJSON *cpus = cJSON_GetObjectItemCaseSensitive(m, "online_cpus");
	p->online_cpus = cJSON_IsNumber(cpus) && cpus->valuedouble >= 1 ? (unsigned)cpus->valuedouble : 0;
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(m, "rcu_expedited");
	p->rcu_expedited = cJSON_IsBool(exp) ? cJSON_IsTrue(exp) : -1;
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(d, "measurements");
	int rc = read_measurements(p, ms, path, err);
	if (!rc)
		move_old_expedited_gp(p, ms);
	cJSON_Delete(d);
	return rc;
}
