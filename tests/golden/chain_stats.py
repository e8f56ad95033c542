#!/usr/bin/env python3
"""chain_stats.py - counts of certificate chain findings over a set of captures.

Usage: chain_stats.py [TLSANALYZE] [CAPTURES...]   (default: ./tlsanalyze
../shared/corpus/captures).  Runs tlsanalyze --format=ndjson and prints, for
server and client chains, how many connections show each finding, the verify
errors against the trust store in use, the kinds of weakness, and how often
each certificate rule fired.  For the record (issue notes), not a test.
"""
import collections
import json
import subprocess
import sys

tool = sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze"
inputs = sys.argv[2:] or ["../shared/corpus/captures"]
p = subprocess.run([tool, "--quiet", "--format=ndjson", *inputs], capture_output=True,
                   text=True)
count = collections.Counter()
errors = collections.Counter()
weak = collections.Counter()
rules = collections.Counter()
for line in p.stdout.splitlines():
    o = json.loads(line)
    if o.get("type") != "connection":
        continue
    for d in o.get("diagnoses", []):
        rules[d["rule"]] += 1
    for key in ("chain", "client_chain"):
        ch = o.get(key)
        if not ch:
            continue
        count[key, "connections with a chain"] += 1
        tests = {
            "incomplete (missing issuer)": ch.get("complete") is False,
            "out of order": ch.get("ordered") is False,
            "extra certificates": bool(ch.get("extra")),
            "duplicates": bool(ch.get("duplicates")),
            "root sent": ch.get("root_sent") is True,
            "host name mismatch": ch.get("hostname_match") is False,
            "host name checked against CN": ch.get("hostname_checked") == "cn",
            "trusted": ch.get("trusted") is True,
            "not trusted": ch.get("trusted") is False,
            "expired at capture time": ch.get("expired") is True,
            "not yet valid at capture time": ch.get("not_yet_valid") is True,
            "expires within 30 days": isinstance(ch.get("days_left"), int)
            and 0 <= ch["days_left"] < 30,
            "self-signed leaf": ch.get("self_signed_leaf") is True,
            "CA:TRUE leaf": ch.get("ca_leaf") is True,
            "policy finding": bool(ch.get("policy")),
            "weak key or signature": bool(ch.get("weak")),
            "leaf does not parse": ch.get("leaf_parse_error") is True,
        }
        for name, hit in tests.items():
            if hit:
                count[key, name] += 1
        if ch.get("trusted") is False:
            errors[key, ch.get("verify_error")] += 1
        for w in ch.get("weak", []):
            weak[key, w.split(" (")[0].replace("1024", "N").replace("512", "N")] += 1
for (key, name), n in sorted(count.items()):
    print("%-13s %-32s %6d" % (key, name, n))
print()
for (key, e), n in errors.most_common():
    print("%-13s verify error: %-40s %6d" % (key, e, n))
print()
for (key, w), n in weak.most_common():
    print("%-13s weak: %-48s %6d" % (key, w, n))
print()
for r in ("incomplete-chain", "hostname-mismatch", "expired-certificate",
          "unknown-certificate", "certificate-purpose", "self-signed-certificate",
          "certificate-expires-soon", "weak-certificate", "chain-out-of-order",
          "client-certificate-missing"):
    print("rule %-28s %6d" % (r, rules[r]))
