#!/usr/bin/env python3
"""decrypt_compare.py - golden test of decryption: the corpus captures that
come with a key log (../shared/corpus/KEYLOGS.tsv), read by
`tlsanalyze --keylog KEYLOG`, against tshark run with the same key log.

Usage (any folder; paths are taken from the repository root):
    python3 tests/golden/decrypt_compare.py [--corpus DIR] [--live] [--verbose]

tshark's view is the corpus oracle (ORACLE.jsonl, made by make_oracle.sh
with `-o tls.keylog_file:KEYLOG` for exactly these files), or with --live
tshark run now (tshark_facts.py with the same options and key log).
Compared per connection (paired by client and server address):
  - server certificates: the frames that carried them, and the leaf's CN;
  - the client's Certificate message frames;
  - alerts: every alert tlsanalyze read by decrypting must be one tshark
    read, with the same frame, sender and description, and every alert
    tshark read must be in tlsanalyze's output -- also those after a
    completed handshake (the close_notify pair, late fatal alerts), which
    tlsanalyze marks after_handshake.
Connections tlsanalyze could not decrypt (no key in the key log) are
counted apart; they must be the ones tshark did not decrypt either (no
certificates seen in a TLS 1.3 handshake).

Binary: $TLSANALYZE, default ./tlsanalyze.  Prints the figures and ends with
"decrypt-golden: N passed, N failed" (one per capture).  Without the corpus
folder it says so and counts nothing.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import compare  # noqa: E402
import tshark_facts  # noqa: E402


def read_tsv(path):
    rows = {}
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            cols = line.rstrip("\n").split("\t")
            if i == 0 or len(cols) < 2:
                continue
            rows[cols[0]] = cols[1]
    return rows


def oracle_conns(corpus, name, keylog, opts, live):
    if live:
        conns, _problem = tshark_facts.facts(os.path.join(corpus, name), name=name,
                                             options=opts.split() if opts else (),
                                             keylog=keylog)
        return conns
    out = []
    with open(os.path.join(corpus, "ORACLE.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            if ('"%s"' % name) in line:
                o = json.loads(line)
                if o.get("file") == name:
                    out.append(o)
    return out


def tla_conns(binary, path, keylog):
    cmd = [binary, "--format=ndjson"] + (["--keylog", keylog] if keylog else []) + [path]
    p = subprocess.run(cmd, capture_output=True, timeout=300, env=dict(os.environ, TZ="UTC"))
    if p.returncode not in (0, 1):
        raise RuntimeError("exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[:300]))
    conns = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        obj = json.loads(line)
        if (obj.get("type") == "connection" and obj.get("outcome") != "not_tls" and
                obj.get("transport") != "quic"):
            conns.append(obj)
    return conns


class Figures:
    def __init__(self):
        self.conns = 0
        self.decrypted = 0
        self.no_key = 0
        self.cert_ok = 0
        self.cert_total = 0
        self.alerts_ok = 0
        self.alerts_total = 0
        self.alerts_after = 0       # of alerts_ok: after a completed handshake


def compare_conn(o, t, fig, problems):
    dec = t.get("decryption") or {}
    fig.conns += 1
    if dec.get("status") == "decrypted":
        fig.decrypted += 1
    elif dec.get("status") == "no_key":
        fig.no_key += 1
    ov = compare.oracle_values(o)
    tv = compare.tla_values(t)
    where = "%s -> %s" % (tv["client"], tv["server"])
    fig.cert_total += 1
    t_client_cert = t.get("client_certificate") or {}
    mine_cc = [t_client_cert["frame"]] if t_client_cert.get("frame") else []
    if (ov["certificate_frames"] == tv["certificate_frames"] and ov["leaf_cn"] == tv["leaf_cn"]
            and sorted(o.get("client_certificate_frames") or []) == mine_cc):
        fig.cert_ok += 1
    else:
        problems.append("%s: certificates %s/%s/%s, tshark %s/%s/%s" % (
            where, tv["certificate_frames"], tv["leaf_cn"], mine_cc, ov["certificate_frames"],
            ov["leaf_cn"], o.get("client_certificate_frames")))
    theirs = {(a[0], a[1]): a[2] for a in ov["alerts"]}
    mine = {(a["frame"], a["from"]): a["description"] for a in t.get("alerts") or []
            if not a.get("encrypted")}
    after = {(a["frame"], a["from"]) for a in t.get("alerts") or [] if a.get("after_handshake")}
    for key, desc in sorted(theirs.items()):
        fig.alerts_total += 1
        if mine.get(key) == desc:
            fig.alerts_ok += 1
            fig.alerts_after += key in after
        else:
            problems.append("%s: frame %d %s alert %s, tshark %s" % (
                where, key[0], key[1], mine.get(key), desc))
    for a in t.get("alerts") or []:
        if a.get("decrypted") and (a["frame"], a["from"]) not in theirs:
            problems.append("%s: decrypted alert at frame %d that tshark does not show" % (
                where, a["frame"]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.path.join(REPO, compare.DEFAULT_CORPUS))
    ap.add_argument("--live", action="store_true", help="run tshark now instead of the oracle")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    binary = os.environ.get("TLSANALYZE", os.path.join(REPO, "tlsanalyze"))
    corpus = os.path.abspath(args.corpus)
    keylogs = read_tsv(os.path.join(corpus, "KEYLOGS.tsv"))
    if not keylogs:
        print("decrypt-golden: skipped (no %s/KEYLOGS.tsv)" % corpus)
        print("decrypt-golden: 0 passed, 0 failed")
        return 0
    options = read_tsv(os.path.join(corpus, "OPTIONS.tsv"))
    fig = Figures()
    passed = failed = 0
    for name, key in sorted(keylogs.items()):
        keylog = None if key == "embedded-dsb" else os.path.join(corpus, key)
        problems = []
        try:
            theirs = oracle_conns(corpus, name, keylog, options.get(name), args.live)
            mine = tla_conns(binary, os.path.join(corpus, name), keylog)
        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
            problems.append(str(e))
            theirs, mine = [], []
        by_pair = {compare.pair_key(t["client"], t["server"]): t for t in mine}
        for o in theirs:
            t = by_pair.get(compare.pair_key(o["client"], o["server"]))
            if t is None:
                if o.get("server_hello_frame") is not None:
                    problems.append("%s -> %s: not found" % (o["client"], o["server"]))
                continue
            compare_conn(o, t, fig, problems)
        if problems:
            failed += 1
            print("FAIL %s" % name)
            for p in problems[:10]:
                print("    " + p)
        else:
            passed += 1
            if args.verbose:
                print("ok   %s" % name)
    print("decrypt-golden: %d captures with key logs, %d connections (%d decrypted, %d without "
          "a key in the key log)" % (len(keylogs), fig.conns, fig.decrypted, fig.no_key))
    print("decrypt-golden: certificates as tshark's in %d of %d connections; alerts %d of %d "
          "as tshark's (%d of them after a completed handshake)"
          % (fig.cert_ok, fig.cert_total, fig.alerts_ok, fig.alerts_total, fig.alerts_after))
    print("decrypt-golden: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
