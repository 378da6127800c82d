#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# fake_results.py - write a results.json by hand with known numbers, for
# the compare tests: the report must state exactly the differences and the
# significance these numbers imply.
#
#   fake_results.py DIR ENGINE [--trace T] [--events N] [--tput v1,v2,...]
#                   [--op OP:STAT=v1,v2,... ...] [--no-repeats] [--drop KEY]
#                   [--lock NAME:ACQ:CONTENDED:WAIT_NS ...] [--no-timing] [--plot-data]
#                   [--timer NAME=NS,NS,...]
#                   [--failed OP=v1,v2,...] [--outcome KEY:UNIT:BETTER:OP=v1,v2,...]
#                   [--same-code OP=NAME] [--baseline-flag]
#
# STAT is p50, p90, p99, p999 or max; each listed value is one run's figure
# and the headline figure is their mean, so a change in percent is known.
# --no-timing writes what `replay --no-timing` does (latencies null);
# --plot-data also the figures only the plots read, as replay writes them
# (docs/results-json.md): a histogram per timed op (three buckets, at a
# quarter, a half and the whole of its p99), the timeline (two bins) and
# its live bytes; --timer a timed mechanism that fired at those ns (in
# timers[], with its marks).  --failed gives an op's
# failed calls per run (of its 1000 calls a run), --outcome an outcome the
# engine declares (BETTER more, fewer or neither; OP - for none) with its
# count per run, --same-code the code an op shares with other engines,
# --baseline-flag marks the engine as its family's baseline.
import argparse, json, os

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("engine")
p.add_argument("--trace", default="/tmp/known.mmr")
p.add_argument("--events", type=int, default=1000)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--tput", default="1000000")
p.add_argument("--op", action="append", default=[])
p.add_argument("--lock", action="append", default=[], help="NAME:ACQ:CONTENDED:WAIT_NS")
p.add_argument("--no-repeats", action="store_true")
p.add_argument("--drop", action="append", default=[])
p.add_argument("--no-timing", action="store_true")
p.add_argument("--plot-data", action="store_true")
p.add_argument("--timer", action="append", default=[])
p.add_argument("--failed", action="append", default=[])
p.add_argument("--outcome", action="append", default=[])
p.add_argument("--same-code", action="append", default=[])
p.add_argument("--baseline-flag", action="store_true")
a = p.parse_args()

tput = [float(v) for v in a.tput.split(",")]
runs = len(tput)
ops = {}
for spec in a.op:
    name, rest = spec.split(":", 1)
    stat, vals = rest.split("=")
    ops.setdefault(name, {})[stat] = [float(v) for v in vals.split(",")]
    assert len(ops[name][stat]) == runs, f"{spec}: {runs} runs expected"
mean = lambda v: sum(v) / len(v)
doc = {
    "engine": a.engine, "trace": a.trace, "threads": a.threads, "online_cpus": 2,
    "timing": True, "trace_events": a.events, "runs": runs,
    "wall_ns": 1000000000, "throughput_ops_s": mean(tput),
    "ops": {}, "locks": [], "memory": {"footprint_bytes": 1048576, "peak_rss_bytes": 4194304},
    "repeats": [{"wall_ns": 1000000000, "throughput_ops_s": t, "ops": {}} for t in tput],
}
for name, stats in ops.items():
    o = {"count": 1000 * runs, "failed": 0}
    for stat, vals in stats.items():
        o[stat + "_ns"] = mean(vals)
        for i, v in enumerate(vals):
            doc["repeats"][i]["ops"].setdefault(name, {"count": 1000, "failed": 0})[stat + "_ns"] = v
    doc["ops"][name] = o
for spec in a.failed:
    name, vals = spec.split("=")
    vals = [int(v) for v in vals.split(",")]
    assert len(vals) == runs and name in doc["ops"], f"{spec}: an --op with {runs} runs first"
    doc["ops"][name]["failed"] = sum(vals)
    for i, v in enumerate(vals):
        doc["repeats"][i]["ops"][name]["failed"] = v
doc["outcomes"] = []
for spec in a.outcome:
    head, vals = spec.split("=")
    key, unit, better, op = head.split(":")
    vals = [int(v) for v in vals.split(",")]
    doc["outcomes"].append({"key": key, "unit": unit, "better": better, "op": None if op == "-" else op,
                            "work": False, "help": "", "total": sum(vals)})
    for i, v in enumerate(vals):
        doc["repeats"][i].setdefault("outcomes", {})[key] = v
doc["same_code"] = dict(s.split("=") for s in a.same_code)
doc["baseline"] = a.baseline_flag
for spec in a.lock:
    name, acq, cont, wait = spec.split(":")
    doc["locks"].append({"name": name, "kind": "spinlock", "side": "exclusive", "acquisitions": int(acq),
                         "contended": int(cont), "wait_ns_total": int(wait), "wait_ns_max": int(wait)})
if a.no_timing:
    doc["timing"] = False
    for o in [doc["ops"]] + [r["ops"] for r in doc["repeats"]]:
        for op in o.values():
            for k in list(op):
                if k.endswith("_ns"):
                    op[k] = None
if a.no_repeats:
    del doc["repeats"]
for k in a.drop:
    doc.pop(k, None)
if a.plot_data:
    for name, stats in ops.items():
        if a.no_timing:
            continue
        p99 = int(mean(stats.get("p99", [100.0])))
        doc["ops"][name]["histogram"] = [{"low": v, "high": v, "count": c, "low_ns": float(v), "high_ns": float(v)}
                                         for v, c in ((p99 // 4, 500), (p99 // 2, 490), (p99, 10))]
    doc["timeline"] = {"bins": 2, "peak_live_bytes": 8192, "peak_live_objects": 8, "end_live_bytes": 8192,
                       "end_live_objects": 8,
                       "by_bin": [{"time_s": 0.5, "ops_per_s": tput[0], "live_bytes": 4096, "live_objects": 4},
                                  {"time_s": 1.0, "ops_per_s": tput[0], "live_bytes": 8192, "live_objects": 8}]}
doc["timers"] = []
for spec in a.timer:
    name, marks = spec.rsplit("=", 1)
    marks = [int(v) for v in marks.split(",") if v]
    doc["timers"].append({"name": name, "timers": 1, "fired": len(marks), "marks_ns": marks})
os.makedirs(a.dir, exist_ok=True)
with open(os.path.join(a.dir, "results.json"), "w") as f:
    json.dump(doc, f, indent=1)
