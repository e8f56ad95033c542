#!/usr/bin/env python3
"""fingerprint_compare.py - JA3 and JA3S of tlsanalyze against tshark's.

For every capture of samples/ and, when it is there, of ../shared/corpus
(with the corpus's OPTIONS.tsv, so that tshark decodes TLS on the ports the
corpus names), runs

    tshark -Y tls.handshake -T fields -e tcp.stream ... -e tls.handshake.ja3
           -e tls.handshake.ja3_full -e tls.handshake.ja3s -e tls.handshake.ja3s_full
    tlsanalyze --format=ndjson FILE

pairs the connections by their two endpoints (in order when a 4-tuple was
reused) and compares, per connection:
  - client_hello.ja3_hash with the ja3 of tshark's first ClientHello;
  - server_hello.ja3s_hash with the ja3s of tshark's ServerHello that
    tlsanalyze keeps (the first after a HelloRetryRequest, if there was one).
A hello counts as compared when both tools give a value at the same
frame.  Every disagreement is printed with both full strings; those in
KNOWN with their reason, and not failed.  -v also lists every hello only
one tool fingerprinted, or that they did at different frames (classes
explained in tests/golden/README.md).

Prints "fingerprints: N passed, M failed" (hellos agreeing and not); exit 1
on any unexplained disagreement, 2 when tlsanalyze is missing.  Without the
corpus that set is skipped with a note; without tshark everything is."""
import argparse
import concurrent.futures
import glob
import ipaddress
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tshark_facts  # noqa: E402

FIELDS = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
          "frame.number", "tls.handshake.type", "tls.handshake.ja3", "tls.handshake.ja3_full",
          "tls.handshake.ja3s", "tls.handshake.ja3s_full"]


def norm_ep(addr, port):
    try:
        addr = str(ipaddress.ip_address(addr))
    except ValueError:
        pass
    return tshark_facts.endpoint(addr, port)


def norm_tla_ep(ep):
    addr, port = ep.rsplit(":", 1)
    return norm_ep(addr.strip("[]"), port)


def tshark_hellos(path, options):
    """{stream: {"eps": frozenset, "ja3": [(frame, hash, full)], "ja3s": [...]}}."""
    cmd = tshark_facts.base_command(path, options)
    cmd += ["-Y", "tls.handshake", "-T", "fields", "-E", "separator=/t", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out, err, rc = tshark_facts.run_tshark(cmd, timeout=300)
    streams = {}
    for line in out.splitlines():
        cols = (line.split("\t") + [""] * len(FIELDS))[:len(FIELDS)]
        row = dict(zip(FIELDS, cols))
        if row["tcp.stream"] == "":
            continue
        # In a tunnel the innermost header is the last of each field's values;
        # with IPv4 and IPv6 both there (6in4, 4in6) either may be the inner one.
        last = {k: v.split("|")[-1] for k, v in row.items()}
        eps = [frozenset((norm_ep(last[v + ".src"], last["tcp.srcport"]),
                          norm_ep(last[v + ".dst"], last["tcp.dstport"])))
               for v in ("ipv6", "ip") if last[v + ".src"]]
        s = streams.setdefault(int(last["tcp.stream"]),
                               {"eps": eps, "ja3": [], "ja3s": [], "frames": set()})
        s["frames"].add(int(row["frame.number"]))
        for kind in ("ja3", "ja3s"):
            hashes = [h for h in row["tls.handshake." + kind].split("|") if h]
            fulls = [f for f in row["tls.handshake." + kind + "_full"].split("|") if f]
            for i, h in enumerate(hashes):
                s[kind].append((int(row["frame.number"]), h, fulls[i] if i < len(fulls) else ""))
    return streams


def tla_conns(tlsa, path):
    p = subprocess.run([tlsa, "--quiet", "--format=ndjson", path], capture_output=True,
                       timeout=300)
    if p.returncode not in (0, 1, 2):
        raise RuntimeError("%s: tlsanalyze exit %d: %s" % (path, p.returncode, p.stderr[-500:]))
    conns = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        d = json.loads(line)
        if d.get("type") == "connection":
            conns.append(d)
    return conns


def compare_file(tlsa, path, options):
    """A list of (kind, verdict, text): verdict "agree", "differ", "tshark-only",
    "tlsanalyze-only"."""
    streams = tshark_hellos(path, options)
    conns = tla_conns(tlsa, path)
    by_eps = {}
    for c in sorted(conns, key=lambda c: c.get("first_frame") or 0):
        eps = frozenset((norm_tla_ep(c["client"]), norm_tla_ep(c["server"])))
        by_eps.setdefault(eps, []).append(c)
    out = []
    used = set()
    for stream in sorted(streams):
        s = streams[stream]
        cands = [c for eps in s["eps"] for c in by_eps.get(eps, []) if c["id"] not in used]
        # The connection whose hellos are at this stream's frames; else the next one.
        at = [c for c in cands
              if {(c.get("client_hello") or {}).get("frame"),
                  (c.get("server_hello") or {}).get("frame")} & s["frames"]]
        c = (at or cands or [None])[0]
        if c is not None:
            used.add(c["id"])
        ch = (c or {}).get("client_hello") or {}
        sh = (c or {}).get("server_hello") or {}
        where = "%s stream %d" % (os.path.relpath(path, ROOT), stream)
        # The first ClientHello, and the ServerHello tlsanalyze keeps (the
        # first real one, else the HelloRetryRequest), by their frames.
        out.append(judge("ja3", where, s["ja3"], ch.get("frame"), ch.get("ja3_hash"),
                         ch.get("ja3")))
        out.append(judge("ja3s", where, s["ja3s"], sh.get("frame"), sh.get("ja3s_hash"),
                         sh.get("ja3s")))
    return [o for o in out if o is not None]


# Disagreements explained, by (capture under the corpus's captures/, stream,
# kind): they are printed with the reason and not counted as failures.
KNOWN = {
    ("suricata-verify/tls__tls13-draft14__tls13_draft14.pcap", 0, "ja3s"):
        "a TLS 1.3 draft-14 ServerHello has no session id; tshark 4.0 reads it with the "
        "RFC 8446 layout, so its suite (44205) and extensions are bytes of the random",
}


def judge(kind, where, rows, frame, mine, mine_full):
    """tshark's value for the message at |frame| (else its first one) against ours."""
    at = [r for r in rows if r[0] == frame]
    oracle = at[0] if at else (rows[0] if rows else None)
    if oracle is None and mine is None:
        return None
    if oracle is None:
        return (kind, "tlsanalyze-only", "%s %s: tlsanalyze %s (%s) at frame %s, tshark none"
                % (where, kind, mine, mine_full, frame))
    if mine is None:
        return (kind, "tshark-only", "%s %s: tshark %s (%s) at frame %d, tlsanalyze none"
                % (where, kind, oracle[1], oracle[2], oracle[0]))
    if not at:
        return (kind, "other-frame", "%s %s: tlsanalyze %s at frame %s, tshark %s at frame %d"
                % (where, kind, mine, frame, oracle[1], oracle[0]))
    if oracle[1] == mine:
        return (kind, "agree", "")
    cap, _, stream = where.partition(" stream ")
    reason = KNOWN.get((cap.split("captures/", 1)[-1], int(stream), kind))
    if reason is not None:
        return (kind, "known", "%s %s: tshark %s (%s), tlsanalyze %s (%s): known, %s"
                % (where, kind, oracle[1], oracle[2], mine, mine_full, reason))
    return (kind, "differ", "%s %s: tshark %s (%s), tlsanalyze %s (%s)"
            % (where, kind, oracle[1], oracle[2], mine, mine_full))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
    ap.add_argument("--samples", default=os.path.join(ROOT, "samples"))
    ap.add_argument("--samples-only", action="store_true")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    tlsa = os.environ.get("TLSANALYZE", os.path.join(ROOT, "tlsanalyze"))
    if not os.path.exists(tlsa):
        print("fingerprints: %s not built" % tlsa)
        return 2
    try:
        subprocess.run([tshark_facts.tshark_binary(), "-v"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        print("fingerprints: tshark missing: skipped")
        print("fingerprints: 0 passed, 0 failed")
        return 0

    jobs = []
    for path in sorted(glob.glob(os.path.join(args.samples, "*.pcap*"))):
        jobs.append(("samples", path, []))
    corpus_caps = os.path.join(args.corpus, "captures")
    if args.samples_only:
        pass
    elif not os.path.isdir(corpus_caps):
        print("fingerprints: skipped: %s not found" % args.corpus)
    else:
        opts_tsv = os.path.join(args.corpus, "OPTIONS.tsv")
        table = tshark_facts.Table(opts_tsv) if os.path.exists(opts_tsv) else None
        for path in sorted(glob.glob(os.path.join(corpus_caps, "*", "*"))):
            extra = table.lookup(path) if table is not None else None
            jobs.append(("corpus", path, shlex.split(extra) if extra else []))

    counts = {}
    lines = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as ex:
        futs = {ex.submit(compare_file, tlsa, p, o): (s, p) for s, p, o in jobs}
        for fut in concurrent.futures.as_completed(futs):
            group, path = futs[fut]
            try:
                results = fut.result()
            except Exception as e:  # a crash or a timeout is a failure of that file
                results = [("file", "differ", "%s: %s" % (path, e))]
            for kind, verdict, text in results:
                key = (group, kind, verdict)
                counts[key] = counts.get(key, 0) + 1
                if verdict in ("differ", "known") or (args.verbose and text):
                    lines.append(text)
    for text in sorted(lines):
        print("  " + text)
    passed = failed = 0
    for group in ("samples", "corpus"):
        for kind in ("ja3", "ja3s"):
            c = {v: counts.get((group, kind, v), 0)
                 for v in ("agree", "differ", "known", "tshark-only", "tlsanalyze-only",
                           "other-frame")}
            if sum(c.values()) == 0:
                continue
            print("%-7s %-4s: %d compared, %d agree, %d differ, %d known; not compared: tshark "
                  "only %d, tlsanalyze only %d, at other frames %d"
                  % (group, kind, c["agree"] + c["differ"] + c["known"], c["agree"], c["differ"],
                     c["known"], c["tshark-only"], c["tlsanalyze-only"], c["other-frame"]))
            passed += c["agree"]
            failed += c["differ"]
        failed += counts.get((group, "file", "differ"), 0)
    print("fingerprints: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
