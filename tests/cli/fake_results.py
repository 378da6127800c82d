#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# fake_results.py - write a results.json by hand with known numbers, for
# the compare tests: the report must state exactly the differences and the
# significance these numbers imply.
#
#   fake_results.py DIR ENGINE [--trace T] [--events N] [--tput v1,v2,...]
#                   [--op OP:STAT=v1,v2,... ...] [--no-repeats] [--drop KEY]
#
# STAT is p50, p90, p99, p999 or max; each listed value is one run's figure
# and the headline figure is their mean, so a change in percent is known.
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
            doc["repeats"][i]["ops"].setdefault(name, {"count": 1000})[stat + "_ns"] = v
    doc["ops"][name] = o
for spec in a.lock:
    name, acq, cont, wait = spec.split(":")
    doc["locks"].append({"name": name, "kind": "spinlock", "side": "exclusive", "acquisitions": int(acq),
                         "contended": int(cont), "wait_ns_total": int(wait), "wait_ns_max": int(wait)})
if a.no_repeats:
    del doc["repeats"]
for k in a.drop:
    doc.pop(k, None)
os.makedirs(a.dir, exist_ok=True)
with open(os.path.join(a.dir, "results.json"), "w") as f:
    json.dump(doc, f, indent=1)
