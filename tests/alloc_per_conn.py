#!/usr/bin/env python3
"""alloc_per_conn.py - heap allocations per connection of tlsanalyze.

Runs the release binary under the counting allocator (tests/alloccount.c,
LD_PRELOAD) on hs-x1.pcap and hs-x50.pcap of the benchmark kit, once with
--summary and once with --format=ndjson, and prints for each output

    (calls on hs-x50 - calls on hs-x1) / (connections of hs-x50 - of hs-x1)

where calls are malloc + calloc + realloc + aligned allocations.  hs-x50 is
hs-x1's very mix 50 times over, so what the run costs once (rules, trust
store, OpenSSL's own set-up) cancels and what is left is the cost of a
connection; the connection counts come from the kit's MANIFEST.json.

Usage: alloc_per_conn.py [--tlsa BIN] [--preload SO] [--bench-dir DIR]
                         [--tsv FILE] [--modes 'summary ndjson']
--tsv writes the figures for tests/bench_table.py (make bench)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

MODES = {"summary": ["--summary"], "ndjson": ["--format=ndjson"]}
CAPS = ("hs-x1.pcap", "hs-x50.pcap")
FIELDS = ("malloc", "calloc", "realloc", "aligned", "free", "bytes", "peak_bytes")


def measure(tlsa, preload, args, cap):
    """One run under the allocator: its counters as a dict."""
    with tempfile.NamedTemporaryFile("r", prefix="alloccount.", suffix=".log") as log:
        env = dict(os.environ, LD_PRELOAD=preload, ALLOCCOUNT_LOG=log.name)
        # The output is thrown away: writing it is part of the work measured,
        # keeping it is not.
        with open(os.devnull, "w") as null:
            rc = subprocess.run([tlsa, *args, cap], stdout=null, env=env).returncode
        if rc not in (0, 1):   # 1: a failed handshake was diagnosed, as expected
            sys.exit("alloc_per_conn: %s %s %s: exit %d" % (tlsa, " ".join(args), cap, rc))
        lines = [ln for ln in log.read().splitlines() if ln.startswith("alloccount:")]
    if len(lines) != 1:
        sys.exit("alloc_per_conn: expected one alloccount line, got %d (is %s built?)"
                 % (len(lines), preload))
    kv = dict(w.split("=", 1) for w in lines[0].split()[1:])
    return {k: int(kv[k]) for k in FIELDS}


def calls(c):
    return c["malloc"] + c["calloc"] + c["realloc"] + c["aligned"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tlsa", default=os.path.join(top, "tlsanalyze"))
    ap.add_argument("--preload", default=os.path.join(top, "build", "alloccount.so"))
    ap.add_argument("--bench-dir", default=os.environ.get("BENCH_DIR", os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "tlsa-bench")))
    ap.add_argument("--tsv", help="also write the figures here (tab-separated)")
    ap.add_argument("--modes", default="summary ndjson")
    a = ap.parse_args()
    preload = os.path.abspath(a.preload)
    manifest = json.load(open(os.path.join(a.bench_dir, "MANIFEST.json")))["captures"]
    conns = [manifest[c]["connections"] for c in CAPS]

    rows = []
    for mode in a.modes.split():
        x1, x50 = (measure(a.tlsa, preload, MODES[mode], os.path.join(a.bench_dir, c))
                   for c in CAPS)
        n = conns[1] - conns[0]
        rows.append({
            "mode": mode,
            "calls_x1": calls(x1), "calls_x50": calls(x50),
            "per_conn": (calls(x50) - calls(x1)) / n,
            "malloc_per_conn": (x50["malloc"] - x1["malloc"]) / n,
            "calloc_per_conn": (x50["calloc"] - x1["calloc"]) / n,
            "realloc_per_conn": (x50["realloc"] - x1["realloc"]) / n,
            "bytes_per_conn": (x50["bytes"] - x1["bytes"]) / n,
            "startup_calls": calls(x1) - conns[0] * (calls(x50) - calls(x1)) / n,
            "peak_x1": x1["peak_bytes"], "peak_x50": x50["peak_bytes"],
        })

    print("| output | calls hs-x1 | calls hs-x50 | per connection (malloc/calloc/realloc) "
          "| bytes asked per connection | start-up calls | peak heap MiB x1 / x50 |")
    print("|---|---:|---:|---|---:|---:|---|")
    for r in rows:
        print("| %s | %d | %d | %.1f (%.1f/%.1f/%.1f) | %.0f | %.0f | %.1f / %.1f |" % (
            " ".join(MODES[r["mode"]]), r["calls_x1"], r["calls_x50"], r["per_conn"], r["malloc_per_conn"],
            r["calloc_per_conn"], r["realloc_per_conn"], r["bytes_per_conn"],
            r["startup_calls"], r["peak_x1"] / 2**20, r["peak_x50"] / 2**20))
    if a.tsv:
        with open(a.tsv, "w") as f:
            keys = list(rows[0])
            f.write("\t".join(keys) + "\n")
            for r in rows:
                f.write("\t".join(str(r[k]) for k in keys) + "\n")


if __name__ == "__main__":
    main()
