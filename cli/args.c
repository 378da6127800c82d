/* SPDX-License-Identifier: MIT */
/*
 * args.c - option parsing, number parsing and the one-line messages every
 * subcommand prints.  getopt's own messages are switched off (opterr = 0)
 * because they span two lines and do not name the subcommand.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmr_install.h"
#include "cli.h"
#include "mmr_calibrate.h"
#include "mmr_replay.h"
#include "mmr_trace.h"

/*
 * The message, its control characters written as escapes: names in it
 * come from the command line and from files (a directory called "a\nb"),
 * and a message must stay one line.
 */
static void vmsg(const char *cmd, const char *kind, const char *fmt, va_list ap)
{
	char *text = NULL;
	fprintf(stderr, "mmreplay%s%s: %s", cmd ? " " : "", cmd ? cmd : "", kind);
	if (vasprintf(&text, fmt, ap) < 0) {
		fputs("(out of memory formatting the message)", stderr);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '\n')
			fputs("\\n", stderr);
		else if (*p == '\t')
			fputs("\\t", stderr);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	free(text);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, "", fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, " (try 'mmreplay help %s')\n", cmd);
	else
		fprintf(stderr, " (try 'mmreplay --help')\n");
	return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, "", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, "warning: ", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_print_help(const struct cli_cmd *cmd)
{
	fputs(cmd->help, stdout);
	return CLI_OK;
}

int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
	const char *p = text;
	char *end;
	while (isspace((unsigned char)*p))
		p++;
	/* strtoull would quietly wrap "-1" to 2^64 - 1. */
	if (*p == '\0' || *p == '-' || *p == '+')
		return cli_usage(cmd, "bad number '%s' for %s: expected an unsigned integer", text, opt);
	errno = 0;
	unsigned long long v = strtoull(p, &end, 0);
	if (end == p)
		return cli_usage(cmd, "bad number '%s' for %s: expected an unsigned integer", text, opt);
	uint64_t mult = 1;
	switch (*end) {
	case 'k': mult = 1000ull; end++; break;
	case 'M': mult = 1000000ull; end++; break;
	case 'G': mult = 1000000000ull; end++; break;
	default: break;
	}
	if (*end != '\0')
		return cli_usage(cmd, "bad number '%s' for %s: unexpected '%s'", text, opt, end);
	if (errno == ERANGE || v > UINT64_MAX / mult)
		return cli_usage(cmd, "bad number '%s' for %s: too large", text, opt);
	*out = (uint64_t)v * mult;
	return 0;
}

int cli_parse_range(const char *cmd, const char *opt, const char *text, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	uint64_t v;
	if (cli_parse_u64(cmd, opt, text, &v))
		return CLI_USAGE;
	if (v < min || v > max)
		return cli_usage(cmd, "%s %s out of range %" PRIu64 "..%" PRIu64, opt, text, min, max);
	*out = v;
	return 0;
}

/* The option as the user typed it, without any "=value". */
static const char *typed_option(char **argv, int idx, char *buf, size_t len)
{
	const char *arg = argv[idx];
	size_t n = strcspn(arg, "=");
	snprintf(buf, len, "%.*s", (int)n, arg);
	return buf;
}

/*
 * True when argv[IDX] is "--NAME=VALUE" for a long option that takes no
 * value and reports as VAL: getopt's '?' for a flag given a value.
 */
static bool flag_given_value(char **argv, int idx, const struct option *longopts, int val)
{
	const char *arg = argv[idx];
	size_t n = strcspn(arg, "=");
	if (strncmp(arg, "--", 2) != 0 || arg[n] != '=')
		return false;
	for (const struct option *o = longopts; o && o->name; o++)
		if (o->val == val && o->has_arg == no_argument && strncmp(o->name, arg + 2, n - 2) == 0)
			return true;
	return false;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, bool *first)
{
	char opts[128], name[128];
	if (*first) {
		optind = 0; /* glibc: 0 also resets getopt's internal state */
		*first = false;
	}
	opterr = 0;
	/* A leading ':' makes a missing value ':' rather than '?'. */
	snprintf(opts, sizeof(opts), ":%s", shortopts);
	int c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c != '?' && c != ':')
		return c;
	/*
	 * getopt has moved past a long option (optopt 0 when unknown) but
	 * stays inside a short option cluster ("-qz"), so argv[optind - 1] is
	 * the offending word only for long options.
	 */
	int idx = optind > 0 && optind <= argc ? optind - 1 : 0;
	bool is_long = strncmp(argv[idx], "--", 2) == 0;
	if (c == ':' && is_long)
		cli_usage(cmd, "option '%s' needs a value", typed_option(argv, idx, name, sizeof(name)));
	else if (c == ':')
		cli_usage(cmd, "option '-%c' needs a value", optopt);
	else if (optopt && flag_given_value(argv, idx, longopts, optopt))
		cli_usage(cmd, "option '%s' takes no value", typed_option(argv, idx, name, sizeof(name)));
	else if (optopt)
		cli_usage(cmd, "unknown option '-%c'", optopt);
	else
		cli_usage(cmd, "unknown option '%s'", typed_option(argv, idx, name, sizeof(name)));
	return '?';
}

int cli_check_input(const char *cmd, const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return cli_usage(cmd, "cannot read '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return cli_usage(cmd, "cannot read '%s': is a directory", path);
	if (!S_ISREG(st.st_mode))
		return cli_usage(cmd, "cannot read '%s': not a regular file", path);
	if (access(path, R_OK))
		return cli_usage(cmd, "cannot read '%s': %s", path, strerror(errno));
	return 0;
}

int cli_check_trace(const char *cmd, const char *path)
{
	struct stat st;
	/* A directory is a rotated capture's parts, read as one trace: the reader checks its files. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (access(path, R_OK | X_OK))
			return cli_usage(cmd, "cannot read '%s': %s", path, strerror(errno));
		return 0;
	}
	return cli_check_input(cmd, path);
}

int cli_check_output(const char *cmd, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return cli_usage(cmd, "cannot write '%s': is a directory", path);
	/* A trace is rewritten in place at close, which needs a seekable regular file. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return cli_usage(cmd, "cannot write '%s': not a regular file", path);
	/* The directory part of PATH, "." when it has none. */
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st))
		return cli_usage(cmd, "cannot write '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cli_usage(cmd, "cannot write '%s': %s is not a directory", path, dir);
	if (access(dir, W_OK | X_OK))
		return cli_usage(cmd, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

/* Where writing PATH would land: an existing file, or a name in an existing directory. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;        /* the file's, or its directory's when it does not exist yet */
	char name[NAME_MAX + 1];
};

/* Split P into its directory ("." when none) and last name.  False when either does not fit. */
static bool split_path(const char *p, char *dir, size_t dlen, char *name)
{
	const char *slash = strrchr(p, '/');
	const char *base = slash ? slash + 1 : p;
	if (strlen(base) > NAME_MAX)
		return false;
	strcpy(name, base);
	int n = !slash ? snprintf(dir, dlen, ".") : slash == p ? snprintf(dir, dlen, "/")
		: snprintf(dir, dlen, "%.*s", (int)(slash - p), p);
	return n > 0 && (size_t)n < dlen;
}

/*
 * Resolve PATH to what opening it for writing would reach.  stat follows
 * every symlink when the target exists; a dangling one is followed by hand,
 * because writing through it creates its target.  False when PATH cannot
 * be resolved (a missing directory, too many links).
 */
static bool file_id(const char *path, struct file_id *id)
{
	char p[PATH_MAX], dir[PATH_MAX], target[PATH_MAX];
	struct stat st;
	memset(id, 0, sizeof(*id));
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return false;
	for (int hops = 0; hops < 40; hops++) {
		int missing = lstat(p, &st);
		if (!missing && !S_ISLNK(st.st_mode)) {
			*id = (struct file_id){.exists = true, .dev = st.st_dev, .ino = st.st_ino};
			return true;
		}
		if ((missing && errno != ENOENT) || !split_path(p, dir, sizeof(dir), id->name) ||
		    !id->name[0])
			return false;
		if (missing) {
			/* Not there yet: writing creates NAME in DIR. */
			if (stat(dir, &st) != 0)
				return false;
			id->dev = st.st_dev;
			id->ino = st.st_ino;
			return true;
		}
		ssize_t n = readlink(p, target, sizeof(target) - 1);
		if (n < 0)
			return false;
		target[n] = '\0';
		int len = target[0] == '/' ? snprintf(p, sizeof(p), "%s", target)
			: snprintf(p, sizeof(p), "%s/%s", dir, target);
		if (len < 0 || (size_t)len >= sizeof(p))
			return false;
	}
	return false;
}

static bool same_id(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       (a->exists || strcmp(a->name, b->name) == 0);
}

int cli_check_distinct(const char *cmd, const struct cli_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct file_id a, b;
		if (!files[i].path || !file_id(files[i].path, &a))
			continue;
		for (size_t j = i + 1; j < n; j++) {
			if (!files[j].path || (!files[i].output && !files[j].output) ||
			    !file_id(files[j].path, &b) || !same_id(&a, &b))
				continue;
			/* Name the later output as the one refused: the earlier is the one meant. */
			const struct cli_file *w = files[j].output ? &files[j] : &files[i];
			const struct cli_file *o = w == &files[j] ? &files[i] : &files[j];
			return cli_usage(cmd, "cannot write '%s' (%s): it is the same file as '%s' (%s)",
					 w->path, w->what, o->path, o->what);
		}
	}
	return 0;
}

int cli_open_trace(const char *cmd, const char *path, struct mmr_reader **r)
{
	struct mmr_error err;
	int rc = cli_check_trace(cmd, path);
	if (rc)
		return rc;
	*r = mmr_reader_open(path, &err);
	if (!*r)
		return cli_fail(cmd, "%s", err.msg);
	if (mmr_reader_warning(*r))
		cli_warn(cmd, "%s", mmr_reader_warning(*r));
	return CLI_OK;
}

char *cli_engine_path(const char *extra)
{
	const char *env = getenv("MMREPLAY_ENGINE_PATH"), *dir = mmr_engines_default_dir();
	size_t n = strlen(dir) + (extra ? strlen(extra) + 1 : 0) + (env ? strlen(env) + 1 : 0) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s%s%s%s", extra ? extra : "", extra ? ":" : "", env ? env : "",
			 env ? ":" : "", dir);
	return p;
}

int cli_load_profile(const char *cmd, const char *path, bool none, bool quiet, struct mmr_profile *p,
		     const struct mmr_profile **out)
{
	char def[1024], host[256] = "";
	struct mmr_error err;
	*out = NULL;
	if (none || (!path && mmr_profile_default_path(def, sizeof(def), &err)))
		return 0; /* asked for none; or no HOME and no MMREPLAY_PROFILE: no default profile either */
	int rc = mmr_profile_read(p, path ? path : def, &err);
	if (rc == 1 && path)
		return cli_fail(cmd, "%s: no such profile (make one with 'mmreplay calibrate -o %s')", path, path);
	if (rc < 0)
		return cli_fail(cmd, "%s", err.msg);
	if (rc == 1)
		return 0;
	gethostname(host, sizeof(host) - 1);
	if (!quiet && strcmp(host, p->hostname))
		cli_warn(cmd, "profile %s was measured on %s, not on %s: its costs may not hold here", p->path,
			 p->hostname, host);
	*out = p;
	return 0;
}

int cli_pick_engines(const char *cmd, const struct mmr_engine_catalog *c, const char *list,
		     const struct mmr_engine_ops **out, size_t max, size_t *n)
{
	char *copy = strdup(list), *save = NULL;
	int rc = copy ? CLI_OK : cli_fail(cmd, "out of memory");
	*n = 0;
	for (char *name = copy ? strtok_r(copy, ",", &save) : NULL; name && !rc;
	     name = strtok_r(NULL, ",", &save)) {
		const struct mmr_engine_ops *e = mmr_engines_find(c, name);
		const char *why = e && e->unavailable ? e->unavailable() : NULL;
		if (!e)
			rc = cli_usage(cmd, "unknown engine '%s' (see 'mmreplay list engines')", name);
		else if (why)
			rc = cli_fail(cmd, "engine %s is not available here: %s", name, why);
		else if (*n == max)
			rc = cli_usage(cmd, "more than %zu engines", max);
		for (size_t i = 0; !rc && i < *n; i++)
			if (out[i] == e)
				rc = cli_usage(cmd, "engine '%s' given twice: its results would overwrite each other", name);
		if (!rc)
			out[(*n)++] = e;
	}
	free(copy);
	if (!rc && *n == 0)
		rc = cli_usage(cmd, "no engine given: -e ENGINE");
	return rc;
}

/* The bundled traces: $MMREPLAY_TRACES_DIR, an install's own copy (found from the binary), else the source tree's. */
const char *cli_traces_dir(void)
{
	const char *env = getenv("MMREPLAY_TRACES_DIR");
	static char installed[PATH_MAX];
	if (env && *env)
		return env;
	/* An install's own copy (found from the binary), else the source tree's. */
	if (installed[0] || mmr_install_path(MMR_INSTALL_DATADIR "/traces", installed, sizeof(installed)) == 0)
		return installed;
	return MMR_TRACES_DIR;
}
