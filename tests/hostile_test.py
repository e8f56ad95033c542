#!/usr/bin/env python3
"""hostile_test.py BINARY - malformed and hostile input, one class per test.

Every capture is built here (tests/lib/pcapgen.py, tests/stress/gen.py, and
`openssl req` for one real certificate) in a temporary directory.  Each test
asserts the exit status (2 for a capture that cannot be read, 0 or 1 with a
warning for one that is partly readable) and the message that says what is
wrong: on stderr, in the capture's "warnings" or in a connection's
"warnings".  Classes already covered by tests/cli_test.py (empty file, text
file, directory, file cut mid-record, snaplen 64, bad pcapng block length,
hostile SNI) are not repeated.  Tests marked "# BUG:" assert the behaviour
tlsanalyze should have and fail until it is fixed.
Ends with "hostile: N passed, N failed".
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import pcapgen as pg  # noqa: E402
from harness import test  # noqa: E402
import harness  # noqa: E402
import schema_check  # noqa: E402
import synflood  # noqa: E402
from pcapgen import u8, u16, u24, vec8, vec16, vec24, ext  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TMP = tempfile.mkdtemp(prefix="tlsa-hostile-")




def run(*args, stdin=None, timeout=120):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=timeout)
    schema_check.check_output(args, p.stdout)   # hostile input, still the contract
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run_json(*args, **kw):
    rc, out, err = run("--format=json", *args, **kw)
    return rc, json.loads(out), err


def cap0(doc):
    return doc["captures"][0]


def conns(doc, i=0):
    return doc["captures"][i]["connections"]


def tls_conns(doc, i=0):
    return [c for c in conns(doc, i) if c["outcome"] != "not_tls"]


def one_conn(path, *args):
    rc, doc, err = run_json(*args, path)
    tc = tls_conns(doc)
    assert len(tc) == 1, (tc, cap0(doc)["warnings"])
    return rc, tc[0], doc, err


def tmp(name):
    return os.path.join(TMP, name)


def sanitized():
    """AddressSanitizer builds reserve shadow memory: RSS bounds do not apply."""
    with open(BIN, "rb") as f:
        return b"__asan_init" in f.read()


def hello_conn(sni=b"ok.example", **kw):
    """A capture with a TCP handshake and a ClientHello (frame 4)."""
    p = pg.Pcap(**kw)
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=sni)))
    return p, c


def write_pcap(path, frames, snaplen=262144, linktype=1):
    """A classic pcap whose record headers say exactly caplen = len(data),
    whatever the snaplen of the global header says."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for ts, data, wirelen in frames:
            sec = int(ts)
            f.write(struct.pack("<IIII", sec, int(round((ts - sec) * 1e6)), len(data), wirelen))
            f.write(data)


def records(ctype, data, size=16384):
    """|data| cut into records of at most |size| bytes."""
    return b"".join(pg.record(ctype, data[i:i + size]) for i in range(0, len(data), size))


def send_all(c, from_client, data, seg=1448):
    """|data| in segments of |seg| bytes; returns the last frame number."""
    n = 0
    for i in range(0, len(data), seg):
        n = c.send(from_client, data[i:i + seg])
    return n


def ch_body(suites_vec, exts_vec):
    """A ClientHello body with the given (possibly lying) vectors."""
    return u16(0x0303) + bytes(32) + vec8(b"") + suites_vec + vec8(b"\x00") + exts_vec


def hs(msg_type, body):
    return u8(msg_type) + vec24(body)


def certificate_msg(ders):
    return hs(11, vec24(b"".join(vec24(d) for d in ders)))


SUITES = vec16(u16(0x1301) + u16(0xc02f))


# ------------------------------------------------- 1. cut inside the file header

@test
def pcap_cut_inside_global_header():
    data = open(_ok_pcap(), "rb").read()
    with open(tmp("hdr10.pcap"), "wb") as f:
        f.write(data[:10])
    rc, _, err = run(tmp("hdr10.pcap"))
    assert rc == 2, rc
    assert "hdr10.pcap: the file stops inside its header" in err and "copy it again" in err, err
    rc, doc, _ = run_json(tmp("hdr10.pcap"))
    assert rc == 2 and "stops inside its header" in (cap0(doc)["error"] or ""), cap0(doc)


@test
def unreadable_capture_reports_no_link_type():
    # Regression (this test found it; fixed): a capture that could not be read at all reports "linktypes":["NULL"]
    # (BSD loopback): main.c names info->linktype, which is 0 when libpcap
    # refused the file.  Nothing was read, so the list should be empty.
    data = open(_ok_pcap(), "rb").read()
    with open(tmp("hdr10b.pcap"), "wb") as f:
        f.write(data[:10])
    rc, doc, _ = run_json(tmp("hdr10b.pcap"))
    assert rc == 2 and cap0(doc)["linktypes"] == [], cap0(doc)["linktypes"]


@test
def pcapng_cut_inside_section_header():
    # Regression (this test found it; fixed): a pcapng file cut after 4..11 bytes is called "not a pcap or pcapng
    # capture (it starts with bytes 0a 0d 0d 0a)" - the pcapng magic itself.
    # explain_format() only says "stops inside its header" when libpcap's
    # message has "truncated"; it should also recognise the pcap/pcapng magic.
    pg.write_pcapng(tmp("full.pcapng"), [1], [(0, 1.0, bytes(60))])
    data = open(tmp("full.pcapng"), "rb").read()
    with open(tmp("shb10.pcapng"), "wb") as f:
        f.write(data[:10])
    rc, _, err = run(tmp("shb10.pcapng"))
    assert rc == 2, rc
    assert "shb10.pcapng: the file stops inside its header" in err, err


@test
def stdin_cut_inside_global_header():
    # Regression (this test found it; fixed): on standard input the same cut file gets libpcap's bare text
    # ("standard input: truncated dump file; tried to read 24 file header
    # bytes, only got 6"), without the explanation a file gets.
    data = open(_ok_pcap(), "rb").read()
    rc, _, err = run("-", stdin=data[:10])
    assert rc == 2, rc
    assert "-: " in err and "stops inside its header" in err, err


# ------------------------------------------------- 2. record longer than allowed

@test
def record_longer_than_header_snaplen():
    # libpcap keeps only snaplen bytes of a record whose caplen is larger than
    # the global header's snaplen (sf-pcap.c) and the rest is lost; the
    # warning must say so.  (Note: it says "capture again with tcpdump -s 0",
    # although here the file does hold the bytes and its header is wrong.)
    p, c = hello_conn(sni=b"snap.example")
    write_pcap(tmp("caplen-gt-snap.pcap"), p.frames, snaplen=100)
    rc, doc, err = run_json(tmp("caplen-gt-snap.pcap"))
    w = " ".join(cap0(doc)["warnings"])
    assert rc in (0, 1) and cap0(doc)["error"] is None, (rc, cap0(doc))
    assert "were cut at 100 bytes by the capture's snapshot length" in w, w
    assert "caplen-gt-snap.pcap: " in err and "cut at 100 bytes" in err, err
    assert cap0(doc)["packets"] == 4


@test
def record_over_256k_stops_reading_keeps_frames_before():
    p, c = hello_conn(sni=b"before.example")
    frames = list(p.frames)
    frames.append((frames[-1][0] + 0.001, bytes(300000), 300000))
    frames.append(frames[0])                         # never reached
    write_pcap(tmp("huge-record.pcap"), frames)
    rc, doc, err = run_json(tmp("huge-record.pcap"))
    cap = cap0(doc)
    msg = ("reading stopped after frame 4: invalid packet capture length 300000, bigger than "
           "snaplen of 262144; the frames before it were analysed")
    assert rc in (0, 1), rc
    assert msg in cap["warnings"], cap["warnings"]
    assert "huge-record.pcap: " + msg in err, err
    assert cap["packets"] == 4
    assert tls_conns(doc)[0]["client_hello"]["sni"] == "before.example"


# ------------------------------------------------- 3. unknown link type

@test
def unknown_link_type_is_named():
    # Regression (this test found it; fixed): LINKTYPE_USER0 (147) and any type libpcap has no name for is
    # reported as "unknown" ("3 packets have a link-layer type tlsanalyze
    # does not decode (unknown)", "linktypes":["unknown"]): the number must be
    # given, or the user cannot tell what the capture holds.
    p = pg.Pcap(linktype=147)
    c = pg.Conn(p)
    c.handshake()
    p.write(tmp("user0.pcap"))
    rc, doc, err = run_json(tmp("user0.pcap"))
    cap = cap0(doc)
    assert rc == 0 and cap["error"] is None, (rc, cap)
    assert cap["skipped"]["unsupported_link"] == 3, cap["skipped"]
    w = [x for x in cap["warnings"] if "link-layer type tlsanalyze does not decode" in x]
    assert w and "user0.pcap: 3 packets have a link-layer type tlsanalyze does not decode" in err
    assert "147" in w[0], w[0]
    assert "147" in " ".join(cap["linktypes"]), cap["linktypes"]


# ------------------------------------------------- 4. IPv4 header fields

def _mangled(muts, proto_payload=b"hello"):
    """One connection; each mutation of the IPv4 packet of a data segment is
    added as its own frame, then the real ClientHello."""
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    ip = c.frame_bytes(True, proto_payload)[14:]
    for m in muts:
        a = bytearray(ip)
        m(a)
        p.add(pg.ether(bytes(a)))
    n = c.send(True, pg.record(22, pg.client_hello(sni=b"after.example")))
    return p, n


@test
def ipv4_bad_header_length_is_malformed():
    muts = [lambda a: a.__setitem__(0, 0x44),                 # IHL 4
            lambda a: a.__setitem__(0, 0x40),                 # IHL 0
            lambda a: struct.pack_into("!H", a, 2, 10)]       # total length < header
    p, n = _mangled(muts)
    p.write(tmp("ihl.pcap"))
    rc, conn, doc, err = one_conn(tmp("ihl.pcap"))
    cap = cap0(doc)
    assert rc == 0 and cap["skipped"]["malformed"] == 3, cap["skipped"]
    assert cap["tcp_packets"] == 4 and cap["packets"] == 7, cap
    assert conn["client_hello"]["frame"] == n and conn["client_hello"]["sni"] == "after.example"


@test
def ipv4_total_length_beyond_frame_is_malformed():
    # Regression (this test found it; fixed): caplen == wirelen, but IPv4 Total Length claims 100 bytes more
    # than the frame has.  decode.c does not know the frame's wire length
    # (ta_decode_packet sets it to SIZE_MAX), so the packet is taken as TCP
    # with a cut payload and reported as "1 packets were cut at 262144 bytes
    # by the capture's snapshot length ... capture again with 'tcpdump -s 0'"
    # - false: nothing was cut, the header lies.  It should be counted under
    # skipped.malformed with no snaplen advice (the same holds for IPv6
    # Payload Length).
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    rec = pg.record(22, pg.client_hello(sni=b"after.example"))
    f = bytearray(c.frame_bytes(True, rec[:20]))
    struct.pack_into("!H", f, 14 + 2, 20 + 20 + 20 + 100)
    p.add(bytes(f))
    n = c.send(True, rec)                              # the retransmission
    p.write(tmp("totlen.pcap"))
    rc, conn, doc, err = one_conn(tmp("totlen.pcap"))
    cap = cap0(doc)
    assert conn["client_hello"]["frame"] == n, conn["client_hello"]
    assert not any("snapshot length" in w for w in cap["warnings"]), cap["warnings"]
    assert cap["skipped"]["malformed"] == 1, cap["skipped"]


# ------------------------------------------------- 5. TCP data offset

@test
def tcp_bad_data_offset():
    muts = [lambda a: a.__setitem__(32, 4 << 4),              # data offset 4 (16 bytes)
            lambda a: a.__setitem__(32, 0),                   # data offset 0
            lambda a: a.__setitem__(32, 15 << 4)]             # 60 bytes: beyond the segment
    p, n = _mangled(muts)
    # A TCP header cut by the snapshot length (wire length says more): truncated.
    full = p.frames[3][1]
    p.frames.insert(3, (p.frames[3][0], full[:14 + 20 + 10], len(full)))
    n += 1
    p.write(tmp("tcpoff.pcap"))
    rc, conn, doc, err = one_conn(tmp("tcpoff.pcap"))
    cap = cap0(doc)
    assert rc == 0, rc
    assert cap["skipped"]["malformed"] == 3 and cap["skipped"]["truncated"] == 1, cap["skipped"]
    assert conn["client_hello"]["frame"] == n and conn["client_hello"]["sni"] == "after.example"


# ------------------------------------------------- 6. oversized TLS record

OVERSIZED = u8(22) + u16(0x0303) + u16(16384 + 2049) + bytes(100)


@test
def oversized_record_mid_stream():
    p, c = hello_conn(sni=b"big.example")
    n = c.send(False, pg.record(22, pg.server_hello()) + OVERSIZED +
               pg.record(22, certificate_msg([])) + pg.alert(2, 40))
    p.write(tmp("bigrec.pcap"))
    rc, conn, doc, _ = one_conn(tmp("bigrec.pcap"))
    w = conn["warnings"]
    assert ("frame %d: the server sent bytes that are not a TLS record; looking for the next "
            "record header" % n) in w, w
    assert [m["message"] for m in conn["messages"]] == ["ClientHello", "ServerHello",
                                                        "Certificate", "Alert"], conn["messages"]
    assert conn["outcome"] == "alert" and rc == 1


@test
def oversized_record_at_stream_start_is_reported():
    # Regression (this test found it; fixed): when the server's very first bytes are a handshake record header
    # claiming 18433 bytes (more than TLS allows), detect() silently switches
    # to searching for a hello: the ServerHello after it is found, but the
    # connection carries no warning that bytes were skipped.
    p, c = hello_conn(sni=b"big.example")
    n = c.send(False, OVERSIZED + pg.record(22, pg.server_hello()) + pg.alert(2, 40))
    p.write(tmp("bigrec0.pcap"))
    rc, conn, doc, _ = one_conn(tmp("bigrec0.pcap"))
    assert conn["server_hello"] is not None and conn["outcome"] == "alert", conn
    assert any(("frame %d" % n) in w and "record" in w for w in conn["warnings"]), conn["warnings"]


# ------------------------------------------------- 7. handshake message vs record

@test
def handshake_message_longer_than_its_record_and_stream():
    # Spans two records: parsed when the rest comes.
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    m = pg.client_hello(sni=b"span.example")
    c.send(True, pg.record(22, m[:30]))
    n = c.send(True, pg.record(22, m[30:]))
    p.write(tmp("span.pcap"))
    _, conn, _, _ = one_conn(tmp("span.pcap"))
    assert conn["client_hello"]["frame"] == n and conn["client_hello"]["sni"] == "span.example"
    # Claims 5000 bytes; the capture ends first.
    p, c = hello_conn(sni=b"x.example")
    sh = pg.server_hello()
    c.send(False, pg.record(22, sh[:1] + u24(5000) + sh[4:]))
    p.write(tmp("beyond.pcap"))
    rc, conn, _, _ = one_conn(tmp("beyond.pcap"))
    assert conn["outcome"] == "incomplete" and conn["server_hello"] is None, conn
    assert conn["client_hello"]["sni"] == "x.example"
    assert "handshake-incomplete-in-capture" in [d["rule"] for d in conn["diagnoses"]]


# ------------------------------------------------- 8. ClientHello vectors overrun

def _ch_capture(name, msg):
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    n = c.send(True, pg.record(22, msg))
    p.write(tmp(name))
    _, conn, _, _ = one_conn(tmp(name))
    return n, conn


@test
def client_hello_extension_and_sni_overruns_are_malformed():
    # One extension's length overruns the extensions block.
    n, conn = _ch_capture("ext1.pcap", hs(1, ch_body(SUITES, vec16(
        pg.sni_ext(b"ok.example") + u16(10) + u16(300) + b"abc"))))
    assert ("frame %d: ClientHello is malformed; facts after the fault are missing" % n
            in conn["warnings"]), conn["warnings"]
    assert conn["client_hello"]["sni"] == "ok.example", conn["client_hello"]
    # server_name_list overruns the server_name extension; supported_versions before it is kept.
    sni_bad = ext(0, u16(100) + u8(0) + vec16(b"x.example"))
    n, conn = _ch_capture("sni.pcap", hs(1, ch_body(SUITES, vec16(
        ext(43, vec8(u16(0x0304))) + sni_bad))))
    ch = conn["client_hello"]
    assert ("frame %d: ClientHello is malformed; facts after the fault are missing" % n
            in conn["warnings"]), conn["warnings"]
    assert ch["supported_versions"] == ["TLS 1.3"] and ch["extensions"] == [43, 0], ch
    assert ch["cipher_suite_codes"] == ["0x1301", "0xc02f"], ch
    # HostName overruns server_name_list.
    n, conn = _ch_capture("sni2.pcap", hs(1, ch_body(SUITES, vec16(
        ext(0, vec16(u8(0) + u16(100) + b"x.example"))))))
    assert ("frame %d: ClientHello is malformed; facts after the fault are missing" % n
            in conn["warnings"]), conn["warnings"]


@test
def client_hello_top_level_overruns_are_malformed_not_truncated():
    # Regression (this test found it; fixed): when cipher_suites or the extensions block claims more bytes than
    # the (complete, correctly framed) ClientHello has, the warning says
    # "ClientHello is truncated", which reads as "the capture cut it"; the
    # message is whole and it is the sender's vector that lies: "malformed".
    # (get_vector_or_rest treats any overrun at the top level as a cut, and
    # the bytes after the suites are even read as suites: 0x0100 here.)
    n, conn = _ch_capture("cs.pcap", hs(1, ch_body(u16(200) + SUITES[2:], b"")))
    assert conn["client_hello"]["cipher_suite_codes"][:2] == ["0x1301", "0xc02f"], conn
    assert ("frame %d: ClientHello is malformed; facts after the fault are missing" % n
            in conn["warnings"]), conn["warnings"]
    n, conn = _ch_capture("extblock.pcap", hs(1, ch_body(SUITES, u16(500) +
                                                         pg.sni_ext(b"ok.example"))))
    assert conn["client_hello"]["sni"] == "ok.example", conn["client_hello"]
    assert ("frame %d: ClientHello is malformed; facts after the fault are missing" % n
            in conn["warnings"]), conn["warnings"]


# ------------------------------------------------- 9. 16,383 empty extensions

@test
def client_hello_with_16383_empty_extensions():
    count = 65535 // 4
    exts = b"".join(u16(0x1000 + i) + u16(0) for i in range(count))
    msg = hs(1, ch_body(SUITES, vec16(exts)))
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    n = send_all(c, True, records(22, msg))
    p.write(tmp("manyext.pcap"))
    t0 = time.monotonic()
    rc, conn, _, _ = one_conn(tmp("manyext.pcap"))
    took = time.monotonic() - t0
    ch = conn["client_hello"]
    assert ch["frame"] == n and ch["truncated_lists"] is True, ch["truncated_lists"]
    assert ch["extensions"] == [0x1000 + i for i in range(4096)], len(ch["extensions"])
    assert rc == 0 and took < 15, (rc, took)


# ------------------------------------------------- 10. 10,000 tiny certificates

@test
def certificate_message_with_10000_certificates():
    p, c = hello_conn(sni=b"c.example")
    tiny = b"\x30\x01\x00"
    n = send_all(c, False, records(22, pg.server_hello() + certificate_msg([tiny] * 10000)))
    p.write(tmp("manycert.pcap"))
    rc, conn, _, _ = one_conn(tmp("manycert.pcap"))
    certs = conn["certificates"]
    assert 0 < len(certs) <= 64, len(certs)
    assert all(x["parse_error"] and x["sha256"] == hashlib.sha256(tiny).hexdigest()
               for x in certs), certs[0]
    assert ("frame %d: 10000 certificates in the message; only the first 64 of the connection "
            "are kept" % n) in conn["warnings"], conn["warnings"]


# ------------------------------------------------- 11. DER garbage

GARBAGE = b"\x30\x82\x01\x00" + bytes(range(256))


def _garbage_cert_capture(name):
    p, c = hello_conn(sni=b"g.example")
    n = c.send(False, pg.record(22, pg.server_hello() + certificate_msg([GARBAGE, b"\x01\x02"])))
    c.send(True, pg.alert(2, 42))                     # bad_certificate
    p.write(tmp(name))
    return n


@test
def der_garbage_certificate_is_hashed():
    n = _garbage_cert_capture("garbage.pcap")
    rc, conn, _, _ = one_conn(tmp("garbage.pcap"))
    certs = conn["certificates"]
    assert [x["sha256"] for x in certs] == [hashlib.sha256(GARBAGE).hexdigest(),
                                            hashlib.sha256(b"\x01\x02").hexdigest()], certs
    assert all(x["parse_error"] is True and x["frame"] == n and x["subject"] is None
               for x in certs), certs
    assert rc == 1 and conn["outcome"] == "alert"


@test
def unparsable_certificate_is_named_in_diagnosis():
    # Regression (this test found it; fixed): the unknown-certificate rule renders the missing subject/issuer of
    # a certificate that does not parse as empty strings: "The client
    # rejected the certificate of the server (, issued by ) with
    # bad_certificate" and "evidence frame 5 certificate of the server: ,
    # issued by".  It should say the certificate does not parse (and give
    # its sha256), as the message list already does.
    _garbage_cert_capture("garbage2.pcap")
    rc, out, _ = run("--no-color", tmp("garbage2.pcap"))
    assert rc == 1, rc
    assert "a certificate that does not parse" in out, out
    assert "(, issued by )" not in out and "server: , issued by" not in out, out


# ------------------------------------------------- 12. 1 MiB handshake message

def _mib_capture():
    sni = b"a" * 60000
    body = ch_body(vec16(u16(0x1301)), vec16(pg.sni_ext(sni)))
    body += bytes((1 << 20) - 4 - len(body))         # no ClientHello field reaches 1 MiB
    msg = hs(1, body)
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    n = send_all(c, True, records(22, msg), seg=16384 + 5)
    c.send(False, pg.alert(2, 40))
    p.write(tmp("mib.pcap"))
    return 4, n


@test
def megabyte_handshake_message():
    first, last = _mib_capture()
    rc, conn, _, _ = one_conn(tmp("mib.pcap"))
    assert ("frame %d: handshake message of 1048572 bytes is larger than the cap of 262144 "
            "bytes (raise it with --max-handshake-bytes): skipped" % first
            in conn["warnings"]), conn["warnings"]
    assert conn["client_hello"] is None and conn["alerts"][0]["description"] == "handshake_failure"
    rc, conn, _, _ = one_conn(tmp("mib.pcap"), "--max-handshake-bytes", "2000000")
    ch = conn["client_hello"]
    assert ch is not None and ch["frame"] == last, conn["warnings"]
    assert ch["sni"] == "a" * 1024, len(ch["sni"] or "")
    assert not any("--max-handshake-bytes" in w for w in conn["warnings"]), conn["warnings"]


# ------------------------------------------------- 13. timestamps going backwards

def _backwards_capture():
    p, c = hello_conn(sni=b"t.example")
    p.t -= 10                                         # the server's answer is 10 s "earlier"
    c.send(False, pg.record(22, pg.server_hello()))
    c.send(False, pg.alert(2, 40))
    p.write(tmp("back.pcap"))


@test
def timestamps_going_backwards():
    _backwards_capture()
    rc, conn, doc, err = one_conn(tmp("back.pcap"))
    msg = "1 packets have a timestamp earlier than the packet before them"
    assert msg in cap0(doc)["warnings"], cap0(doc)["warnings"]
    assert "back.pcap: " + msg in err, err
    assert conn["outcome"] == "alert" and rc == 1


@test
def backwards_time_gives_no_negative_response_time():
    # Regression (this test found it; fixed): handshake.server_response_ms is -9999.0 here: a duration computed
    # across a backwards step is reported as a fact.  It should be null (or
    # not negative) when the clock went backwards.
    _backwards_capture()
    _, conn, _, _ = one_conn(tmp("back.pcap"))
    ms = conn["handshake"]["server_response_ms"]
    assert ms is None or ms >= 0, ms


@test
def one_timestamp_jump_does_not_lose_a_failed_handshake():
    # Regression (this test found it; fixed): one packet of another connection stamped 11 days ahead (a bad
    # clock, a merged capture) moves the capture clock past --idle-timeout:
    # the open connection is ended as idle, its ServerHello and fatal alert
    # (back at normal time) are dropped as "late_packets", the failure is
    # lost and the exit status is 0.  Only "1 packets have a timestamp
    # earlier ..." is said.  The alert should be kept (or at least a warning
    # should say connections were ended by the jump, naming --idle-timeout).
    p, c = hello_conn(sni=b"t.example")
    other = pg.Conn(p, cport=41000)
    p.t += 1e6
    other.handshake()
    p.t -= 1e6
    c.send(False, pg.record(22, pg.server_hello()))
    c.send(False, pg.alert(2, 40))
    p.write(tmp("jump.pcap"))
    rc, doc, _ = run_json(tmp("jump.pcap"))
    conn = [x for x in tls_conns(doc) if (x["client_hello"] or {}).get("sni") == "t.example"][0]
    kept = conn["outcome"] == "alert" and rc == 1
    explained = any("--idle-timeout" in w for w in cap0(doc)["warnings"])
    assert kept or explained, (conn["outcome"], rc, cap0(doc)["late_packets"],
                               cap0(doc)["warnings"])


# ------------------------------------------------- 14. a capture that grows

def _slow_stdin(data, *args):
    """tlsanalyze reading |data| from a pipe: half, a 1 s pause, the rest."""
    p = subprocess.Popen([BIN, "--format=json", *args, "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = []

    def writer():
        half = len(data) // 2
        try:
            p.stdin.write(data[:half])
            p.stdin.flush()
            time.sleep(1)
            p.stdin.write(data[half:])
        except BrokenPipeError:
            pass
        finally:
            try:
                p.stdin.close()
            except BrokenPipeError:
                pass

    tw = threading.Thread(target=writer)
    te = threading.Thread(target=lambda: err.append(p.stderr.read()))
    tw.start()
    te.start()
    timer = threading.Timer(60, p.kill)
    timer.start()
    try:
        out = p.stdout.read()
        tw.join()
        te.join()
        rc = p.wait()
    finally:
        timer.cancel()
    doc = json.loads(out)
    schema_check.check_document(doc)
    return rc, doc, err[0].decode("utf-8", "replace")


def _two_failed_conns():
    p = pg.Pcap()
    for i in range(2):
        c = pg.Conn(p, cport=41000 + i)
        c.handshake()
        c.send(True, pg.record(22, pg.client_hello(sni=b"g%d.example" % i)))
        c.send(False, pg.record(22, pg.server_hello()))
        c.send(True, pg.alert(2, 40))
        c.close()
    return p


def _same_as_whole(path, rc, doc):
    rc2, ref, _ = run_json(path)
    a, b = cap0(doc), cap0(ref)
    diff = [k for k in b if k != "file" and a.get(k) != b[k]]
    assert rc == rc2 and not diff, (rc, rc2, diff, a["warnings"])


@test
def growing_pcap_on_stdin_reads_like_the_whole_file():
    p = _two_failed_conns()
    p.write(tmp("grow.pcap"))
    rc, doc, err = _slow_stdin(open(tmp("grow.pcap"), "rb").read())
    _same_as_whole(tmp("grow.pcap"), rc, doc)
    assert [c["outcome"] for c in conns(doc)] == ["alert", "alert"] and rc == 1, err


@test
def growing_pcapng_with_mixed_link_types_on_stdin():
    # Regression (this test found it; fixed): a pcapng whose interfaces have different link types (what
    # `dumpcap -i eth0 -i tun0 -w -` writes) is read from a file, but on
    # standard input mixed_linktypes() gives up ("frame 1 is on an interface
    # with another link-layer type ... split the file per interface"), so 0
    # packets are analysed - and the exit status is 0 although nothing was
    # read.  Expected: the same result as the file.
    p = _two_failed_conns()
    half = len(p.frames) // 2
    pkts = [(1, t, pg.raw_ipv4_frame(d)) if i >= half else (0, t, d)
            for i, (t, d, _) in enumerate(p.frames)]
    pg.write_pcapng(tmp("grow.pcapng"), [1, 101], pkts, tsresol=9)
    rc, doc, err = _slow_stdin(open(tmp("grow.pcapng"), "rb").read())
    assert rc != 0 or cap0(doc)["packets"] > 0, "exit 0 with nothing read: " + err
    _same_as_whole(tmp("grow.pcapng"), rc, doc)


# ------------------------------------------------- 15. 200,000 SYNs

def _syn_flood(n, *args):
    """gen.py syn N | tlsanalyze --format=ndjson ARGS -: exit status, peak RSS
    (KiB), the last stdout line (the capture), stderr."""
    return synflood.run(BIN, n, *args)


@test
def two_hundred_thousand_syns():
    t0 = time.monotonic()
    rc, rss_kib, cap, err = _syn_flood(200000)
    took = time.monotonic() - t0
    assert rc == 0 and cap["type"] == "capture" and cap["tcp_connections"] == 200000, (rc, err)
    assert cap["peak_open_connections"] <= 65536, cap["peak_open_connections"]
    if not sanitized():
        assert rss_kib < 128 * 1024, "peak RSS %d MiB" % (rss_kib // 1024)
    print("     200000 SYNs: %.1f s, peak RSS %d MiB%s" % (took, rss_kib // 1024,
          " (sanitizer build: RSS not checked)" if sanitized() else ""))
    rc, _, cap, err = _syn_flood(5000, "--max-connections", "1000")
    msg = ("4000 connections were ended early because more than 1000 were open at once: "
           "raise --max-connections")
    assert rc == 0 and msg in cap["warnings"], cap["warnings"]
    assert "-: " + msg in err, err
    assert cap["peak_open_connections"] == 1000, cap["peak_open_connections"]


# ------------------------------------------------- 16. hostile bytes in certificate names

CN_BYTES = b"a\x00b\x1b[2J\xc2\x9b\xe2\x80\xae\x7f\r\n"       # NUL, ESC, C1 CSI, RLO, DEL, CR LF
SAN_BYTES = b"s\x00\xff\xc3(\x1b]0;x\x07\xe2\x80\xae"          # + bytes that are not UTF-8


def _pad(b, n):
    assert len(b) <= n
    return b + b"." * (n - len(b))


def _hostile_cert():
    """A real self-signed certificate (openssl req) whose CN and SAN dNSName
    are then overwritten in the DER with hostile bytes of the same length.
    The signature no longer verifies; tlsanalyze does not check it."""
    cn_hold, san_hold = "HOSTILE-CN-PLACEHOLDER", "HOSTILE-SAN-PLACEHOLDER"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp("k.pem"),
                    "-subj", "/CN=%s/O=tlsanalyze tests" % cn_hold,
                    "-addext", "subjectAltName=DNS:%s" % san_hold, "-days", "1",
                    "-outform", "DER", "-out", tmp("c.der")],
                   check=True, capture_output=True, timeout=60)
    der = open(tmp("c.der"), "rb").read()
    cn = _pad(CN_BYTES, len(cn_hold))
    san = _pad(SAN_BYTES, len(san_hold))
    return (der.replace(cn_hold.encode(), cn).replace(san_hold.encode(), san),
            der.replace(cn_hold.encode(), _pad(b"\xff\xfe\xc3(", len(cn_hold))))


def _no_raw_controls(text):
    bad = [hex(ord(ch)) for ch in text
           if (ord(ch) < 32 and ch not in "\n") or 0x7f <= ord(ch) <= 0x9f
           or 0x202a <= ord(ch) <= 0x202e or 0x2066 <= ord(ch) <= 0x2069]
    assert not bad, bad


@test
def hostile_bytes_in_certificate_names():
    if shutil.which("openssl") is None:
        # No openssl to make a certificate: the same escaping through the SNI.
        p, c = hello_conn(sni=SAN_BYTES + CN_BYTES)
        p.write(tmp("hostile-names.pcap"))
    else:
        der, bad_utf8_cn = _hostile_cert()
        p, c = hello_conn(sni=b"c.example")
        c.send(False, pg.record(22, pg.server_hello() + certificate_msg([der, bad_utf8_cn])))
        c.send(True, pg.alert(2, 42))
        p.write(tmp("hostile-names.pcap"))
    r = subprocess.run([BIN, "--format=json", tmp("hostile-names.pcap")], capture_output=True,
                       timeout=60)
    doc = json.loads(r.stdout.decode("utf-8", "strict"))     # strictly valid UTF-8
    schema_check.check_document(doc)
    _no_raw_controls(r.stdout.decode("utf-8"))
    t = subprocess.run([BIN, "--no-color", tmp("hostile-names.pcap")], capture_output=True,
                       timeout=60)
    text = t.stdout.decode("utf-8", "strict")
    _no_raw_controls(text)
    conn = tls_conns(doc)[0]
    if shutil.which("openssl") is None:
        assert conn["client_hello"]["sni"].startswith("s\\x00\\xff\\xc3(\\x1b]0;x\\x07\\u{202e}")
        return
    good, bad = conn["certificates"]
    assert good["parse_error"] is False, good
    assert good["cn"] == "a\\x00b\\x1b[2J\\u{009b}\\u{202e}\\x7f\\x0d\\x0a" + "." * 7, good["cn"]
    assert good["san"] == ["DNS:s\\x00\\xff\\xc3(\\x1b]0;x\\x07\\u{202e}" + "." * 9], good["san"]
    # subject/issuer come from OpenSSL's RFC 2253 form (\00, \1B), and tlsanalyze
    # escapes those backslashes again (\\00): the text shows them the same way.
    assert "CN=a\\\\00b\\\\1B[2J\\\\C2\\\\9B" in good["subject"], good["subject"]
    assert "Certificate        " + good["subject"] in text, text
    # OpenSSL itself refuses a UTF8String that is not UTF-8 (d2i_X509 fails):
    # that certificate is kept as a hash.
    assert bad["parse_error"] is True and len(bad["sha256"]) == 64, bad


# ------------------------------------------------- helpers with state

_OK = []


def _ok_pcap():
    if not _OK:
        p, c = hello_conn()
        p.write(tmp("ok.pcap"))
        _OK.append(tmp("ok.pcap"))
    return _OK[0]


@test
def extreme_timestamps_do_not_overflow():
    # Regression: a pcapng timestamp near 2^64 units overflowed the
    # nanosecond arithmetic (UBSan: signed integer overflow in expire()).
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"time.example")))
    frames = [(0, t, d) for t, d, _ in p.frames]
    # Near 2^64 ns (as in a real capture of the corpus), then 0.  Two link
    # types make tlsanalyze's own pcapng reader read the file.
    frames[1] = (0, 18446744073.0, frames[1][2])
    frames[2] = (0, 0.0, frames[2][2])
    pg.write_pcapng(tmp("extreme.pcapng"), [1, 101], frames, tsresol=9)
    rc, out, err = run("--format=json", tmp("extreme.pcapng"))
    assert rc in (0, 1) and "runtime error" not in err and "Sanitizer" not in err, err
    doc = json.loads(out)
    assert tls_conns(doc)[0]["client_hello"]["sni"] == "time.example"



# ------------------------------------------------- 18. after the handshake (records followed to the end)

def _completed_tls12(p, cport=40000):
    """A TLS 1.2 handshake that completes (both encrypted Finished)."""
    c = pg.Conn(p, cport=cport)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"after.example")))
    c.send(False, pg.record(22, pg.server_hello()))
    c.send(True, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    c.send(False, pg.record(20, b"\x01") + pg.record(22, bytes(40)))
    return c


@test
def garbage_after_the_handshake():
    """200 KB of bytes that are no records after a completed handshake: one
    warning that the records could not be followed, the outcome stays
    completed, and the other side's close_notify is still read."""
    p = pg.Pcap()
    c = _completed_tls12(p)
    junk = bytes((i * 7 + 3) & 0xff for i in range(200000))
    send_all(c, False, junk)
    n = c.send(True, pg.record(21, bytes(26)))
    c.close()
    p.write(tmp("after-junk.pcap"))
    rc, conn, doc, err = one_conn(tmp("after-junk.pcap"))
    assert conn["outcome"] == "completed" and "alert" not in conn, conn
    lost = [w for w in conn["warnings"] if "could not be followed" in w]
    assert len(lost) == 1 and "server" in lost[0], conn["warnings"]
    assert len(conn["warnings"]) <= 2, conn["warnings"]
    assert [(a["frame"], a["from"], a.get("after_handshake")) for a in conn["alerts"]] == \
        [(n, "client", True)], conn["alerts"]


@test
def impossible_lengths_after_the_handshake():
    """After the handshake: a header claiming 65535 bytes (more than a record
    may hold), an alert record of 16 KB, then 40 two-byte alerts: the bad
    header is skipped, the long alert is an encrypted one of 16 KB, alerts
    stop at the cap of 32 with a warning, and nothing is buffered beyond it."""
    p = pg.Pcap()
    c = _completed_tls12(p)
    c.send(False, pg.u8(23) + pg.u16(0x0303) + pg.u16(0xffff) + bytes(100))
    c.send(False, pg.record(23, bytes(50)))
    send_all(c, False, pg.record(21, bytes(16000)))
    c.send(False, pg.alert(2, 20) * 40)
    c.close()
    p.write(tmp("after-lengths.pcap"))
    rc, conn, doc, err = one_conn(tmp("after-lengths.pcap"))
    assert conn["outcome"] == "completed" and "alert" not in conn, conn
    long = [a for a in conn["alerts"] if a.get("record_length") == 16000]
    assert len(long) == 1 and long[0]["encrypted"] and long[0]["after_handshake"], conn["alerts"]
    assert len(conn["alerts"]) == 32, len(conn["alerts"])
    assert any("more than 32 alerts" in w for w in conn["warnings"]), conn["warnings"]
    assert all(a.get("after_handshake") for a in conn["alerts"])
    assert "Sanitizer" not in err and "runtime error" not in err, err


def _endless_after_handshake(path, megabytes):
    """A completed handshake, then |megabytes| MB of 16 KB application-data
    records from the server in 1448-byte segments, then both close_notify."""
    p = pg.Pcap()
    c = _completed_tls12(p)
    rec = pg.record(23, bytes(16384))
    stream = rec * 64                   # 1 MB of whole records
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        frames = [d for _, d, _ in p.frames]
        for _ in range(megabytes * 1024 * 1024 // len(stream) + 1):
            for off in range(0, len(stream), 1448):
                piece = stream[off:off + 1448]
                frames.append(c.frame_bytes(False, piece))
                c.sseq += len(piece)
            for i, data in enumerate(frames):
                f.write(struct.pack("<IIII", 1700000001, i % 1000000, len(data), len(data)))
                f.write(data)
            frames = []
        for from_client in (False, True):
            c.send(from_client, pg.record(21, bytes(26)))
        for _, data, _ in p.frames[-2:]:
            f.write(struct.pack("<IIII", 1700000002, 0, len(data), len(data)))
            f.write(data)


def _peak_rss(path):
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([BIN, "--format=ndjson", path], stdout=out,
                             stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        assert os.waitstatus_to_exitcode(status) in (0, 1)
        out.seek(0)
        conn = json.loads(out.readline())
    schema_check.check_line(conn)
    return usage.ru_maxrss, conn


@test
def endless_stream_after_the_handshake():
    """Records are followed to the end of a long connection by their headers
    only: the close_notify pair after 200 MB is found, and peak RSS is the
    same as after 4 MB."""
    small, big = tmp("after-4m.pcap"), tmp("after-200m.pcap")
    _endless_after_handshake(small, 4)
    _endless_after_handshake(big, 200)
    rss_small, c_small = _peak_rss(small)
    rss_big, c_big = _peak_rss(big)
    for conn in (c_small, c_big):
        got = [(a["from"], a["encrypted"], a.get("after_handshake")) for a in conn["alerts"]]
        assert conn["outcome"] == "completed" and got == [("server", True, True),
                                                           ("client", True, True)], got
        assert conn["warnings"] == [], conn["warnings"]
    os.unlink(big)
    if not sanitized():
        assert rss_big < 1.2 * rss_small + 2048, (rss_small, rss_big)
    print("     4 MB: peak RSS %d KiB, 200 MB: %d KiB" % (rss_small, rss_big))


if __name__ == "__main__":
    sys.exit(harness.run("hostile", TMP, 62))
