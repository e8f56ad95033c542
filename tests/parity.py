#!/usr/bin/env python3
"""parity.py - two builds of tlsanalyze, the same output (a refactoring check).

Usage:
    python3 tests/parity.py OLD_BINARY NEW_BINARY [-j N] [--quick] [--only PATH]
                            [--formats markdown,html]

Runs both binaries on every capture of samples/, tests/regress/capture/ and
../shared/corpus/captures/ (when present) with a set of option combinations
(JSON, NDJSON, text, text -v, --summary, --redact, --profile apigee, the key
logs of samples/*.keys and ../shared/corpus/KEYLOGS.tsv, the Markdown and
the HTML report, each also redacted) and compares what they print: JSON and
NDJSON parsed (values must be equal, key order is reported but allowed to
differ), everything else byte for byte (the report's generation time aside).
Prints one line per difference and a summary "parity: N passed, N failed"
with the number of connections compared (in JSON and NDJSON, and the failed
connections' sections of the reports).

With --tcp-only (OLD predates QUIC support) NEW's QUIC connections and the
keys that came with them are left out of JSON and NDJSON comparisons.

Build OLD from the commit before a refactoring, e.g.
    git worktree add /tmp/old HEAD~3 && make -C /tmp/old tlsanalyze
Exit status 0 when everything is equal.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(REPO, "..", "shared", "corpus")
KEY = ["--redact-key", "parity"]


def captures():
    """(path, [keylog]) for every capture to compare."""
    out = []
    for p in sorted(glob.glob(os.path.join(REPO, "samples", "*.pcap*"))):
        keys = os.path.splitext(p)[0] + ".keys"
        out.append((p, [keys] if os.path.exists(keys) else []))
    for p in sorted(glob.glob(os.path.join(REPO, "tests", "regress", "capture", "*"))):
        out.append((p, []))
    keylogs = {}
    tsv = os.path.join(CORPUS, "KEYLOGS.tsv")
    if os.path.exists(tsv):
        for line in open(tsv, encoding="utf-8").read().splitlines()[1:]:
            cap, log = line.split("\t")[:2]
            if log != "embedded-dsb":
                keylogs[os.path.join(CORPUS, cap)] = os.path.join(CORPUS, log)
    for p in sorted(glob.glob(os.path.join(CORPUS, "captures", "*", "*"))):
        out.append((p, [keylogs[p]] if p in keylogs else []))
    return out


def variants(keys, quick):
    """Option lists to run on one capture."""
    kl = [a for k in keys for a in ("--keylog", k)]
    v = [["--format=json"] + kl, ["--format=ndjson"] + kl, kl, ["-v"] + kl]
    if quick:
        return v
    v += [["--format=json"], ["--format=json", "--redact"] + KEY + kl,
          ["--format=ndjson", "--redact=ips"] + KEY + kl,
          ["--redact"] + KEY + kl, ["--format=json", "--profile", "apigee"] + kl,
          ["--summary"] + kl, ["--summary", "--format=json"] + kl,
          ["--format=markdown"] + kl, ["--format=markdown", "--redact"] + KEY + kl,
          ["--format=html"] + kl, ["--format=html", "--redact"] + KEY + kl,
          ["--format=json", "--min-severity", "error"] + kl]
    return v


def run(binary, args, path):
    env = dict(os.environ, TZ="UTC", NO_COLOR="1")
    env.pop("TLSANALYZE_RULES", None)
    p = subprocess.run([binary, "--quiet", "-j", "1"] + args + [path], capture_output=True,
                       env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr


GENERATED = re.compile(rb"Made by tlsanalyze \S+ on \S+")


def parse(fmt, out):
    if fmt == "json":
        return json.loads(out)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def count_conns(doc, fmt):
    if fmt == "ndjson":
        return sum(1 for o in doc if o.get("type") == "connection")
    return sum(len(c.get("connections", [])) for c in doc.get("captures", []))


def first_diff(a, b, where=""):
    """Where two parsed JSON values differ first (a path), or None."""
    if type(a) != type(b):
        return "%s: %r vs %r" % (where or ".", a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (where, k, "old" if k in a else "new")
            d = first_diff(a[k], b[k], where + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (where or ".", len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (where or ".", a, b)


QUIC_KEYS = ("transport", "quic_connections", "quic_packets")


def without_quic(doc):
    """|doc| (parsed JSON or NDJSON lines) without QUIC connections and the
    keys that came with QUIC support: what a build without it prints."""
    if isinstance(doc, list):
        return [without_quic(o) for o in doc
                if not (isinstance(o, dict) and o.get("transport") == "quic")]
    if isinstance(doc, dict):
        return {k: without_quic(v) for k, v in doc.items() if k not in QUIC_KEYS}
    return doc


# A failed connection's section in each report format.
SECTION = {"markdown": re.compile(rb"^### Connection #", re.M),
           "html": re.compile(rb'^<article class="conn"', re.M)}


def format_of(args):
    return next((a.split("=")[1] for a in args if a.startswith("--format=")), "text")


def compare(old, new, path, args, tcp_only=False):
    """(ok, connections or report sections, message) for one capture and one
    option list."""
    ro, oo, eo = run(old, args, path)
    rn, on, en = run(new, args, path)
    fmt = format_of(args)
    name = "%s %s" % (os.path.relpath(path, REPO), " ".join(args))
    if ro != rn:
        return False, 0, "%s: exit %d vs %d" % (name, ro, rn)
    if eo != en:
        return False, 0, "%s: stderr differs:\n  %r\n  %r" % (name, eo[:300], en[:300])
    if fmt in ("json", "ndjson") and oo != on:
        try:
            a, b = parse(fmt, oo), parse(fmt, on)
        except ValueError as e:
            return False, 0, "%s: not JSON: %s" % (name, e)
        if tcp_only:
            b = without_quic(b)
        d = first_diff(a, b)
        if d:
            return False, 0, "%s: %s" % (name, d)
        return True, count_conns(a, fmt), "%s: same values, other key order" % name
    if fmt in ("markdown", "html"):
        oo, on = GENERATED.sub(b"", oo), GENERATED.sub(b"", on)
    if oo != on:
        ol, nl = oo.decode(errors="replace").splitlines(), on.decode(errors="replace").splitlines()
        for i, (x, y) in enumerate(zip(ol, nl)):
            if x != y:
                return False, 0, "%s: line %d:\n  %s\n  %s" % (name, i + 1, x, y)
        return False, 0, "%s: %d vs %d lines" % (name, len(ol), len(nl))
    if fmt in SECTION:
        return True, len(SECTION[fmt].findall(oo)), None
    n = count_conns(parse(fmt, oo), fmt) if fmt in ("json", "ndjson") and oo else 0
    return True, n, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="JSON, NDJSON and text only")
    ap.add_argument("--only", help="captures whose path contains this")
    ap.add_argument("--formats", help="only the runs of these --format values (text, json, "
                    "ndjson, markdown, html), comma-separated")
    ap.add_argument("-v", action="store_true", help="also name the runs with another key order")
    ap.add_argument("--tcp-only", action="store_true",
                    help="OLD predates QUIC support: leave NEW's QUIC connections and the keys "
                         "that came with it (transport, quic_connections, quic_packets) out of "
                         "JSON comparisons")
    a = ap.parse_args()
    for b in (a.old, a.new):
        # Both builds failing alike would pass: each must find its rules
        # (rules/ beside the binary, or the installed ones) and read a sample.
        code, _, err = run(b, ["--format=json"], os.path.join(REPO, "samples", "no-sni.pcap"))
        if code not in (0, 1):
            print("parity: %s cannot analyse a sample (exit %d): %s" % (b, code, err.decode()[:300]))
            return 2
    jobs = []
    for path, keys in captures():
        if a.only and a.only not in path:
            continue
        for args in variants(keys, a.quick):
            if a.formats and format_of(args) not in a.formats.split(","):
                continue
            jobs.append((path, args))
    passed = failed = conns = sections = reordered = 0
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        for (_, args), (ok, n, msg) in zip(jobs, ex.map(
                lambda j: compare(a.old, a.new, *j, a.tcp_only), jobs)):
            if format_of(args) in SECTION:
                sections += n
            else:
                conns += n
            if ok:
                passed += 1
                reordered += msg is not None
                if msg is not None and a.v:
                    print(msg)
            else:
                failed += 1
                print(msg)
    files = len({p for p, _ in jobs})
    print("parity: %d files, %d runs, %d connections in JSON/NDJSON compared, %d with another "
          "key order, %d failed connections' report sections" % (files, passed + failed, conns,
                                                                 reordered, sections))
    print("parity: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
