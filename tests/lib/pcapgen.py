"""pcapgen - build small pcap files packet by packet for tests.

Everything here is written for tlsanalyze's tests: Ethernet/IPv4/IPv6/TCP
frames with correct lengths (checksums are left zero: tlsanalyze must not
care), TLS records and a ClientHello/ServerHello/alert builder, so a test
can state exactly which frame carries what and check the tool against it.
"""
import struct

HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def vec24(b):
    return u24(len(b)) + b


def ext(etype, body):
    return u16(etype) + vec16(body)


def sni_ext(name):
    return ext(0, vec16(u8(0) + vec16(name)))


def client_hello(sni=None, suites=(0x1301, 0xc02f, 0x009c), versions=None,
                 legacy=0x0303, alpn=None, extra=b""):
    """A ClientHello handshake message (type + length + body)."""
    exts = b""
    if sni is not None:
        exts += sni_ext(sni)
    if versions:
        exts += ext(43, vec8(b"".join(u16(v) for v in versions)))
    if alpn:
        exts += ext(16, vec16(b"".join(vec8(p) for p in alpn)))
    exts += extra
    body = (u16(legacy) + bytes(32) + vec8(b"") +
            vec16(b"".join(u16(s) for s in suites)) + vec8(b"\x00") + vec16(exts))
    return u8(1) + vec24(body)


def server_hello(suite=0xc02f, version=0x0303, selected=None, random=None):
    exts = b""
    if selected is not None:
        exts += ext(43, u16(selected))
    body = (u16(version) + (random or bytes(range(32))) + vec8(b"") + u16(suite) +
            u8(0) + vec16(exts))
    return u8(2) + vec24(body)


def record(ctype, payload, version=0x0303):
    return u8(ctype) + u16(version) + vec16(payload)


def alert(level, desc, version=0x0303):
    return record(21, bytes([level, desc]), version)


def ipv4(src, dst, payload, proto=6, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0,
                      bytes(src), bytes(dst))
    return hdr + payload


def ipv6(src, dst, payload, nh=6):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64, bytes(src),
                       bytes(dst)) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                       5 << 4, flags, 65535, 0, 0) + payload


def ether(payload, ethertype=0x0800, vlan=None):
    hdr = bytes.fromhex("020000000002") + bytes.fromhex("020000000001")
    if vlan is not None:
        hdr += u16(0x8100) + u16(vlan)
    return hdr + u16(ethertype) + payload


class Pcap:
    """Collects frames; write() emits a classic microsecond pcap."""

    def __init__(self, linktype=1, snaplen=262144):
        self.linktype = linktype
        self.snaplen = snaplen
        self.frames = []       # (ts, bytes, wirelen)
        self.t = 1700000000.0

    def add(self, frame, dt=0.001, wirelen=None):
        self.t += dt
        self.frames.append((self.t, frame, wirelen or len(frame)))
        return len(self.frames)        # Wireshark's frame number

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, self.snaplen,
                                self.linktype))
            for ts, data, wirelen in self.frames:
                sec = int(ts)
                usec = int(round((ts - sec) * 1e6))
                data = data[:self.snaplen]
                f.write(struct.pack("<IIII", sec, usec, len(data), wirelen))
                f.write(data)


class Conn:
    """A TCP connection between a client and a server on IPv4 Ethernet."""

    def __init__(self, pcap, cport=40000, sport=443, cip=(10, 0, 0, 1), sip=(10, 0, 0, 2),
                 cisn=1000, sisn=5000, v6=False, vlan=None):
        self.p = pcap
        self.cport, self.sport = cport, sport
        self.cip, self.sip = cip, sip
        self.cseq, self.sseq = cisn, sisn
        self.v6 = v6
        self.vlan = vlan

    def _frame(self, from_client, seq, ack, flags, payload):
        src, dst = (self.cip, self.sip) if from_client else (self.sip, self.cip)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        seg = tcp(sp, dp, seq, ack, flags, payload)
        if self.v6:
            return ether(ipv6(src, dst, seg), 0x86dd, self.vlan)
        return ether(ipv4(src, dst, seg), 0x0800, self.vlan)

    def handshake(self):
        self.p.add(self._frame(True, self.cseq, 0, SYN, b""))
        self.p.add(self._frame(False, self.sseq, self.cseq + 1, SYN | ACK, b""))
        self.cseq += 1
        self.sseq += 1
        return self.p.add(self._frame(True, self.cseq, self.sseq, ACK, b""))

    def send(self, from_client, payload, flags=PSH | ACK, seq=None, advance=True):
        """One segment; returns its frame number."""
        if from_client:
            s = self.cseq if seq is None else seq
            n = self.p.add(self._frame(True, s, self.sseq, flags, payload))
            if advance and seq is None:
                self.cseq += len(payload)
        else:
            s = self.sseq if seq is None else seq
            n = self.p.add(self._frame(False, s, self.cseq, flags, payload))
            if advance and seq is None:
                self.sseq += len(payload)
        return n

    def frame_bytes(self, from_client, payload, flags=PSH | ACK, seq=None):
        """The bytes of a segment without adding it (for duplicates, reordering)."""
        s = seq if seq is not None else (self.cseq if from_client else self.sseq)
        ack = self.sseq if from_client else self.cseq
        return self._frame(from_client, s, ack, flags, payload)

    def close(self, from_client=True, rst=False):
        if rst:
            return self.send(from_client, b"", RST | ACK)
        a = self.send(from_client, b"", FIN | ACK)
        if from_client:
            self.cseq += 1
        else:
            self.sseq += 1
        self.send(not from_client, b"", FIN | ACK)
        if from_client:
            self.sseq += 1
        else:
            self.cseq += 1
        return a


def write_pcapng(path, linktypes, packets, tsresol=None):
    """A little-endian pcapng: one section, one IDB per link type, then an
    EPB per (interface, seconds, bytes) in |packets|."""
    def block(btype, body):
        body += bytes((4 - len(body) % 4) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for lt in linktypes:
        opts = b""
        if tsresol is not None:
            opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
        out += block(1, struct.pack("<HHI", lt, 0, 262144) + opts)
    for if_id, secs, data in packets:
        units = 10 ** (tsresol if tsresol is not None else 6)
        ts = int(round(secs * units))
        out += block(6, struct.pack("<IIIII", if_id, ts >> 32, ts & 0xffffffff, len(data),
                                    len(data)) + data)
    with open(path, "wb") as f:
        f.write(out)


def raw_ipv4_frame(ether_frame):
    """The IPv4 packet inside an Ethernet frame built by ether()."""
    return ether_frame[14:]
