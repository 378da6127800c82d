#!/usr/bin/env python3
"""plan_seeds.py SRC_DIR OUT_DIR - seeds for fuzz_plan_file and fuzz_catalog
(docs/fuzzing.md): the shipped plans and catalog, and hand-made edge cases
beside them in OUT_DIR/plan_file and OUT_DIR/catalog: nesting past cJSON's
limit, numbers past every bound, keys given twice, bytes that are not
UTF-8, empty and 64-item lists, a grid of exactly MMR_PLAN_MAX_JOBS jobs
and one past it, names the shell must quote, trailing text and a NUL;
plans of groups and replay options."""
import json
import os
import shutil
import sys

src, out = sys.argv[1], sys.argv[2]
plans, cats = os.path.join(out, "plan_file"), os.path.join(out, "catalog")

for d in ("plan/plans", "tests/plan"):
    for f in sorted(os.listdir(os.path.join(src, d))):
        if f.endswith(".json"):
            shutil.copy(os.path.join(src, d, f), os.path.join(plans, f))
shutil.copy(os.path.join(src, "plan/families.json"), os.path.join(cats, "families.json"))


def put(folder, name, doc):
    data = doc if isinstance(doc, bytes) else (doc if isinstance(doc, str) else json.dumps(doc)).encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


GEN = {"name": "g", "generate": {"workload": "slab-mix", "ops": 100, "params": {"cache-pct": 50}}}


def plan(**kw):
    d = {"mmreplay_plan": 1, "name": "edge", "traces": [GEN], "engines": ["null", "libc"], "threads": [1, 2]}
    d.update(kw)
    return d


put(plans, "edge-deep.json", '{"mmreplay_plan": 1, "name": "x", "traces": ' + "[" * 1100 + "]" * 1100 + "}")
put(plans, "edge-deep-opts.json", json.dumps(plan())[:-1] + ', "engine_opts": {"a": ' + "[" * 999 + "1" + "]" * 999 + "}}")
put(plans, "edge-huge.json", '{"mmreplay_plan": 1, "name": "x", "traces": [{"name": "g", "generate": {"workload": "w",'
    ' "ops": 1e400, "seed": 18446744073709551616, "cpus": -0}}], "engines": ["e"], "threads": [9007199254740993],'
    ' "repeat": 1e-300, "engine_opts": {"a": 8999999999999999, "b": [-9.0e15, 1e15, -0]}}')
put(plans, "edge-dup-top.json", '{"mmreplay_plan": 1, "name": "x", "name": "y", "traces": [{"name": "g", "file": "t.mmr"}],'
    ' "engines": ["e"], "threads": [1]}')
put(plans, "edge-dup-opts.json", json.dumps(plan())[:-1] + ', "engine_opts": {"a": 1, "a": [1, 2], "b": 2}}')
put(plans, "edge-dup-params.json", '{"mmreplay_plan": 1, "name": "x", "traces": [{"name": "g", "generate": {"workload": "w",'
    ' "ops": 5, "params": {"p": 1, "p": 2}}}], "engines": ["e"], "threads": [1]}')
put(plans, "edge-utf8.json", b'{"mmreplay_plan": 1, "name": "\xff\xfe", "traces": [{"name": "\xc3\x28", "file": "t.mmr"}],'
    b' "engines": ["\xe2\x82", "e\xed\xa0\x80"], "threads": [1]}')
put(plans, "edge-empty.json", plan(engines=[], threads=[], kernel=[], engine_opts={"a": []}))
put(plans, "edge-64.json", plan(engines=["e%d" % i for i in range(64)], threads=list(range(1, 65)),
                                engine_opts={"a": list(range(64))}, kernel=["default", "rt"]))
put(plans, "edge-64-each.json", plan(engines=["e%d" % i for i in range(64)], threads=[1],
                                     traces=[dict(GEN, name="g%d" % i) for i in range(64)]))
put(plans, "edge-65.json", plan(engines=["e%d" % i for i in range(65)], threads=list(range(1, 66))))
put(plans, "edge-max-jobs.json", plan(engines=["a", "b"], threads=list(range(1, 21)),
                                      engine_opts={"x": list(range(50)), "y": list(range(50))}))
put(plans, "edge-max-jobs-1.json", plan(engines=["a", "b"], threads=list(range(1, 22)),
                                        engine_opts={"x": list(range(50)), "y": list(range(50))}))
put(plans, "edge-quotes.json", plan(name="it's", traces=[
    {"name": "f", "file": "a b'c $x.mmr"}, {"name": "k", "file": "kernel-stacks.mmr"}, {"name": "p", "file": "/etc/passwd"},
    {"name": "w", "generate": {"workload": "a'b c", "ops": 1, "params": {"k'$(x)": "v w", "\n": "\t"}}}],
    engines=["e'1", "$(reboot)", "a b", "\\"], kernel=["rt"], repeat=1000,
    engine_opts={"o'1": ["'", "''", "a\nb"], "": "x", "sp ace": "`id`"}, reports={"compare": True, "sweep": False}))
# An option past the 8 KiB an id's text once had (test_plan_read has params past it: a seed of two
# such traces would let every input grow to 17 KB, and the fuzzer slow down).
put(plans, "edge-long.json", plan(engine_opts={"a": "y" * 8300, "b": [1, 2]}))
put(plans, "edge-trailing.json", json.dumps(plan()) + ' {"mmreplay_plan": 1}')
put(plans, "edge-nul.json", json.dumps(plan()).encode() + b"\0junk")

# Groups (docs/plans.md "Groups") and replay options: two groups over the plan's defaults, one
# overriding threads, kernel, engine_opts, replay and repeat; a plan of groups without engines or
# threads of its own; replay values that canonicalise (x1 is original, 10.0 is 10) or away (replay's
# defaults: map cpu, pace asap, pin false); a trace in two groups with other options; two groups
# making one cell (refused); every replay option at once, flags true and false.
GEN2 = {"name": "h", "generate": {"workload": "vmalloc-test", "ops": 50, "seed": 3}}
put(plans, "edge-groups.json", plan(traces=[GEN, GEN2, {"name": "f", "file": "t.mmr"}], groups=[
    {"name": "a", "traces": ["g", "f"]},
    {"name": "b", "traces": ["h"], "engines": ["x", "y", "z"], "baseline": "y", "threads": [1, 4, 8],
     "kernel": ["default", "rt"], "engine_opts": {"k": [1, 2], "fixed": "v"}, "replay": {"map": "pid", "pin": True},
     "repeat": 3}]))
put(plans, "edge-groups-only.json", {"mmreplay_plan": 1, "name": "only", "traces": [GEN, GEN2], "groups": [
    {"name": "a", "traces": ["g"], "engines": ["e1"], "threads": [2]},
    {"name": "b", "traces": ["h", "g"], "engines": ["e2", "e3"], "threads": [1, 2], "replay": {"no_timing": True}}]})
put(plans, "edge-replay-canon.json", plan(replay={"pace": "x1", "max_gap": 10.0, "map": "cpu", "pin": False,
                                                  "no_timing": False, "sched": "auto", "watchdog": 30}))
put(plans, "edge-replay-all.json", plan(replay={"as": "slab", "events": 1000, "map": "hash", "max_gap": 0.5,
                                                "no_timing": True, "pace": "x2.5", "pin": True, "sched": "other",
                                                "watchdog": 5}))
put(plans, "edge-groups-same-cell.json", plan(groups=[{"name": "a", "traces": ["g"]},
                                                      {"name": "b", "traces": ["g"], "engines": ["other"],
                                                       "replay": {"watchdog": 9}}]))
put(plans, "edge-groups-other-opts.json", plan(replay={"pace": "original"}, groups=[
    {"name": "a", "traces": ["g"]}, {"name": "b", "traces": ["g"], "replay": {"pace": "x2"}},
    {"name": "c", "traces": ["g"], "engine_opts": {"o": "1"}}]))

CLAIM = {"family": "f", "engine": "b", "figure": "alloc.p99", "expect": -1, "claim": "c", "where": "w", "note": "n"}
FAM = {"name": "f", "heading": "h", "question": "q", "engines": ["a", "b"], "baseline": "a", "references": ["b"],
       "workload": {"name": "w", "ops": 1000}, "real": None, "no_real": "none", "rt": True, "engine_opts": ["k=v"]}


def catalog(fams, claims):
    return {"mmreplay_families": 1, "about": "edge", "families": fams, "claims": claims}


put(cats, "edge-min.json", catalog([FAM], [CLAIM, {"family": "f", "untestable": True, "claim": "c", "where": "w",
                                                   "note": "n"}, dict(CLAIM, rt=True, expect=1)]))
REAL = {k: v for k, v in FAM.items() if k != "no_real"}
put(cats, "edge-64.json", catalog([dict(REAL, name="f%d" % i, real="r%d.mmr" % i) for i in range(64)],
                                  [dict(CLAIM, family="f%d" % i) for i in range(64)]))
put(cats, "edge-dup.json", '{"mmreplay_families": 1, "families": [{"name": "f", "name": "g"}], "claims": [], "claims": []}')
put(cats, "edge-deep.json", '{"mmreplay_families": 1, "families": ' + "[" * 1100 + "]" * 1100 + "}")
put(cats, "edge-huge.json", json.dumps(catalog([dict(FAM, workload={"name": "w", "ops": 1e15})], []))[:-1].replace(
    "1000000000000000.0", "1e400") + ', "claims": [{"family": "f", "expect": 1e400}]}')
put(cats, "edge-utf8.json", b'{"mmreplay_families": 1, "families": [{"name": "\xff", "heading": "\xc3\x28"}]}')
put(cats, "edge-empty.json", catalog([dict(FAM, engines=[], references=[], engine_opts=[])], []))
put(cats, "edge-trailing.json", json.dumps(catalog([FAM], [])) + " x")
