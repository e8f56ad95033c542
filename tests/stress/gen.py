#!/usr/bin/env python3
"""gen.py - hostile captures written to stdout, for memory measurements.

  gen.py syn N        N SYNs from distinct client ports/addresses, no answer
  gen.py stream BYTES one TCP connection whose client sends BYTES of data in
                      1448-byte segments that never form a TLS handshake
                      (a ClientHello record header claiming 16 KiB, then junk)

The output is a classic pcap (Ethernet, IPv4), made packet by packet, so a
2 GB capture needs no disk: pipe it into `tlsanalyze -`.
"""
import struct
import sys


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    out = sys.stdout.buffer
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    ts = 1700000000
    if kind == "syn":
        for i in range(n):
            src = bytes([10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff])
            tcp = struct.pack("!HHIIBBHHH", 1024 + (i % 60000), 443, i, 0, 5 << 4, 0x02,
                              65535, 0, 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6,
                             0, src, bytes([10, 255, 0, 1])) + tcp
            frame = eth + ip
            usec = i % 1000000
            out.write(struct.pack("<IIII", ts + i // 1000000, usec, len(frame), len(frame)))
            out.write(frame)
    elif kind == "stream":
        seg = 1448
        first = b"\x16\x03\x01\x40\x00\x01" + bytes(seg - 6)
        junk = bytes(range(256)) * (seg // 256 + 1)
        seq, sent, i = 1, 0, 0
        while sent < n:
            payload = first if i == 0 else junk[:seg]
            tcp = struct.pack("!HHIIBBHHH", 40000, 443, seq & 0xffffffff, 1, 5 << 4, 0x18,
                              65535, 0, 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6,
                             0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + tcp
            frame = eth + ip
            out.write(struct.pack("<IIII", ts + i // 100000, (i % 100000) * 10, len(frame),
                                  len(frame)))
            out.write(frame)
            seq += len(payload)
            sent += len(frame) + 16
            i += 1
    else:
        sys.exit("usage: gen.py syn N | stream BYTES")


if __name__ == "__main__":
    main()
