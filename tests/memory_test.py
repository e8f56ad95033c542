#!/usr/bin/env python3
"""memory_test.py BINARY - memory must not grow with the capture's size.

Builds, in a temporary directory, a capture holding the connections of
samples/multi.pcap once and the same traffic repeated 50 times (each copy
shifted 60 s later, so every connection has ended before its copy starts),
runs tlsanalyze on both and compares peak RSS (ru_maxrss of the child).
The 50x run must report 50x the connections and stay within 1.5x the RSS.

Then the bound on connections open at once: 200,000 SYNs that are never
answered (tests/stress/gen.py syn) keep --max-connections (65,536) open
at the peak, and the tool must stay under 128 MiB doing it.  The hostile
suite floods the same way with the sanitizer build, whose RSS says
nothing; here the build measured is the one users run.
Ends with "memory: N passed, N failed".
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import synflood  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "samples", "multi.pcap")
COPIES = 50
SYNS = 200000
SYN_RSS_MIB = 128


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), "classic little-endian pcap expected"
    header, off, recs = data[:24], 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        recs.append((sec, frac, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return header, recs


def write_copies(path, header, recs, copies):
    with open(path, "wb") as f:
        f.write(header)
        for r in range(copies):
            for sec, frac, orig, body in recs:
                f.write(struct.pack("<IIII", sec + 60 * r, frac, len(body), orig))
                f.write(body)


def peak_rss_kib(path):
    """Runs the tool; returns (peak RSS in KiB, number of connection lines)."""
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([BIN, "--format=ndjson", path], stdout=out,
                             stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        assert p.returncode in (0, 1), "exit %d" % p.returncode
        out.seek(0)
        lines = sum(1 for line in out if line.startswith(b'{"type":"connection"'))
    return usage.ru_maxrss, lines



def main():
    tmp = tempfile.mkdtemp(prefix="tlsa-mem-")
    passed = failed = 0
    try:
        header, recs = read_pcap(SRC)
        one, many = os.path.join(tmp, "x1.pcap"), os.path.join(tmp, "x50.pcap")
        write_copies(one, header, recs, 1)
        write_copies(many, header, recs, COPIES)
        rss1, n1 = peak_rss_kib(one)
        rss50, n50 = peak_rss_kib(many)
        ratio = rss50 / rss1
        print("x1: %d connections, peak RSS %d KiB; x%d: %d connections, peak RSS %d KiB; "
              "ratio %.2f" % (n1, rss1, COPIES, n50, rss50, ratio))
        checks = [(n1 > 0 and n50 == COPIES * n1, "x50 reports 50x the connections"),
                  (ratio <= 1.5, "peak RSS x50 <= 1.5 x peak RSS x1")]
        rc, rss, cap, err = synflood.run(BIN, SYNS)
        print("%d SYNs: %d connections, %d open at the peak, peak RSS %d MiB"
              % (SYNS, cap.get("tcp_connections", 0), cap.get("peak_open_connections", 0),
                 rss // 1024))
        checks += [(rc == 0, "exit status 0" + ("" if rc == 0 else ", got %d: %s"
                                                   % (rc, err.strip()[-300:]))),
                   (cap.get("tcp_connections") == SYNS, "every SYN is a connection"),
                   (cap.get("peak_open_connections") == 65536,
                    "65536 connections open at the peak (--max-connections)"),
                   (rss < SYN_RSS_MIB * 1024, "peak RSS < %d MiB with them open" % SYN_RSS_MIB)]
        for ok, what in checks:
            print(("ok   " if ok else "FAIL ") + what)
            passed, failed = passed + ok, failed + (not ok)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("memory: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
