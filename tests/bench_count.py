#!/usr/bin/env python3
"""bench_count.py - reads tlsanalyze --format=ndjson on stdin and prints
"hello=N alerts=N nosni=N" for the benchmark kit (shared/bench/run_bench.sh):
ClientHellos seen (a HelloRetryRequest makes two), fatal alerts readable in
clear, and ClientHellos without server_name."""
import json
import sys

hello = alerts = nosni = 0
for line in sys.stdin:
    c = json.loads(line)
    if c.get("type") != "connection":
        continue
    ch = c.get("client_hello")
    if ch:
        hello += ch["count"]
        if ch["sni"] is None:
            nosni += ch["count"]
    alerts += sum(1 for a in c["alerts"] if a["level"] == "fatal" and not a["encrypted"])
print("hello=%d alerts=%d nosni=%d" % (hello, alerts, nosni))
