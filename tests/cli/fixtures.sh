# fixtures.sh - shell functions that CLI tests run as their --setup, in the
# test's scratch directory.  Sourced by run_cli_test.sh; $MMREPLAY is the binary.

# gen WORKLOAD OPS FILE [ARGS...]: a synthetic trace, quietly.
gen() {
	local wl=$1 ops=$2 file=$3
	shift 3
	"$MMREPLAY" generate "$wl" -o "$file" --ops "$ops" -q "$@"
}

# size FILE: its length in bytes.
size() { stat -c %s "$1"; }

# poke FILE OFFSET BYTE: write BYTE (0..255) at OFFSET.
poke() {
	printf "$(printf '\\%03o' "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# flip FILE OFFSET: invert every bit of the byte at OFFSET (a negative OFFSET counts from the end).
flip() {
	local off=$2
	[ "$off" -ge 0 ] || off=$(($(size "$1") + off))
	local old
	old=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
	[ -n "$old" ] || { echo "flip: offset $off is past the end of $1" >&2; return 1; }
	poke "$1" "$off" $((old ^ 255))
}

# trunc FILE BYTES: truncate FILE to BYTES (a negative BYTES removes that many from the end).
trunc() {
	local n=$2
	[ "$n" -ge 0 ] || n=$(($(size "$1") + n))
	truncate -s "$n" "$1"
}

# writing FILE: mark the header as still being written (state 1 at offset 12),
# which is what a killed writer leaves; the header checksum does not cover it.
writing() { poke "$1" 12 1; }

# killed FILE: start a long generate into FILE, SIGKILL it once the file
# holds several blocks, and check that it really was still running.
killed() {
	"$MMREPLAY" generate slab-mix -o "$1" --ops 1G -q &
	local pid=$! i
	for i in $(seq 600); do
		[ -f "$1" ] && [ "$(size "$1")" -gt 600000 ] && break
		sleep 0.05
	done
	kill -0 "$pid" || { echo "killed: the writer ended before it could be killed" >&2; return 1; }
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
}

# lines N COMMAND...: run COMMAND and fail unless it prints exactly N lines.
lines() {
	local n=$1 got
	shift
	got=$("$@" | wc -l)
	[ "$got" = "$n" ] || { echo "lines: expected $n lines from '$*', got $got" >&2; return 1; }
}
# mkperf FILE [ARGS...]: a synthetic perf.data (tests/capture/mkperf.c, $MKPERF).
mkperf() {
	[ -n "${MKPERF:-}" ] || { echo "mkperf: \$MKPERF is not set" >&2; return 1; }
	"$MKPERF" "$@"
}

# u64 FILE OFFSET: the little-endian u64 at OFFSET.
u64() { od -An -tu8 -j "$2" -N8 "$1" | tr -d ' '; }

# cut_in_data FILE: truncate a perf.data in the middle of its data section
# (header: data offset at 40, data size at 48).
cut_in_data() {
	local off size
	off=$(u64 "$1" 40) size=$(u64 "$1" 48)
	truncate -s $((off + size / 2)) "$1"
}

# at FILE TEXT: the offset of the first TEXT in FILE (a binary file: grep -abo).
at() { grep -abo -- "$2" "$1" | head -n 1 | cut -d: -f1; }

# pipeperf FILE: the header perf record writes to a pipe (magic, size 16).
pipeperf() { printf 'PERFILE2\020\0\0\0\0\0\0\0' >"$1"; }

# tracedat FILE: the start of a trace-cmd trace.dat, cut after its version.
tracedat() { printf '\027\010\104tracing6\0' >"$1"; }

# json FILE EXPR: evaluate the Python expression EXPR with the JSON document
# of FILE as d, and fail unless it is true ("d['threads'] == 2").
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"d": d})
if not ok:
    print("json: false:", sys.argv[2], file=sys.stderr)
    sys.exit(1)
PY
}

# same_replay A B: the two results.json replayed the same work: events,
# skips, objects and slots, each op's calls, failures, refusals and orphans,
# the engine's outcome totals and the live memory left at the end (what a
# replay planned a window at a time must keep from the whole plan's).
same_replay() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
def work(d):
    return {"events": [d[k] for k in ("trace_events", "replayed_events", "skipped_events", "objects", "slots")],
            "skipped": d["skipped"],
            "ops": {k: [v[f] for f in ("count", "failed", "refused", "orphaned")] for k, v in d["ops"].items()},
            "outcomes": {o["key"]: o["total"] for o in d["outcomes"]},
            "end": [d["timeline"]["end_live_bytes"], d["timeline"]["end_live_objects"]]}
wa, wb = work(a), work(b)
for k in wa:
    if wa[k] != wb[k]:
        print("same_replay: %s differ: %s against %s" % (k, wa[k], wb[k]), file=sys.stderr)
        sys.exit(1)
PY
}

# jset FILE STATEMENT: run the Python STATEMENT with the JSON document of FILE
# as d, and write d back ("d['threads'] = 1e300").
jset() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2], {"d": d})
json.dump(d, open(sys.argv[1], "w"))
PY
}

# fake DIR ENGINE [ARGS...]: a results.json written by hand with known
# numbers (fake_results.py explains the arguments).
fake() { python3 "$(dirname "${BASH_SOURCE[0]}")/fake_results.py" "$@"; }

# plots_ok DIR COUNT [PREFIX]: DIR holds at least COUNT plots named PREFIX*
# (default plot_), every .png a PNG of 900x560 pixels (its IHDR), every
# .svg well-formed XML with an <svg> root.
plots_ok() {
	python3 - "$1" "$2" "${3-plot_}" <<'PY'
import glob, struct, sys
import xml.etree.ElementTree as ET
d, want, pre = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pngs, svgs = glob.glob(d + "/" + pre + "*.png"), glob.glob(d + "/" + pre + "*.svg")
for p in pngs:
    head = open(p, "rb").read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        sys.exit(f"plots_ok: {p}: not a PNG")
    w, h = struct.unpack(">II", head[16:24])
    if (w, h) != (900, 560):
        sys.exit(f"plots_ok: {p}: {w}x{h}, not 900x560")
for s in svgs:
    root = ET.parse(s).getroot()
    if not root.tag.endswith("svg"):
        sys.exit(f"plots_ok: {s}: root is {root.tag}")
if len(pngs) + len(svgs) < want:
    sys.exit(f"plots_ok: {len(pngs) + len(svgs)} plots in {d}, want {want}")
PY
}

# html_renders FILE: headless Chromium draws the page FILE, every <img> decoded
# and the screenshot not blank (html_check.sh).  Exits 77 when Chromium is not
# installed, which run_cli_test.sh passes on to ctest as a skip.
html_renders() { "$(dirname "${BASH_SOURCE[0]}")/html_check.sh" "$1"; }

# html_rejected FILE RE: the opposite: html_check.sh must fail on FILE (exit 1,
# not a skip, not a usage error) for the reason matching the extended regex RE.
# Still exits 77 when Chromium is not installed.
html_rejected() {
	local rc=0 err
	err=$(html_renders "$1" 2>&1) || rc=$?
	[ "$rc" != 77 ] || { echo "$err"; return 77; }
	[ "$rc" = 1 ] || { echo "html_rejected: html_check.sh exited $rc on $1, expected 1: $err" >&2; return 1; }
	grep -Eq -- "$2" <<<"$err" || { echo "html_rejected: failed for another reason than /$2/: $err" >&2; return 1; }
}

# corrupt_first_image FILE: replace the base64 of the first inlined image of
# the HTML page FILE with that of a few bytes that are no PNG.
corrupt_first_image() {
	sed -i '0,/base64,/ s|base64,[A-Za-z0-9+/=]*|base64,bm90IGEgUE5H|' "$1"
	grep -q 'base64,bm90IGEgUE5H' "$1" || { echo "corrupt_first_image: no base64 image in $1" >&2; return 1; }
}

# demo_ok DIR: what `mmreplay demo -o DIR` promises: every family's report
# on its generated workload, real-trace reports for vmalloc, kvfree_rcu and
# zsmalloc only, an index linking all eight with a section per family (and
# its verdicts), and stdout ending with the index's path and three verdicts.
demo_ok() {
	python3 - "$1" <<'PY'
import json, os, re, sys
d = sys.argv[1]
def fail(msg):
    print("demo_ok: " + msg, file=sys.stderr)
    sys.exit(1)
index = open(d + "/index.md").read()
# The index's links: label (markdown escapes undone) -> the report.
links = {re.sub(r"\\(.)", r"\1", m.group(1)): m.group(2) for m in re.finditer(r"^- \[(.*)\]\((.*)\)$", index, re.M)}
def cell(group, kernel="default"):
    for label, href in links.items():
        if label.startswith("group %s: " % group) and ", kernel %s," % kernel in label:
            if not os.path.getsize(os.path.join(d, href)):
                fail("%s's report %s is empty" % (label, href))
            return os.path.dirname(os.path.join(d, href))
    return None
for f in ("cma", "vmalloc", "kvfree_rcu", "zsmalloc", "dmabuf"):
    if not cell(f):
        fail("no %s generated report" % f)
for f in ("vmalloc", "kvfree_rcu", "zsmalloc"):
    if not cell(f + "-real"):
        fail("no %s real-trace report" % f)
if cell("cma-real") or cell("dmabuf-real"):
    fail("a real-trace report that should not be")
# kvfree_rcu and zsmalloc again with PREEMPT_RT's locks (seeds 003 and 004 argue about RT).
for f in ("kvfree_rcu", "zsmalloc"):
    c = cell(f, "rt")
    if not c or "Locks as PREEMPT" not in open(c + "/report.md").read():
        fail("no %s --kernel rt report, or it does not say so" % f)
if cell("vmalloc", "rt"):
    fail("an rt report that should not be")
# The real trace's replays: --repeat's runs, at most its first 20,000 events.
real = json.load(open(cell("kvfree_rcu-real").replace("/reports/cells/", "/cells/") + "/kvfree-rcu-pool/results.json"))
if not (real["runs"] == 2 and 0 < real["trace_events"] <= 20000 and real["ops"]["free"]["count"] > 0):
    fail("the real trace's kvfree-rcu-pool results are not 2 runs of at most 20000 events")
# A live capture (root) is also validated: the models against this kernel, one more link and section.
live = "the real trace: a live capture" in open("stderr.txt").read()
nlinks, nsections = (12, 8) if live else (11, 7)
if live and not (os.path.getsize(d + "/validate/validate.md") and "## Models against this kernel" in index):
    fail("a live capture, but no validate report in the index")
if not live and os.path.exists(d + "/validate"):
    fail("validate without a live capture")
if len(links) != nlinks or len(re.findall(r"^## ", index, re.M)) != nsections:
    fail("index.md has %d links and %d sections, not %d and %d" % (len(links), len(re.findall(r"^## ", index, re.M)), nlinks, nsections))
# Every seed family has claims in the table, each judged.
claims = open(d + "/seed-claims.md").read()
for f in ("cma", "dmabuf", "vmalloc", r"kvfree\_rcu", "zsmalloc"):
    if not re.search(r"^\| %s \| " % re.escape(f), claims, re.M):
        fail("no claim of %s in seed-claims.md" % f)
if len(re.findall(r" \| (agrees|disagrees|inconclusive|cannot be tested here) \|$", claims, re.M)) != 22:
    fail("seed-claims.md does not judge its 22 claims")
# Seed 004's PREEMPT_RT claim, judged by the --kernel rt comparison: the pin bit takes sleeping locks under it.
if not re.search(r"^\| zsmalloc \| Replacing the per-handle bit spinlock .* \| agrees \|$", claims, re.M):
    fail("zsmalloc's PREEMPT_RT claim is not judged to agree")
# The commands that make each judged cell's figures, the PREEMPT_RT one's too (found in review: it had none).
if not re.search(r"^zsmalloc \(kernel rt\): mmreplay generate .*--kernel=rt", claims, re.M):
    fail("seed-claims.md lacks the commands of zsmalloc's --kernel rt cell")
if "No real trace: this kernel has no CMA area" not in index:
    fail("CMA's missing real trace not explained")
out = open("stdout.txt").read().splitlines()
if len(out) != 4 or len([l for l in out if re.match(r"^  group [a-z_-]+: .* vs ", l)]) != 3:
    fail("stdout is not the index's path and three verdicts")
PY
}

# textrace NAME OUT: the hand-written text trace tests/cli/traces/NAME.txt imported into OUT.
textrace() {
	"$MMREPLAY" import "$(dirname "${BASH_SOURCE[0]}")/traces/$1.txt" -o "$2" -q
}

# The names hostile_results gives: what a shell, gnuplot, Markdown or HTML
# would act on (< | ` ' " $( ) ; &, a newline, tags, a link).
# (Each under 64 bytes: longer names are cut.)
HOSTILE='<b>|`touch PWNED`$(touch PWNED);'\''"&*e*[l](javascript:x)'
HOSTILE_ENGINE1="$HOSTILE"$'\n''#<a>'
HOSTILE_ENGINE2="2$HOSTILE"
HOSTILE_LOCK='lk "q" <b>|;$(touch PWNED)`touch PWNED`'
HOSTILE_TRACE='/t/<i>tr|ace</i> `touch PWNED`;$(touch PWNED).mmr'

# hostile_results DIR: two engines' results with what the plots draw
# (fake_results.py --plot-data) in directories named as commands
# ('<touch PWNED;echo ', '|touch PWNED;...'), with the HOSTILE_* engine,
# lock, timer and trace names.
hostile_results() {
	fake "$1/<touch PWNED;echo " "$HOSTILE_ENGINE1" --trace "$HOSTILE_TRACE" --tput 10,11 \
		--op alloc:p99=100,110 --lock "$HOSTILE_LOCK:100:10:5000" --plot-data --timer "$HOSTILE_LOCK=250000000,750000000"
	fake "$1/|touch PWNED;cat >&2;echo " "$HOSTILE_ENGINE2" --trace "$HOSTILE_TRACE" --tput 20,21 \
		--op alloc:p99=50,55 --lock "$HOSTILE_LOCK:90:5:2000" --plot-data
}

# plots_each DIR COUNT: plots_ok on every subdirectory of DIR (their names need no quoting here).
plots_each() {
	local d
	for d in "$1"/*/; do
		plots_ok "$d" "$2"
	done
}

# report_ok DIR/BASE: nothing a name held ran (no PWNED here), and the report
# is well formed with every hostile name in it as text (report_check.py).
report_ok() {
	[ ! -e PWNED ] || { echo "report_ok: a command in a name ran (PWNED exists)" >&2; return 1; }
	python3 "$(dirname "${BASH_SOURCE[0]}")/report_check.py" "$1" "$HOSTILE_ENGINE1" "$HOSTILE_ENGINE2" \
		"$HOSTILE_LOCK (exclusive)"
}

# jcheck FILE EXPR: the JSON file FILE, loaded as d, makes the Python
# expression EXPR true (no ';' in EXPR: CMake would cut it there).
jcheck() {
	python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)" "$1" "$2"
}

# need_root WHY: skip the check (exit 77) when not root, saying WHY it needs root.
need_root() {
	[ "$(id -u)" = 0 ] || { echo "not root: $1"; exit 77; }
}

# jcheck_all GLOB EXPR N: N files match GLOB, and EXPR holds of each one's JSON (d).
jcheck_all() {
	python3 -c "import glob, json, sys
files = sorted(glob.glob(sys.argv[1]))
bad = [f for f in files if not eval(sys.argv[2], {'d': json.load(open(f))})]
if len(files) != int(sys.argv[3]) or bad:
    print('jcheck_all: %d files (want %s), false for %s' % (len(files), sys.argv[3], bad), file=sys.stderr)
    sys.exit(1)" "$1" "$2" "$3"
}

# same_firings A B: two results of one trace at two pacings whose engine's
# timed mechanisms fired, every one of them, exactly as often in both.
same_firings() {
	python3 -c "import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
fa, fb = (d['repeats'][0]['timers_fired'] for d in (a, b))
print('fired', fa, fb, 'paces', a['pace'], b['pace'])
ok = fa == fb and fa and all(v > 0 for v in fa.values()) and a['pace'] != b['pace']
ok = ok and all(t['fired_min'] == t['fired_max'] == fa[t['name']] for t in a['timers'] + b['timers'])
sys.exit(0 if ok else 1)" "$1" "$2"
}

# validate_md_lists DIR: every kernel lock of DIR/validate.json is in DIR/validate.md,
# for every engine: in its table when paired, in its "does not model" list when not.
validate_md_lists() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/validate.json"))
# Markdown escapes punctuation with backslashes: compare without them.
md = open(sys.argv[1] + "/validate.md").read().replace("\\", "")
for e in d["engines"]:
    parts = md.split("## " + e["engine"] + " against the kernel")
    if len(parts) < 2:
        sys.exit("validate_md_lists: no section for " + e["engine"])
    sec = parts[1].split("\n## ")[0]
    for l in e["locks"]:
        if l["lock"] not in sec:
            sys.exit("validate_md_lists: %s: %s is not in its section" % (e["engine"], l["lock"]))
PY
}

# plan_commands_run PLAN DIR: run what `plan show --commands` prints for PLAN into DIR, with this
# build's binary; then every job is done, each cell folder holds a results.json per engine, and
# the jobs of a rerun are the same ids (their directories are not added to).
plan_commands_run() {
	local plan=$1 dir=$2 n
	"$MMREPLAY" plan show "$plan" -o "$dir" --commands >cmds.txt
	sed "s#^mmreplay #'$MMREPLAY' #" cmds.txt | bash -e || return 1
	n=$(grep -c ' replay ' cmds.txt)
	"$MMREPLAY" plan show "$plan" -o "$dir" | grep -q "^$n of $n jobs done in $dir\$" || return 1
	[ "$(find "$dir/cells" -name results.json | wc -l)" -eq "$n" ] || return 1
	"$MMREPLAY" plan show "$plan" -o "$dir" --commands | cmp -s - cmds.txt
}

# ---- run (mmreplay run: docs/plans.md "Running a plan") ----------------------
# run_done PLAN DIR: every job of PLAN done in DIR, a results.json and a log each; DIR/plan.json
# expands to the same job ids as PLAN, and so does a copy of DIR elsewhere, which finds them done.
run_done() {
	local plan=$1 dir=$2 n
	n=$("$MMREPLAY" plan show "$plan" | grep -cE '^[0-9a-f]{16} ')
	"$MMREPLAY" plan show "$plan" -o "$dir" | grep -q "^$n of $n jobs done in $dir\$" || { echo "not all $n done"; return 1; }
	[ "$(find "$dir/cells" -name results.json | wc -l)" -eq "$n" ] || { echo "not $n results"; return 1; }
	for id in $("$MMREPLAY" plan show "$plan" | grep -oE '^[0-9a-f]{16} '); do
		[ -s "$dir/logs/$id.log" ] || [ -f "$dir/logs/$id.log" ] || { echo "no log for $id"; return 1; }
	done
	"$MMREPLAY" plan show "$plan" | grep -oE '^[0-9a-f]{16} ' >ids.want
	rm -rf copy && cp -a "$dir" copy
	"$MMREPLAY" plan show copy/plan.json -o copy >copy.txt
	grep -oE '^[0-9a-f]{16} ' copy.txt | cmp - ids.want || { echo "plan.json's ids differ"; return 1; }
	grep -q "^$n of $n jobs done in copy\$" copy.txt || { echo "the copy's jobs are not done"; return 1; }
	# The same plan again, from its own copy in DIR: nothing to run.
	"$MMREPLAY" run "$dir/plan.json" -o "$dir" | grep -q "^run: plan .*: $n of $n jobs done (0 now, $n before), 0 failed"
}

# run_killed PLAN DIR: start mmreplay run PLAN -o DIR -j1, send it SIGTERM once the first job's
# results.json is there (a bounded wait, not a guess at speed), and check that it stopped (exit
# 143, the line saying a rerun resumes) with some jobs done and some not; what is done is listed
# in done.txt (path, inode, mtime of each results.json and its log) for run_resumed.
run_killed() {
	local plan=$1 dir=$2 pid i rc n total
	"$MMREPLAY" run "$plan" -o "$dir" -j1 -q 2>killed.err &
	pid=$!
	for i in $(seq 1200); do
		[ -z "$(find "$dir/cells" -name results.json 2>/dev/null)" ] || break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -TERM "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 143 ] || { echo "killed run: exit $rc, expected 143"; cat killed.err; return 1; }
	grep -q "^mmreplay run: stopped by SIGTERM: [0-9]* of [0-9]* jobs done in $dir; run the same command again to resume\$" killed.err ||
		{ echo "no 'stopped' line:"; cat killed.err; return 1; }
	n=$(find "$dir/cells" -name results.json | wc -l)
	total=$("$MMREPLAY" plan show "$plan" | grep -cE '^[0-9a-f]{16} ')
	[ "$n" -ge 1 ] && [ "$n" -lt "$total" ] || { echo "$n of $total done when killed"; return 1; }
	find "$dir/cells" -name 'results.json.*' | grep . && { echo "half results left"; return 1; }
	# Each job's id beside its results.json's path (the table and the commands list the jobs in one order).
	"$MMREPLAY" plan show "$plan" | grep -oE '^[0-9a-f]{16}' >ids.txt
	"$MMREPLAY" plan show "$plan" -o "$dir" --commands | grep ' replay ' |
		sed -E 's#.* -e ([^ ]+) .* -o ([^ ]+) -q$#\2/\1/results.json#' | paste ids.txt - >map.txt
	: >done.txt
	while read -r id f; do
		[ -f "$f" ] || continue
		stat -c '%n %i %.Y' "$f" "$dir/logs/$id.log" >>done.txt
	done <map.txt
	[ "$(wc -l <done.txt)" -eq $((2 * n)) ] || { echo "done.txt does not list the $n done jobs"; return 1; }
}

# run_resumed PLAN DIR: after the rerun, every job done, and those done before untouched
# with their logs (the same inode and mtime: results.json is replaced by a rename, and a job
# run again writes its log again).
run_resumed() {
	local plan=$1 dir=$2 f
	while read -r f ino t; do
		[ "$(stat -c '%i %.Y' "$f")" = "$ino $t" ] || { echo "$f was made again"; return 1; }
	done <done.txt
	run_done "$plan" "$dir"
}

# run_bin: a bin/mmreplay on PATH for the commands of jobs.tsv, which name mmreplay as a user
# of an install has it; and a HOME whose GNU parallel has seen its citation notice.
run_bin() {
	mkdir -p bin home/.parallel
	ln -sf "$MMREPLAY" bin/mmreplay
	touch home/.parallel/will-cite
}

# run_parallel PLAN DIR: jobs.tsv has a line per job; run-parallel.sh run by the real GNU
# parallel with --sshlogin : (this machine as a host) leaves every job done, the same set of
# results (cell and engine) as mmreplay run's of the same plan; and then nothing is left to emit.
run_parallel() {
	local plan=$1 dir=$2 n
	command -v parallel >/dev/null || { echo "GNU parallel is not installed (./make.sh deps installs it)"; return 1; }
	n=$("$MMREPLAY" plan show "$plan" | grep -cE '^[0-9a-f]{16} ')
	[ "$(wc -l <"$dir/jobs.tsv")" -eq "$n" ] || { echo "jobs.tsv has not $n lines"; return 1; }
	[ -x "$dir/run-parallel.sh" ] || { echo "run-parallel.sh is not executable"; return 1; }
	run_bin
	(cd / && PATH="$OLDPWD/bin:$PATH" HOME="$OLDPWD/home" "$OLDPWD/$dir/run-parallel.sh" --sshlogin :) || { echo "run-parallel.sh failed"; return 1; }
	run_done "$plan" "$dir"
	"$MMREPLAY" run "$plan" -o local -q
	(cd "$dir" && find cells -name results.json | sort) >par.txt
	(cd local && find cells -name results.json | sort) >local.txt
	[ -s local.txt ] && cmp par.txt local.txt || { echo "parallel's results differ from a local run's"; return 1; }
	"$MMREPLAY" run "$plan" -o "$dir" --emit parallel | grep -q "^run: all $n jobs of plan .* are done in $dir: nothing to emit\$"
	[ ! -s "$dir/jobs.tsv" ]
}

# run_slurm DIR N: slurm.sbatch is an array job of N tasks that bash reads, over jobs.tsv's N
# lines (JOB, CELL, ENGINE, a mmreplay replay command with relative paths), DIR written in as
# an absolute path; its task 1, run by hand as Slurm would, makes job 1's results.
run_slurm() {
	local dir=$1 n=$2 abs job cell engine
	abs=$(cd "$dir" && pwd)
	grep -qx "#SBATCH --array=1-$n" "$dir/slurm.sbatch" || { echo "no --array=1-$n"; return 1; }
	grep -qx "#SBATCH --output=$abs/logs/slurm-%A_%a.out" "$dir/slurm.sbatch" || { echo "no --output in $abs/logs"; return 1; }
	grep -qx "cd '$abs'" "$dir/slurm.sbatch" || { echo "no cd to $abs"; return 1; }
	bash -n "$dir/slurm.sbatch" || return 1
	[ "$(wc -l <"$dir/jobs.tsv")" -eq "$n" ] || { echo "jobs.tsv has not $n lines"; return 1; }
	# The tasks read the script's own copy of the list, named for its content.
	local list
	list=$(sed -n 's/.*p" \(slurm-jobs-[0-9a-f]\{16\}\.tsv\))$/\1/p' "$dir/slurm.sbatch")
	[ -n "$list" ] && cmp -s "$dir/$list" "$dir/jobs.tsv" || { echo "slurm.sbatch reads no copy of jobs.tsv"; return 1; }
	awk -F'\t' 'NF != 4 || length($1) != 16 || length($2) != 16 || $1 $2 !~ /^[0-9a-f]+$/ ||
		$4 !~ "^mmreplay replay traces/[0-9a-f]+\\.mmr -e " $3 " .* -o cells/" $2 " -q$" { bad = 1 } END { exit bad }' "$dir/jobs.tsv" ||
		{ echo "a line of jobs.tsv is not JOB CELL ENGINE COMMAND"; return 1; }
	run_bin
	IFS=$'\t' read -r job cell engine _ <"$dir/jobs.tsv"
	PATH="$PWD/bin:$PATH" SLURM_ARRAY_TASK_ID=1 bash "$dir/slurm.sbatch" >task1.out || { echo "task 1 failed"; return 1; }
	[ -f "$dir/cells/$cell/$engine/results.json" ] && [ -f "$dir/logs/$job.log" ] || { echo "task 1 made no results"; return 1; }
	grep -q "^mmreplay job $job: $engine in cell $cell on " task1.out
}

# slurm_again DIR: after a task of the first array (old.sbatch, its list
# LIST1) ran and slurm.sbatch was emitted again, the old array's waiting
# tasks still read LIST1: its task 2 runs the job of LIST1's line 2, which
# the new jobs.tsv (one job fewer) has on line 1.
slurm_again() {
	local dir=$1 old new job cell engine
	old=$(grep -o 'slurm-jobs-[0-9a-f]*\.tsv' old.sbatch | head -n 1)
	new=$(grep -o 'slurm-jobs-[0-9a-f]*\.tsv' "$dir/slurm.sbatch" | head -n 1)
	[ "$old" != "$new" ] && [ "$(wc -l <"$dir/$old")" -eq 4 ] && [ "$(wc -l <"$dir/$new")" -eq 3 ] ||
		{ echo "lists $old and $new: not the first array's 4 jobs and the new one's 3"; return 1; }
	IFS=$'\t' read -r job cell engine _ < <(sed -n 2p "$dir/$old")
	[ "$(head -n 1 "$dir/jobs.tsv" | cut -f1)" = "$job" ] || { echo "the new jobs.tsv does not start with job $job"; return 1; }
	PATH="$PWD/bin:$PATH" SLURM_ARRAY_TASK_ID=2 bash old.sbatch >task2.out || { echo "old task 2 failed"; return 1; }
	[ -f "$dir/cells/$cell/$engine/results.json" ] || { echo "old task 2 did not run job $job"; return 1; }
}

# run_failed DIR: the failing plan's first and third jobs done, the second's not, its log there.
run_failed() {
	local dir=$1
	[ "$(find "$dir/cells" -name results.json | wc -l)" -eq 2 ] || { echo "not 2 jobs done"; return 1; }
	grep -q "touch" "$dir"/logs/*.log
}

# long_plan FILE: a valid plan whose one job's command is longer than any command line plan show
# prints (six options of 3000 characters each).
long_plan() {
	python3 -c 'import json, sys
v = "x" * 3000
json.dump({"mmreplay_plan": 1, "name": "long", "engines": ["null"], "threads": [1],
           "traces": [{"name": "t", "generate": {"workload": "slab-mix", "ops": 100}}],
           "engine_opts": {"k%d" % i: v for i in range(6)}}, open(sys.argv[1], "w"))' "$1"
}

# plan_split PLAN A B: PLAN's jobs run as two machines would: the first half into A, the rest
# into B, each with its generated traces and the plan as DIR/plan.json (what `mmreplay run` makes).
plan_split() {
	local plan=$1 a=$2 b=$3 half
	"$MMREPLAY" plan show "$plan" -o "$a" --commands >cmds-a.txt
	"$MMREPLAY" plan show "$plan" -o "$b" --commands >cmds-b.txt
	half=$(($(grep -c ' replay ' cmds-a.txt) / 2))
	{ grep -v ' replay ' cmds-a.txt; grep ' replay ' cmds-a.txt | head -n "$half"; } |
		sed "s#^mmreplay #'$MMREPLAY' #" | bash -e
	{ grep -v ' replay ' cmds-b.txt; grep ' replay ' cmds-b.txt | tail -n +"$((half + 1))"; } |
		sed "s#^mmreplay #'$MMREPLAY' #" | bash -e
	cp "$plan" "$a/plan.json"
	cp "$plan" "$b/plan.json"
}

# results_edit KEY VALUE FILE...: set KEY (dotted: machine.hostname) to the string VALUE in each results.json.
results_edit() {
	python3 - "$@" <<'PY'
import json, sys
key, value, files = sys.argv[1].split("."), sys.argv[2], sys.argv[3:]
for f in files:
    d = json.load(open(f))
    o = d
    for k in key[:-1]:
        o = o[k]
    o[key[-1]] = value
    json.dump(d, open(f, "w"))
PY
}

# collect_whole OUT DIR...: OUT holds every job of its plan, each results.json the same bytes as
# the DIR's it came from, a comparison per cell, and an index that names every cell.
collect_whole() {
	local out=$1 n f cell
	shift
	n=$("$MMREPLAY" plan show "$out/plan.json" -o "$out" --commands | grep -c ' replay ')
	"$MMREPLAY" plan show "$out/plan.json" -o "$out" | grep -q "^$n of $n jobs done in $out\$" || return 1
	for d in "$@"; do
		(cd "$d" && find cells -name results.json) >files.txt
		while read -r f; do cmp "$d/$f" "$out/$f" || return 1; done <files.txt
	done
	for cell in $("$MMREPLAY" plan show "$out/plan.json" -o "$out" --commands | sed -n 's#.* -o [^ ]*/cells/\([0-9a-f]*\) -q$#\1#p' | sort -u); do
		grep -q "(cell $cell)" "$out/index.md" || { echo "collect_whole: cell $cell not in the index" >&2; return 1; }
		[ -s "$out/reports/cells/$cell/report.html" ] || { echo "collect_whole: no report of cell $cell" >&2; return 1; }
	done
	ls "$out"/reports/sweeps/*/report.html >/dev/null
}

# sweep_hosts OUT ENGINE N: the sweep's throughput table has N columns of ENGINE, one per host.
sweep_hosts() {
	local got
	got=$(head -n 1 "$1"/reports/sweeps/*/data/sweep_throughput.dat | grep -o "\"$2 on [^\"]*\"" | wc -l)
	[ "$got" = "$3" ] || { echo "sweep_hosts: $got columns of $2, expected $3" >&2; return 1; }
}

# run_chld_ignored PLAN DIR: run started with SIGCHLD ignored (a parent may do that; the kernel then
# reaps the jobs unseen) still ends, every job done; bounded, so a hang fails instead of stalling.
run_chld_ignored() {
	timeout 300 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or exit 127' "$MMREPLAY" run "$1" -o "$2" -q || return 1
	run_done "$1" "$2"
}

# run_locked PLAN DIR: while another process holds DIR/.lock, run into DIR is refused in one line
# and runs nothing.
run_locked() {
	local err rc
	mkdir -p "$2"
	err=$(flock "$2/.lock" "$MMREPLAY" run "$1" -o "$2" 2>&1 >/dev/null) && rc=0 || rc=$? # set -e: the exit is the subject
	[ "$rc" = 1 ] || { echo "run_locked: exit $rc"; return 1; }
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && printf '%s\n' "$err" | grep -q "is in use by another mmreplay run" ||
		{ echo "run_locked: $err"; return 1; }
	[ ! -e "$2/cells" ] || { echo "run_locked: it ran jobs"; return 1; }
}

# groups_whole OUT DIR...: OUT, collected from the DIRs of tests/plan/groups2.json, holds every
# job, each results.json the DIR's bytes; group cmp's one cell is compared against its own
# baseline (libc, not its first engine), group solo (one engine) has no comparison and the index
# says why; the one sweep is solo's (two thread counts), none for cmp's one; each group heads its section.
groups_whole() {
	local out=$1 n f
	shift
	n=$("$MMREPLAY" plan show "$out/plan.json" -o "$out" --commands | grep -c ' replay ')
	[ "$n" = 5 ] && "$MMREPLAY" plan show "$out/plan.json" -o "$out" | grep -q "^5 of 5 jobs done in $out\$" ||
		{ echo "groups_whole: not 5 of 5 jobs done" >&2; return 1; }
	for d in "$@"; do
		(cd "$d" && find cells -name results.json) >files.txt
		while read -r f; do cmp "$d/$f" "$out/$f" || return 1; done <files.txt
	done
	[ "$(ls "$out/reports/cells" | wc -l)" = 1 ] || { echo "groups_whole: not one comparison" >&2; return 1; }
	grep -q '^Trace .* Baseline: libc ' "$out"/reports/cells/*/report.md || { echo "groups_whole: cmp not against libc" >&2; return 1; }
	grep -q '^- slub: .* vs libc ' "$out"/reports/cells/*/report.md || { echo "groups_whole: slub not against libc" >&2; return 1; }
	ls -d "$out"/reports/sweeps/* | grep -qx "$out/reports/sweeps/1-[0-9a-f]\{16\}-default-0" ||
		{ echo "groups_whole: not solo's sweep alone" >&2; return 1; }
	grep -q '^- \[sweep across 1, 2 threads\](reports/sweeps/1-' "$out/index.md" &&
		grep -qx '## group cmp: a, kernel default' "$out/index.md" &&
		grep -qx '## group solo: b, kernel default' "$out/index.md" &&
		grep -q '2 groups, each with its engines and baseline: cmp (baseline libc); solo (one engine, null: no comparison)\.' "$out/index.md" &&
		grep -qx 'Group cmp: engines null, libc, slub, each compared against libc; one thread count, 1: no sweep, which needs two or more\.' "$out/index.md" &&
		grep -qx 'Group solo: one engine, null: no comparison, which needs two or more; thread counts 1, 2, swept across\.' "$out/index.md" &&
		[ "$(grep -c 'No comparison: group solo has one engine, null\.' "$out/index.md")" = 2 ] &&
		[ "$(grep -c '^\*\*sweep across' "$out/index.md")" = 1 ] ||
		{ echo "groups_whole: the index does not head and explain the groups" >&2; return 1; }
}
