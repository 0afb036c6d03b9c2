#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/table.py: turns tests/bench/run's results.jsonl (one JSON object per generator
# run, tagged with case, title, side) into markdown: per case and side the median over runs
# of requests|messages/s at each concurrency, p50/p99 latency, server CPU per operation and
# cores busy at the reference concurrency (8 when measured), peak RSS (max), DNS queries per
# operation, errors; then a ratio row ours/peer. First-answer cases get their own table.
# Usage: table.py RESULTS.jsonl "1 8 32"
import json
import statistics
import sys


def med(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None and r[key] >= 0]
    return statistics.median(vals) if vals else None


def fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"


def ratio(a, b, digits=2):
    return "–" if a is None or b in (None, 0) else f"{a / b:.{digits}f}×"


def main():
    path, concs = sys.argv[1], [int(c) for c in sys.argv[2].split()]
    ref = 8 if 8 in concs else concs[-1]
    last = concs[-1]
    rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    cases, loops, firsts = [], {}, {}
    for r in rows:
        if r["case"] not in cases:
            cases.append(r["case"])
        key = (r["case"], r["side"])
        if r.get("skipped") or r.get("failed"):
            loops.setdefault(key, {"title": r["title"], "skipped": True,
                                   "why": "did not start" if r.get("failed") else "not available"})
        elif r.get("mode") == "first-answer":
            firsts[key] = r
        else:
            loops.setdefault(key, {"title": r["title"], "runs": []})["runs"].append(r)

    print(f"| case | side | " + " | ".join(f"/s c={c}" for c in concs) +
          f" | p50 ms c={ref} | p99 ms c={ref} | server CPU ms/op c={ref} | cores busy c={last}"
          f" | peak RSS MiB | DNS q/op | load | errors |")
    print("|---" * (len(concs) + 10) + "|")
    for case in cases:
        figs = {}
        for side in ("peer", "ours"):
            e = loops.get((case, side))
            if e is None:
                continue
            title = e["title"]
            if e.get("skipped"):
                print(f"| {title} | {side} | " + " | ".join("–" for _ in concs) +
                      f" | – | – | – | – | – | – | – | {e['why']} |")
                continue
            runs = e["runs"]
            at = {c: [r for r in runs if r["concurrency"] == c] for c in concs}
            per_s = {c: med(at[c], "per_s") for c in concs}
            f = {
                "per_s": per_s,
                "p50": med(at[ref], "p50_ms"), "p99": med(at[ref], "p99_ms"),
                "cpu": med(at[ref], "cpu_ms_per_op"), "busy": med(at[last], "cores_busy"),
                "rss": max((r["peak_rss_mib"] for r in runs), default=None),
            }
            ops = sum(r["n"] for r in runs) + e["runs"][0].get("warmup", 0) * len(concs)
            # dns_queries is repeated on each run line of one invocation: count it once per c
            dnsq = sum(at[c][0].get("dns_queries", 0) for c in concs if at[c])
            errors = sum(r["errors"] for r in runs)
            figs[side] = f
            print(f"| {title} | {side} | " + " | ".join(fmt(per_s[c], 0) for c in concs) +
                  f" | {fmt(f['p50'], 2)} | {fmt(f['p99'], 2)} | {fmt(f['cpu'], 3)}"
                  f" | {fmt(f['busy'], 2)} | {fmt(f['rss'])} | {fmt(dnsq / ops if ops else None, 2)}"
                  f" | {fmt(med(runs, 'loadavg'))}"
                  f" | {'**' + str(errors) + '**' if errors else 0} |")
        if "peer" in figs and "ours" in figs:
            p, o = figs["peer"], figs["ours"]
            print(f"| ↳ ours/peer | ratio | " +
                  " | ".join(ratio(o["per_s"][c], p["per_s"][c]) for c in concs) +
                  f" | {ratio(o['p50'], p['p50'])} | {ratio(o['p99'], p['p99'])}"
                  f" | {ratio(o['cpu'], p['cpu'])} | – | {ratio(o['rss'], p['rss'])} | – | – | |")
    if firsts:
        print()
        print("| spawn: start → first answer | side | processes | min ms | p50 ms | p99 ms"
              " | CPU ms/process | peak RSS MiB | errors |")
        print("|---" * 9 + "|")
        for case in cases:
            for side in ("peer", "ours"):
                r = firsts.get((case, side))
                if r:
                    print(f"| {r['title']} | {side} | {r['k']} | {fmt(r['min_ms'], 2)}"
                          f" | {fmt(r['p50_ms'], 2)} | {fmt(r['p99_ms'], 2)}"
                          f" | {fmt(r['cpu_ms_per_proc'], 2)} | {fmt(r['peak_rss_mib'])}"
                          f" | {r['errors']} |")
    print()
    print(f"Medians of {max((len(e['runs']) // len(concs) for e in loops.values() if 'runs' in e), default=0)}"
          f" runs per figure; load: median 1-minute load average during the runs (2 CPUs). /s: completed operations per second, closed loop, generator on the"
          f" same CPUs. server CPU: daemon (all threads + children; spawn: the reaped children) per"
          f" operation. ratio: ours ÷ peer (higher /s and lower CPU, latency, RSS are better).")


if __name__ == "__main__":
    main()
