"""pcapedit - rewrite a real capture the way a capturing host reorders it.

tcpdump -i any on a host with GSO/TSO, and span ports, record segments out
of the order they were sent, and often after the peer's ACK for them.  These
helpers take a classic pcap written by `tcpdump -i any` (LINUX_SLL2, IPv4),
cut the client's first flight into MSS-sized segments (as the wire carried
it; GSO hands tcpdump one large packet) and move the second segment after
the server's ACK for the later ones.  Plain struct, no dependencies.
"""
import struct

SLL2_LEN = 20


def read_pcap(path):
    """(24-byte file header, first timestamp in seconds, [frame bytes])."""
    with open(path, "rb") as fh:
        data = fh.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), "little-endian classic pcap expected"
    assert struct.unpack("<I", data[20:24])[0] == 276, "LINUX_SLL2 (tcpdump -i any) expected"
    header, off, frames, first = data[:24], 24, [], None
    while off + 16 <= len(data):
        sec, _frac, incl, _orig = struct.unpack("<IIII", data[off:off + 16])
        first = sec if first is None else first
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return header, first or 0, frames


def write_pcap(path, header, first_sec, frames):
    """Frames 1 ms apart in file order, so time never goes backwards."""
    with open(path, "wb") as fh:
        fh.write(header)
        for i, f in enumerate(frames):
            fh.write(struct.pack("<IIII", first_sec + i // 1000, 1000 * (i % 1000), len(f), len(f)))
            fh.write(f)


class Seg:
    """The TCP view of one SLL2 IPv4 frame."""

    def __init__(self, frame):
        assert struct.unpack("!H", frame[0:2])[0] == 0x0800, "IPv4 expected"
        self.frame = frame
        self.ip = SLL2_LEN
        self.tcp = self.ip + (frame[self.ip] & 0x0f) * 4
        (self.sport, self.dport, self.seq, self.ack,
         off) = struct.unpack("!HHIIB", frame[self.tcp:self.tcp + 13])
        self.flags = frame[self.tcp + 13]
        self.data = self.tcp + (off >> 4) * 4
        self.len = len(frame) - self.data


def _checksum(hdr):
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s > 0xffff:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def split(seg, size):
    """The frame of |seg| cut into segments of at most |size| payload bytes
    (IP length, id and checksum and TCP sequence numbers rewritten; the TCP
    checksum is left alone, as offloading leaves it on loopback anyway)."""
    out = []
    ident = struct.unpack("!H", seg.frame[seg.ip + 4:seg.ip + 6])[0]
    for n, i in enumerate(range(0, seg.len, size)):
        piece = seg.frame[seg.data + i:seg.data + i + size]
        f = bytearray(seg.frame[:seg.data] + piece)
        struct.pack_into("!HH", f, seg.ip + 2, seg.data - seg.ip + len(piece), (ident + n) & 0xffff)
        struct.pack_into("!H", f, seg.ip + 10, 0)
        struct.pack_into("!H", f, seg.ip + 10, _checksum(bytes(f[seg.ip:seg.tcp])))
        struct.pack_into("!I", f, seg.tcp + 4, (seg.seq + i) & 0xffffffff)
        out.append(bytes(f))
    return out


def reorder_first_flight(src, dst, size=500):
    """Writes |dst|: |src| with the client's bytes before the server's first
    data cut into |size|-byte segments s1, s2, s3, ..., captured as s1, s3,
    ..., the server's ACKs, then s2.  Returns the frame number of s2 in
    |dst| (1-based, Wireshark's)."""
    header, first, frames = read_pcap(src)
    segs = [Seg(f) for f in frames]
    client = next(s.sport for s in segs if s.flags & 0x12 == 0x02)
    pre, flight, post = [], [], []
    for s in segs:
        if post or (s.sport != client and s.len > 0):
            post.append(s.frame)
        elif flight or (s.sport == client and s.len > 0):
            flight.append(s)
        else:
            pre.append(s.frame)
    pieces = [p for s in flight if s.sport == client for p in split(s, size)]
    acks = [s for s in flight if s.sport != client]
    assert len(pieces) >= 3 and acks, "the first flight is not long enough to reorder"
    third = Seg(pieces[2])
    assert any(((a.ack - (third.seq + third.len)) & 0xffffffff) < 0x80000000 for a in acks), \
        "no server ACK past the third segment"
    out = pre + [pieces[0]] + pieces[2:] + [a.frame for a in acks] + [pieces[1]] + post
    write_pcap(dst, header, first, out)
    return len(pre) + len(pieces) + len(acks)
