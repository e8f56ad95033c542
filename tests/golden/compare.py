#!/usr/bin/env python3
"""compare.py - golden test: tlsanalyze's per-connection facts against tshark.

Usage (any folder; paths are taken from the repository root):
    python3 tests/golden/compare.py [--corpus-only | --samples-only] [--verbose] [-j N]

Runs `tlsanalyze --format=ndjson FILE` (binary: $TLSANALYZE, default
./tlsanalyze) once per capture and compares its connections with tshark's:
  corpus   every file under ../shared/corpus/captures/ against
           ../shared/corpus/ORACLE.jsonl
  samples  every capture in samples/ against tshark_facts.py run now
           (samples/OPTIONS.tsv, if present, gives per-capture tshark options)
See tests/golden/README.md for what is compared and how to read the report.

Exit status: 0 pass, 1 corpus match rate below 95 % or a sample connection
differs, 2 usage error or tlsanalyze missing.
"""

import argparse
import concurrent.futures
import ipaddress
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import tshark_facts  # noqa: E402  (lives next to this script)
import schema_check  # noqa: E402  (tests/lib: docs/tlsanalyze.schema.json)

DEFAULT_CORPUS = "../shared/corpus"
SAMPLES = "samples"
DIFFERENCES = os.path.join("tests", "golden", "corpus-differences.tsv")
FIELDS = ["client", "server", "client_hello_frame", "sni", "client_max_version",
          "server_hello_frame", "server_version", "cipher", "alerts",
          "certificate_frames", "leaf_cn"]
FRAME_FIELDS = {"client_hello_frame", "server_hello_frame"}
CONNECTION = "connection"        # pseudo-field: the connection was found at all
ENCRYPTED = "(encrypted)"        # the description of an alert whose body is encrypted
PASS_RATE = 95.0
EXAMPLES = 3
SANITIZER_MARKERS = (("ERROR: AddressSanitizer", "AddressSanitizer"),
                     ("ERROR: LeakSanitizer", "LeakSanitizer"),
                     ("ERROR: UndefinedBehaviorSanitizer", "UndefinedBehaviorSanitizer"),
                     ("runtime error: ", "UndefinedBehaviorSanitizer"))
CAPTURE_MAGIC = (b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                 b"\x4d\x3c\xb2\xa1", b"\x0a\x0d\x0d\x0a", b"\x1f\x8b")


# ------------------------------------------------------------ normalising

def norm_endpoint(ep):
    """Canonical "ip:port" / "[ipv6]:port", so that two spellings of one
    IPv6 address compare equal.  Anything unparsable is returned as is."""
    if not isinstance(ep, str) or ":" not in ep:
        return ep
    addr, _, port = ep.rpartition(":")
    try:
        ip = ipaddress.ip_address(addr.strip("[]"))
    except ValueError:
        return ep
    if ip.version == 6:
        return "[%s]:%s" % (ip.compressed, port)
    return "%s:%s" % (ip, port)


def norm_code(code):
    """Cipher suite code as the oracle writes it ("0x%04x"), or None."""
    if code is None:
        return None
    try:
        value = int(str(code), 16) if str(code).lower().startswith("0x") else int(code)
    except ValueError:
        return str(code)
    return "0x%04x" % value


def alert_key(alert):
    frame, sender, desc = alert
    return (frame if isinstance(frame, int) else -1, str(sender), str(desc))


def oracle_values(o):
    """The compared fields of an oracle (ORACLE.jsonl / tshark_facts) object."""
    vals = {f: o.get(f) for f in FIELDS}
    vals["client"] = norm_endpoint(o.get("client"))
    vals["server"] = norm_endpoint(o.get("server"))
    vals["certificate_frames"] = sorted(set(o.get("certificate_frames") or []))
    vals["alerts"] = sorted(((a["frame"], a["from"],
                              ENCRYPTED if a.get("encrypted") else a["description"])
                             for a in o.get("alerts", [])), key=alert_key)
    return vals


def tla_values(t):
    """The compared fields of a tlsanalyze connection object."""
    ch = t.get("client_hello") or {}
    sh = t.get("server_hello") or {}
    certs = t.get("certificates") or []
    alerts = []
    for a in t.get("alerts") or []:
        if a.get("inferred"):
            continue            # a TLS 1.3 record of alert size: tshark sees application data
        desc = ENCRYPTED if a.get("encrypted") else a.get("description")
        if desc is None and a.get("code") is not None:
            desc = str(a["code"])
        alerts.append((a.get("frame"), a.get("from"), desc))
    return {
        "client": norm_endpoint(t.get("client")),
        "server": norm_endpoint(t.get("server")),
        "client_hello_frame": ch.get("frame"),
        "sni": ch.get("sni"),
        "client_max_version": ch.get("max_version"),
        "server_hello_frame": sh.get("frame"),
        "server_version": sh.get("version"),
        "cipher": norm_code(sh.get("cipher_suite_code")),
        "alerts": sorted(alerts, key=alert_key),
        "certificate_frames": sorted({c["frame"] for c in certs if c.get("from") == "server"}),
        "leaf_cn": next((c.get("cn") for c in certs if c.get("from") == "server"), None),
    }


def encrypted_alerts(alerts):
    return [a for a in alerts or [] if a.get("encrypted")]


def inferred_alerts(alerts):
    return [a for a in alerts or [] if a.get("inferred")]


def pair_key(a, b):
    return frozenset((norm_endpoint(a), norm_endpoint(b)))


# ------------------------------------------------------------ running tlsanalyze

class Run:
    """One tlsanalyze run on one capture."""

    def __init__(self, name, path):
        self.name = name            # oracle "file" name
        self.path = path            # path given to tlsanalyze
        self.rc = None
        self.crash = None           # signature when it crashed or timed out
        self.conns = []
        self.bad_lines = []
        self.lines = 0              # lines checked against the JSON Schema
        self.schema_error = None    # the first that does not follow it


def run_tlsanalyze(binary, name, path, timeout):
    run = Run(name, path)
    try:
        proc = subprocess.run([binary, "--format=ndjson", path], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, check=False,
                              env=dict(os.environ, TZ="UTC"))
    except subprocess.TimeoutExpired:
        run.crash = "crash: timeout after %g s" % timeout
        return run
    except OSError as e:
        run.crash = "crash: cannot run (%s)" % e.strerror
        return run
    run.rc = proc.returncode
    if proc.returncode < 0:
        run.crash = "crash: signal %d" % -proc.returncode
        return run
    if proc.returncode > 2:
        run.crash = "crash: exit %d" % proc.returncode
        return run
    # A sanitizer build reports with exit status 1 by default, which is also
    # the normal "failure found" status: look at what it printed.
    err = proc.stderr.decode("utf-8", "replace")
    for marker, what in SANITIZER_MARKERS:
        if marker in err:
            run.crash = "crash: %s report (exit %d)" % (what, proc.returncode)
            return run
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            run.bad_lines.append(line[:100])
            continue
        run.lines += 1
        try:
            schema_check.check_line(obj)
        except AssertionError as e:
            run.schema_error = run.schema_error or str(e)
        # tshark's TCP oracle knows nothing of QUIC: tests/quic_golden.py
        # compares those against the QUIC corpus's own oracle.
        if obj.get("type") == "connection" and obj.get("transport") != "quic":
            run.conns.append(obj)
    return run


# ------------------------------------------------------------ pairing

def align(olist, tlist, score):
    """Pair two first-frame-ordered lists without crossing pairs.  Equal
    lengths pair in order; otherwise the order-keeping pairing with the most
    agreeing fields.  Returns [(i, j)]."""
    n, m = len(olist), len(tlist)
    if n == m or n * m > 40000:
        return [(i, i) for i in range(min(n, m))]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1],
                             1 + score(olist[i], tlist[j]) + best[i + 1][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if best[i][j] == 1 + score(olist[i], tlist[j]) + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def agreement(ov, tv):
    return sum(1 for f in FIELDS if ov[f] == tv[f])


def pair_file(oracle, conns):
    """Pair the oracle connections of one file with tlsanalyze's.
    Returns ([(oracle, tla or None)], [unpaired tla])."""
    ogroups, tgroups = {}, {}
    for o in oracle:
        ogroups.setdefault(pair_key(o.get("client"), o.get("server")), []).append(o)
    for t in conns:
        if t.get("outcome") == "not_tls":
            continue            # the oracle lists only connections carrying TLS
        tgroups.setdefault(pair_key(t.get("client"), t.get("server")), []).append(t)
    pairs, extras = [], []
    for key, olist in ogroups.items():
        olist.sort(key=lambda o: o["tcp_stream"])
        tlist = sorted(tgroups.pop(key, []),
                       key=lambda t: (t.get("first_frame") or 0, t.get("id") or 0))
        ovals = [oracle_values(o) for o in olist]
        tvals = [tla_values(t) for t in tlist]
        matched = align(ovals, tvals, agreement)
        used = set()
        paired = dict(matched)
        for i, o in enumerate(olist):
            j = paired.get(i)
            pairs.append((o, tlist[j] if j is not None else None))
            if j is not None:
                used.add(j)
        extras += [t for j, t in enumerate(tlist) if j not in used]
    for tlist in tgroups.values():
        extras += tlist
    return pairs, extras


# ------------------------------------------------------------ differences list

class Differences:
    """corpus-differences.tsv: file<TAB>field<TAB>reason.  file may end in
    #STREAM to name one connection; field may be a compared field,
    "connection" (missing connection) or "*" (every field)."""

    def __init__(self, path):
        self.entries = []           # [file, stream or None, field, reason, used]
        self.problems = []
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#") or n == 1:
                    continue
                cols = line.split("\t")
                if len(cols) < 2:
                    self.problems.append("%s:%d: needs file<TAB>field<TAB>reason" % (path, n))
                    continue
                name, _, stream = cols[0].partition("#")
                field = cols[1].strip()
                if field not in FIELDS and field not in (CONNECTION, "*"):
                    self.problems.append("%s:%d: unknown field %r" % (path, n, field))
                    continue
                self.entries.append([name, int(stream) if stream.isdigit() else None,
                                     field, cols[2] if len(cols) > 2 else "", False])

    def reason(self, name, stream, field):
        for e in self.entries:
            if e[0] == name and e[1] in (None, stream) and e[2] in (field, "*"):
                e[4] = True
                return e[3] or "listed"
        return None

    def unused(self):
        return [e for e in self.entries if not e[4]]


# ------------------------------------------------------------ results

class ConnResult:
    """Outcome of one oracle connection."""

    def __init__(self, o, t):
        self.oracle = o
        self.tla = t
        self.label = "%s:%s" % (o["file"], o["tcp_stream"])
        self.fields = {}            # field -> (equal, oracle value, tla value)
        self.problem = None         # "connection: ..." or "crash: ..." signature
        self.on_purpose = {}        # field -> reason
        self.signatures = {}        # field -> signature of the difference
        self.keylogged = False      # the oracle had a key log for this file

    def failed_fields(self):
        if self.problem:
            return [] if CONNECTION in self.on_purpose else [CONNECTION]
        return [f for f in FIELDS if not self.fields[f][0] and f not in self.on_purpose]

    def passed(self):
        if self.problem:
            return CONNECTION in self.on_purpose
        return not self.failed_fields()


class Section:
    """All results of one part (corpus or samples)."""

    def __init__(self, title):
        self.title = title
        self.results = []
        self.extras = []            # (run, tla connection)
        self.runs = []
        self.skipped = None
        self.notes = []
        self.enc_oracle = [0, 0]    # encrypted alerts, connections with one
        self.enc_tla = [0, 0]
        self.inferred = [0, 0]      # TLS 1.3 alerts by size (not compared)

    def counts(self):
        passed = sum(1 for r in self.results if r.passed())
        return passed, len(self.results) - passed


def compare_file(section, name, oracle, run, keylogged, diffs):
    """Fill section with the results for one capture."""
    if run.crash:
        for o in oracle:
            r = ConnResult(o, None)
            r.problem = run.crash
            section.results.append(r)
        return
    pairs, extras = pair_file(oracle, run.conns)
    section.extras += [(run, t) for t in extras if t.get("outcome") != "not_tls"]
    for o, t in pairs:
        r = ConnResult(o, t)
        section.results.append(r)
        stream = o["tcp_stream"]
        if t is None:
            r.problem = missing_signature(o, run, extras)
            if diffs:
                why = diffs.reason(name, stream, CONNECTION)
                if why:
                    r.on_purpose[CONNECTION] = why
            continue
        ov, tv = oracle_values(o), tla_values(t)
        for f in FIELDS:
            r.fields[f] = (ov[f] == tv[f], ov[f], tv[f])
            if not r.fields[f][0] and diffs:
                why = diffs.reason(name, stream, f)
                if why:
                    r.on_purpose[f] = why
        r.keylogged = keylogged
        for side, alerts, which in ((section.enc_oracle, o.get("alerts"), encrypted_alerts),
                                    (section.enc_tla, t.get("alerts"), encrypted_alerts),
                                    (section.inferred, t.get("alerts"), inferred_alerts)):
            n = len(which(alerts))
            side[0] += n
            side[1] += 1 if n else 0


# ------------------------------------------------------------ second opinion

OUT_OF_ORDER_OPT = ["-o", "tcp.reassemble_out_of_order:TRUE"]
WHY_OOO = ("tshark's default does not reassemble out-of-order TCP segments; with "
           "tcp.reassemble_out_of_order:TRUE it agrees with tlsanalyze")
WHY_KEYLOG = ("tshark read this by decrypting with the key log; tlsanalyze runs here "
              "without it (decrypt_compare.py compares decryption), and tshark without the "
              "key log agrees with it")
WHY_PORT_GUESS = ("tshark saw no hello and guessed the client by the higher port; "
                  "tlsanalyze saw the SYN")


def recheck(r, other, reason):
    """Marks r's failing fields on purpose where |other| (tshark with other
    settings, same connection) gives tlsanalyze's value."""
    if other is None:
        return
    ov = oracle_values(other)
    for f in FIELDS:
        equal, _, tv = r.fields[f]
        if not equal and f not in r.on_purpose and ov[f] == tv:
            r.on_purpose[f] = reason


def second_opinion(section, corpus_dir, pool):
    """Some differences are tshark's, and tshark can show it:
    - segments it did not reassemble because they came out of order: rerun
      with tcp.reassemble_out_of_order:TRUE;
    - alerts it read only thanks to a key log (KEYLOGS.tsv): rerun without;
    - a client chosen by port when tlsanalyze saw the SYN.
    Only fields that then agree are counted as differing on purpose."""
    failing = {}
    for r in section.results:
        if r.problem or r.tla is None:
            continue
        if (r.oracle.get("direction_from") == "port_guess" and r.tla.get("client_from") == "syn"
                and norm_endpoint(r.oracle.get("client")) == norm_endpoint(r.tla.get("server"))):
            for f in ("client", "server"):
                if not r.fields[f][0]:
                    r.on_purpose[f] = WHY_PORT_GUESS
        if r.failed_fields():
            failing.setdefault(r.oracle["file"], []).append(r)
    opt_path = os.path.join(corpus_dir, "OPTIONS.tsv")
    opt_table = tshark_facts.Table(opt_path) if os.path.exists(opt_path) else None
    jobs = []
    for name, results in failing.items():
        path = os.path.join(corpus_dir, name)
        opts, _ = tshark_facts.per_file_settings(path, opt_table, None, [], None)
        # Without the key log first: for those files it is the likelier reason.
        if any(r.keylogged for r in results):
            jobs.append((results, pool.submit(tshark_facts.facts, path, name, opts, None, 300),
                         WHY_KEYLOG))
        jobs.append((results, pool.submit(tshark_facts.facts, path, name, opts + OUT_OF_ORDER_OPT,
                                          None, 300), WHY_OOO))
    for results, fut, why in jobs:
        try:
            conns, _ = fut.result()
        except (OSError, subprocess.SubprocessError):
            continue
        by_stream = {c["tcp_stream"]: c for c in conns}
        for r in results:
            if why == WHY_KEYLOG:
                other = by_stream.get(r.oracle["tcp_stream"])
                if other is not None:
                    for f in ("alerts", "certificate_frames", "leaf_cn"):
                        recheck_only(r, other, f, why)
            else:
                recheck(r, by_stream.get(r.oracle["tcp_stream"]), why)


def recheck_only(r, other, field, reason):
    equal, _, tv = r.fields[field]
    if not equal and field not in r.on_purpose and oracle_values(other)[field] == tv:
        r.on_purpose[field] = reason


# ------------------------------------------------------------ signatures

def missing_signature(o, run, extras):
    if run.rc == 2:
        return "connection: missing in tlsanalyze (exit 2, unreadable input)"
    ends = {norm_endpoint(o.get("client")), norm_endpoint(o.get("server"))}
    for t in extras:
        if ends & {norm_endpoint(t.get("client")), norm_endpoint(t.get("server"))}:
            return "connection: missing in tlsanalyze (one with one endpoint in common)"
    return "connection: missing in tlsanalyze"


def show(v):
    if v is None:
        return "none"
    if isinstance(v, list):
        return "[" + ", ".join(" ".join(map(str, a)) if isinstance(a, (list, tuple)) else str(a)
                               for a in v) + "]"
    return str(v)


def frame_signature(ov, tv, details):
    if tv is None:
        return "tlsanalyze: none"
    if ov is None:
        return "tshark: none"
    side = "tlsanalyze earlier" if tv < ov else "tlsanalyze later"
    a, b = details.get(ov), details.get(tv)
    if a is None or b is None:
        gap = abs(tv - ov)
        return "off by %s (%s)" % ("1 frame" if gap == 1 else
                                   "2-9 frames" if gap < 10 else "10+ frames", side)
    if a["stream"] != b["stream"]:
        return "frame of another TCP stream"
    if a["src"] != b["src"]:
        return "frame from the other direction"
    if ov in b["reassembled_in"]:
        return "off by reassembly (tshark: where the message was complete, " \
               "tlsanalyze: an earlier segment of it)"
    if tv in a["reassembled_in"]:
        return "off by reassembly (tlsanalyze: a later frame that completes it)"
    if not b["len"]:
        return "tlsanalyze frame has no TCP payload (%s)" % side
    if not a["len"]:
        return "tshark frame has no TCP payload (%s)" % side
    if a["seq"] is not None and a["seq"] == b["seq"]:
        return "off by retransmission (%s)" % side
    if (a["seq"] is not None and b["seq"] is not None
            and a["seq"] < b["seq"] + b["len"] and b["seq"] < a["seq"] + a["len"]):
        return "off by overlapping retransmission (%s)" % side
    if a["out_of_order"] or b["out_of_order"] or a["retransmission"] or b["retransmission"]:
        return "off by out-of-order or retransmitted segment (%s)" % side
    return "other segment, same direction (%s)" % side


def alert_signature(ov, tv, o, t, keylogged):
    """Short description of how two alert lists differ (encrypted alerts
    have the description ENCRYPTED)."""
    missing = list(ov)
    extra = []
    for a in tv:
        if a in missing:
            missing.remove(a)
        else:
            extra.append(a)
    kinds = set()
    for frame, who, desc in list(missing):
        # The same alert, readable on one side only.
        other = [x for x in extra if x[0] == frame and x[1] == who and
                 (x[2] == ENCRYPTED) != (desc == ENCRYPTED)]
        if not other:
            continue
        missing.remove((frame, who, desc))
        extra.remove(other[0])
        if desc == ENCRYPTED:
            kinds.add("tshark sees it encrypted")
        elif keylogged:
            kinds.add("tshark decrypted it with the key log")
        else:
            kinds.add("tlsanalyze sees it encrypted")
    for frame, who, desc in missing:
        near = [x for x in extra if x[1] == who and x[2] == desc]
        same_frame = [x for x in extra if x[0] == frame]
        after_hello = (o.get("server_hello_frame") is not None
                       and frame > o["server_hello_frame"])
        if keylogged and after_hello and desc != ENCRYPTED:
            kinds.add("tshark decrypted it with the key log")
        elif near:
            kinds.add("frame differs")
            extra.remove(near[0])
        elif same_frame and same_frame[0][2] == desc:
            kinds.add("sender differs")
            extra.remove(same_frame[0])
        elif same_frame:
            kinds.add("description differs")
            extra.remove(same_frame[0])
        else:
            kinds.add("tlsanalyze misses %s" % desc)
    for frame, who, desc in extra:
        kinds.add("tlsanalyze has extra %s" % desc)
    return " + ".join(sorted(kinds)) or "order differs"


def text_signature(ov, tv):
    if tv is None:
        return "tlsanalyze: none"
    if ov is None:
        return "tshark: none"
    if ov.lower() == tv.lower():
        return "case differs"
    if any(not c.isprintable() or c == "\\" for c in ov + tv):
        return "different name (non-printable characters or escapes)"
    return "different name"


def signature(r, field, details):
    equal, ov, tv = r.fields[field]
    o = r.oracle
    if field in ("client", "server"):
        tla_client, tla_server = (norm_endpoint(r.tla.get("client")),
                                  norm_endpoint(r.tla.get("server")))
        if (tla_client == norm_endpoint(o.get("server"))
                and tla_server == norm_endpoint(o.get("client"))):
            return "swapped (tshark chose by %s)" % o.get("direction_from")
        return "different endpoint"
    if field == "server_hello_frame" and ov is not None and tv is not None:
        if o.get("hello_retry_request") and tv < ov:
            return "tlsanalyze names the HelloRetryRequest"
    if field == "client_hello_frame" and ov is not None and tv is not None:
        if o.get("client_hello_count", 0) > 1 and tv > ov:
            return "tlsanalyze names a later ClientHello"
    if field in FRAME_FIELDS:
        return frame_signature(ov, tv, details)
    if field in ("sni", "leaf_cn"):
        return text_signature(ov, tv)
    if field == "certificate_frames":
        if not tv:
            return "tlsanalyze: none"
        if not ov:
            return "tshark: none"
        return "tlsanalyze %s frames, tshark %s" % (len(tv), len(ov))
    if field == "alerts":
        return alert_signature(ov, tv, o, r.tla, r.keylogged)
    if ov is None or tv is None:
        return "tlsanalyze: none" if tv is None else "tshark: none"
    if field == "cipher":
        return "different suite"
    return "tshark %s, tlsanalyze %s" % (ov, tv)


def frames_to_explain(results):
    """{file: set of frame numbers} for frame-field differences."""
    want = {}
    for r in results:
        for f in FRAME_FIELDS:
            if r.problem or r.fields[f][0]:
                continue
            _, ov, tv = r.fields[f]
            if ov is not None and tv is not None:
                want.setdefault(r.oracle["file"], set()).update((ov, tv))
    return want


# ------------------------------------------------------------ report

def pct(n, m):
    return 100.0 * n / m if m else 100.0


def report(section, verbose):
    out = []
    w = out.append
    w("== %s ==" % section.title)
    if section.skipped:
        w("skipped: %s" % section.skipped)
        return out
    for note in section.notes:
        w(note)
    rcs = {}
    crashes = []
    bad = []
    for run in section.runs:
        if run.crash:
            crashes.append(run)
        else:
            rcs[run.rc] = rcs.get(run.rc, 0) + 1
        bad += [(run, line) for line in run.bad_lines]
    w("tlsanalyze runs: %d files (%s), crashes: %d" % (
        len(section.runs),
        ", ".join("exit %d: %d" % (k, rcs[k]) for k in sorted(rcs)) or "none ended normally",
        len(crashes)))
    for run in crashes:
        w("  crash: %s: %s" % (run.path, run.crash[len("crash: "):]))
    if bad:
        w("tlsanalyze lines that are not JSON objects: %d (first: %s: %s)"
          % (len(bad), bad[0][0].path, bad[0][1]))
    results = section.results
    total = len(results)
    w("tshark connections: %d" % total)
    if total:
        w("%-20s %11s %8s  %s" % ("field", "match", "%", "differs on purpose"))
        found = sum(1 for r in results if not r.problem)
        w("%-20s %5d/%-5d %6.1f %%" % (CONNECTION + " found", found, total, pct(found, total)))
        for f in FIELDS:
            ok = sum(1 for r in results if not r.problem and r.fields[f][0])
            purpose = sum(1 for r in results if f in r.on_purpose)
            row = "%-20s %5d/%-5d %6.1f %%  %s" % (f, ok, total, pct(ok, total), purpose or "")
            w(row.rstrip())
        w("encrypted alerts: tshark %d in %d connections, tlsanalyze %d in %d connections "
          "(%d of them TLS 1.3 records recognised by size, in %d connections: not compared, "
          "tshark sees application data)"
          % (section.enc_oracle[0], section.enc_oracle[1], section.enc_tla[0],
             section.enc_tla[1], section.inferred[0], section.inferred[1]))
    passed, failed = section.counts()
    purpose_only = sum(1 for r in results if r.passed() and r.on_purpose)
    w("connections matching on all compared fields: %d / %d (%.1f %%)%s"
      % (passed, total, pct(passed, total),
         ", %d of them with differences on purpose" % purpose_only if purpose_only else ""))

    classes = {}
    for r in results:
        for f in r.failed_fields():
            sig = r.problem if f == CONNECTION else "%s: %s" % (f, r.signatures[f])
            classes.setdefault(sig, []).append(r)
    if classes:
        w("mismatch classes (connections, examples):")
        for sig, rs in sorted(classes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            w("  %5d  %s" % (len(rs), sig))
            w("         " + "  ".join(r.label for r in rs[:EXAMPLES]))
    if verbose:
        mism = [(r, f) for r in results for f in r.failed_fields()]
        if mism:
            w("every mismatch:")
        for r, f in mism:
            if f == CONNECTION:
                w("  %s %s" % (r.label, r.problem))
            else:
                _, ov, tv = r.fields[f]
                w("  %s %s: tshark %s, tlsanalyze %s [%s]"
                  % (r.label, f, show(ov), show(tv), r.signatures[f]))
    purposeful = [(r, f, why) for r in results for f, why in r.on_purpose.items()]
    if purposeful:
        w("differs on purpose: %d fields in %d connections"
          % (len(purposeful), len({id(r) for r, _, _ in purposeful})))
        if verbose:
            for r, f, why in purposeful:
                w("  %s %s: %s" % (r.label, f, why))
    if section.extras:
        w("extra connections found only by tlsanalyze (not failures): %d"
          % len(section.extras))
        shown = section.extras if verbose else section.extras[:10]
        for run, t in shown:
            ch = t.get("client_hello") or {}
            w("  %s: id %s %s -> %s, first frame %s, outcome %s%s"
              % (run.name, t.get("id"), t.get("client"), t.get("server"),
                 t.get("first_frame"), t.get("outcome"),
                 ", sni %s" % ch["sni"] if ch.get("sni") else ""))
        if len(shown) < len(section.extras):
            w("  ... %d more (--verbose lists all)" % (len(section.extras) - len(shown)))
    return out


# ------------------------------------------------------------ collecting

def is_capture(path):
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return any(head.startswith(m) for m in CAPTURE_MAGIC)


def corpus_jobs(corpus):
    """(oracle by file name, [(name, path)], keylogged names) or None."""
    oracle_path = os.path.join(corpus, "ORACLE.jsonl")
    if not os.path.isdir(corpus) or not os.path.isfile(oracle_path):
        return None
    oracle = {}
    with open(oracle_path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                o = json.loads(line)
                oracle.setdefault(o["file"], []).append(o)
    names = set(oracle)
    for top, dirs, files in os.walk(os.path.join(corpus, "captures")):
        dirs.sort()
        for f in files:
            names.add(os.path.relpath(os.path.join(top, f), corpus))
    keylogged = set()
    keylogs = os.path.join(corpus, "KEYLOGS.tsv")
    if os.path.exists(keylogs):
        with open(keylogs, encoding="utf-8") as fh:
            keylogged = {line.split("\t")[0] for line in fh}
    jobs = [(n, os.path.join(corpus, n)) for n in sorted(names)]
    return oracle, jobs, keylogged


def sample_files(folder):
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            path = os.path.join(top, f)
            if not f.startswith(".") and is_capture(path):
                found.append(path)
    return found


def tshark_works():
    try:
        subprocess.run([tshark_facts.tshark_binary(), "--version"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, timeout=60)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def find_binary(start_dir):
    binary = os.environ.get("TLSANALYZE", "./tlsanalyze")
    if os.sep not in binary:
        return binary               # looked up on PATH
    for base in (start_dir, REPO):
        cand = os.path.join(base, binary)
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare tlsanalyze with tshark, per connection.")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--corpus-only", action="store_true", help="only the public corpus")
    which.add_argument("--samples-only", action="store_true", help="only samples/")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every mismatch")
    ap.add_argument("-j", type=int, default=2, metavar="N", help="parallel processes (2)")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, metavar="DIR",
                    help="corpus folder, relative to the repo root (%(default)s)")
    ap.add_argument("--samples", default=SAMPLES, metavar="DIR",
                    help="samples folder, relative to the repo root (%(default)s)")
    ap.add_argument("--differences", default=DIFFERENCES, metavar="TSV",
                    help="known differences for the corpus (%(default)s)")
    ap.add_argument("--timeout", type=float, default=30.0, metavar="S",
                    help="seconds per tlsanalyze run before it counts as a crash (30)")
    args = ap.parse_args(argv)

    start_dir = os.getcwd()
    os.chdir(REPO)
    binary = find_binary(start_dir)
    if binary is None:
        print("compare: tlsanalyze not found (%s); build it with make or set TLSANALYZE"
              % os.environ.get("TLSANALYZE", "./tlsanalyze"), file=sys.stderr)
        return 2
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j))
    have_tshark = tshark_works()
    sections = []

    corpus = Section("corpus: %s" % args.corpus)
    diffs = Differences(args.differences)
    corpus.notes += diffs.problems
    corpus_runs = []
    if not args.samples_only:
        sections.append(corpus)
        loaded = corpus_jobs(args.corpus)
        if loaded is None:
            corpus.skipped = "%s not found" % args.corpus
        else:
            oracle, jobs, keylogged = loaded
            corpus.notes.append("%d capture files, key logs for %d"
                                % (len(jobs), len(keylogged & {n for n, _ in jobs})))
            corpus_runs = [(name, pool.submit(run_tlsanalyze, binary, name, path, args.timeout))
                           for name, path in jobs]

    samples = Section("samples: %s/" % args.samples)
    sample_runs = []
    if not args.corpus_only:
        sections.append(samples)
        files = sample_files(args.samples)
        opt_path = os.path.join(args.samples, "OPTIONS.tsv")
        opt_table = tshark_facts.Table(opt_path) if os.path.exists(opt_path) else None
        if not files:
            samples.skipped = "no capture files in %s/" % args.samples
        elif not have_tshark:
            samples.skipped = "tshark not found (sh tests/install-deps.sh tshark)"
        else:
            samples.notes.append("%d capture files, oracle: tshark_facts.py%s"
                                 % (len(files), " with %s" % opt_path if opt_table else ""))
            for path in files:
                opts, _ = tshark_facts.per_file_settings(path, opt_table, None, [], None)
                sample_runs.append((path, opts,
                                    pool.submit(tshark_facts.facts, path, None, opts, None, 300),
                                    pool.submit(run_tlsanalyze, binary, path, path,
                                                args.timeout)))

    explain = []                    # (section, name, tshark options)
    if corpus_runs:
        for name, fut in corpus_runs:
            run = fut.result()
            corpus.runs.append(run)
            compare_file(corpus, name, oracle.get(name, []), run, name in keylogged, diffs)
        opt_table = tshark_facts.Table(os.path.join(args.corpus, "OPTIONS.tsv")) \
            if os.path.exists(os.path.join(args.corpus, "OPTIONS.tsv")) else None
        for name in frames_to_explain(corpus.results):
            opts, _ = tshark_facts.per_file_settings(os.path.join(args.corpus, name),
                                                     opt_table, None, [], None)
            explain.append((corpus, name, os.path.join(args.corpus, name), opts))
    for path, opts, tfut, rfut in sample_runs:
        try:
            conns, problem = tfut.result()
        except (OSError, subprocess.SubprocessError) as e:
            conns, problem = [], "tshark failed: %s" % e
        if problem:
            samples.notes.append("%s: %s" % (path, problem))
        run = rfut.result()
        samples.runs.append(run)
        compare_file(samples, path, conns, run, False, None)
    for name in frames_to_explain(samples.results):
        explain.append((samples, name, name, dict((p, o) for p, o, _, _ in sample_runs)[name]))

    # A second opinion from tshark itself, for differences with a known cause
    # that tshark can confirm: see second_opinion().
    if have_tshark and corpus_runs:
        second_opinion(corpus, args.corpus, pool)

    # Look the differing frames up in tshark to name frame-number differences.
    details = {}
    if have_tshark and explain:
        want = {}
        for section in (corpus, samples):
            want.update(frames_to_explain(section.results))
        futs = {(id(s), n): pool.submit(tshark_facts.segment_details, p, want[n], o, 300)
                for s, n, p, o in explain}
        for key, fut in futs.items():
            try:
                details[key] = fut.result()
            except (OSError, subprocess.SubprocessError):
                details[key] = {}
    pool.shutdown()
    for section in (corpus, samples):
        for r in section.results:
            if r.problem:
                continue
            d = details.get((id(section), r.oracle["file"]), {})
            for f in FIELDS:
                if not r.fields[f][0]:
                    r.signatures[f] = signature(r, f, d)

    lines = []
    for section in sections:
        lines += report(section, args.verbose)
    stale = diffs.unused() if corpus_runs else []
    if stale:
        lines.append("%s entries that no longer differ: %d" % (args.differences, len(stale)))
        for e in stale:
            lines.append("  %s%s\t%s" % (e[0], "#%d" % e[1] if e[1] is not None else "", e[2]))
    c_pass, c_fail = corpus.counts()
    s_pass, s_fail = samples.counts()
    status = 0
    if corpus.results and pct(c_pass, c_pass + c_fail) < PASS_RATE:
        lines.append("FAIL: corpus match rate %.1f %% is below %.0f %%"
                     % (pct(c_pass, c_pass + c_fail), PASS_RATE))
        status = 1
    if s_fail:
        lines.append("FAIL: %d sample connection(s) differ from tshark" % s_fail)
        status = 1
    # The summary counts checks: each sample connection must match tshark;
    # the corpus as a whole must match at PASS_RATE or better (its
    # connection counts are above).
    checks_pass, checks_fail = s_pass, s_fail
    runs = [r for section in sections for r in section.runs]
    invalid = [r for r in runs if r.schema_error]
    lines.append("JSON Schema: %d NDJSON lines of %d runs checked, %d runs with a line that does "
                 "not follow docs/tlsanalyze.schema.json%s"
                 % (sum(r.lines for r in runs), len(runs), len(invalid),
                    " (first: %s: %s)" % (invalid[0].path, invalid[0].schema_error)
                    if invalid else ""))
    if invalid:
        status = 1
    checks_pass, checks_fail = checks_pass + (not invalid), checks_fail + bool(invalid)
    if corpus.results:
        ok = pct(c_pass, c_pass + c_fail) >= PASS_RATE
        lines.append("corpus: %d of %d connections match tshark (%.1f %%), threshold %.0f %%"
                     % (c_pass, c_pass + c_fail, pct(c_pass, c_pass + c_fail), PASS_RATE))
        checks_pass, checks_fail = checks_pass + ok, checks_fail + (not ok)
    lines.append("golden: %d passed, %d failed" % (checks_pass, checks_fail))
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
