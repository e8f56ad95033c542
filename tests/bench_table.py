#!/usr/bin/env python3
"""bench_table.py OUT MANIFEST.json CAPS JCAP - prints the table of `make bench`.

OUT is the folder tests/bench.sh filled: one sub-folder per call of the
benchmark kit (main, peers, summary, j1, j2), each with the kit's
results.tsv, and alloc.tsv from tests/alloc_per_conn.py.  Every row gives
seconds, the ratio to the libpcap floor (the kit's pcount on the same
capture in the same run), peak RSS, the counts against MANIFEST.json where
the tool reports them, and for tlsanalyze the targets of issue 14 and
whether each is met.  Peers have no target: they are the yardstick."""
import csv
import json
import os
import sys

# Issue 14's targets.  ALLOC_TARGET is ours: the issue asks for "a small
# constant"; 20 is room for a flow entry, two reassembly buffers, the
# handshake messages and one arena, with the certificates cached.
BULK_X_FLOOR = 1.3
HS_X_FLOOR = 4.0
HS_SUMMARY_X_FLOOR = 2.0
RSS_MIB = 64.0
RSS_X50_OVER_X1 = 1.2
J2_SPEEDUP = 1.8
ALLOC_TARGET = float(os.environ.get("ALLOC_TARGET", "20"))

PEER_NAMES = {"tshark": "tshark", "ssldump": "ssldump", "ndpi": "ndpiReader"}
TIMEOUT_RC = "124"


def load(out, step):
    """Rows of one call of the kit, by capture and tool."""
    path = os.path.join(out, step, "results.tsv")
    if not os.path.exists(path):
        return {}
    rows = list(csv.DictReader(open(path), delimiter="\t"))
    return {(r["capture"], r["tool"]): r for r in rows}


def seconds(r):
    return float(r["seconds"]) if r and r["seconds"] else None


def rss_mib(r):
    return int(r["rss_kib"]) / 1024 if r and r["rss_kib"] else None


def fmt(v, spec):
    return "-" if v is None else spec % v


def ok(cond, shown):
    return ("yes (%s)" % shown) if cond else ("**NO** (%s)" % shown)


def run_note(r, tool_ok_rcs=("0",)):
    if r["rc"] == TIMEOUT_RC:
        return "timed out (TIMEOUT)"
    return "" if r["rc"] in tool_ok_rcs else "exit %s" % r["rc"]


def counts(r, truth, tool):
    """'found/truth' for hellos, clear fatal alerts and no-SNI hellos, and
    whether all three are equal (None when the tool reported none)."""
    if tool == "ndpi":
        keys = ("tls_connections", "alerts_in_clear", "tls_connections_without_sni")
    else:
        keys = ("client_hellos", "alerts_in_clear", "client_hellos_without_sni")
    found = (r["hello"], r["alerts"], r["nosni"])
    if any(f in ("", "-") for f in found):
        return "-", None
    want = [truth.get(k) for k in keys]
    text = " · ".join("%s/%s" % (f, w) for f, w in zip(found, want))
    return text + (" flows" if tool == "ndpi" else ""), [str(w) for w in want] == list(found)


def row(cells):
    print("| " + " | ".join(cells) + " |")


def main():
    out, manifest, caps, jcap = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
    truth = json.load(open(manifest))["captures"]
    main_rows, peers, summary = load(out, "main"), load(out, "peers"), load(out, "summary")
    floor = {c: seconds(main_rows.get((c, "pcount"))) for c in caps}
    tlsa_rss = {}
    all_counts_equal = []

    print("| what | capture | seconds | x floor | peak RSS MiB | hellos · clear fatal alerts · "
          "no-SNI hellos (found/truth) | target | met |")
    print("|---|---|---:|---:|---:|---|---|---|")

    def timed(what, cap, r, targets, tool="tlsa", floor_s=None, ok_rcs=("0", "1")):
        """A row for one kit row |r|; |targets| is a list of (text, check)
        where check(seconds, ratio, rss) gives the 'met' text."""
        if r is None:
            row([what, cap, "-", "-", "-", "-", " · ".join(t for t, _ in targets) or "",
                 "not run"])
            return
        s = seconds(r)
        fl = floor_s if floor_s is not None else floor.get(cap)
        ratio = s / fl if s is not None and fl else None
        rss = rss_mib(r)
        cnt, equal = counts(r, truth.get(cap, {}), tool)
        note = run_note(r, ok_rcs)
        mets = [check(s, ratio, rss) for _, check in targets]
        met = " · ".join(mets)
        if note:
            met = (met + " · " if met else "") + note
        row([what, cap, fmt(s, "%.3f"), fmt(ratio, "%.1f"), fmt(rss, "%.1f"), cnt,
             " · ".join(t for t, _ in targets), met])

    def x_floor(limit):
        return ("≤ %g× floor" % limit,
                lambda s, ratio, rss: "-" if ratio is None else ok(ratio <= limit, "%.2f×" % ratio))

    rss_target = ("RSS ≤ %g MiB" % RSS_MIB,
                  lambda s, ratio, rss: "-" if rss is None else ok(rss <= RSS_MIB, "%.1f" % rss))

    for cap in caps:
        timed("libpcap floor (pcount -m count)", cap, main_rows.get((cap, "pcount")), [],
              tool="pcount", ok_rcs=("0",))
        r = main_rows.get((cap, "tlsa"))
        targets = []
        if cap == "bulk.pcap":
            targets.append(x_floor(BULK_X_FLOOR))
        elif cap == "hs.pcap":
            targets.append(x_floor(HS_X_FLOOR))
        targets.append(rss_target)
        if r is not None:
            tlsa_rss[cap] = rss_mib(r)
            _, equal = counts(r, truth.get(cap, {}), "tlsa")
            all_counts_equal.append((cap, equal))
            targets.append(("counts = MANIFEST", lambda s, ratio, rss, e=equal:
                            "-" if e is None else ok(e, "equal" if e else "differ")))
        timed("tlsanalyze --format=ndjson", cap, r, targets)
        r = summary.get((cap, "tlsa"))
        targets = [x_floor(HS_SUMMARY_X_FLOOR)] if cap == "hs.pcap" else []
        timed("tlsanalyze --summary", cap, r, targets + [rss_target])
        if r is not None:
            tlsa_rss[cap + " --summary"] = rss_mib(r)
        for tool in PEER_NAMES:
            if (cap, tool) in peers:
                timed(PEER_NAMES[tool] + " (peer)", cap, peers[(cap, tool)], [], tool=tool,
                      ok_rcs=("0",))

    # Targets across rows.
    if tlsa_rss:
        worst = max(tlsa_rss, key=lambda k: tlsa_rss[k] or 0)
        row(["tlsanalyze peak RSS, every capture and output", "all", "", "", "%.1f" % tlsa_rss[worst],
             "", "≤ %g MiB" % RSS_MIB, ok(tlsa_rss[worst] <= RSS_MIB, "largest: %s" % worst)])
    x1, x50 = tlsa_rss.get("hs-x1.pcap"), tlsa_rss.get("hs-x50.pcap")
    if x1 and x50:
        row(["tlsanalyze --format=ndjson peak RSS, hs-x50 / hs-x1", "hs-x50.pcap", "", "",
             "%.1f / %.1f" % (x50, x1), "", "≤ %g×" % RSS_X50_OVER_X1,
             ok(x50 / x1 <= RSS_X50_OVER_X1, "%.2f×" % (x50 / x1))])
    if all_counts_equal:
        bad = [c for c, e in all_counts_equal if e is not True]
        row(["tlsanalyze counts = MANIFEST.json", "all", "", "", "", "", "equal on every capture",
             ok(not bad, "differ: " + ", ".join(bad) if bad else "%d captures" % len(all_counts_equal))])

    j1 = load(out, "j1").get((jcap, "tlsa"))
    j2 = load(out, "j2").get((jcap, "tlsa"))
    two_floors = 2 * floor[jcap] if floor.get(jcap) else None
    timed("tlsanalyze --summary -j 1, two captures", jcap + " ×2", j1, [rss_target],
          floor_s=two_floors)
    if j1 is not None and j2 is not None:
        speedup = seconds(j1) / seconds(j2)
        timed("tlsanalyze --summary -j 2, two captures", jcap + " ×2", j2,
              [("≥ %g× faster than -j 1" % J2_SPEEDUP,
                lambda s, ratio, rss: ok(speedup >= J2_SPEEDUP, "%.2f×" % speedup)), rss_target],
              floor_s=two_floors)
    else:
        timed("tlsanalyze --summary -j 2, two captures", jcap + " ×2", j2, [], floor_s=two_floors)

    alloc = os.path.join(out, "alloc.tsv")
    n = truth["hs-x50.pcap"]["connections"] - truth["hs-x1.pcap"]["connections"]
    if os.path.exists(alloc):
        for a in csv.DictReader(open(alloc), delimiter="\t"):
            per = float(a["per_conn"])
            mode = "--summary" if a["mode"] == "summary" else "--format=" + a["mode"]
            row(["heap allocation calls per connection, tlsanalyze %s" % mode,
                 "(hs-x50 − hs-x1) / %d conn." % n, "", "", "-",
                 "%.1f calls, %.0f bytes asked; peak heap %.1f MiB (x50), %.1f (x1)" % (
                     per, float(a["bytes_per_conn"]), int(a["peak_x50"]) / 2**20,
                     int(a["peak_x1"]) / 2**20),
                 "≤ %g (a small constant)" % ALLOC_TARGET, ok(per <= ALLOC_TARGET, "%.1f" % per)])
    print()
    print("x floor: seconds / the floor's seconds on the same capture (×2 for the two "
          "captures of -j). Seconds: the minimum over the runs, peak RSS: the maximum "
          "(GNU time). Peers are the yardstick, without targets; their counts read as in "
          "the kit's README (ndpiReader: TLS flows).")


if __name__ == "__main__":
    main()
