#!/usr/bin/env python3
"""quic_golden.py - tlsanalyze's QUIC connections against tshark's.

Usage:
    python3 tests/quic_golden.py [--corpus DIR] [-v] [-j N]

Runs `tlsanalyze --format=ndjson` (binary $TLSANALYZE, default ./tlsanalyze;
with the capture's key log from KEYLOGS.tsv) on every capture that
../shared/corpus/quic/ORACLE.jsonl names, and pairs each oracle connection
(tshark's quic.connection.number) with tlsanalyze's QUIC connection of the
same client, server and client DCID.  Compared, when the oracle has them:

  connection      the connection was found at all
  client          the client side (tlsanalyze's client is the oracle's)
  version         the version of the client's last Initial (the oracle's
                  last long-header version)
  client_hello    frame of the first ClientHello, SNI, ALPN,
                  supported_versions and cipher suites (codes, wire order)
  server_hello    frame, cipher suite
  close           the first CONNECTION_CLOSE: its error code (a TLS alert's
                  as 0x100 + alert) and frame
  retry           a Retry was seen
  vn              the number of versions the Version Negotiation listed

A connection matches when every field it has matches.  Prints one line per
field, the mismatch classes (with up to 3 examples; -v all), and
"quic-golden: N passed, N failed" where passed counts the connections that
match; fails (exit 1) below 95 %.  Skipped without the corpus.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASS_RATE = 95.0
EXAMPLES = 3


def load_oracle(corpus):
    rows = collections.OrderedDict()
    with open(os.path.join(corpus, "ORACLE.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                rows.setdefault(r["file"], []).append(r)
    keylogs = {}
    path = os.path.join(corpus, "KEYLOGS.tsv")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2 and parts[0] != "capture":
                    keylogs[parts[0]] = parts[1]
    return rows, keylogs


def run(binary, corpus, name, keylog):
    cmd = [binary, "--format=ndjson"]
    if keylog:
        cmd += ["--keylog", os.path.join(corpus, keylog)]
    cmd.append(os.path.join(corpus, name))
    p = subprocess.run(cmd, capture_output=True, timeout=300,
                       env=dict(os.environ, TZ="UTC", TLSANALYZE_RULES=os.path.join(REPO, "rules")))
    if p.returncode not in (0, 1):
        return name, None, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[:200])
    conns = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        o = json.loads(line)
        if o.get("type") == "connection" and o.get("transport") == "quic":
            conns.append(o)
    return name, conns, None


def find(conns, row):
    for c in conns:
        q = c.get("quic") or {}
        if q.get("client_dcid") == row["client_first_dcid"] and \
                {c["client"], c["server"]} == {row["client"], row["server"]}:
            return c
    return None


def first_close(c):
    """(code, frame) of the first CONNECTION_CLOSE tlsanalyze saw."""
    best = None
    for a in c.get("alerts") or []:
        if a.get("code") is not None and not a.get("encrypted"):
            best = ("0x%x" % (0x100 + a["code"]), a["frame"])
            break
    close = (c.get("quic") or {}).get("close")
    if close is not None and (best is None or close["frame"] < best[1]):
        best = (close["error_code"], close["frame"])
    return best


def oracle_close(row):
    if not row["connection_close"]:
        return None
    cc = row["connection_close"][0]
    return ("0x%x" % int(cc["error_code"], 16), cc["frame"])


def compare(row, c):
    """{field: (ours, theirs)} for each field compared."""
    out = {}
    q = c["quic"]
    out["client"] = (c["client"], row["client"])
    if row["versions"]:
        out["version"] = (q["version_code"], row["versions"][-1])
    och = row["client_hello"]
    ch = c.get("client_hello")
    if och is not None:
        if ch is None:
            out["client_hello"] = (None, och["frame"])
        else:
            out["client_hello.frame"] = (ch["frame"], och["frame"])
            out["client_hello.sni"] = (ch.get("sni"), och.get("sni"))
            out["client_hello.alpn"] = (ch.get("alpn") or [], och.get("alpn") or [])
            out["client_hello.cipher_suites"] = (ch.get("cipher_suite_codes"),
                                                 och.get("cipher_suites"))
            ours_v = [("0x%04x" % v) if isinstance(v, int) else v
                      for v in ch.get("supported_version_codes") or []]
            if ours_v:
                out["client_hello.supported_versions"] = (ours_v, och.get("supported_versions"))
    osh = row["server_hello"]
    sh = c.get("server_hello")
    if osh is not None:
        if sh is None:
            out["server_hello"] = (None, osh["frame"])
        else:
            out["server_hello.frame"] = (sh["frame"], osh["frame"])
            out["server_hello.cipher"] = (sh.get("cipher_suite_code"), osh.get("cipher_suite"))
    oc = oracle_close(row)
    if oc is not None:
        out["close"] = (first_close(c), oc)
    out["retry"] = (q["retry"], bool(row["retry_frames"]))
    ovn = row["version_negotiation"]
    out["vn"] = (len(q["versions_offered"]),
                 len(ovn[0]["supported_versions"]) if ovn else 0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus", "quic"))
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-j", type=int, default=2)
    args = ap.parse_args()
    binary = os.environ.get("TLSANALYZE", os.path.join(REPO, "tlsanalyze"))
    if not os.path.isfile(os.path.join(args.corpus, "ORACLE.jsonl")):
        print("skipped: %s not found" % args.corpus)
        print("quic-golden: 0 passed, 0 failed")
        return 0
    rows, keylogs = load_oracle(args.corpus)
    results = {}
    errors = []
    with concurrent.futures.ThreadPoolExecutor(args.j) as ex:
        futs = [ex.submit(run, binary, args.corpus, name, keylogs.get(name)) for name in rows]
        for f in futs:
            name, conns, err = f.result()
            if err:
                errors.append((name, err))
            results[name] = conns or []
    fields = collections.Counter()
    agree = collections.Counter()
    classes = collections.defaultdict(list)
    total = matched = 0
    for name, rs in rows.items():
        for row in rs:
            total += 1
            c = find(results[name], row)
            fields["connection"] += 1
            if c is None:
                classes["connection"].append("%s %s dcid %s" % (name, row["client"],
                                                                row["client_first_dcid"]))
                continue
            agree["connection"] += 1
            ok = True
            for k, (ours, theirs) in compare(row, c).items():
                fields[k] += 1
                if ours == theirs:
                    agree[k] += 1
                else:
                    ok = False
                    classes[k].append("%s %s: ours %s, tshark %s" % (name, row["client"],
                                                                    json.dumps(ours),
                                                                    json.dumps(theirs)))
            matched += ok
    for name, err in errors:
        print("error: %s: %s" % (name, err))
    print("QUIC corpus: %d connections in %d captures" % (total, len(rows)))
    for k in fields:
        print("  %-34s %4d of %4d agree" % (k, agree[k], fields[k]))
    for k, ex in classes.items():
        print("mismatch class %s: %d" % (k, len(ex)))
        for e in ex if args.verbose else ex[:EXAMPLES]:
            print("    " + e)
    rate = 100.0 * matched / total if total else 100.0
    print("QUIC connections matching on every field: %d of %d (%.1f %%)" % (matched, total, rate))
    failed = total - matched
    ok = rate >= PASS_RATE and not errors
    # Each connection is a test; the suite fails below the floor.
    print("quic-golden: %d passed, %d failed" % (matched, failed if not ok else 0))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
