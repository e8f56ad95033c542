#!/usr/bin/env python3
"""quic_analysis_test.py - QUIC connections through the whole analysis.

Crafted captures (tests/lib/quicgen.py, encrypting with the RFC 9001 keys)
for the shapes the corpus lacks: a ClientHello split across three Initials
delivered out of order, two connections on one 4-tuple, Version
Negotiation with and without a common version, Retry, CONNECTION_CLOSE
with TLS alerts as crypto errors and with a transport error, client
Initials with no answer, UDP that is not QUIC; then text, --summary,
--redact and -f on UDP.  Where tshark can read the fact (frames of the
ClientHello, ServerHello and CONNECTION_CLOSE, SNI, ALPN) it is the
oracle; the rules that fire are checked by name.  Binary: $TLSANALYZE or
./tlsanalyze.  Ends with "quic-analysis: N passed, N failed".
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import pcapgen as pg  # noqa: E402
import quicgen as qg  # noqa: E402
from harness import run, test  # noqa: E402

TMP = tempfile.mkdtemp(prefix="quic-analysis-")
BIN = os.environ.get("TLSANALYZE", os.path.join(REPO, "tlsanalyze"))
ENV = dict(os.environ, TLSANALYZE_RULES=os.path.join(REPO, "rules"), TZ="UTC")
HS_KEYS = qg.Keys(bytes(range(32)))      # Handshake and 1-RTT packets: keys nobody logged


def tla(*args):
    p = subprocess.run([BIN] + list(args), capture_output=True, env=ENV, timeout=60)
    if p.returncode not in (0, 1):
        raise AssertionError("tlsanalyze %s: exit %d: %s" % (args, p.returncode, p.stderr))
    return p


def conns(path, *opts):
    out = tla("--format=ndjson", *opts, path).stdout.decode()
    return [o for o in map(json.loads, out.splitlines()) if o.get("type") == "connection"]


def rules(c):
    return [d["rule"] for d in c["diagnoses"]]


tshark = qg.tshark_quic


def tshark_frame(path, field, value):
    """The first frame where tshark shows |field| with |value| among its values."""
    for r in tshark(path, ["frame.number", field]):
        if value in r[1].split(","):
            return int(r[0])
    return None


def expect(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


class Quic:
    """One crafted QUIC connection between two Endpoints."""

    def __init__(self, ep, dcid, cscid, sscid, version=qg.V1):
        self.ep = ep
        self.dcid, self.cscid, self.sscid = dcid, cscid, sscid
        self.version = version
        self.ck, self.sk = qg.initial_keys(dcid, version)
        self.cpn = self.spn = self.hpn = 0

    def client(self, frames, dcid=None, token=b""):
        pkt = qg.initial(self.ck, dcid or self.dcid, self.cscid, self.cpn, frames, self.version,
                         token=token, min_size=1200)
        self.cpn += 1
        return self.ep.send(True, pkt)

    def server(self, frames, handshake=b"", one_rtt=False):
        pkts = [qg.initial(self.sk, self.cscid, self.sscid, self.spn, frames, self.version,
                           pn_len=2)]
        self.spn += 1
        if handshake:
            pkts.append(qg.handshake(HS_KEYS, self.cscid, self.sscid, self.hpn, handshake,
                                     self.version))
            self.hpn += 1
        if one_rtt:
            pkts.append(qg.short(HS_KEYS, self.cscid, 0, qg.ping_frame()))
        return self.ep.send(False, *pkts)

    def client_finish(self):
        """The client's Handshake flight and a 1-RTT packet, the server's 1-RTT answer."""
        self.ep.send(True, qg.handshake(HS_KEYS, self.sscid, self.cscid, 0, bytes(40),
                                        self.version))
        self.ep.send(True, qg.short(HS_KEYS, self.sscid, 1, qg.ping_frame()))
        return self.ep.send(False, qg.short(HS_KEYS, self.cscid, 1, qg.ping_frame()))


def hello(sni=b"quic.example", alpn=(b"h3",)):
    tp = qg.transport_parameters([(0x04, qg.varint(1048576))])
    return pg.client_hello(sni=sni, suites=(0x1301, 0x1302), versions=(0x0304,), alpn=alpn,
                           extra=pg.ext(57, tp) + pg.ext(51, pg.vec16(b"")))


SH = pg.server_hello(suite=0x1301, version=0x0303, selected=0x0304)


def path_of(name):
    return os.path.join(TMP, name)


@test
def split_client_hello_out_of_order_completes():
    """Three Initials carry the ClientHello; the third piece goes first,
    then the first, then the second (which completes it)."""
    p = pg.Pcap()
    q = Quic(qg.Endpoints(p), bytes.fromhex("a1a2a3a4a5a6a7a8"), b"\xc1\xc2", b"\x5a\x5b\x5c")
    ch = hello(b"split.example")
    third = len(ch) // 3
    pieces = [(0, ch[:third]), (third, ch[third:2 * third]), (2 * third, ch[2 * third:])]
    q.client(qg.crypto_frame(*pieces[2]))
    q.client(qg.crypto_frame(*pieces[0]))
    done = q.client(qg.crypto_frame(*pieces[1]))
    sh = q.server(qg.ack_frame(2) + qg.crypto_frame(0, SH), handshake=bytes(60), one_rtt=True)
    q.client_finish()
    path = path_of("split.pcap")
    p.write(path)
    [c] = conns(path)
    expect(c["transport"], "quic", "transport")
    expect(c["client_hello"]["frame"], tshark_frame(path, "tls.handshake.type", "1"), "CH frame")
    expect(c["client_hello"]["frame"], done, "CH frame (crafted)")
    expect(c["client_hello"]["sni"], "split.example", "SNI")
    expect(c["client_hello"]["alpn"], ["h3"], "ALPN")
    expect(c["server_hello"]["frame"], tshark_frame(path, "tls.handshake.type", "2"), "SH frame")
    expect(c["server_hello"]["frame"], sh, "SH frame (crafted)")
    expect(c["outcome"], "completed", "outcome")
    expect(c["quic"]["client_dcid"], "a1a2a3a4a5a6a7a8", "client_dcid")
    expect(c["quic"]["server_scid"], "5a5b5c", "server_scid")
    expect(c["quic"]["initial_packets"], 4, "initial_packets")
    expect(c["client_hello"]["quic_transport_parameters"],
           [{"id": 4, "name": "initial_max_data", "value": 1048576, "length": 4}],
           "transport parameters")
    expect(rules(c), [], "rules")


@test
def two_connections_on_one_tuple():
    """Two connections from the same client port, their packets
    interleaved: apart by connection IDs; the second one fails."""
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    a = Quic(ep, bytes.fromhex("0101010101010101"), b"\xaa\x01", b"\x5a\x01")
    b = Quic(ep, bytes.fromhex("0202020202020202"), b"\xbb\x02", b"\x5b\x02")
    a.client(qg.crypto_frame(0, hello(b"one.example")))
    b.client(qg.crypto_frame(0, hello(b"two.example")))
    a.server(qg.crypto_frame(0, SH), handshake=bytes(60))
    close = b.server(qg.close_frame(0x128, 0x06))
    path = path_of("two.pcap")
    p.write(path)
    cs = conns(path)
    expect(len(cs), 2, "connections")
    expect([c["client_hello"]["sni"] for c in cs], ["one.example", "two.example"], "SNIs")
    expect(cs[0]["server_hello"] is not None, True, "first has its ServerHello")
    expect(cs[0]["alerts"], [], "first has no alert")
    expect(cs[1]["server_hello"], None, "second has no ServerHello")
    expect([(x["frame"], x["from"], x["description"]) for x in cs[1]["alerts"]],
           [(close, "server", "handshake_failure")], "second's alert")
    expect(cs[0]["client"], cs[1]["client"], "same 4-tuple")


@test
def version_negotiation_without_common_version():
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    q = Quic(ep, bytes.fromhex("1111222233334444"), b"\xc7", b"")
    q.client(qg.crypto_frame(0, hello()))
    vn = ep.send(False, qg.version_negotiation(b"\xc7", q.dcid, [0xff00001d, 0xfaceb002]))
    q.client(qg.crypto_frame(0, hello()))      # retransmitted, still v1
    path = path_of("vn.pcap")
    p.write(path)
    [c] = conns(path)
    expect(c["outcome"], "closed", "outcome")
    expect(c["quic"]["versions_offered"], ["draft-29", "mvfst 0xfaceb002"], "versions offered")
    expect(c["quic"]["version_negotiation_frame"], vn, "VN frame")
    expect(c["quic"]["version_mismatch"], True, "version_mismatch")
    expect(rules(c)[:1], ["quic-version-mismatch"], "rules")
    vn_tshark = [int(r[0]) for r in tshark(path, ["frame.number", "quic.version"])
                 if r[1] == "0x00000000"]
    expect(vn_tshark, [vn], "tshark's VN frame")


@test
def version_negotiation_then_common_version():
    """A reserved version forces Version Negotiation; the client comes back
    with v1: one connection, version v1, no mismatch."""
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    dcid = bytes.fromhex("5555666677778888")
    first = b"\xc0" + (0x1a2a3a4a).to_bytes(4, "big") + bytes([8]) + dcid + b"\x01\xc9" + \
        bytes(1200)
    ep.send(True, first)
    ep.send(False, qg.version_negotiation(b"\xc9", dcid, [qg.V1]))
    q = Quic(ep, dcid, b"\xc9", b"\x77")
    q.client(qg.crypto_frame(0, hello(b"vn.example")))
    q.server(qg.crypto_frame(0, SH), handshake=bytes(60), one_rtt=True)
    q.client_finish()
    path = path_of("vn-ok.pcap")
    p.write(path)
    [c] = conns(path)
    expect(c["quic"]["version"], "v1", "version")
    expect(c["quic"]["versions_offered"], ["v1"], "versions offered")
    expect(c["quic"]["version_mismatch"], False, "version_mismatch")
    expect(c["first_frame"], 1, "first frame")
    expect(c["outcome"], "completed", "outcome")
    expect(c["client_hello"]["sni"], "vn.example", "SNI")


@test
def retry_then_handshake():
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    odcid = bytes.fromhex("0a0b0c0d0e0f1011")
    cscid, rscid, sscid = b"\xc3\xc3", bytes.fromhex("7272727272727272"), b"\x73\x73"
    q = Quic(ep, odcid, cscid, sscid)
    q.client(qg.crypto_frame(0, hello(b"retry.example")))
    retry = ep.send(False, qg.retry(cscid, rscid, b"token", odcid))
    q2 = Quic(ep, rscid, cscid, sscid)            # keys from the Retry's SCID now
    q2.cpn = 1
    ch2 = q2.client(qg.crypto_frame(0, hello(b"retry.example")), token=b"token")
    sh = q2.server(qg.crypto_frame(0, SH), handshake=bytes(60), one_rtt=True)
    q2.client_finish()
    path = path_of("retry.pcap")
    p.write(path)
    [c] = conns(path)
    expect(c["quic"]["retry"], True, "retry")
    expect(c["quic"]["retry_frame"], retry, "retry frame")
    expect(c["quic"]["client_dcid"], odcid.hex(), "client_dcid: the first one")
    expect(c["client_hello"]["frame"], 1, "first ClientHello")
    expect(c["server_hello"]["frame"], sh, "ServerHello after the Retry")
    expect(c["outcome"], "completed", "outcome")
    expect(c["warnings"], [], "warnings")
    expect(ch2 > retry, True, "order")


def closed_by_alert(name, sni, code, from_client=False):
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    q = Quic(ep, bytes.fromhex("2020202020202020") + bytes([code & 0xff]), b"\xc5", b"\x55")
    q.client(qg.crypto_frame(0, hello(sni)))
    if from_client:
        q.server(qg.crypto_frame(0, SH), handshake=bytes(60))
        frame = ep.send(True, qg.initial(q.ck, q.sscid, q.cscid, 1, qg.close_frame(code, 0x06),
                                         min_size=1200))
    else:
        frame = q.server(qg.close_frame(code, 0x06, b"refused"))
    path = path_of(name)
    p.write(path)
    [c] = conns(path)
    tf = [int(r[0]) for r in tshark(path, ["frame.number", "quic.cc.error_code"])
          if r[1] and int(r[1], 0) == code]
    expect(tf, [frame], "tshark's CONNECTION_CLOSE frame")
    expect(c["outcome"], "alert", "outcome")
    expect(len(c["alerts"]), 1, "alerts")
    a = c["alerts"][0]
    expect((a["frame"], a["from"], a["code"], a["level"]),
           (frame, "client" if from_client else "server", code - 0x100, "fatal"), "alert")
    expect(c["quic"]["close"], None, "quic.close (the alert says it)")
    return c


@test
def crypto_error_handshake_failure_without_sni():
    c = closed_by_alert("nosni.pcap", None, 0x128)
    expect(c["alert"]["description"], "handshake_failure", "description")
    expect(rules(c)[:1], ["missing-sni"], "rules")


@test
def crypto_error_handshake_failure_with_sni():
    c = closed_by_alert("suites.pcap", b"suites.example", 0x128)
    expect(rules(c)[:1], ["cipher-mismatch"], "rules")


@test
def crypto_error_protocol_version():
    c = closed_by_alert("version.pcap", b"version.example", 0x146)
    expect(c["alert"]["description"], "protocol_version", "description")
    expect(rules(c)[:1], ["protocol-mismatch"], "rules")


@test
def crypto_error_no_application_protocol():
    c = closed_by_alert("alpn.pcap", b"alpn.example", 0x178)
    expect(c["alert"]["description"], "no_application_protocol", "description")
    # The ALPN rule of the newer causes reads it over QUIC as over TCP.
    expect(rules(c)[:1], ["alpn-mismatch"], "rules")


@test
def crypto_error_from_client():
    c = closed_by_alert("client-alert.pcap", b"ca.example", 0x130, from_client=True)
    expect(c["alert"]["description"], "unknown_ca", "description")
    expect(c["alert"]["from"], "client", "from")


@test
def transport_error_close():
    p = pg.Pcap()
    q = Quic(qg.Endpoints(p), bytes.fromhex("3030303030303030"), b"\xc6", b"\x56")
    q.client(qg.crypto_frame(0, hello()))
    frame = q.server(qg.close_frame(0x0a, 0x06, b"bad frame"))
    path = path_of("transport.pcap")
    p.write(path)
    [c] = conns(path)
    expect(c["outcome"], "closed", "outcome")
    expect(c["alerts"], [], "alerts")
    cl = c["quic"]["close"]
    expect((cl["frame"], cl["from"], cl["error_code"], cl["error"], cl["reason"]),
           (frame, "server", "0xa", "PROTOCOL_VIOLATION", "bad frame"), "close")
    expect(c["handshake"]["closed_by"], "server", "closed_by")
    expect(rules(c), ["quic-connection-closed"], "rules (not the TCP reset rule)")
    text = tla("-v", path).stdout.decode()
    if "ConnectionClose 0xa PROTOCOL_VIOLATION" not in text or "server CONNECTION_CLOSE" \
            not in text:
        raise AssertionError("text: " + text)


@test
def initials_without_answer():
    p = pg.Pcap()
    q = Quic(qg.Endpoints(p), bytes.fromhex("4040404040404040"), b"", b"")
    for _ in range(3):
        q.client(qg.crypto_frame(0, hello(b"blocked.example")))
    path = path_of("noanswer.pcap")
    p.write(path)
    [c] = conns(path)
    expect(c["outcome"], "no_response", "outcome")
    expect(c["quic"]["initial_packets"], 3, "initial_packets")
    expect(rules(c), ["quic-no-response"], "rules")
    expect(c["handshake"]["server_bytes"], 0, "server_bytes")
    expect(c["quic"]["tcp_after_frame"], None, "no TCP fallback")
    summary = json.loads(tla("--summary", "--format=json", path).stdout.decode())
    cap = summary["captures"][0]
    expect((cap["quic_connections"], cap["tcp_connections"], cap["quic_packets"]), (1, 0, 3),
           "summary counts")
    expect(cap["failed_by_rule"], {"quic-no-response": 1}, "summary rules")


@test
def initials_without_answer_then_tcp_fallback():
    """The client gives up on QUIC and opens TCP to the same server: the
    fallback is named by its frame, in the fact and in the diagnosis."""
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    q = Quic(ep, bytes.fromhex("4141414141414141"), b"", b"")
    q.client(qg.crypto_frame(0, hello(b"fallback.example")))
    q.client(qg.crypto_frame(0, hello(b"fallback.example")))
    ip = (10, 0, 0, 1), (10, 0, 0, 2)
    syn = p.add(pg.ether(pg.ipv4(ip[0], ip[1], pg.tcp(50001, 443, 1000, 0, 0x02))), dt=0.3)
    p.add(pg.ether(pg.ipv4(ip[1], ip[0], pg.tcp(443, 50001, 5000, 1001, 0x12))))
    p.add(pg.ether(pg.ipv4(ip[0], ip[1], pg.tcp(50001, 443, 1001, 5001, 0x10))))
    p.add(pg.ether(pg.ipv4(ip[0], ip[1], pg.tcp(50001, 443, 1001, 5001, 0x18,
                                                pg.record(22, hello(b"fallback.example"))))))
    path = path_of("fallback.pcap")
    p.write(path)
    cs = conns(path)
    quic = [c for c in cs if c["transport"] == "quic"]
    tcp = [c for c in cs if c["transport"] == "tcp"]
    expect((len(quic), len(tcp)), (1, 1), "connections")
    expect(quic[0]["quic"]["tcp_after_frame"], syn, "tcp_after_frame")
    expect(rules(quic[0]), ["quic-no-response"], "rules")
    d = quic[0]["diagnoses"][0]
    if "frame %d" % syn not in d["summary"]:
        raise AssertionError("fallback not in the summary: " + d["summary"])
    expect(quic[0]["id"] < tcp[0]["id"], True, "ids in order of first packet")


@test
def other_udp_is_not_quic():
    """DNS, a long-header look-alike on 443 and a v1 Initial whose
    protection does not open: no connection, counted as skipped."""
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    dns = qg.Endpoints(p, cport=53000, sport=53)
    dns.send(True, bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001"))
    ep.send(True, b"\xc3\x00\x00\x00\x01\x08" + bytes(8) + b"\x00" + bytes(1180))
    ck, _ = qg.initial_keys(bytes(8))
    pkt = bytearray(qg.initial(ck, bytes(8), b"", 0, qg.crypto_frame(0, hello()), min_size=1200))
    pkt[-1] ^= 1                              # the AEAD tag no longer verifies
    ep.send(True, bytes(pkt))
    path = path_of("notquic.pcap")
    p.write(path)
    expect(conns(path), [], "connections")
    cap = json.loads(tla("--summary", "--format=json", path).stdout.decode())["captures"][0]
    expect((cap["quic_connections"], cap["skipped"]["not_tcp"]), (0, 3), "skipped")


@test
def quic_connections_leave_the_table_like_tcp_ones():
    """The connection cap and the idle timeout apply to QUIC: 40 attempts
    with --max-connections 10 are all reported, the cap named; a
    connection silent for longer than --idle-timeout ends, and its next
    Initial starts another."""
    p = pg.Pcap()
    for i in range(40):
        q = Quic(qg.Endpoints(p, cport=40000 + i), bytes([i + 1]) * 8, b"\xc0", b"")
        q.client(qg.crypto_frame(0, hello(b"many.example")))
    path = path_of("many.pcap")
    p.write(path)
    out = json.loads(tla("--format=json", "--max-connections", "10", path).stdout.decode())
    cap = out["captures"][0]
    expect(len(cap["connections"]), 40, "connections reported")
    if not any("more than 10 were open" in w for w in cap["warnings"]):
        raise AssertionError("cap not reported: %s" % cap["warnings"])
    p = pg.Pcap()
    q = Quic(qg.Endpoints(p), bytes.fromhex("6060606060606060"), b"\xc0", b"")
    q.client(qg.crypto_frame(0, hello(b"idle.example")))
    p.t += 700
    q.client(qg.crypto_frame(0, hello(b"idle.example")))
    path = path_of("idle.pcap")
    p.write(path)
    cs = conns(path, "--idle-timeout", "600")
    expect(len(cs), 2, "connections after the idle timeout")
    if not any("without a packet" in w for w in cs[0]["warnings"]):
        raise AssertionError("idle end not said: %s" % cs[0]["warnings"])


@test
def redaction_and_filter():
    path = path_of("split.pcap")
    [c] = conns(path, "--redact", "--redact-key", "k")
    expect(c["quic"]["client_dcid"], "a1a2a3a4a5a6a7a8", "connection IDs kept")
    if c["client_hello"]["sni"] == "split.example" or "10.0.0.1" in c["client"]:
        raise AssertionError("not redacted: %s %s" % (c["client_hello"]["sni"], c["client"]))
    expect(len(conns(path, "-f", "udp port 443")), 1, "-f udp")
    expect(conns(path, "-f", "tcp"), [], "-f tcp")
    expect(len(conns(path, "--server", "10.0.0.2:443")), 1, "--server: UDP too")


sys.exit(run("quic-analysis", TMP))
