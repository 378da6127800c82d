#!/usr/bin/env bash
# seeds.sh BUILD_DIR OUT_DIR - make the fuzz targets' seed corpora in
# OUT_DIR/TARGET/ from what the tree can generate (docs/fuzzing.md): small
# generated traces, the bundled traces' first events, the hand-written text
# traces, synthetic perf.data, a quick replay's results.json and hand-made
# ones.  Seeds are made at fuzz time, not checked in; the checked-in
# reproducers of tests/fuzz/corpus/TARGET are given to the fuzzer beside them.
set -euo pipefail
build=$(realpath "$1")
out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
mmr="$build/cli/mmreplay"
tool="$build/tests/fuzz/mmr_fuzz_seedtool"
mkperf="$build/tests/fuzz/mmr_mkperf"
[ -x "$mkperf" ] || mkperf="$build/tests/capture/mmr_mkperf"
for t in reader import_perf import_tracedat import_text results replay plan plan_file catalog; do
	rm -rf "${out:?}/$t"
	mkdir -p "$out/$t"
done
work="$out/work"
rm -rf "$work"
mkdir -p "$work"

# Traces: every workload, 300 events on 2 CPUs; the bundled traces' first
# 200 events (through text, as a user would cut one); the hand-written ones.
for w in $("$mmr" list workloads | awk 'NR > 1 {print $1}'); do
	"$mmr" generate "$w" -o "$work/$w.mmr" --ops 300 --cpus 2 -q
done
for t in "$src"/workloads/traces/*.mmr; do
	n=$(basename "$t" .mmr)
	"$mmr" dump -n 200 "$t" >"$work/$n.txt"
	"$mmr" import "$work/$n.txt" -o "$work/$n.mmr" -q
	head -n 40 "$work/$n.txt" >"$out/import_text/$n.txt"
done
for t in "$src"/tests/cli/traces/*.txt; do
	n=$(basename "$t" .txt)
	cp "$t" "$out/import_text/"
	"$mmr" import "$t" -o "$work/$n.mmr" -q
done

for t in "$work"/*.mmr; do
	n=$(basename "$t" .mmr)
	# The reader: as written (zstd blocks) and stored, in blocks of 64 and of 7 events.
	cp "$t" "$out/reader/$n.mmr"
	"$tool" stored "$t" "$out/reader/$n-stored64.mmr" 64
	"$tool" stored "$t" "$out/reader/$n-stored7.mmr" 7
	"$tool" replay "$t" "$out/replay" 100
	"$tool" plan "$t" "$out/plan/$n.bin" 200
	[ -e "$out/import_text/$n.txt" ] || "$mmr" dump -n 40 "$t" >"$out/import_text/$n.txt"
done

# The replay: a replay costs a tenth of a second or more under the
# sanitizers, so each engine gets the hand-written traces that apply to it
# (events out of range, unpaired maps) and one generated or bundled trace,
# not all of them: a short run (make.sh test) then fuzzes rather than
# spending its time on seeds.
hand=$(cd "$src/tests/cli/traces" && ls | sed 's/\.txt$//')
for e in $(ls "$out/replay" | sed 's/@.*//' | sort -u); do
	kept=0
	for f in "$out/replay/$e"@*.bin; do
		n=$(basename "$f" .bin)
		n=${n#*@}
		if echo "$hand" | grep -qx "$n"; then
			continue
		elif [ $kept = 0 ]; then
			kept=1
		else
			rm "$f"
		fi
	done
done

# perf.data: every layout the importer knows, plain and compressed, with lost records.
for layout in single identifier full; do
	for z in 0 1 2; do
		"$mkperf" "$out/import_perf/$layout-z$z.data" --layout "$layout" --compress $z --events 8
	done
	"$mkperf" "$out/import_perf/$layout-lost.data" --layout "$layout" --events 8 --lost --cpus 3
done

# trace.dat: the synthetic ones, versions 6 and 7, plain and compressed (7), and
# the checked-in cut-down real capture (tests/fuzz/corpus/import_tracedat).
for v in 6 7; do
	for z in 0 1; do
		[ $v = 6 ] && [ $z = 1 ] && continue
		"$mkperf" "$out/import_tracedat/v$v-z$z.dat" --trace-dat --version $v --compress $z --events 8 --cpus 2
	done
done

# results.json: a real replay's (two engines, two runs) and hand-made ones.
"$mmr" replay "$work/slab-mix.mmr" -e null,libc -t 2 --repeat 2 -o "$work/res" -q
for e in null libc; do
	cp "$work/res/$e/results.json" "$out/results/replay-$e.json"
done
fake="$src/tests/cli/fake_results.py"
python3 "$fake" "$work/f1" base --tput 100,110,90 --op alloc:p99=10,11,12 --op free:p50=5,5,6 \
	--lock zone_lock:100:10:5000
python3 "$fake" "$work/f2" other --tput 200 --no-repeats --op alloc:p99=20
python3 "$fake" "$work/f3" bare --drop locks --drop memory --op free:max=1
for f in f1 f2 f3; do
	cp "$work/$f/results.json" "$out/results/fake-$f.json"
done
# Two documents in one input, split by a form feed (fuzz_results.c).
{ cat "$work/f1/results.json"; printf '\f'; cat "$work/f2/results.json"; } >"$out/results/pair.json"
{ cat "$work/res/null/results.json"; printf '\f'; cat "$work/res/libc/results.json"; } >"$out/results/pair-replay.json"

# Plans and the family catalog: the shipped ones and hand-made edge cases.
python3 "$src/tests/fuzz/plan_seeds.py" "$src" "$out"

rm -rf "$work"
for t in reader import_perf import_tracedat import_text results replay plan plan_file catalog; do
	printf '%s: %s seeds\n' "$t" "$(find "$out/$t" -type f | wc -l)"
done
