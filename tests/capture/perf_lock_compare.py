#!/usr/bin/env python3
# perf_lock_compare.py - `mmreplay stats --json` against `perf lock contention` on the same events.
#
#   perf_lock_compare.py STATS_JSON PERF_T_TXT PERF_TOTAL_TXT
#
# PERF_T_TXT is `perf lock contention -t -E 1000000` (one row per task),
# PERF_TOTAL_TXT `perf lock contention -E 1000000` of a recording without
# call chains (every wait under caller "Unknown").  perf 6.1 has no
# per-address output (--lock-addr came later), so the check is per task
# and in all: the same contended counts exactly, and the same total, max
# and average wait as perf prints them (perf rounds to 2 decimals of its
# unit; the JSON's exact ns printed perf's way must give the same text).
# Prints one line per figure; exits 1 on any difference.
import json
import struct
import sys


def f32(x):
    """X rounded to single precision."""
    return struct.unpack("f", struct.pack("f", x))[0]


def perf_ns(ns):
    """NS as perf prints a wait: "676 ns", "1.12 us", "24.68 ms", "1.50 s".

    perf divides in single precision: 125405 ns prints as 125.40 us, not
    125.41 (seen on a real recording), so the quotient is rounded to a
    float before it is printed to 2 decimals.
    """
    if ns < 1000:
        return "%d ns" % ns
    for div, unit in ((1e6, "us"), (1e9, "ms"), (1e12, "s")):
        if ns < div or unit == "s":
            return "%.2f %s" % (f32(f32(ns) / f32(div / 1e3)), unit)


def rows(path):
    """Data rows of perf lock contention output: (contended, total, max, avg, rest...)."""
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.split()
        if len(f) < 8 or not f[0].isdigit():
            continue
        out.append((int(f[0]), f[1] + " " + f[2], f[3] + " " + f[4], f[5] + " " + f[6], f[7:]))
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: perf_lock_compare.py STATS_JSON PERF_T_TXT PERF_TOTAL_TXT")
    lc = json.load(open(sys.argv[1]))["lock_contention"]
    fail = 0

    def check(what, got, want):
        nonlocal fail
        if got != want:
            print("FAIL: %s: mmreplay %s, perf %s" % (what, got, want))
            fail = 1
        else:
            print("ok: %s = %s" % (what, got))

    tasks = {int(t["pid"]): t for t in lc["tasks"]}
    perf_tasks = rows(sys.argv[2])
    check("tasks that waited", len(tasks), len(perf_tasks))
    for cont, total, mx, avg, rest in perf_tasks:
        pid = int(rest[0])
        t = tasks.get(pid)
        if t is None:
            check("pid %d" % pid, "absent", "present")
            continue
        check("pid %d contended" % pid, t["contended"], cont)
        check("pid %d total wait" % pid, perf_ns(t["wait_total_ns"]), total)
        check("pid %d max wait" % pid, perf_ns(t["wait_max_ns"]), mx)
        a = t["wait_total_ns"] // t["acquired"] if t["acquired"] else 0
        check("pid %d avg wait" % pid, perf_ns(a), avg)

    # Without call chains perf files every wait under one caller: the whole.
    total = rows(sys.argv[3])
    check("rows in perf's total", len(total), 1)
    if total:
        check("all contended", lc["contended"], total[0][0])
        check("all total wait", perf_ns(lc["wait_total_ns"]), total[0][1])
        check("all max wait", perf_ns(max((l["wait_max_ns"] for l in lc["locks"]), default=0)), total[0][2])
    # Per lock, the rows must add up to the whole perf agreed with.
    check("locks' contended summed", sum(l["contended"] for l in lc["locks"]), lc["contended"])
    check("locks' wait summed", sum(l["wait_total_ns"] for l in lc["locks"]), lc["wait_total_ns"])
    check("at least one wait", lc["contended"] > 0, True)
    sys.exit(fail)


if __name__ == "__main__":
    main()
