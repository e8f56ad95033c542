#!/usr/bin/env python3
"""quicgen_test.py - checks the QUIC packet writer (tests/lib/quicgen.py).

It must reproduce the protected packets of RFC 9001 Appendix A and RFC 9369
Appendix A byte for byte (from tests/unit/quic_vectors.txt, the file the C
unit tests read), and a capture written with it must read in tshark as
QUIC with the ClientHello's SNI and ALPN, a ClientHello split across two
Initials, the ServerHello, and a CONNECTION_CLOSE carrying a TLS alert.
Ends with "quicgen: N passed, N failed".
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import pcapgen as pg  # noqa: E402
import quicgen as qg  # noqa: E402
from harness import run, test  # noqa: E402

TMP = tempfile.mkdtemp(prefix="quicgen-")


def vectors():
    out, cur = {}, None
    with open(os.path.join(HERE, "unit", "quic_vectors.txt")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                cur = None
            elif line[0] in " \t" and cur:
                out[cur] += line.split()
            else:
                name, _, value = line.partition("=")
                cur = name.strip()
                out[cur] = value.split()
    return {k: bytes.fromhex("".join(v)) for k, v in out.items()}


V = vectors()


def expect(got, want, what):
    if got != want:
        raise AssertionError("%s: got %s, want %s" % (what, got.hex()[:80], want.hex()[:80]))


def client_initial_payload():
    cf = V["client.crypto_frame"]
    return cf + bytes(1162 - len(cf))


@test
def rfc9001_a1_keys():
    for v, name in ((qg.V1, "v1"), (qg.V2, "v2")):
        ck, sk = qg.initial_keys(V["dcid"], v)
        expect(ck.key, V[name + ".client.key"], name + " client key")
        expect(ck.iv, V[name + ".client.iv"], name + " client iv")
        expect(ck.hp, V[name + ".client.hp"], name + " client hp")
        expect(sk.key, V[name + ".server.key"], name + " server key")
        expect(sk.hp, V[name + ".server.hp"], name + " server hp")


@test
def rfc_client_initial_bytes():
    # A.2: header with pn 2 in 4 bytes, CRYPTO frame then PADDING to 1162.
    for v, name in ((qg.V1, "v1"), (qg.V2, "v2")):
        ck, _ = qg.initial_keys(V["dcid"], v)
        hdr = V[name + ".client.header"]
        pkt = qg.protect(ck, hdr, 18, 2, client_initial_payload())
        expect(pkt, V[name + ".client.packet"], name + " client Initial")
        # The same through the builder.
        built = qg.initial(ck, V["dcid"], b"", 2, V["client.crypto_frame"], v, min_size=1200)
        expect(built, V[name + ".client.packet"], name + " client Initial (builder)")


@test
def rfc_server_initial_bytes():
    for v, name in ((qg.V1, "v1"), (qg.V2, "v2")):
        _, sk = qg.initial_keys(V["dcid"], v)
        built = qg.initial(sk, b"", bytes.fromhex("f067a5502a4262b5"), 1, V["server.payload"],
                           v, pn_len=2)
        expect(built, V[name + ".server.packet"], name + " server Initial")


@test
def rfc_retry_bytes():
    for v, name in ((qg.V1, "v1"), (qg.V2, "v2")):
        built = qg.retry(b"", bytes.fromhex("f067a5502a4262b5"), b"token", V["dcid"], v)
        expect(built, V[name + ".retry.packet"], name + " Retry")


tshark = qg.tshark_quic


def handshake_capture(path):
    """Client Initials with a ClientHello split in two (sent second part
    first), the server's Initial with the ServerHello, then the client
    closing with CRYPTO_ERROR 0x0128 (alert 40, handshake_failure)."""
    p = pg.Pcap()
    ep = qg.Endpoints(p)
    dcid, cscid, sscid = bytes.fromhex("0011223344556677"), b"\x0c\x11", b"\x5e\x77\x01"
    ck, sk = qg.initial_keys(dcid)
    tp = qg.transport_parameters([(0x04, qg.varint(1048576)), (0x0f, cscid)])
    ch = pg.client_hello(sni=b"quic.example", suites=(0x1301, 0x1302), versions=(0x0304,),
                         alpn=(b"h3",), extra=pg.ext(57, tp) + pg.ext(51, pg.vec16(b"")))
    half = len(ch) // 2
    second = qg.initial(ck, dcid, cscid, 1, qg.crypto_frame(half, ch[half:]), min_size=1200)
    first = qg.initial(ck, dcid, cscid, 0, qg.crypto_frame(0, ch[:half]), min_size=1200)
    frames = {"second": ep.send(True, second), "first": ep.send(True, first)}
    sh = pg.server_hello(suite=0x1301, version=0x0303, selected=0x0304)
    frames["sh"] = ep.send(False, qg.initial(sk, cscid, sscid, 0,
                                             qg.ack_frame(1) + qg.crypto_frame(0, sh),
                                             pn_len=2))
    frames["close"] = ep.send(True, qg.initial(ck, sscid, cscid, 2,
                                               qg.close_frame(0x128, 0x06, b"no suite"),
                                               min_size=1200))
    p.write(path)
    return frames


@test
def tshark_reads_crafted_capture():
    path = os.path.join(TMP, "quic.pcap")
    frames = handshake_capture(path)
    rows = tshark(path, ["frame.number", "quic.long.packet_type", "tls.handshake.type",
                         "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
                         "quic.cc.error_code", "quic.decryption_failed"])
    by_frame = {int(r[0]): r for r in rows}
    if sorted(by_frame) != sorted(frames.values()):
        raise AssertionError("tshark saw QUIC in frames %s" % sorted(by_frame))
    done = by_frame[frames["first"]]          # the second piece sent first: done here
    if done[2] != "1" or done[3] != "quic.example" or done[4] != "h3":
        raise AssertionError("ClientHello as tshark reads it: %s" % done)
    if by_frame[frames["sh"]][2] != "2":
        raise AssertionError("ServerHello as tshark reads it: %s" % by_frame[frames["sh"]])
    if int(by_frame[frames["close"]][5], 0) != 0x128:
        raise AssertionError("CONNECTION_CLOSE as tshark reads it: %s" % by_frame[frames["close"]])
    if any(r[6] for r in rows):
        raise AssertionError("tshark failed to decrypt: %s" % rows)


@test
def tshark_reads_v2_retry_and_vn():
    """A v2 client Initial over IPv6, then (v1) Version Negotiation and
    Retry: tshark 4.0 reads v2 Initials but not v2 Retries, and does not
    check Retry tags (rfc_retry_bytes does, against the RFCs)."""
    path = os.path.join(TMP, "retry.pcap")
    p = pg.Pcap()
    ep = qg.Endpoints(p, v6=True, cip=bytes(15) + b"\x01", sip=bytes(15) + b"\x02")
    dcid, cscid, sscid = bytes(range(8)), b"\xc1", b"\x51\x52\x53\x54"
    ck, _ = qg.initial_keys(dcid, qg.V2)
    ch = pg.client_hello(sni=b"v2.example", versions=(0x0304,), suites=(0x1301,))
    ep.send(True, qg.initial(ck, dcid, cscid, 0, qg.crypto_frame(0, ch), qg.V2, min_size=1200))
    ep.send(False, qg.version_negotiation(cscid, dcid, [qg.V2, 0x1a2a3a4a]))
    ep.send(False, qg.retry(cscid, sscid, b"tok", dcid, qg.V1))
    p.write(path)
    rows = tshark(path, ["frame.number", "quic.version", "tls.handshake.extensions_server_name",
                         "quic.supported_version", "quic.retry_token"])
    if len(rows) != 3 or rows[0][1] != "0x6b3343cf" or rows[0][2] != "v2.example":
        raise AssertionError("tshark: %s" % rows)
    if rows[1][3] != "0x6b3343cf,0x1a2a3a4a" or rows[2][4] != "746f6b":
        raise AssertionError("tshark: %s" % rows)


sys.exit(run("quicgen", TMP))
