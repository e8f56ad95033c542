#!/usr/bin/env python3
"""cli_test.py BINARY - end-to-end tests of the tlsanalyze command line.

Two kinds: bad input (exit status and message) and crafted captures whose
every frame the test builds itself (tests/lib/pcapgen.py), so each expected
frame number is known without running another tool.  Every file is written
in a temporary directory.  Ends with "cli: N passed, N failed".
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import pcapgen as pg  # noqa: E402
import schema_check  # noqa: E402
from harness import test  # noqa: E402
import harness  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
TMP = tempfile.mkdtemp(prefix="tlsa-cli-")




def run(*args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=120)
    if p.returncode in (0, 1):
        # Every JSON and NDJSON output follows docs/tlsanalyze.schema.json.
        schema_check.check_output(args, p.stdout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run_json(*args):
    rc, out, err = run("--format=json", *args)
    return rc, json.loads(out), err


def conns(doc, i=0):
    return doc["captures"][i]["connections"]


def tls_conns(doc, i=0):
    return [c for c in conns(doc, i) if c["outcome"] != "not_tls"]


def tmp(name):
    return os.path.join(TMP, name)


def sample(name):
    return os.path.join(SAMPLES, name)


# ---------------------------------------------------------------- bad input

@test
def no_arguments_is_usage_error():
    rc, out, err = run()
    assert rc == 2 and "no capture given" in err and "usage:" in err


@test
def unknown_format_is_usage_error():
    rc, _, err = run("--format=xml", sample("tls12-ok.pcap"))
    assert rc == 2 and "unknown format" in err


@test
def missing_file():
    rc, _, err = run(tmp("nope.pcap"))
    assert rc == 2 and "cannot open" in err and "nope.pcap" in err


@test
def empty_file():
    open(tmp("empty.pcap"), "wb").close()
    rc, _, err = run(tmp("empty.pcap"))
    assert rc == 2 and "empty" in err, err


@test
def text_file():
    with open(tmp("notes.txt"), "w") as f:
        f.write("this is not a capture\n")
    rc, _, err = run(tmp("notes.txt"))
    assert rc == 2 and "not a pcap or pcapng" in err, err


@test
def bad_trust_stores_and_extract_dir():
    """Each unusable trust store or extraction directory: exit 2, the path,
    what is wrong and what to give instead."""
    with open(tmp("notes.txt"), "w") as f:
        f.write("not a certificate\n")
    cases = [
        (("--ca-file", SAMPLES), "a directory, not a PEM file", "--ca-path"),
        (("--ca-file", tmp("none.pem")), "No such file or directory", "PEM file"),
        (("--ca-file", tmp("notes.txt")), "no PEM certificate found", "openssl x509 -inform der"),
        (("--server-ca-file", tmp("notes.txt")), "no PEM certificate found", "BEGIN CERTIFICATE"),
        (("--ca-path", tmp("none")), "not a readable directory", "openssl rehash"),
        (("--ca-path", tmp("notes.txt")), "not a readable directory", "openssl rehash"),
        (("--extract-certs", tmp("notes.txt")), "not a writable directory", "--extract-certs"),
    ]
    for args, what, hint in cases:
        rc, out, err = run(*args, sample("tls12-ok.pcap"))
        assert rc == 2 and args[1] in err and what in err and hint in err, (args, rc, err)
        assert out == "", (args, out)


@test
def directory_is_walked_in_name_order():
    d = tmp("walk")
    os.makedirs(os.path.join(d, "b-sub"), exist_ok=True)
    shutil.copy(sample("tls12-ok.pcap"), os.path.join(d, "c.pcap"))
    shutil.copy(sample("no-sni.pcap"), os.path.join(d, "a.pcap"))
    shutil.copy(sample("multi.pcap"), os.path.join(d, "b-sub", "m.pcap"))
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("not a capture\n")
    rc, doc, err = run_json(d)
    files = [c["file"].rsplit("/walk/", 1)[1] for c in doc["captures"]]
    assert files == ["a.pcap", "b-sub/m.pcap", "c.pcap"], files
    assert "notes.txt: skipped: not a pcap, pcapng or compressed capture" in err, err
    assert rc == 1        # no-sni.pcap and multi.pcap have failures; the text file is no error
    # Compressed pieces and a damaged capture in the same directory.
    raw = open(sample("unknown-ca.pcap"), "rb").read()
    with gzip.open(os.path.join(d, "d.pcap.gz"), "wb") as g:
        g.write(raw)
    if shutil.which("zstd"):
        subprocess.run(["zstd", "-q", "-f", sample("tls13-ok.pcap"), "-o",
                        os.path.join(d, "e.pcap.zst")], check=True)
    with open(os.path.join(d, "f-bad.pcap"), "wb") as f:
        f.write(raw[:30])                  # a pcap header and 6 bytes of a record header
    rc, doc, err = run_json(d)
    byname = {c["file"].rsplit("/walk/", 1)[1]: c for c in doc["captures"]}
    assert byname["d.pcap.gz"]["connections"] and byname["d.pcap.gz"]["error"] is None
    assert not shutil.which("zstd") or byname["e.pcap.zst"]["completed"] == 1
    bad = byname["f-bad.pcap"]
    assert bad["error"] or any("ends in the middle" in w for w in bad["warnings"]), bad
    assert rc == 1 and "f-bad.pcap" in err, (rc, err)


@test
def parallel_output_is_identical_to_serial():
    args = [SAMPLES, tmp("missing.pcap"), sample("multi.pcap")]
    for fmt in ("--format=json", "--format=ndjson", "--format=text"):
        one = subprocess.run([BIN, "-j", "1", "--no-color", fmt] + args, capture_output=True,
                             timeout=300)
        two = subprocess.run([BIN, "-j", "3", "--no-color", fmt] + args, capture_output=True,
                             timeout=300)
        assert one.returncode == two.returncode == 2, (one.returncode, two.returncode)
        assert one.stdout == two.stdout and one.stderr == two.stderr, fmt
    doc = json.loads(two.stdout if fmt == "--format=json" else
                     subprocess.run([BIN, "-j", "3", "--format=json"] + args,
                                    capture_output=True).stdout)
    assert doc["total"]["captures"] == len(doc["captures"]) > 20


@test
def server_and_time_window_select_connections():
    _, full, _ = run_json(sample("multi.pcap"))
    target = tls_conns(full)[1]
    rc, doc, _ = run_json("--server", target["server"], sample("multi.pcap"))
    got = tls_conns(doc)
    assert [c["server"] for c in got] == [target["server"]]
    assert got[0]["client_hello"]["frame"] == target["client_hello"]["frame"]
    first = min(c["start_time"] for c in tls_conns(full))
    rc, doc, _ = run_json("--until", "%.6f" % (first - 1), sample("multi.pcap"))
    cap = doc["captures"][0]
    assert conns(doc) == [] and cap["skipped"]["outside_time_window"] == cap["packets"]
    rc, doc, _ = run_json("--since", "2000-01-01T00:00:00Z", "--until", "2100-01-01",
                          sample("multi.pcap"))
    assert len(tls_conns(doc)) == len(tls_conns(full))
    assert run("--since", "yesterday", sample("multi.pcap"))[0] == 2
    assert run("--server", "[::1", sample("multi.pcap"))[0] == 2


@test
def progress_only_on_a_terminal():
    import pty
    gen = os.path.join(ROOT, "tests", "stress", "gen.py")
    with open(tmp("syn.pcap"), "wb") as f:
        subprocess.run([sys.executable, gen, "syn", "300000"], stdout=f, check=True)
    rc, out, err = run("--summary", tmp("syn.pcap"))
    assert "MB/s" not in err and "\r" not in err, err          # stderr is a pipe here
    master, slave = pty.openpty()
    p = subprocess.Popen([BIN, "--summary", tmp("syn.pcap")], stdout=subprocess.DEVNULL,
                         stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    p.wait(timeout=120)
    os.close(master)
    assert b"MB/s" in seen and b"connections" in seen, seen[:200]
    p = subprocess.run([BIN, "--quiet", "--summary", tmp("syn.pcap")], capture_output=True)
    assert b"MB/s" not in p.stderr


@test
def merge_of_a_split_capture_equals_the_whole():
    if not shutil.which("editcap"):
        return
    subprocess.run(["editcap", "-c", "20", sample("multi.pcap"), tmp("part.pcap")], check=True,
                   capture_output=True)
    parts = sorted(os.path.join(TMP, f) for f in os.listdir(TMP) if f.startswith("part_"))
    assert len(parts) == 3, parts
    _, whole, _ = run_json(sample("multi.pcap"))
    rc, merged, err = run_json("--merge", *reversed(parts))     # order of arguments is free
    assert len(merged["captures"]) == 1, err
    assert conns(merged) == conns(whole)
    assert merged["captures"][0]["packets"] == whole["captures"][0]["packets"]
    _, apart, _ = run_json(*parts)
    assert len(tls_conns(apart, 0)) + len(tls_conns(apart, 1)) != len(tls_conns(whole)) or \
        conns(apart) != conns(whole)


@test
def shards_together_report_every_connection_once():
    files = [sample("multi.pcap"), sample("tls13-ok.pcap"), sample("no-sni.pcap")]

    def lines(*extra):
        rc, out, _ = run("--format=ndjson", *extra, *files)
        return sorted(l for l in out.splitlines() if '"type":"connection"' in l)
    whole = lines()
    parts = [lines("--shard", "%d/3" % k) for k in range(3)]
    assert sorted(sum(parts, [])) == whole
    assert sum(1 for p in parts if p) >= 2          # the connections really are spread
    assert run("--shard", "3/3", files[0])[0] == 2


@test
def list_file_names_inputs():
    with open(tmp("inputs.txt"), "w") as f:
        f.write("# captures of the case\n\n%s\n%s\n" % (sample("tls12-ok.pcap"),
                                                         tmp("missing.pcap")))
    rc, doc, err = run_json("@" + tmp("inputs.txt"))
    assert [c["error"] is None for c in doc["captures"]] == [True, False]
    assert rc == 2 and "missing.pcap: cannot open" in err, err
    rc, _, err = run("@" + tmp("no-list.txt"))
    assert rc == 2 and "cannot open the list" in err, err


@test
def gzip_capture_is_read_as_a_stream():
    with open(sample("tls12-ok.pcap"), "rb") as f, gzip.open(tmp("x.pcap.gz"), "wb") as g:
        g.write(f.read())
    rc, doc, err = run_json(tmp("x.pcap.gz"))
    _, ref, _ = run_json(sample("tls12-ok.pcap"))
    assert rc == 0 and conns(doc) == conns(ref), err


@test
def zstd_and_xz_captures_are_read_as_streams():
    import lzma
    raw = open(sample("tls12-ok.pcap"), "rb").read()
    with open(tmp("x.pcap.xz"), "wb") as f:
        f.write(lzma.compress(raw))
    _, ref, _ = run_json(sample("tls12-ok.pcap"))
    rc, doc, err = run_json(tmp("x.pcap.xz"))
    assert rc == 0 and conns(doc) == conns(ref), err
    if shutil.which("zstd"):
        subprocess.run(["zstd", "-q", "-f", sample("tls12-ok.pcap"), "-o", tmp("x.pcap.zst")],
                       check=True)
        rc, doc, err = run_json(tmp("x.pcap.zst"))
        assert rc == 0 and conns(doc) == conns(ref), err
    with open(tmp("bad.pcap.zst"), "wb") as f:
        f.write(bytes.fromhex("28b52ffd") + bytes(20))
    rc, _, err = run(tmp("bad.pcap.zst"))
    assert rc == 2 and "zstd-compressed capture" in err, err


@test
def file_cut_mid_record_keeps_what_was_read():
    data = open(sample("tls12-ok.pcap"), "rb").read()
    with open(tmp("cut.pcap"), "wb") as f:
        f.write(data[:len(data) * 2 // 3])
    rc, doc, err = run_json(tmp("cut.pcap"))
    cap = doc["captures"][0]
    assert rc in (0, 1) and any("ends in the middle of frame" in w for w in cap["warnings"]), cap
    assert tls_conns(doc) and tls_conns(doc)[0]["client_hello"] is not None


@test
def small_snaplen_says_capture_again():
    p = pg.Pcap(snaplen=64)
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"a.example")))
    p.write(tmp("snap64.pcap"))
    rc, doc, err = run_json(tmp("snap64.pcap"))
    w = " ".join(doc["captures"][0]["warnings"])
    assert "cut at 64 bytes" in w and "tcpdump -s 0" in w, w


@test
def bad_file_does_not_stop_the_batch():
    rc, doc, err = run_json(tmp("missing.pcap"), sample("tls12-ok.pcap"))
    assert rc == 2
    assert doc["captures"][0]["error"] and doc["captures"][1]["error"] is None
    assert tls_conns(doc, 1)[0]["outcome"] == "completed"


@test
def bad_filter():
    rc, _, err = run("-f", "tcp port banana", sample("tls12-ok.pcap"))
    assert rc == 2 and "bad filter" in err, err


@test
def filter_keeps_wireshark_frame_numbers():
    _, full, _ = run_json(sample("multi.pcap"))
    first = tls_conns(full)[-1]
    port = first["client"].rsplit(":", 1)[1]
    _, part, _ = run_json("-f", "tcp port " + port, sample("multi.pcap"))
    got = tls_conns(part)
    assert len(got) == 1 and got[0]["client_hello"]["frame"] == first["client_hello"]["frame"]
    assert part["captures"][0]["skipped"]["filtered"] > 0


@test
def stdin_reads_the_same():
    data = open(sample("tls12-ok.pcap"), "rb").read()
    p = subprocess.run([BIN, "--format=json", "-"], input=data, capture_output=True, timeout=60)
    _, ref, _ = run_json(sample("tls12-ok.pcap"))
    assert json.loads(p.stdout)["captures"][0]["connections"] == conns(ref)


@test
def exit_status_follows_outcome():
    assert run(sample("tls12-ok.pcap"))[0] == 0
    assert run(sample("protocol-mismatch.pcap"))[0] == 1


@test
def ndjson_one_object_per_line():
    rc, out, _ = run("--format=ndjson", sample("multi.pcap"), sample("tls13-ok.pcap"))
    lines = [json.loads(x) for x in out.splitlines()]
    kinds = [x["type"] for x in lines]
    assert kinds.count("capture") == 2 and kinds[-2] == "capture" and kinds[-1] == "total"
    assert all(x["file"] for x in lines if x["type"] != "total")


def no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


@test
def summary_prints_only_the_roll_up():
    rc, out, _ = run("--summary", "--format=json", sample("multi.pcap"), sample("no-sni.pcap"))
    doc = json.loads(out, object_pairs_hook=no_duplicate_keys)
    assert rc == 1 and all(c["connections"] == [] for c in doc["captures"])
    t = doc["total"]
    assert t["captures"] == 2 and t["tcp_connections"] == 5 and t["completed"] == 2
    assert t["failed_by_rule"] == {"cipher-mismatch": 1, "expired-certificate": 1,
                                   "missing-sni": 1}
    assert t["top_failing_sni"][0] == {"name": "api.example.com", "failures": 2}
    assert t["versions"] == {"TLS 1.2": 1, "TLS 1.3": 1}
    rc, out, _ = run("--summary", "--no-color", sample("multi.pcap"), sample("no-sni.pcap"))
    assert "total: 2 captures, 5 connections" in out and "ClientHello" not in out, out
    assert "most failures by SNI:" in out and "negotiated cipher suites:" in out


@test
def summary_groups_failures_by_client_fingerprint():
    """The roll-up's failures by JA4 agree with the connections' own facts."""
    files = [sample(n) for n in ("multi.pcap", "no-sni.pcap", "cipher-mismatch.pcap")]
    _, doc, _ = run_json(*files)
    want = {}
    for i in range(len(files)):
        for c in conns(doc, i):
            if c["diagnoses"] and c["diagnoses"][0]["severity"] == "error":
                ja4 = (c["client_hello"] or {}).get("ja4") or "(none)"
                rules = want.setdefault(ja4, {})
                rule = c["diagnoses"][0]["rule"]
                rules[rule] = rules.get(rule, 0) + 1
    assert want, "the samples have failures"
    t = doc["total"]
    assert t["failing_client_fingerprints"] == len(want)
    got = {e["name"]: e["rules"] for e in t["failures_by_client_fingerprint"]}
    assert got == want, (got, want)
    for e in t["failures_by_client_fingerprint"]:
        assert e["failures"] == sum(e["rules"].values())
    rc, out, _ = run("--summary", "--format=ndjson", *files)
    total = [json.loads(x) for x in out.splitlines()][-1]
    assert total["type"] == "total" and total["failures_by_client_fingerprint"] == \
        t["failures_by_client_fingerprint"]
    rc, out, _ = run("--summary", "--no-color", *files)
    assert "failures by client fingerprint (JA4), %d distinct:" % len(want) in out, out
    first = t["failures_by_client_fingerprint"][0]
    assert any(line.split()[:2] == [first["name"], str(first["failures"])]
               for line in out.splitlines()), out


@test
def client_fingerprint_keeps_only_matching_connections():
    _, doc, _ = run_json(sample("multi.pcap"))
    tls = tls_conns(doc)
    ja4s = sorted({c["client_hello"]["ja4"] for c in tls if c["client_hello"]})
    assert len(ja4s) >= 2, ja4s
    keep = [c["id"] for c in tls if c["client_hello"] and c["client_hello"]["ja4"] == ja4s[0]]
    _, doc2, _ = run_json("--client-fingerprint", ja4s[0], sample("multi.pcap"))
    assert [c["id"] for c in conns(doc2)] == keep
    assert doc2["captures"][0]["left_out_by_client_fingerprint"] == len(conns(doc)) - len(keep)
    # The JA3 hash, in upper case, and a second value add to the set.
    other = next(c for c in tls if c["client_hello"] and c["client_hello"]["ja4"] != ja4s[0])
    _, doc3, _ = run_json("--client-fingerprint", ja4s[0], "--client-fingerprint",
                          other["client_hello"]["ja3_hash"].upper(), sample("multi.pcap"))
    ids = [c["id"] for c in conns(doc3)]
    assert set(keep) < set(ids) and other["id"] in ids
    rc, _, err = run("--client-fingerprint", "t13d1516h2", sample("multi.pcap"))
    assert rc == 2 and "--client-fingerprint wants" in err


@test
def verbose_client_hello_line_and_report_show_ja4_and_ja3():
    _, doc, _ = run_json(sample("tls13-ok.pcap"))
    ch = conns(doc)[0]["client_hello"]
    rc, out, _ = run("-v", "--no-color", sample("tls13-ok.pcap"))
    line = next(x for x in out.splitlines() if "ClientHello" in x)
    assert "JA4 %s, JA3 %s" % (ch["ja4"], ch["ja3_hash"]) in line, line
    rc, out, _ = run("--no-color", sample("cipher-mismatch.pcap"))
    assert "JA4" not in out
    _, doc, _ = run_json(sample("cipher-mismatch.pcap"))
    ch = conns(doc)[0]["client_hello"]
    rc, out, _ = run("--format=markdown", sample("cipher-mismatch.pcap"))
    assert "| client fingerprint | JA4 %s; JA3 %s |" % (ch["ja4"], ch["ja3_hash"]) in out


@test
def pcapng_with_mixed_link_types():
    """libpcap refuses interfaces with different link types; tlsanalyze reads on."""
    p = pg.Pcap()
    a = pg.Conn(p, cport=41000)
    a.handshake()
    a.send(True, pg.record(22, pg.client_hello(sni=b"eth.example")))
    b = pg.Conn(p, cport=41001)
    b.handshake()
    b.send(True, pg.record(22, pg.client_hello(sni=b"raw.example")))
    pkts = []
    for i, (t, data, _) in enumerate(p.frames):
        on_raw = i >= 4                       # the second connection on the raw-IP interface
        pkts.append((1 if on_raw else 0, t, pg.raw_ipv4_frame(data) if on_raw else data))
    pg.write_pcapng(tmp("mixed.pcapng"), [1, 101], pkts, tsresol=9)
    rc, doc, err = run_json(tmp("mixed.pcapng"))
    cap = doc["captures"][0]
    got = {c["client_hello"]["sni"]: c["client_hello"]["frame"] for c in tls_conns(doc)}
    assert got == {"eth.example": 4, "raw.example": 8}, (got, cap["warnings"])
    assert sorted(cap["linktypes"]) == ["EN10MB", "RAW"], cap["linktypes"]
    assert cap["packets"] == 8 and not cap["warnings"], cap


@test
def pcapng_with_a_bad_block_length():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"ng.example")))
    pg.write_pcapng(tmp("ok.pcapng"), [1], [(0, t, d) for t, d, _ in p.frames])
    data = bytearray(open(tmp("ok.pcapng"), "rb").read())
    data += bytes.fromhex("06000000") + (0xfffffff0).to_bytes(4, "little") + bytes(16)
    with open(tmp("bad.pcapng"), "wb") as f:
        f.write(data)
    rc, doc, err = run_json(tmp("bad.pcapng"))
    cap = doc["captures"][0]
    assert rc in (0, 1) and cap["warnings"], cap
    assert tls_conns(doc)[0]["client_hello"]["sni"] == "ng.example"


@test
def sll2_ipv6_pcapng_midstream_samples():
    """The capture kinds of a support case, each against the plain sample."""
    _, ref, _ = run_json(sample("tls12-ok.pcap"))
    ch = tls_conns(ref)[0]["client_hello"]
    for name, linktype in (("tls12-ok-any.pcap", "LINUX_SLL2"), ("tls12-ok-sll.pcap", "LINUX_SLL"),
                           ("tls12-ok.pcapng", "EN10MB"), ("ipv6-tls13.pcap", "EN10MB"),
                           ("midstream.pcap", "EN10MB"), ("tls13-ok-ns.pcap", "EN10MB")):
        rc, doc, _ = run_json(sample(name))
        cap = doc["captures"][0]
        tc = tls_conns(doc)
        assert rc == 0 and cap["linktypes"] == [linktype] and len(tc) == 1, (name, cap)
        assert tc[0]["outcome"] == "completed", (name, tc[0]["outcome"])
        assert tc[0]["client_hello"]["sni"] == ch["sni"], name
        if name == "ipv6-tls13.pcap":
            assert tc[0]["client"].startswith("[::1]:"), tc[0]["client"]
        if name == "midstream.pcap":
            assert tc[0]["client_from"] == "client_hello" and tc[0]["client_hello"]["frame"] == 1


@test
def samples_match_their_expected_outcomes():
    """samples/EXPECTED.tsv: what each scenario was made to show (the script
    checked it with tshark): outcome and every alert, encrypted ones included
    (TLS 1.3 alerts are recognised by their size), also the close_notify pair
    after a completed handshake, which is marked after_handshake."""
    rows = [l.rstrip("\n").split("\t") for l in open(sample("EXPECTED.tsv"))]
    head, rows = rows[0], rows[1:]
    by_file = {}
    for r in rows:
        by_file.setdefault(r[0], []).append(dict(zip(head, r)))
    for name, want in by_file.items():
        _, doc, _ = run_json(sample(name))
        got = {(c["client"], c["server"]): c for c in conns(doc)}
        for w in want:
            c = got.get((w["client"], w["server"]))
            assert c is not None, (name, w["client"])
            assert c["outcome"] == w["outcome"], (name, c["outcome"], w["outcome"])
            alerts = []
            for a in c["alerts"]:
                alerts.append("%d:%s:%s" % (a["frame"], a["from"], "encrypted:?" if a["encrypted"]
                                            else "%s:%s" % (a["level"], a["description"])))
                after = c["outcome"] == "completed" and a["frame"] > c["server_hello"]["frame"]
                assert a.get("after_handshake", False) == after, (name, a)
            expected = [] if w["alerts"] == "-" else w["alerts"].split(",")
            assert alerts == expected, (name, alerts, expected)
            assert "alert" not in c or c["outcome"] != "completed", (name, c["alert"])


# ---------------------------------------------------------------- rules

INTENDED = {
    "protocol-mismatch.pcap": "protocol-mismatch", "cipher-mismatch.pcap": "cipher-mismatch",
    "no-sni.pcap": "missing-sni", "expired-cert.pcap": "expired-certificate",
    "unknown-ca.pcap": "unknown-certificate", "hostname-mismatch.pcap": "hostname-mismatch",
    "incomplete-chain.pcap": "incomplete-chain",
    "client-cert-missing-tls12.pcap": "client-certificate-missing",
    "client-cert-missing-tls13.pcap": "client-certificate-missing",
    "hostname-mismatch-tls13.pcap": "unknown-certificate",   # certificate encrypted: keys needed
    "plaintext-to-tls-port.pcap": "plaintext-to-tls-port",
    "tls-to-plaintext-port.pcap": "plaintext-to-tls-port",
    "server-reset-after-client-hello.pcap": "server-reset-after-client-hello",
    # The client walks away from a chain that does not verify against the
    # system store (client_walks_away_from_a_trusted_chain: client-gave-up).
    "client-gave-up.pcap": "unknown-certificate",
    "no-server-response.pcap": "no-server-response",
    "obsolete-version.pcap": "obsolete-version-negotiated",
    "weak-cipher.pcap": "weak-cipher-negotiated",
    "quic-no-sni.pcap": "missing-sni",             # crafted: make-quic-samples.py
    "quic-no-response.pcap": "quic-no-response",
}
HEALTHY = ["tls12-ok.pcap", "tls13-ok.pcap", "tls12-ok-any.pcap", "tls12-ok-sll.pcap",
           "tls12-ok.pcapng", "tls13-ok-ns.pcap", "ipv6-tls13.pcap", "midstream.pcap"]


def diagnoses(name, *args):
    rc, doc, err = run_json(*args, sample(name))
    return rc, [[d["rule"] for d in c["diagnoses"]] for c in conns(doc)
                if c["outcome"] != "not_tls" or c["diagnoses"]], doc


@test
def every_sample_gets_its_rule_first():
    for name, rule in INTENDED.items():
        if not os.path.exists(sample(name)):
            continue              # a sample not made yet is not a failure of the rules
        rc, rules, _ = diagnoses(name)
        assert rules and rules[0] and rules[0][0] == rule, (name, rules)
        severity = "error" if rule not in ("obsolete-version-negotiated",
                                           "weak-cipher-negotiated") else "warning"
        assert rc == (1 if severity == "error" else 0), (name, rc)


@test
def healthy_samples_get_no_error():
    for name in HEALTHY:
        rc, doc, _ = run_json(sample(name))
        sev = [d["severity"] for c in tls_conns(doc) for d in c["diagnoses"]]
        assert rc == 0 and "error" not in sev, (name, sev)


@test
def multi_capture_counts_failures_by_rule():
    rc, doc, _ = run_json(sample("multi.pcap"))
    cap = doc["captures"][0]
    assert rc == 1 and cap["failed_by_rule"] == {"cipher-mismatch": 1, "expired-certificate": 1}
    rc, out, _ = run("--no-color", sample("multi.pcap"))
    assert "error cipher-mismatch:" in out and "evidence" in out and "fix " in out, out


@test
def profile_apigee_changes_the_remediation():
    _, doc, _ = run_json("--profile", "apigee", sample("no-sni.pcap"))
    fix = tls_conns(doc)[0]["diagnoses"][0]["remediation"]
    # Nothing tells the side of this capture: both sides' fixes, labelled.
    assert fix.startswith("Northbound (client app") and "Southbound (Message Processor" in fix, fix
    assert "enableSNIExtension" in fix and "message-processor.properties" in fix, fix
    _, doc, _ = run_json(sample("no-sni.pcap"))
    generic = tls_conns(doc)[0]
    assert "Message Processor" not in generic["diagnoses"][0]["remediation"]
    assert "apigee" not in generic


@test
def rules_override_list_explain_and_severity():
    os.makedirs(tmp("myrules"), exist_ok=True)
    with open(tmp("myrules/sni.yaml"), "w") as f:
        f.write("id: missing-sni\nseverity: warning\ntitle: Ours\nsummary: no SNI to {server}\n"
                "when: {sni.present: {==: false}}\n")
    rc, doc, _ = run_json("--rules", tmp("myrules"), sample("no-sni.pcap"))
    d = tls_conns(doc)[0]["diagnoses"]
    assert any(x["rule"] == "missing-sni" and x["title"] == "Ours" for x in d), d
    rc, doc, _ = run_json("--no-default-rules", sample("no-sni.pcap"))
    assert rc == 0 and tls_conns(doc)[0]["diagnoses"] == []
    rc, doc, _ = run_json("--min-severity", "error", sample("obsolete-version.pcap")
                          if os.path.exists(sample("obsolete-version.pcap")) else sample("tls12-ok.pcap"))
    assert all(x["severity"] == "error" for c in tls_conns(doc) for x in c["diagnoses"])
    rc, out, _ = run("--list-rules")
    assert rc == 0 and "missing-sni" in out and "protocol-mismatch" in out
    rc, out, _ = run("--explain", "missing-sni")
    assert rc == 0 and "sni.present == false" in out, out
    rc, _, err = run("--explain", "no-such-rule")
    assert rc == 2 and "no rule" in err


@test
def rules_sharing_a_path_each_get_their_verdict():
    """Several tests of one path read its value once per connection
    (ruleeval.c); "server" is text the accessor formats into the value
    itself, so the kept copy must carry that text, not point at the
    reading's stack (the sanitizer build catches the latter)."""
    os.makedirs(tmp("sharedpath"), exist_ok=True)
    tests = {"s-eq": '{server: {==: "127.0.0.1:44305"}}',
             "s-match": '{server: {matches: "^127[.]0[.]0[.]1:443"}}',
             "s-in": '{server: {in: ["127.0.0.1:44305", "10.0.0.1:443"]}}',
             "s-ne": '{server: {"!=": "127.0.0.1:44305"}}',
             "s-lt": '{server: {"<": "127.0.0.1:4430"}}',
             "s-exists": '{server: {exists: true}}'}
    for rid, when in tests.items():
        with open(tmp("sharedpath/%s.yaml" % rid), "w") as f:
            f.write("id: %s\nseverity: error\ntitle: t\nsummary: \"{server}\"\nwhen: %s\n"
                    % (rid, when))
    rc, doc, err = run_json("--no-default-rules", "--rules", tmp("sharedpath"),
                            sample("no-sni.pcap"))
    c = tls_conns(doc)[0]
    assert c["server"] == "127.0.0.1:44305", c["server"]
    fired = sorted(x["rule"] for x in c["diagnoses"])
    assert fired == ["s-eq", "s-exists", "s-in", "s-match"], (fired, err)
    assert all(x["summary"] == "127.0.0.1:44305" for x in c["diagnoses"]), c["diagnoses"]


@test
def bad_rule_file_stops_the_run():
    os.makedirs(tmp("badrules"), exist_ok=True)
    with open(tmp("badrules/foo.yaml"), "w") as f:
        f.write("id: x\nseverity: error\ntitle: t\nsummary: s\nwhne: {outcome: {==: alert}}\n")
    rc, out, err = run("--rules", tmp("badrules"), sample("tls12-ok.pcap"))
    assert rc == 2 and out == "", out
    assert "badrules/foo.yaml:5:1: unknown field \"whne\" (did you mean \"when\"?)" in err, err


# ---------------------------------------------------------------- crafted captures

def one_conn(path, **kw):
    rc, doc, err = run_json(path, **kw)
    tc = tls_conns(doc)
    assert len(tc) == 1, tc
    return rc, tc[0], doc


@test
def hostile_sni_is_escaped():
    sni = b"evil\x1b[2J\xe2\x80\xae\x00\xff.example"
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=sni)))
    p.write(tmp("evil.pcap"))
    rc, out, err = run("--no-color", tmp("evil.pcap"))
    assert "\x1b" not in out and "\u202e" not in out and "\x00" not in out, repr(out)
    assert "evil\\x1b[2J\\u{202e}\\x00\\xff.example" in out, out
    _, conn, _ = one_conn(tmp("evil.pcap"))
    assert conn["client_hello"]["sni"] == "evil\\x1b[2J\\u{202e}\\x00\\xff.example"


@test
def client_hello_in_one_byte_segments():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    rec = pg.record(22, pg.client_hello(sni=b"tiny.example"))
    last = 0
    for i in range(len(rec)):
        last = c.send(True, rec[i:i + 1])
    p.write(tmp("tiny.pcap"))
    _, conn, _ = one_conn(tmp("tiny.pcap"))
    assert conn["client_hello"]["frame"] == last and conn["client_hello"]["sni"] == "tiny.example"
    assert conn["client_from"] == "syn"


@test
def message_across_records_and_records_in_one_segment():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"x.example")))
    sh = pg.server_hello(suite=0xc02f)
    # ServerHello split over two records; an alert record in the same segment.
    n = c.send(False, pg.record(22, sh[:10]) + pg.record(22, sh[10:]) + pg.alert(2, 40))
    p.write(tmp("split.pcap"))
    rc, conn, _ = one_conn(tmp("split.pcap"))
    assert conn["server_hello"]["frame"] == n
    assert conn["server_hello"]["cipher_suite"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    assert conn["alerts"] == [{"frame": n, "from": "server", "level": "fatal",
                               "description": "handshake_failure", "code": 40,
                               "encrypted": False}]
    assert conn["outcome"] == "alert" and rc == 1


@test
def out_of_order_retransmission_and_duplicates():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    ch = pg.record(22, pg.client_hello(sni=b"ooo.example"))
    first = c.send(True, ch)
    dup = c.frame_bytes(True, ch, seq=c.cseq - len(ch))
    p.add(dup, dt=0.000001)                                 # exact copy (tcpdump -i any)
    p.add(dup, dt=0.5)                                      # retransmission, much later
    sh = pg.record(22, pg.server_hello())
    a, b = sh[:20], sh[20:]
    base = c.sseq
    c.send(False, b, seq=base + 20)                         # second half first
    done = c.send(False, a, seq=base)                       # then the first half
    c.sseq += len(sh)
    p.write(tmp("ooo.pcap"))
    _, conn, doc = one_conn(tmp("ooo.pcap"))
    assert conn["client_hello"]["frame"] == first and conn["client_hello"]["count"] == 1
    assert conn["server_hello"]["frame"] == done
    assert doc["captures"][0]["duplicates"] == 1


@test
def mid_connection_capture_finds_the_client_by_its_hello():
    p = pg.Pcap()
    c = pg.Conn(p, cport=50000, sport=443)
    # No SYN: the capture starts with the server's ACK, then the ClientHello.
    c.send(False, b"", pg.ACK)
    n = c.send(True, pg.record(22, pg.client_hello(sni=b"mid.example")))
    c.send(False, pg.record(22, pg.server_hello()))
    p.write(tmp("mid.pcap"))
    _, conn, _ = one_conn(tmp("mid.pcap"))
    assert conn["client"] == "10.0.0.1:50000" and conn["client_from"] == "client_hello"
    assert conn["client_hello"]["frame"] == n and conn["first_frame"] == 1


@test
def server_message_names_the_client_when_hello_is_missing():
    p = pg.Pcap()
    c = pg.Conn(p, cport=50001, sport=8443)
    c.send(False, pg.record(22, pg.server_hello()) + pg.alert(2, 40))
    p.write(tmp("sh-only.pcap"))
    _, conn, _ = one_conn(tmp("sh-only.pcap"))
    assert conn["client"] == "10.0.0.1:50001" and conn["client_from"] == "server_message"
    assert conn["client_hello"] is None and conn["alerts"][0]["from"] == "server"


@test
def same_four_tuple_reused_after_close():
    p = pg.Pcap()
    for isn in (1000, 90000):
        c = pg.Conn(p, cisn=isn)
        c.handshake()
        c.send(True, pg.record(22, pg.client_hello(sni=b"reuse.example")))
        c.send(False, pg.alert(2, 70))
        c.close()
    p.write(tmp("reuse.pcap"))
    _, doc, _ = run_json(tmp("reuse.pcap"))
    tc = tls_conns(doc)
    assert len(tc) == 2 and tc[0]["id"] != tc[1]["id"], tc
    assert [x["alerts"][0]["description"] for x in tc] == ["protocol_version"] * 2


@test
def sequence_wraparound():
    p = pg.Pcap()
    c = pg.Conn(p, cisn=0xffffffe0)
    c.handshake()
    rec = pg.record(22, pg.client_hello(sni=b"wrap.example"))
    c.send(True, rec[:40])                            # crosses 2^32 inside the record
    n = c.send(True, rec[40:])
    p.write(tmp("wrap.pcap"))
    _, conn, _ = one_conn(tmp("wrap.pcap"))
    assert conn["client_hello"]["frame"] == n and conn["client_hello"]["sni"] == "wrap.example"


@test
def tls_after_a_plaintext_prefix_is_found_by_content():
    p = pg.Pcap()
    c = pg.Conn(p, sport=6667)
    c.handshake()
    c.send(True, b"STARTTLS\r\n")
    c.send(False, b":server 670 you :STARTTLS successful\r\n")
    n = c.send(True, pg.record(22, pg.client_hello(sni=b"irc.example")))
    p.write(tmp("starttls.pcap"))
    _, conn, _ = one_conn(tmp("starttls.pcap"))
    assert conn["client_hello"]["frame"] == n and conn["server"] == "10.0.0.2:6667"


@test
def lost_segment_is_reported_and_stream_resyncs():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"gap.example")))
    c.send(False, pg.record(22, pg.server_hello()))
    c.sseq += 700                                     # 700 bytes never captured
    n = c.send(False, pg.alert(2, 80))
    c.send(True, b"", pg.ACK)
    p.write(tmp("gap.pcap"))
    _, conn, _ = one_conn(tmp("gap.pcap"))
    assert any("missing from the capture" in w for w in conn["warnings"]), conn["warnings"]
    assert conn["alerts"][0]["frame"] == n and conn["alerts"][0]["description"] == "internal_error"


@test
def client_hello_segment_captured_after_the_servers_ack():
    """tcpdump -i any, span ports and GSO record a segment after the ACK for
    it: capture order seg1, seg3, the server's ACK past seg3, seg2.  The ACK
    is no proof of loss; the ClientHello is whole in seg2's frame, as in
    Wireshark with tcp.reassemble_out_of_order."""
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    rec = pg.record(22, pg.client_hello(sni=b"late.example", versions=[0x0304, 0x0303],
                                        alpn=[b"h2"], extra=pg.ext(21, bytes(300))))
    base = c.cseq
    c.send(True, rec[0:100], seq=base)
    c.send(True, rec[200:], seq=base + 200)
    c.cseq = base + len(rec)
    c.send(False, b"", pg.ACK)                        # the server got all of it
    late = c.send(True, rec[100:200], seq=base + 100)
    sh = c.send(False, pg.record(22, pg.server_hello()))
    c.close()
    p.write(tmp("late-seg.pcap"))
    _, conn, _ = one_conn(tmp("late-seg.pcap"))
    ch = conn["client_hello"]
    assert ch is not None and ch["frame"] == late, (ch, conn["warnings"])
    assert ch["sni"] == "late.example" and ch["supported_versions"] == ["TLS 1.3", "TLS 1.2"]
    assert ch["alpn"] == ["h2"] and ch["max_version"] == "TLS 1.3"
    assert conn["server_hello"]["frame"] == sh
    assert not any("missing" in w for w in conn["warnings"]), conn["warnings"]
    assert not any(m["message"] == "LostBytes" for m in conn["messages"]), conn["messages"]


@test
def client_hello_segment_never_captured_is_a_gap():
    """The same with seg2 never captured: when the connection ends the hole
    is a gap with its warning, and no ClientHello is made up."""
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    rec = pg.record(22, pg.client_hello(sni=b"lost.example", extra=pg.ext(21, bytes(300))))
    base = c.cseq
    c.send(True, rec[0:100], seq=base)
    third = c.send(True, rec[200:], seq=base + 200)
    c.cseq = base + len(rec)
    c.send(False, b"", pg.ACK)
    alert = c.send(False, pg.alert(2, 40))
    c.close(from_client=False)
    p.write(tmp("lost-seg.pcap"))
    _, conn, _ = one_conn(tmp("lost-seg.pcap"))
    warn = [w for w in conn["warnings"] if "missing from the capture" in w]
    assert warn and "100 bytes from the client" in warn[0] and \
        ("frame %d" % third) in warn[0], conn["warnings"]
    assert conn["client_hello"] is None, conn["client_hello"]
    assert conn["alerts"][0]["frame"] == alert and conn["outcome"] == "alert"


@test
def hello_retry_request():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"hrr.example", versions=[0x0304])))
    hrr = c.send(False, pg.record(22, pg.server_hello(0x1301, 0x0303, 0x0304, pg.HRR_RANDOM)))
    c.send(True, pg.record(20, b"\x01") + pg.record(22, pg.client_hello(sni=b"hrr.example",
                                                                         versions=[0x0304])))
    sh = c.send(False, pg.record(22, pg.server_hello(0x1301, 0x0303, 0x0304)))
    p.write(tmp("hrr.pcap"))
    _, conn, _ = one_conn(tmp("hrr.pcap"))
    s = conn["server_hello"]
    assert s["hello_retry_request"] and s["hello_retry_request_frame"] == hrr
    assert s["frame"] == sh and s["version"] == "TLS 1.3" and conn["client_hello"]["count"] == 2


@test
def tls13_encrypted_alert_recognised_by_size():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"a13.example", versions=[0x0304])))
    c.send(False, pg.record(22, pg.server_hello(0x1301, 0x0303, 0x0304)) +
           pg.record(20, b"\x01") + pg.record(23, bytes(900)))
    n = c.send(True, pg.record(23, bytes(19)))
    c.close()
    p.write(tmp("a13.pcap"))
    rc, conn, _ = one_conn(tmp("a13.pcap"))
    al = conn["alerts"]
    assert conn["outcome"] == "alert" and rc == 1
    assert al[0]["frame"] == n and al[0]["from"] == "client" and al[0]["encrypted"]


@test
def tls13_padded_alert_crossing_the_clients_request_before_its_fin():
    """JSSE as a server refusing an empty client Certificate: its padded
    alert (35 bytes) lands between the client's Certificate and Finished,
    then its FIN; the client's request, written before it read the alert,
    comes after that FIN or before it.  Either way the server's record came
    before the client's Finished and nothing of the server followed the
    client's flight: it is the server's alert, not data the request
    answered."""
    def capture(request_after_fin):
        p = pg.Pcap()
        c = pg.Conn(p)
        c.handshake()
        c.send(True, pg.record(22, pg.client_hello(sni=b"mtls.example", versions=[0x0304])))
        c.send(False, pg.record(22, pg.server_hello(0x1302, 0x0303, 0x0304)) +
               pg.record(20, b"\x01") + pg.record(23, bytes(900)))
        c.send(True, pg.record(20, b"\x01"))
        c.send(True, pg.record(23, bytes(41)))        # empty Certificate, padded
        alert = c.send(False, pg.record(23, bytes(35)))
        c.send(True, pg.record(23, bytes(85)))        # Finished (SHA-384)
        if not request_after_fin:
            c.send(True, pg.record(23, bytes(74)))
        fin = c.close(from_client=False)
        if request_after_fin:
            c.send(True, pg.record(23, bytes(74)))
        name = tmp("jsse-%d.pcap" % request_after_fin)
        p.write(name)
        return alert, fin, name
    alert, fin, name = capture(True)
    rc, conn, _ = one_conn(name)
    assert conn["outcome"] == "alert", conn["outcome"]
    al = conn["alerts"]
    assert al and al[0]["frame"] == alert and al[0]["from"] == "server", al
    # The request before the server's FIN, and the client hanging up: the
    # server's record still came before the client's Finished, so it
    # answered nothing of the client's flight: an alert too.
    alert, fin, name = capture(False)
    rc, conn, _ = one_conn(name)
    al = conn["alerts"]
    assert al and al[0]["frame"] == alert and al[0]["from"] == "server", al


@test
def tls12_alert_after_change_cipher_spec_is_encrypted():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"e.example")))
    c.send(False, pg.record(22, pg.server_hello()))
    c.send(True, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    n = c.send(False, pg.record(21, bytes(26)))
    c.close(from_client=False)
    p.write(tmp("enc12.pcap"))
    _, conn, _ = one_conn(tmp("enc12.pcap"))
    assert conn["alerts"] == [{"frame": n, "from": "server", "level": None, "description": None,
                               "code": None, "encrypted": True, "record_length": 26}]
    assert conn["outcome"] == "alert"


@test
def alerts_after_a_completed_handshake_are_followed():
    """Issue 13: records are followed after the handshake, by their headers:
    the TLS 1.2 close_notify pair (encrypted alert records after the
    ChangeCipherSpec) and a readable fatal alert after completion are listed
    with after_handshake; the outcome stays completed, no derived 'alert'
    ends a handshake that completed, and the text says how it closed."""
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"close.example")))
    c.send(False, pg.record(22, pg.server_hello()))
    c.send(True, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    c.send(False, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    c.send(True, pg.record(23, bytes(100)))
    for _ in range(20):                                   # 20 x 16 KB of data
        for i in range(0, 16389, 1448):
            c.send(False, pg.record(23, bytes(16384))[i:i + 1448])
    s_alert = c.send(False, pg.record(21, bytes(26)))
    c_alert = c.send(True, pg.record(21, bytes(26)))
    fin = c.close()
    p.write(tmp("closing12.pcap"))
    rc, conn, _ = one_conn(tmp("closing12.pcap"))
    assert rc == 0 and conn["outcome"] == "completed" and "alert" not in conn, conn.get("alert")
    assert conn["alerts"] == [
        {"frame": s_alert, "from": "server", "level": None, "description": None, "code": None,
         "encrypted": True, "after_handshake": True, "record_length": 26},
        {"frame": c_alert, "from": "client", "level": None, "description": None, "code": None,
         "encrypted": True, "after_handshake": True, "record_length": 26}], conn["alerts"]
    assert conn["tcp_close"] == {"client_fin": fin, "client_rst": None, "server_fin": fin + 1,
                                 "server_rst": None}, conn["tcp_close"]
    _, out, _ = run("--no-color", "-v", tmp("closing12.pcap"))
    assert ("    closed: server encrypted alert (frame %d), client encrypted alert (frame %d), "
            "client FIN (frame %d), server FIN (frame %d)\n" % (s_alert, c_alert, fin, fin + 1)
            ) in out, out
    _, out, _ = run("--no-color", tmp("closing12.pcap"))
    assert "closed:" not in out and "completed  TLS 1.2" in out, out   # healthy: one line
    # A readable fatal alert after completion, then a RST: not a one-liner.
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"late.example")))
    c.send(False, pg.record(22, pg.server_hello()))
    c.send(True, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    c.send(False, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    late = c.send(False, pg.alert(2, 20))
    rst = c.close(from_client=True, rst=True)
    p.write(tmp("late-fatal.pcap"))
    rc, conn, _ = one_conn(tmp("late-fatal.pcap"))
    assert conn["outcome"] == "completed" and "alert" not in conn and rc == 0, conn
    assert conn["alerts"][0]["description"] == "bad_record_mac" and \
        conn["alerts"][0]["after_handshake"] is True, conn["alerts"]
    _, out, _ = run("--no-color", tmp("late-fatal.pcap"))
    assert ("closed: server fatal bad_record_mac (frame %d), client RST (frame %d)" % (late, rst)
            ) in out, out


@test
def a_closing_alert_moves_no_rejected_leaf():
    """The server closes first in these samples: its close_notify must not
    become the derived 'alert', whose receiver would pick the client's leaf
    as rejected_leaf (and chain)."""
    for name, keys in (("tls13-ok.pcap", True), ("tls12-ok.pcap", False), ("multi.pcap", True)):
        args = ["--keylog", sample(name.replace(".pcap", ".keys"))] if keys else []
        _, doc, _ = run_json(*args, sample(name))
        for c in tls_conns(doc):
            if c["outcome"] != "completed":
                continue
            after = [a for a in c["alerts"] if a.get("after_handshake")]
            assert after and after[0]["from"] == "server", (name, c["alerts"])
            assert "alert" not in c, (name, c["alert"])
            assert c["rejected_leaf"] == c["server_leaf"], name
            assert c.get("rejected_chain") == c.get("chain"), name


@test
def ipv6_with_vlan():
    p = pg.Pcap()
    c = pg.Conn(p, cip=[0x20, 1, 0xd, 0xb8] + [0] * 11 + [1],
                sip=[0x20, 1, 0xd, 0xb8] + [0] * 11 + [2], v6=True, vlan=42)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"v6.example")))
    p.write(tmp("v6.pcap"))
    _, conn, _ = one_conn(tmp("v6.pcap"))
    assert conn["client"] == "[2001:db8::1]:40000" and conn["server"] == "[2001:db8::2]:443"


@test
def plain_http_is_not_tls_and_says_where_tcp_went():
    p = pg.Pcap()
    c = pg.Conn(p, sport=80)
    c.handshake()
    c.send(True, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    c.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    c.close()
    p.write(tmp("http.pcap"))
    rc, doc, err = run_json(tmp("http.pcap"))
    assert rc == 0 and conns(doc)[0]["outcome"] == "not_tls"
    assert any("no TLS found" in w and "80 (1)" in w for w in doc["captures"][0]["warnings"])


@test
def completed_tls12_and_reset():
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"ok.example")))
    c.send(False, pg.record(22, pg.server_hello()))
    c.send(True, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    c.send(False, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    c.send(True, pg.record(23, bytes(100)))
    c.close()
    d = pg.Conn(p, cport=40001)
    d.handshake()
    d.send(True, pg.record(22, pg.client_hello(sni=b"rst.example")))
    d.close(from_client=False, rst=True)
    p.write(tmp("two.pcap"))
    rc, doc, _ = run_json(tmp("two.pcap"))
    assert [x["outcome"] for x in tls_conns(doc)] == ["completed", "reset"]
    assert rc == 1


@test
def tls10_backend_hanging_up_on_a_newer_hello_is_a_protocol_mismatch():
    """The protocol-mismatch example of the seed: a TLS 1.2 ClientHello, and the
    backend, which only speaks TLS 1.0, answers with close_notify (warning or
    fatal) in a TLS 1.0 record and a FIN; no ServerHello.  Also when the
    client offered TLS 1.0 too (openssl s_client does): the server
    negotiated nothing."""
    cases = [(1, None), (2, None), (1, (0x0304, 0x0303, 0x0302, 0x0301))]
    for level, versions in cases:
        p = pg.Pcap()
        c = pg.Conn(p)
        c.handshake()
        ch = c.send(True, pg.record(22, pg.client_hello(sni=b"api.example", versions=versions),
                                    version=0x0301))
        al = c.send(False, pg.alert(level, 0, version=0x0301))
        c.close(from_client=False)
        p.write(tmp("tls10.pcap"))
        rc, conn, _ = one_conn(tmp("tls10.pcap"))
        what = (level, versions, conn["diagnoses"][:1], conn["overlap"])
        assert rc == 1 and conn["diagnoses"][0]["rule"] == "protocol-mismatch", what
        assert conn["overlap"]["versions"] == [], what
        assert conn["handshake"]["server_record_version"] == "TLS 1.0", what
        assert [e["frame"] for e in conn["diagnoses"][0]["evidence"]] == [ch, al], what
    # Not a refusal of the version: handshake_failure in a TLS 1.2 record,
    # and close_notify in the client's own version.
    for rec_version, desc, legacy in ((0x0303, 40, 0x0303), (0x0303, 0, 0x0303)):
        p = pg.Pcap()
        c = pg.Conn(p)
        c.handshake()
        c.send(True, pg.record(22, pg.client_hello(sni=b"api.example", legacy=legacy),
                               version=0x0301))
        c.send(False, pg.alert(2, desc, version=rec_version))
        c.close(from_client=False)
        p.write(tmp("tls12alert.pcap"))
        rc, conn, _ = one_conn(tmp("tls12alert.pcap"))
        assert conn["diagnoses"][0]["rule"] != "protocol-mismatch", (desc, conn["diagnoses"])
        assert "versions" not in conn["overlap"], conn["overlap"]


@test
def expired_certificate_is_one_id_whatever_the_capture_shows():
    """certificate_expired from the client: with the certificate hidden
    (TLS 1.3 without keys) the summary says what is missing; with a
    certificate in clear that was valid at capture time it points at the
    peer's clock.  Both are expired-certificate, as the visible case."""
    # TLS 1.3: the server's flight is encrypted, the client's alert is clear.
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"api.example", versions=(0x0304,))))
    c.send(False, pg.record(22, pg.server_hello(suite=0x1301, selected=0x0304)) +
           pg.record(23, bytes(900)))
    al = c.send(True, pg.alert(2, 45))
    c.close(from_client=True)
    p.write(tmp("exp13.pcap"))
    rc, conn, _ = one_conn(tmp("exp13.pcap"))
    d = conn["diagnoses"][0]
    assert rc == 1 and d["rule"] == "expired-certificate", conn["diagnoses"]
    assert "not in clear in this capture" in d["summary"], d["summary"]
    assert "--keylog" in d["remediation"] and "valid from" not in d["summary"], d
    assert [e["frame"] for e in d["evidence"]] == [al], d["evidence"]
    # TLS 1.2 with a certificate valid at capture time.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp("k.pem"),
                    "-subj", "/CN=api.example", "-days", "30", "-outform", "DER",
                    "-out", tmp("c.der")], check=True, capture_output=True, timeout=60)
    der = open(tmp("c.der"), "rb").read()
    cert = pg.u8(11) + pg.vec24(pg.vec24(pg.vec24(der)))
    p = pg.Pcap()
    p.t = time.time()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"api.example")))
    c.send(False, pg.record(22, pg.server_hello() + cert + pg.u8(14) + pg.vec24(b"")))
    c.send(True, pg.alert(2, 45))
    c.close(from_client=True)
    p.write(tmp("exp12.pcap"))
    rc, conn, _ = one_conn(tmp("exp12.pcap"))
    d = conn["diagnoses"][0]
    assert rc == 1 and d["rule"] == "expired-certificate", conn["diagnoses"]
    assert "was valid at the capture time" in d["summary"], d["summary"]
    assert "clock" in d["summary"] and "not in clear" not in d["summary"], d["summary"]


@test
def client_walks_away_from_a_trusted_chain():
    """A client that closes after the server's flight without an alert: when
    the chain does not verify here, the likely cause is named
    (unknown-certificate); when it verifies (--ca-file), nothing in the
    capture says why (client-gave-up); an alert the server sends after the
    client's FIN answers the hang-up and ends nothing."""
    def run_openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
    run_openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", tmp("ca.key"), "-out", tmp("ca.pem"), "-subj",
                "/CN=Walk Away Root", "-days", "30")
    run_openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", tmp("leaf.key"), "-out", tmp("leaf.csr"), "-subj",
                "/CN=api.example")
    with open(tmp("ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:api.example\nbasicConstraints=CA:FALSE\n")
    run_openssl("x509", "-req", "-in", tmp("leaf.csr"), "-CA", tmp("ca.pem"), "-CAkey",
                tmp("ca.key"), "-CAcreateserial", "-days", "20", "-extfile", tmp("ext.cnf"),
                "-outform", "DER", "-out", tmp("leaf.der"))
    run_openssl("x509", "-in", tmp("ca.pem"), "-outform", "DER", "-out", tmp("ca.der"))
    ders = [open(tmp(n), "rb").read() for n in ("leaf.der", "ca.der")]
    cert = pg.u8(11) + pg.vec24(pg.vec24(b"".join(pg.vec24(d) for d in ders)))
    p = pg.Pcap()
    p.t = time.time()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"api.example")))
    c.send(False, pg.record(22, pg.server_hello() + cert + pg.u8(14) + pg.vec24(b"")))
    fin = c.send(True, b"", pg.FIN | pg.ACK)
    late = c.send(False, pg.alert(2, 50))          # decode_error, answering the FIN
    p.write(tmp("walk.pcap"))
    rc, conn, _ = one_conn(tmp("walk.pcap"))
    assert conn["outcome"] == "closed", conn["outcome"]
    assert conn["alerts"][0]["frame"] == late and conn["alerts"][0]["after_peer_close"], conn
    assert "alert" not in conn, conn.get("alert")
    d = conn["diagnoses"][0]
    assert rc == 1 and d["rule"] == "unknown-certificate", conn["diagnoses"]
    assert "hung up (frame %d)" % fin in d["summary"], d["summary"]
    rc, out, err = run("--format=json", "--ca-file", tmp("ca.pem"), tmp("walk.pcap"))
    conn = tls_conns(json.loads(out))[0]
    assert conn["chain"]["trusted"] is True, conn["chain"]
    assert conn["diagnoses"][0]["rule"] == "client-gave-up", conn["diagnoses"]


# ------------------------------------------- the option table's documents

def help_options():
    """The long options --help lists, from its option column."""
    rc, out, _ = run("--help")
    assert rc == 0, rc
    names = set()
    for line in out.splitlines():
        m = re.match(r"^  (?:-[a-z], |    )--([a-z][a-z-]*)", line)
        if m:
            names.add(m.group(1))
    assert len(names) > 30, names
    return names


@test
def man_page_and_completion_list_every_option_of_help():
    names = help_options()
    man = open(os.path.join(ROOT, "docs", "tlsanalyze.1"), encoding="utf-8").read()
    in_man = set(re.findall(r"^(?:\\fB\\-[a-z]\\fR, )?\\fB\\-\\-((?:[a-z]|\\-)+)\\fR",
                            man, re.M))
    in_man = {n.replace("\\-", "-") for n in in_man}
    assert in_man == names, (names - in_man, in_man - names)
    comp = open(os.path.join(ROOT, "docs", "tlsanalyze.bash-completion"), encoding="utf-8").read()
    listed = re.search(r"compgen -W '(--[^']*)'", comp).group(1).split()
    assert {n[2:] for n in listed} == names, set(listed) ^ {"--" + n for n in names}
    for n in names:   # each is one getopt knows
        rc, _, err = run("--" + n)
        assert "unrecognized option" not in err and "unknown option" not in err, (n, err)


@test
def man_page_and_completion_are_current():
    for opt, name in (("--print-man", "tlsanalyze.1"),
                      ("--print-completion", "tlsanalyze.bash-completion")):
        rc, out, _ = run(opt)
        want = open(os.path.join(ROOT, "docs", name), encoding="utf-8").read()
        assert rc == 0 and out == want, "docs/%s is stale: ./tlsanalyze %s > docs/%s" % (
            name, opt, name)


@test
def man_page_renders_without_warnings():
    p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l",
                        os.path.join(ROOT, "docs", "tlsanalyze.1")],
                       capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"),
                       timeout=60)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert "OPTIONS" in p.stdout and "--redact-key KEY" in p.stdout, p.stdout[:500]


@test
def bash_completion_completes_options_and_their_values():
    script = os.path.join(ROOT, "docs", "tlsanalyze.bash-completion")
    def complete(*words):
        arr = " ".join("'%s'" % w for w in words)
        p = subprocess.run(["bash", "-c", 'source "$1"; COMP_WORDS=(%s); '
                            'COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _tlsanalyze; '
                            'printf "%%s\\n" "${COMPREPLY[@]}"' % arr, "x", script],
                           capture_output=True, text=True, cwd=ROOT, timeout=30)
        assert p.returncode == 0, p.stderr
        return p.stdout.split()
    assert complete("tlsanalyze", "--for") == ["--format"]
    assert complete("tlsanalyze", "--format", "nd") == ["ndjson"]
    assert complete("tlsanalyze", "--format", "=", "ma") == ["markdown"]
    assert complete("tlsanalyze", "--profile", "") == ["generic", "apigee", "apigee-x"]
    assert complete("tlsanalyze", "-f", "") == []
    assert "samples/no-sni.pcap" in complete("tlsanalyze", "samples/no-s")
    # --redact's value is optional: a word after it is a capture again.
    assert "samples/no-sni.pcap" in complete("tlsanalyze", "--redact", "samples/no-s")


@test
def make_install_puts_binary_rules_man_page_and_completion_in_place():
    dest = tmp("destdir")
    p = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "install", "DESTDIR=" + dest,
                        "PREFIX=/usr/local"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    pre = os.path.join(dest, "usr", "local")
    for rel in ("bin/tlsanalyze", "share/tlsanalyze/rules/missing-sni.yaml",
                "share/man/man1/tlsanalyze.1", "share/bash-completion/completions/tlsanalyze"):
        assert os.path.exists(os.path.join(pre, rel)), rel
    env = dict(os.environ)
    env.pop("TLSANALYZE_RULES", None)
    p = subprocess.run([os.path.join(pre, "bin", "tlsanalyze"), "--quiet",
                        sample("no-sni.pcap")], capture_output=True, text=True, env=env,
                       timeout=60)
    assert p.returncode == 1 and "missing-sni" in p.stdout, p.stdout + p.stderr


@test
def remediation_over_quic_says_what_openssl_reaches():
    """The rules' openssl s_client checks reach a TCP port: over QUIC the
    remediation says so and names an HTTP/3 client; over TCP it does not."""
    rc, doc, _ = run_json(sample("quic-no-sni.pcap"))
    d = conns(doc)[0]["diagnoses"][0]
    assert d["rule"] == "missing-sni" and "HTTP/3 client" in d["remediation"], d
    rc, doc, _ = run_json(sample("no-sni.pcap"))
    d = conns(doc)[0]["diagnoses"][0]
    assert d["rule"] == "missing-sni" and "QUIC" not in d["remediation"], d
    assert d["remediation"].endswith("-servername HOST`."), d["remediation"][-60:]

if __name__ == "__main__":
    sys.exit(harness.run("cli", TMP, 62))
