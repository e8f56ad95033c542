"""quicgen - QUIC packets for crafted test captures.

Builds QUIC v1/v2 packets the way a client or server would put them on the
wire, protected with the keys of RFC 9001 5 (Initial keys from the client's
first Destination Connection ID, HKDF-Expand-Label with "quic key/iv/hp" or,
for v2, "quicv2 ..."; AES-128-GCM; AES-ECB header protection): Initial and
Handshake packets around given frames (CRYPTO, CONNECTION_CLOSE, PADDING,
PING, ACK), Retry with its integrity tag, Version Negotiation, and UDP
datagrams in Ethernet/IPv4 or IPv6 frames for tests/lib/pcapgen.py's Pcap.

Uses Debian's python3-cryptography (Makefile DEB_TEST).  Checked against
the RFC's own protected packets by tests/quicgen_test.py.
"""
import hmac
import hashlib
import struct
import subprocess

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pcapgen import ether, ipv4, ipv6

V1 = 0x00000001
V2 = 0x6b3343cf

# RFC 9001 5.2 / RFC 9369 3.3.1 salts; 5.8 / 3.3.3 Retry tag key and nonce.
VERSIONS = {
    V1: {"salt": bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), "label": b"quic",
         "types": {"initial": 0, "0rtt": 1, "handshake": 2, "retry": 3},
         "retry_key": bytes.fromhex("be0c690b9f66575a1d766b54e368c84e"),
         "retry_nonce": bytes.fromhex("461599d35d632bf2239825bb")},
    V2: {"salt": bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), "label": b"quicv2",
         "types": {"initial": 1, "0rtt": 2, "handshake": 3, "retry": 0},
         "retry_key": bytes.fromhex("8fb4b01b56ac48e260fbcbcead7ccc92"),
         "retry_nonce": bytes.fromhex("d86969bc2d7c6d9990efb04a")},
}


# ---- variable-length integers and frames (RFC 9000 16, 19) ----------------

def varint(v, size=None):
    """v as a QUIC varint, in the smallest size unless |size| (1, 2, 4, 8)."""
    if size is None:
        size = 1 if v < 0x40 else 2 if v < 0x4000 else 4 if v < 0x40000000 else 8
    prefix = {1: 0, 2: 1, 4: 2, 8: 3}[size]
    return (v | (prefix << (8 * size - 2))).to_bytes(size, "big")


def crypto_frame(offset, data):
    return b"\x06" + varint(offset) + varint(len(data)) + data


def close_frame(error_code, frame_type=0, reason=b""):
    """CONNECTION_CLOSE 0x1c; a TLS alert A is error_code 0x0100 + A."""
    return b"\x1c" + varint(error_code) + varint(frame_type) + varint(len(reason)) + reason


def app_close_frame(error_code, reason=b""):
    return b"\x1d" + varint(error_code) + varint(len(reason)) + reason


def ack_frame(largest, delay=0, first_range=0):
    return b"\x02" + varint(largest) + varint(delay) + varint(0) + varint(first_range)


def ping_frame():
    return b"\x01"


def handshake_done_frame():
    return b"\x1e"


def transport_parameters(params):
    """quic_transport_parameters extension data from [(id, bytes)]."""
    return b"".join(varint(i) + varint(len(v)) + v for i, v in params)


# ---- keys (RFC 9001 5.1, 5.2) ---------------------------------------------

def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand_label(secret, label, length):
    """HKDF-Expand-Label(secret, label, "", length), RFC 8446 7.1, SHA-256."""
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


class Keys:
    """AES-128-GCM packet protection keys of one direction."""

    def __init__(self, secret, version=V1):
        label = VERSIONS[version]["label"]
        self.key = expand_label(secret, label + b" key", 16)
        self.iv = expand_label(secret, label + b" iv", 12)
        self.hp = expand_label(secret, label + b" hp", 16)

    def nonce(self, pn):
        return bytes(a ^ b for a, b in zip(self.iv, pn.to_bytes(12, "big")))

    def mask(self, sample):
        enc = Cipher(algorithms.AES(self.hp), modes.ECB()).encryptor()
        return enc.update(sample) + enc.finalize()


def initial_keys(dcid, version=V1):
    """(client keys, server keys) from the client's first DCID."""
    initial = hkdf_extract(VERSIONS[version]["salt"], dcid)
    return (Keys(expand_label(initial, b"client in", 32), version),
            Keys(expand_label(initial, b"server in", 32), version))


# ---- packets (RFC 9000 17) -------------------------------------------------

def protect(keys, header, pn_offset, pn, payload):
    """Seals |payload| after |header| (which ends with the packet number at
    |pn_offset|) and applies header protection (RFC 9001 5.3, 5.4)."""
    pn_len = (header[0] & 3) + 1
    sealed = AESGCM(keys.key).encrypt(keys.nonce(pn), payload, header)
    packet = bytearray(header + sealed)
    sample = bytes(packet[pn_offset + 4:pn_offset + 20])
    mask = keys.mask(sample)
    packet[0] ^= mask[0] & (0x0f if packet[0] & 0x80 else 0x1f)
    for i in range(pn_len):
        packet[pn_offset + i] ^= mask[1 + i]
    return bytes(packet)


def long_packet(keys, kind, dcid, scid, pn, frames, version=V1, token=b"", pn_len=4,
                min_size=0):
    """An Initial, 0-RTT or Handshake packet carrying |frames| (bytes),
    padded with PADDING frames to |min_size| bytes on the wire."""
    ptype = VERSIONS[version]["types"][kind]
    first = 0xc0 | (ptype << 4) | (pn_len - 1)
    head = bytes([first]) + version.to_bytes(4, "big") + bytes([len(dcid)]) + dcid + \
        bytes([len(scid)]) + scid
    if kind == "initial":
        head += varint(len(token)) + token
    payload = frames
    # At least 4 bytes of packet number and payload before the sample.
    payload += bytes(max(0, 4 - pn_len - len(payload)))
    length = pn_len + len(payload) + 16
    size = len(head) + 2 + length
    if size < min_size:
        payload += bytes(min_size - size)
        length += min_size - size
    header = head + varint(length, 2) + pn.to_bytes(pn_len, "big")
    return protect(keys, header, len(head) + 2, pn, payload)


def initial(keys, dcid, scid, pn, frames, version=V1, token=b"", pn_len=4, min_size=0):
    return long_packet(keys, "initial", dcid, scid, pn, frames, version, token, pn_len, min_size)


def handshake(keys, dcid, scid, pn, frames, version=V1, pn_len=2):
    return long_packet(keys, "handshake", dcid, scid, pn, frames, version, pn_len=pn_len)


def retry(dcid, scid, token, odcid, version=V1, unused=0x0f):
    """A Retry with its integrity tag over the pseudo-packet (RFC 9001 5.8)."""
    v = VERSIONS[version]
    packet = bytes([0xc0 | (v["types"]["retry"] << 4) | unused]) + version.to_bytes(4, "big") + \
        bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid + token
    pseudo = bytes([len(odcid)]) + odcid + packet
    return packet + AESGCM(v["retry_key"]).encrypt(v["retry_nonce"], b"", pseudo)


def version_negotiation(dcid, scid, versions, first=0x80):
    """RFC 9000 17.2.1: version 0 and the versions the server supports."""
    return bytes([first]) + bytes(4) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + \
        scid + b"".join(v.to_bytes(4, "big") for v in versions)


# ---- UDP datagrams in frames -----------------------------------------------

def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


class Endpoints:
    """A client and a server exchanging UDP datagrams into a pcapgen.Pcap."""

    def __init__(self, pcap, cport=50000, sport=443, cip=(10, 0, 0, 1), sip=(10, 0, 0, 2),
                 v6=False):
        self.p = pcap
        self.cport, self.sport = cport, sport
        self.cip, self.sip = cip, sip
        self.v6 = v6

    def frame(self, from_client, datagram):
        src, dst = (self.cip, self.sip) if from_client else (self.sip, self.cip)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        seg = udp(sp, dp, datagram)
        if self.v6:
            return ether(ipv6(src, dst, seg, nh=17), 0x86dd)
        return ether(ipv4(src, dst, seg, proto=17), 0x0800)

    def send(self, from_client, *packets):
        """One datagram of coalesced |packets|; returns its frame number."""
        return self.p.add(self.frame(from_client, b"".join(packets)))


def tshark_quic(path, fields, extra=()):
    """tshark's |fields| of every QUIC frame of |path| (no key log), one list
    per frame, for the tests that hold crafted captures against it."""
    cmd = ["tshark", "-n", "-r", path, "-o", "tls.keylog_file:", "-Y", "quic",
           "-T", "fields", "-E", "separator=|"] + list(extra)
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("tshark: " + p.stderr.strip())
    return [line.split("|") for line in p.stdout.splitlines()]


def short(keys, dcid, pn, frames, pn_len=2, key_phase=0):
    """A 1-RTT packet (RFC 9000 17.3.1) carrying |frames|."""
    first = 0x40 | (key_phase << 2) | (pn_len - 1)
    payload = frames + bytes(max(0, 4 - pn_len - len(frames)))
    header = bytes([first]) + dcid + pn.to_bytes(pn_len, "big")
    return protect(keys, header, 1 + len(dcid), pn, payload)
