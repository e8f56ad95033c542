#!/usr/bin/env python3
"""tshark_facts.py - what tshark sees of every TLS connection in a capture.

Usage:
    tshark_facts.py [options] FILE...

Prints one JSON object per TCP connection that tshark shows carrying a TLS
handshake or alert record, in exactly the format of the corpus oracle
(../shared/corpus/ORACLE.jsonl; see the corpus README, section "Fields").
The "file" member is the path as given on the command line.

tshark is run with the oracle's options (TCP and TLS reassembly on, the
oracle's field list).  Per capture, extra tshark options and a key log can
come from tables in the corpus format:

    --options-tsv T   capture<TAB>tshark options<TAB>why   (e.g. -d tcp.port==80,tls)
    --keylogs-tsv T   capture<TAB>keylog path<TAB>origin   ("embedded-dsb": none needed)

Capture and keylog paths in a table are relative to the table's folder.
--tshark-opt and --keylog apply to every file.  To rebuild the oracle's view
of one corpus file:

    cd ../shared/corpus && tshark_facts.py --options-tsv OPTIONS.tsv \\
        --keylogs-tsv KEYLOGS.tsv captures/zeek/tls__hrr.pcap

The tshark binary is $TSHARK, else "tshark".  Exit status: 0, or 1 when
tshark could not be started or a file does not exist.  tshark complaining
about a damaged file is not an error: what it dissected up to the damage is
used, as the oracle does.
"""

import argparse
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys

# The oracle's tshark field list.  The order is the column order below.
FIELDS = [
    ("number", "frame.number"),
    ("stream", "tcp.stream"),
    ("src", "_ws.col.Source"),
    ("dst", "_ws.col.Destination"),
    ("sport", "tcp.srcport"),
    ("dport", "tcp.dstport"),
    ("ctype", "tls.record.content_type"),
    ("rver", "tls.record.version"),
    ("htype", "tls.handshake.type"),
    ("hver", "tls.handshake.version"),
    ("supver", "tls.handshake.extensions.supported_version"),
    ("sni", "tls.handshake.extensions_server_name"),
    ("suite", "tls.handshake.ciphersuite"),
    ("spec", "tls.handshake.cipherspec"),
    ("alpn", "tls.handshake.extensions_alpn_str"),
    ("alevel", "tls.alert_message.level"),
    ("adesc", "tls.alert_message.desc"),
    ("random", "tls.handshake.random"),
    ("cert", "tls.handshake.certificate"),
]
MULTI_SEP = "\x1f"          # joins several values of one field in one frame

# The random of a HelloRetryRequest (RFC 8446, section 4.1.3).
HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

CONTENT_HANDSHAKE = 22
CONTENT_ALERT = 21
HS_CLIENT_HELLO = 1
HS_SERVER_HELLO = 2
HS_CERTIFICATE = 11
SSL2_SERVER_HELLO = 4
# Messages that tell who is who when there is no ClientHello.
TLS_BY_SERVER = frozenset({2, 12, 13, 14})  # ServerHello, ServerKeyExchange,
                                            # CertificateRequest, ServerHelloDone
TLS_BY_CLIENT = frozenset({1, 16})          # ClientHello, ClientKeyExchange
SSL2_BY_SERVER = frozenset({4, 5, 6})       # SERVER-HELLO, -VERIFY, -FINISHED
SSL2_BY_CLIENT = frozenset({1, 2, 3})       # CLIENT-HELLO, -MASTER-KEY, -FINISHED

ALERT_LEVELS = {1: "warning", 2: "fatal"}
ALERT_NAMES = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
    21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
    40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
    43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
    46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
    49: "access_denied", 50: "decode_error", 51: "decrypt_error",
    60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
    80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
    111: "certificate_unobtainable", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
    115: "unknown_psk_identity", 116: "certificate_required",
    120: "no_application_protocol", 121: "ech_required",
}
VERSION_NAMES = {0x0002: "SSL 2.0", 0x0300: "SSL 3.0", 0x0301: "TLS 1.0",
                 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


# ---------------------------------------------------------------- values

def to_ints(values):
    """The values that read as integers (decimal or 0x hex); others dropped."""
    out = []
    for text in values:
        try:
            out.append(int(text, 0))
        except ValueError:
            continue
    return out


def grease(value):
    """True for a GREASE value (RFC 8701): 0x?a?a with both bytes equal."""
    return (value >> 8) == (value & 0xFF) and (value & 0x0F0F) == 0x0A0A


def version_name(value):
    """Oracle name of a protocol version number."""
    if value in VERSION_NAMES:
        return VERSION_NAMES[value]
    high = value >> 8
    if high == 0x7F:
        return "TLS 1.3 draft %d" % (value & 0xFF)
    if high in (0x7E, 0xFB):
        return "TLS 1.3 variant 0x%04x" % value
    return "0x%04x" % value


def version_rank(value):
    """Sort key: known versions by number, 1.3 drafts/variants just above 1.2,
    unknown values below everything."""
    if value in VERSION_NAMES:
        return value
    if (value >> 8) in (0x7E, 0x7F, 0xFB):
        return 0x0303 + (value & 0xFF) / 1000.0
    return -1


def endpoint(addr, port):
    """"ip:port", with IPv6 addresses in brackets."""
    if ":" in addr:
        return "[%s]:%s" % (addr, port)
    return "%s:%s" % (addr, port)


def port_of(ep):
    return int(ep.rsplit(":", 1)[1])


# ------------------------------------------------- certificate common name

def _der_items(data, pos, end):
    """Yield (tag, body_start, body_end) for each DER item in data[pos:end].
    Malformed input raises IndexError (caught by the caller)."""
    while pos < end:
        tag = data[pos]
        first = data[pos + 1]
        pos += 2
        if first < 0x80:
            length = first
        else:
            nbytes = first & 0x7F
            length = int.from_bytes(data[pos:pos + nbytes], "big")
            pos += nbytes
        yield tag, pos, pos + length
        pos += length


def subject_cn(cert_hex):
    """Subject commonName (the last one if several) of a DER certificate
    given in hex, or None when there is none or the DER does not parse."""
    oid_cn = b"\x55\x04\x03"
    try:
        der = bytes.fromhex(cert_hex.replace(":", ""))
        _, start, end = next(_der_items(der, 0, len(der)))       # Certificate
        _, start, end = next(_der_items(der, start, end))        # TBSCertificate
        tbs = list(_der_items(der, start, end))
        if tbs and tbs[0][0] == 0xA0:                            # explicit version
            tbs = tbs[1:]
        # serialNumber, signature, issuer, validity, subject
        _, start, end = tbs[4]
        found = None
        for _, rdn_start, rdn_end in _der_items(der, start, end):
            for _, atv_start, atv_end in _der_items(der, rdn_start, rdn_end):
                atv = list(_der_items(der, atv_start, atv_end))
                if len(atv) != 2:
                    continue
                oid, value = atv
                if der[oid[1]:oid[2]] == oid_cn:
                    found = der[value[1]:value[2]].decode("utf-8", "replace")
        return found
    except Exception:           # any malformed DER: no name, like the oracle
        return None


# ------------------------------------------------------------ tshark rows

class Frame:
    """One tshark output row: a frame with at least one TLS record."""

    def __init__(self, cols):
        vals = {}
        for (key, _), text in zip(FIELDS, cols):
            vals[key] = text.split(MULTI_SEP) if text else []
        for key, _ in FIELDS[len(cols):]:
            vals[key] = []
        self.number = int(vals["number"][0])
        self.stream = int(vals["stream"][-1])           # innermost TCP when tunnelled
        src = vals["src"][-1] if vals["src"] else "?"
        dst = vals["dst"][-1] if vals["dst"] else "?"
        self.src = endpoint(src, vals["sport"][-1] if vals["sport"] else "")
        self.dst = endpoint(dst, vals["dport"][-1] if vals["dport"] else "")
        self.ctypes = to_ints(vals["ctype"])
        self.htypes = to_ints(vals["htype"])
        rvers = to_ints(vals["rver"])
        self.sslv2 = bool(rvers) and all(v == 0x0002 for v in rvers)
        self.hvers = [v for v in to_ints(vals["hver"]) if v != 0]
        self.supvers = [v for v in to_ints(vals["supver"]) if not grease(v)]
        self.sni = vals["sni"]
        self.suites = to_ints(vals["suite"])
        self.suites_raw = vals["suite"]
        self.specs = to_ints(vals["spec"])
        self.alpn = vals["alpn"]
        self.alert_levels = to_ints(vals["alevel"])
        self.alert_codes = to_ints(vals["adesc"])
        self.randoms = [r.replace(":", "") for r in vals["random"]]
        self.certs = vals["cert"]

    def has_handshake(self):
        return CONTENT_HANDSHAKE in self.ctypes or (self.sslv2 and bool(self.htypes))


def parse_rows(text):
    """Frames from tshark -T fields output (tab-separated, one row a line)."""
    frames = []
    for line in text.split("\n"):
        if not line:
            continue
        frames.append(Frame(line.split("\t")))
    return frames


# ------------------------------------------------------------ connections

def pick_direction(frames):
    """(client, server, how) for the frames of one TCP stream."""
    for f in frames:
        if HS_CLIENT_HELLO in f.htypes:
            return f.src, f.dst, "client_hello"
    for f in frames:
        sent = set(f.htypes)
        by_server, by_client = ((SSL2_BY_SERVER, SSL2_BY_CLIENT) if f.sslv2
                                else (TLS_BY_SERVER, TLS_BY_CLIENT))
        if sent & by_server:
            return f.dst, f.src, "server_message"
        if sent & by_client:
            return f.src, f.dst, "client_message"
    first_src, first_dst = frames[0].src, frames[0].dst
    if port_of(first_src) > port_of(first_dst):
        return first_src, first_dst, "port_guess"
    return first_dst, first_src, "port_guess"


def new_connection(name, stream, client, server, how):
    return {
        "file": name, "tcp_stream": stream, "client": client, "server": server,
        "direction_from": how,
        "client_hello_frame": None, "client_hello_count": 0, "sni": None,
        "client_max_version": None, "client_legacy_version": None,
        "supported_versions": [], "cipher_suites": [], "alpn": [],
        "server_hello_frame": None, "server_hello_count": 0,
        "hello_retry_request": False, "server_version": None, "cipher": None,
        "alpn_selected": None, "certificate_frames": [], "leaf_cn": None,
        "client_certificate_frames": [], "alerts": [], "handshake_record_frames": 0,
    }


def note_client_hello(conn, f):
    """Facts from the first ClientHello."""
    conn["client_hello_frame"] = f.number
    conn["sni"] = f.sni[0] if f.sni else None
    if f.hvers:
        conn["client_legacy_version"] = version_name(f.hvers[0])
    elif f.sslv2:
        conn["client_legacy_version"] = "SSL 2.0"
    conn["supported_versions"] = [version_name(v) for v in f.supvers]
    offered = f.supvers or f.hvers[:1]
    if offered:
        conn["client_max_version"] = version_name(max(offered, key=version_rank))
    elif f.sslv2:
        conn["client_max_version"] = "SSL 2.0"
    if f.sslv2:
        conn["cipher_suites"] = ["0x%06x" % v for v in f.specs]
    else:
        conn["cipher_suites"] = ["0x%04x" % v for v in f.suites]
    conn["alpn"] = f.alpn


def note_server_hello(conn, f):
    """Facts from a ServerHello (or HelloRetryRequest) until the first real one."""
    if f.supvers:
        version = f.supvers[0]
    elif f.hvers:
        version = f.hvers[0]
    else:
        version = 0x0002 if f.sslv2 else None
    conn["server_hello_frame"] = f.number
    conn["server_version"] = None if version is None else version_name(version)
    if not f.sslv2 and f.suites_raw:
        conn["cipher"] = "0x%04x" % f.suites[0]
    conn["alpn_selected"] = f.alpn[0] if f.alpn else None


def note_alerts(conn, f, sender):
    codes = f.alert_codes
    for i, code in enumerate(codes):
        level = f.alert_levels[i] if i < len(f.alert_levels) else None
        conn["alerts"].append({
            "frame": f.number, "from": sender,
            "level": ALERT_LEVELS.get(level, level),
            "description": ALERT_NAMES.get(code, str(code)),
            "code": code, "encrypted": False})
    # Alert records whose body tshark could not read.
    for _ in range(f.ctypes.count(CONTENT_ALERT) - len(codes)):
        conn["alerts"].append({
            "frame": f.number, "from": sender, "level": None,
            "description": None, "code": None, "encrypted": True})


def build_connection(name, stream, frames):
    """The oracle object for one TCP stream, or None if it has neither a
    handshake nor an alert record (application data only)."""
    client, server, how = pick_direction(frames)
    conn = new_connection(name, stream, client, server, how)
    have_real_server_hello = False
    for f in frames:
        by_client = f.src == client
        if f.has_handshake():
            conn["handshake_record_frames"] += 1
        if by_client and HS_CLIENT_HELLO in f.htypes:
            conn["client_hello_count"] += 1
            if conn["client_hello_frame"] is None:
                note_client_hello(conn, f)
        hello = SSL2_SERVER_HELLO if f.sslv2 else HS_SERVER_HELLO
        if not by_client and hello in f.htypes:
            conn["server_hello_count"] += 1
            retry = HRR_RANDOM in f.randoms
            if retry:
                conn["hello_retry_request"] = True
            # The first real ServerHello wins; an HRR only until one follows.
            if not have_real_server_hello:
                have_real_server_hello = not retry
                note_server_hello(conn, f)
        carries_cert = (HS_CERTIFICATE in f.htypes if not f.sslv2
                        else SSL2_SERVER_HELLO in f.htypes and bool(f.certs))
        if carries_cert:
            if by_client:
                conn["client_certificate_frames"].append(f.number)
            else:
                conn["certificate_frames"].append(f.number)
                if conn["leaf_cn"] is None and f.certs:
                    conn["leaf_cn"] = subject_cn(f.certs[0])
        if CONTENT_ALERT in f.ctypes:
            note_alerts(conn, f, "client" if by_client else "server")
    if conn["handshake_record_frames"] == 0 and not conn["alerts"]:
        return None
    return conn


def connections_from_frames(name, frames):
    """Oracle objects for all streams, in tcp.stream order."""
    streams = {}
    for f in frames:
        streams.setdefault(f.stream, []).append(f)
    out = []
    for stream in sorted(streams):
        conn = build_connection(name, stream, streams[stream])
        if conn is not None:
            out.append(conn)
    return out


# ------------------------------------------------------------ running tshark

def tshark_binary():
    return os.environ.get("TSHARK", "tshark")


def base_command(path, options=(), keylog=None):
    cmd = [tshark_binary(), "-n", "-r", path,
           "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "tls.desegment_ssl_records:TRUE"]
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    cmd += list(options)
    return cmd


def run_tshark(cmd, timeout=None):
    """Run tshark; return (stdout text, stderr text, exit status).
    Raises OSError when tshark cannot be started."""
    env = dict(os.environ, LC_ALL="C")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=timeout, check=False)
    out = proc.stdout.decode("utf-8", "surrogateescape")
    err = proc.stderr.decode("utf-8", "replace")
    return out, err, proc.returncode


def facts(path, name=None, options=(), keylog=None, timeout=None):
    """Oracle objects for one capture.  name is the "file" member (default:
    path).  Returns (connections, problem) where problem is tshark's
    complaint (or None); a damaged file still yields what tshark dissected."""
    cmd = base_command(path, options, keylog)
    cmd += ["-Y", "tls && tcp", "-T", "fields", "-E", "separator=/t",
            "-E", "aggregator=" + MULTI_SEP]
    for _, field in FIELDS:
        cmd += ["-e", field]
    out, err, status = run_tshark(cmd, timeout)
    problem = None
    if status != 0:
        lines = [l for l in err.splitlines() if l.strip() and "Running as user" not in l]
        problem = "tshark exit %d%s" % (status, (": " + lines[0]) if lines else "")
    return connections_from_frames(name if name is not None else path, parse_rows(out)), problem


def segment_details(path, frame_numbers, options=(), timeout=None):
    """TCP facts of some frames, to explain frame-number differences.
    Returns {frame: dict(stream, src, dst, seq, len, retransmission,
    out_of_order, reassembled_in)}, reassembled_in being the set of frames
    where tshark finished reassembling a TCP PDU, TLS record or handshake
    message this frame is part of; frames tshark does not show are absent."""
    if not frame_numbers:
        return {}
    wanted = ", ".join(str(n) for n in sorted(set(frame_numbers)))
    cols = ["frame.number", "tcp.stream", "_ws.col.Source", "_ws.col.Destination",
            "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.len",
            "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
            "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
            "tcp.reassembled_in", "tls.reassembled_in", "tls.handshake.reassembled_in"]
    cmd = base_command(path, options)
    # Two passes: "reassembled in" is known for a segment only after the pass.
    cmd += ["-2", "-Y", "frame.number in {%s}" % wanted, "-T", "fields",
            "-E", "separator=/t", "-E", "aggregator=" + MULTI_SEP]
    for c in cols:
        cmd += ["-e", c]
    out, _, _ = run_tshark(cmd, timeout)
    info = {}
    for line in out.split("\n"):
        if not line:
            continue
        raw = line.split("\t")
        raw += [""] * (len(cols) - len(raw))
        vals = [v.split(MULTI_SEP)[-1] if v else "" for v in raw]
        try:
            num = int(vals[0])
            info[num] = {
                "stream": vals[1],
                "src": endpoint(vals[2], vals[4]), "dst": endpoint(vals[3], vals[5]),
                "seq": int(vals[6]) if vals[6] else None,
                "len": int(vals[7]) if vals[7] else 0,
                "retransmission": any(vals[8:11]),
                "out_of_order": bool(vals[11]),
                "reassembled_in": set(to_ints(MULTI_SEP.join(raw[12:15]).split(MULTI_SEP))),
            }
        except ValueError:
            continue
    return info


# ------------------------------------------------------------ option tables

class Table:
    """A corpus-style TSV (capture<TAB>value<TAB>...) with a header line.
    Capture paths are relative to the table's folder."""

    def __init__(self, path):
        self.folder = os.path.dirname(os.path.abspath(path))
        self.rows = {}
        with open(path, encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                cols = line.rstrip("\n").split("\t")
                if i == 0 or len(cols) < 2 or line.startswith("#"):
                    continue
                key = os.path.normpath(os.path.join(self.folder, cols[0]))
                self.rows.setdefault(key, cols[1])

    def lookup(self, capture):
        return self.rows.get(os.path.normpath(os.path.abspath(capture)))

    def resolve(self, relpath):
        return os.path.join(self.folder, relpath)


def per_file_settings(path, options_table, keylogs_table, common_opts, common_keylog):
    """(tshark options, keylog path or None) for one capture."""
    opts = list(common_opts)
    keylog = common_keylog
    if options_table is not None:
        extra = options_table.lookup(path)
        if extra:
            opts += shlex.split(extra)
    if keylogs_table is not None:
        key = keylogs_table.lookup(path)
        if key and key != "embedded-dsb":
            keylog = keylogs_table.resolve(key)
    return opts, keylog


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Print tshark's view of each TLS connection as ORACLE.jsonl lines.")
    ap.add_argument("files", nargs="+", metavar="FILE")
    ap.add_argument("--options-tsv", metavar="TSV",
                    help="per-capture extra tshark options (OPTIONS.tsv format)")
    ap.add_argument("--keylogs-tsv", metavar="TSV",
                    help="per-capture key logs (KEYLOGS.tsv format)")
    ap.add_argument("--tshark-opt", action="append", default=[], metavar="OPTS",
                    help="extra tshark options for every file, e.g. '-d tcp.port==80,tls'")
    ap.add_argument("--keylog", metavar="FILE", help="key log for every file")
    ap.add_argument("-j", type=int, default=2, metavar="N", help="parallel tshark runs")
    args = ap.parse_args(argv)

    opt_table = Table(args.options_tsv) if args.options_tsv else None
    key_table = Table(args.keylogs_tsv) if args.keylogs_tsv else None
    common = []
    for o in args.tshark_opt:
        common += shlex.split(o)

    def one(path):
        if not os.path.isfile(path):
            return [], "no such file"
        opts, keylog = per_file_settings(path, opt_table, key_table, common, args.keylog)
        return facts(path, options=opts, keylog=keylog)

    status = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        try:
            results = list(pool.map(one, args.files))
        except OSError as e:
            print("tshark_facts: cannot run %s: %s" % (tshark_binary(), e), file=sys.stderr)
            return 1
    for path, (conns, problem) in zip(args.files, results):
        if problem:
            print("tshark_facts: %s: %s" % (path, problem), file=sys.stderr)
            if problem == "no such file":
                status = 1
        for conn in conns:
            print(json.dumps(conn))
    return status


if __name__ == "__main__":
    sys.exit(main())
