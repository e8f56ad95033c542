#!/usr/bin/env python3
"""make-quic-samples.py - the QUIC sample captures, crafted.

No QUIC server or client on Debian 12 fails on demand (OpenSSL 3.0 has no
QUIC, curl is built without HTTP/3), so these two are written packet by
packet with tests/lib/quicgen.py, protected with the Initial keys of RFC
9001 5.2 as a real client and server would.  The same bytes every run.

    python3 samples/make-quic-samples.py [OUTDIR]     (default: samples/)

quic-no-sni.pcap       a QUIC v1 ClientHello without server_name, split over
                       two Initials; the server answers with CONNECTION_CLOSE
                       carrying CRYPTO_ERROR 0x128 (TLS handshake_failure)
quic-no-response.pcap  three client Initials (the ClientHello, then two
                       retransmissions) to UDP 443 that nothing answers
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import pcapgen as pg  # noqa: E402
import quicgen as qg  # noqa: E402


def client_hello(sni):
    tp = qg.transport_parameters([(0x04, qg.varint(1048576)), (0x01, qg.varint(30000)),
                                  (0x0f, b"\xc0\x01")])
    return pg.client_hello(sni=sni, suites=(0x1301, 0x1302, 0x1303), versions=(0x0304,),
                           alpn=(b"h3",), extra=pg.ext(57, tp) + pg.ext(51, pg.vec16(b"")))


def no_sni(path):
    p = pg.Pcap()
    ep = qg.Endpoints(p, cport=51234, cip=(192, 168, 10, 20), sip=(192, 168, 10, 80))
    dcid, cscid, sscid = bytes.fromhex("8394c8f03e515708"), b"\xc0\x01", b"\x5e\x01\x02\x03"
    ck, sk = qg.initial_keys(dcid)
    ch = client_hello(None)
    half = len(ch) // 2
    ep.send(True, qg.initial(ck, dcid, cscid, 0, qg.crypto_frame(0, ch[:half]), min_size=1200))
    ep.send(True, qg.initial(ck, dcid, cscid, 1, qg.crypto_frame(half, ch[half:]),
                             min_size=1200))
    p.add(ep.frame(False, qg.initial(sk, cscid, sscid, 0,
                                     qg.ack_frame(1) + qg.close_frame(0x128, 0x06),
                                     pn_len=2)), dt=0.012)
    p.write(path)


def no_response(path):
    p = pg.Pcap()
    ep = qg.Endpoints(p, cport=60111, cip=(192, 168, 10, 20), sip=(192, 168, 10, 81))
    dcid, cscid = bytes.fromhex("1b8a2f7c9d0e4f61"), b"\xc0\x02"
    ck, _ = qg.initial_keys(dcid)
    ch = client_hello(b"h3.example.com")
    for pn, dt in ((0, 0.001), (1, 0.3), (2, 0.6)):
        p.add(ep.frame(True, qg.initial(ck, dcid, cscid, pn, qg.crypto_frame(0, ch),
                                        min_size=1200)), dt=dt)
    p.write(path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    no_sni(os.path.join(out, "quic-no-sni.pcap"))
    no_response(os.path.join(out, "quic-no-response.pcap"))


if __name__ == "__main__":
    main()
