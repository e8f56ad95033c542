#!/usr/bin/env python3
"""decrypt_test.py BINARY - TLS decryption with key logs (issue #8).

Every capture is made now, on loopback, with a test PKI that openssl makes
now: `openssl s_server` answers one connection, `openssl s_client
-keylogfile` (or Python's ssl with keylog_filename) connects, tcpdump
records the TCP port.  Each failure case must get, with the key log, the
rule its TLS 1.2 twin gets (the samples' rules: hostname-mismatch,
expired-certificate, unknown-certificate, client-certificate-missing), and
without it a diagnosis that does not claim what it cannot see.  What
tlsanalyze decrypts is compared with tshark given the same key log.

TCP ports 45100-45199 and 45400-45449 only (others capture on lo at the
same time); every process started is killed by its PID.  Needs root (tcpdump), openssl,
tcpdump, tshark, editcap; without them it says so and counts nothing.
Ends with "decrypt: N passed, N failed".
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import schema_check  # noqa: E402  (docs/tlsanalyze.schema.json)

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
TMP = tempfile.mkdtemp(prefix="tlsa-decrypt-")
PORT_FIRST = 45100
PORT_LAST = 45199
STREAM_PORTS = [45400, 45449]   # the reassembly tests' own range: next is [0]
PIDS = []          # processes still running, killed on exit


def kill_all():
    for p in list(PIDS):
        try:
            p.kill()
            p.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        PIDS.remove(p)


def on_signal(signum, _frame):
    kill_all()
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(128 + signum)


def path(name):
    return os.path.join(TMP, name)


def sh(*cmd, cwd=None, env=None):
    p = subprocess.run(cmd, cwd=cwd or TMP, capture_output=True, timeout=60, env=env)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


# ------------------------------------------------------------------ test PKI

# The `openssl ca` configuration shared with samples/make-samples.sh and
# tests/cert_test.py; CADIR and SAN come from the environment.
PKI_CNF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "pki.cnf")
LEAF_SAN = "DNS:api.example.com, IP:127.0.0.1"


def make_ca(name, cn):
    d = path(name)
    os.makedirs(os.path.join(d, "newcerts"))
    with open(os.path.join(d, "index.txt"), "w"):
        pass
    with open(os.path.join(d, "serial"), "w") as fh:
        fh.write("1000\n")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-subj", "/CN=" + cn,
       "-days", "3650", "-addext", "basicConstraints=critical,CA:true",
       "-addext", "keyUsage=critical,keyCertSign")
    return d


def make_leaf(ca, name, cn, ext, start="20200101000000Z", end="20450101000000Z"):
    sh("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", path(name + ".key"), "-out", path(name + ".csr"),
       "-subj", "/CN=" + cn)
    sh("openssl", "ca", "-batch", "-notext", "-config", PKI_CNF, "-extensions", ext,
       "-in", path(name + ".csr"), "-out", path(name + ".pem"),
       "-startdate", start, "-enddate", end, env=dict(os.environ, CADIR=ca, SAN=LEAF_SAN))


def make_pki():
    ca = make_ca("ca", "tlsanalyze decrypt test root")
    evil = make_ca("evil", "an untrusted root")
    make_leaf(ca, "leaf", "api.example.com", "server_leaf")
    make_leaf(ca, "expired", "api.example.com", "server_leaf", "20200101000000Z",
              "20210101000000Z")
    make_leaf(evil, "evilleaf", "api.example.com", "server_leaf")
    make_leaf(evil, "evilclient", "client.example.com", "client_leaf")


# ---------------------------------------------------------------- captures

NEXT_PORT = [PORT_FIRST]


def next_port():
    port = NEXT_PORT[0]
    if port > PORT_LAST:
        raise RuntimeError("out of test ports")
    NEXT_PORT[0] += 1
    return port


def wait_for(logfile, text, proc, secs=10):
    end = time.time() + secs
    while time.time() < end:
        try:
            with open(logfile, "rb") as fh:
                if text in fh.read():
                    return True
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    return False


def start(cmd, log):
    fh = open(log, "wb")
    p = subprocess.Popen(cmd, cwd=TMP, stdin=subprocess.DEVNULL, stdout=fh,
                         stderr=subprocess.STDOUT)
    fh.close()
    PIDS.append(p)
    return p


def stop(p, secs=5.0):
    end = time.time() + secs
    while p.poll() is None and time.time() < end:
        time.sleep(0.05)
    if p.poll() is None:
        p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    PIDS.remove(p)


def capture(name, server_args, client_cmd, version="-tls1_3"):
    """Runs one handshake on a fresh port and returns (pcap, keylog)."""
    port = next_port()
    pcap, keys = path(name + ".pcap"), path(name + ".keys")
    tcpdump = start(["tcpdump", "-i", "lo", "-s", "0", "-B", "65536", "-U", "--immediate-mode", "-w", pcap,
                     "tcp port %d" % port], path(name + ".tcpdump.log"))
    if not wait_for(path(name + ".tcpdump.log"), b"listening on", tcpdump):
        stop(tcpdump, 0)
        raise RuntimeError("tcpdump did not start")
    server = start(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-naccept", "1",
                    "-WWW", version] + server_args, path(name + ".server.log"))
    if not wait_for(path(name + ".server.log"), b"ACCEPT", server):
        stop(server, 0)
        stop(tcpdump, 0)
        raise RuntimeError("s_server did not start: " + open(path(name + ".server.log")).read())
    cmd = [c.replace("PORT", str(port)).replace("KEYS", keys) for c in client_cmd]
    client = subprocess.Popen(cmd, cwd=TMP, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    PIDS.append(client)
    try:
        client.communicate(b"GET /hello.txt HTTP/1.0\r\n\r\n", timeout=20)
    except subprocess.TimeoutExpired:
        pass
    stop(client, 0)
    stop(server, 3)
    time.sleep(0.3)          # the last FIN/ACK reaches the capture
    tcpdump.send_signal(signal.SIGTERM)
    stop(tcpdump, 5)
    return pcap, keys


def s_client(*args):
    return ["openssl", "s_client", "-connect", "127.0.0.1:PORT", "-ign_eof", "-tls1_3",
            "-CAfile", path("ca/ca.pem"), "-no-CApath", "-no-CAstore", "-verify_return_error",
            "-keylogfile", "KEYS", *args]


PY_CLIENT = r"""
import socket, ssl, sys
port, keys, ca, host = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.keylog_filename = keys
with socket.create_connection(("127.0.0.1", port)) as s:
    try:
        with ctx.wrap_socket(s, server_hostname=host) as t:
            t.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
            t.recv(4096)
    except ssl.SSLError as e:
        print(e)
"""


def py_client(host):
    with open(path("client.py"), "w") as fh:
        fh.write(PY_CLIENT)
    return [sys.executable, path("client.py"), "PORT", "KEYS", path("ca/ca.pem"), host]


GOOD = ["-cert", "leaf.pem", "-key", "leaf.key"]

# name: (server options, client command, rule with keys (None: no error),
#        checks with keys, rule without keys)
SCENARIOS = {
    "ok-aes128gcm": (GOOD + ["-ciphersuites", "TLS_AES_128_GCM_SHA256"],
                     s_client("-servername", "api.example.com",
                              "-ciphersuites", "TLS_AES_128_GCM_SHA256"), None, None),
    "ok-aes256gcm": (GOOD + ["-ciphersuites", "TLS_AES_256_GCM_SHA384"],
                     s_client("-servername", "api.example.com",
                              "-ciphersuites", "TLS_AES_256_GCM_SHA384"), None, None),
    "ok-chacha20": (GOOD + ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
                    s_client("-servername", "api.example.com",
                             "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"), None, None),
    "ok-aes128ccm": (GOOD + ["-ciphersuites", "TLS_AES_128_CCM_SHA256"],
                     s_client("-servername", "api.example.com",
                              "-ciphersuites", "TLS_AES_128_CCM_SHA256"), None, None),
    # The client's key share (X25519) is not one the server takes: HelloRetryRequest.
    "ok-hrr": (GOOD + ["-groups", "P-256"],
               s_client("-servername", "api.example.com", "-groups", "X25519:P-256"),
               None, None),
    "hostname-mismatch": (GOOD, s_client("-servername", "other.example.com",
                                         "-verify_hostname", "other.example.com"),
                          "hostname-mismatch", "unknown-certificate"),
    # Without keys the certificate is hidden: only the (clear) alert is
    # known, and it names the same cause (the summary says what is hidden).
    "expired": (["-cert", "expired.pem", "-key", "expired.key"],
                s_client("-servername", "api.example.com"),
                "expired-certificate", "expired-certificate"),
    # Leaf and root sent, as the TLS 1.2 sample sends its chain (a chain
    # ending on a leaf would be incomplete-chain).
    "unknown-ca": (["-cert", "evilleaf.pem", "-key", "evilleaf.key",
                    "-cert_chain", "evil/ca.pem"],
                   s_client("-servername", "api.example.com"),
                   "unknown-certificate", "unknown-certificate"),
    "client-cert-missing": (GOOD + ["-Verify", "1", "-CAfile", "ca/ca.pem"],
                            s_client("-servername", "api.example.com"),
                            "client-certificate-missing", "client-certificate-missing"),
    # The server does not trust the client's CA: its alert comes after the
    # client's Finished, encrypted; only the keys tell unknown_ca from a
    # missing certificate.
    "client-cert-untrusted": (GOOD + ["-Verify", "1", "-CAfile", "ca/ca.pem",
                                      "-verify_return_error"],
                              s_client("-servername", "api.example.com",
                                       "-cert", "evilclient.pem", "-key", "evilclient.key",
                                       "-cert_chain", "evil/ca.pem"),
                              "unknown-certificate", "client-certificate-missing"),
    "py-hostname-mismatch": (GOOD, py_client("other.example.com"),
                             "hostname-mismatch", "unknown-certificate"),
    "py-ok": (GOOD, py_client("api.example.com"), None, None),
}


# ------------------------------------------------------------------ checks

def analyse(*args):
    p = subprocess.run([BIN, "--format=json", *args], capture_output=True, timeout=120)
    if p.returncode not in (0, 1):
        raise AssertionError("exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
    doc = json.loads(p.stdout)
    schema_check.check_document(doc)
    return doc["captures"][0]["connections"], p.stderr.decode(errors="replace")


def first_error(conn):
    errs = [d["rule"] for d in conn["diagnoses"] if d["severity"] == "error"]
    return errs[0] if errs else None


def tshark_view(pcap, keys):
    """(sha256 of certificates, [(frame, description)] of alerts) as tshark
    decrypts them with |keys|."""
    # Out-of-order segments (loopback captures have them now and then) are
    # reassembled as tlsanalyze does; tshark's default leaves them out.
    out = sh("tshark", "-r", pcap, "-o", "tls.keylog_file:" + keys,
             "-o", "tcp.reassemble_out_of_order:TRUE", "-Y", "tls",
             "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-e", "frame.number",
             "-e", "tls.handshake.certificate", "-e", "tls.alert_message.desc")
    certs, alerts = [], []
    for line in out.splitlines():
        frame, cert, desc = (line.split("|") + ["", ""])[:3]
        for c in filter(None, cert.split(",")):
            certs.append(hashlib.sha256(bytes.fromhex(c.replace(":", ""))).hexdigest())
        for d in filter(None, desc.split(",")):
            alerts.append((int(frame), int(d)))
    return sorted(certs), alerts


def check_scenario(name, pcap, keys, rule_keys, rule_nokeys):
    problems = []
    [conn], _ = analyse("--keylog", keys, pcap)
    dec = conn["decryption"]
    if dec is None or dec["status"] != "decrypted" or dec["records"] == 0:
        problems.append("with keys: decryption %r" % (dec,))
    if first_error(conn) != rule_keys:
        problems.append("with keys: first rule %s, wanted %s" % (first_error(conn), rule_keys))
    certs = conn["certificates"]
    if not certs or not all(c.get("decrypted") for c in certs):
        problems.append("with keys: certificates not decrypted: %r" % certs)
    # Everything decrypted agrees with tshark given the same key log.
    t_certs, t_alerts = tshark_view(pcap, keys)
    mine = sorted(c["sha256"] for c in certs)
    if mine != t_certs:
        problems.append("certificates %s, tshark %s" % (mine, t_certs))
    mine_alerts = [(a["frame"], a["code"]) for a in conn["alerts"] if not a["encrypted"]]
    for a in mine_alerts:
        if a not in t_alerts:
            problems.append("alert %r not in tshark's %r" % (a, t_alerts))
    if rule_keys is None and conn["outcome"] != "completed":
        problems.append("with keys: outcome %s" % conn["outcome"])
    # Without keys: nothing claimed that only keys show.
    [plain], _ = analyse(pcap)
    if plain["decryption"] is not None or plain["certificates"]:
        problems.append("without keys: certificates or decryption %r" % plain["decryption"])
    if first_error(plain) != rule_nokeys:
        problems.append("without keys: first rule %s, wanted %s" % (first_error(plain),
                                                                    rule_nokeys))
    return problems


def test_scenario(name, made):
    pcap, keys = made[name]
    _server, _client, rule_keys, rule_nokeys = SCENARIOS[name]
    return check_scenario(name, pcap, keys, rule_keys, rule_nokeys)


def test_hrr(made):
    pcap, keys = made["ok-hrr"]
    [conn], _ = analyse("--keylog", keys, pcap)
    sh_ = conn["server_hello"]
    problems = []
    if not sh_["hello_retry_request"] or conn["client_hello"]["count"] != 2:
        problems.append("no HelloRetryRequest seen: %r" % sh_)
    return problems


def test_suites(made):
    """Each AEAD is really the one negotiated."""
    want = {"ok-aes128gcm": "0x1301", "ok-aes256gcm": "0x1302", "ok-chacha20": "0x1303",
            "ok-aes128ccm": "0x1304"}
    problems = []
    for name, code in want.items():
        [conn], _ = analyse("--keylog", made[name][1], made[name][0])
        if conn["server_hello"]["cipher_suite_code"] != code:
            problems.append("%s: suite %s" % (name, conn["server_hello"]["cipher_suite_code"]))
    return problems


def test_decrypted_alert(made):
    """certificate_required and unknown_ca come out of the encrypted records."""
    problems = []
    for name, desc in (("client-cert-missing", "certificate_required"),
                       ("client-cert-untrusted", "unknown_ca")):
        [conn], _ = analyse("--keylog", made[name][1], made[name][0])
        got = [(a["from"], a["description"], a.get("decrypted")) for a in conn["alerts"]]
        if ("server", desc, True) not in got:
            problems.append("%s: alerts %r" % (name, got))
        msgs = [m["message"] for m in conn["messages"] if m.get("decrypted")]
        if "CertificateRequest" not in msgs or "Finished" not in msgs:
            problems.append("%s: decrypted messages %r" % (name, msgs))
    return problems


def test_dsb(made):
    """A pcapng with the key log inside (editcap --inject-secrets) needs no --keylog,
    from a file and from standard input."""
    pcap, keys = made["hostname-mismatch"]
    ng = path("dsb.pcapng")
    sh("editcap", "--inject-secrets", "tls," + keys, pcap, ng)
    problems = []
    [conn], _ = analyse(ng)
    if first_error(conn) != "hostname-mismatch" or not conn["certificates"]:
        problems.append("file: %s, %d certificates" % (first_error(conn), len(conn["certificates"])))
    with open(ng, "rb") as fh:
        p = subprocess.run([BIN, "--format=json", "-"], stdin=fh, capture_output=True, timeout=60)
    conn = json.loads(p.stdout)["captures"][0]["connections"][0]
    if first_error(conn) != "hostname-mismatch":
        problems.append("stdin: %s" % first_error(conn))
    return problems


def test_wrong_keys(made):
    """A key log of another capture: 'no key for client random'; a damaged
    secret: 'decryption failed: wrong key'; never a decrypted fact."""
    pcap, keys = made["hostname-mismatch"]
    problems = []
    [conn], _ = analyse("--keylog", made["ok-aes128gcm"][1], pcap)
    if conn["decryption"]["status"] != "no_key" or conn["certificates"] or \
            not any("no key for client random" in w for w in conn["warnings"]):
        problems.append("other key log: %r %r" % (conn["decryption"], conn["warnings"]))
    bad = path("damaged.keys")
    with open(keys) as src, open(bad, "w") as dst:
        for line in src:
            if line.startswith("SERVER_HANDSHAKE_TRAFFIC_SECRET"):
                label, rnd, sec = line.split()
                sec = ("0" if sec[0] != "0" else "1") + sec[1:]
                line = "%s %s %s\n" % (label, rnd, sec)
            dst.write(line)
    [conn], _ = analyse("--keylog", bad, pcap)
    if conn["decryption"]["status"] != "failed" or conn["certificates"] or \
            not any("decryption failed: wrong key" in w for w in conn["warnings"]):
        problems.append("damaged key: %r %r" % (conn["decryption"], conn["warnings"]))
    if first_error(conn) != "unknown-certificate":
        problems.append("damaged key: rule %s" % first_error(conn))
    return problems


def test_keylog_file_errors(made):
    """Bad lines are named with their line number; a missing file is exit 2."""
    pcap, keys = made["ok-aes128gcm"]
    mixed = path("mixed.keys")
    with open(keys) as src, open(mixed, "w") as dst:
        dst.write("# comment\nEXPORTER_SECRET 00 11\nCLIENT_RANDOM nothex nothex\n")
        dst.write(src.read())
    problems = []
    p = subprocess.run([BIN, "--keylog", mixed, pcap], capture_output=True, timeout=60)
    err = p.stderr.decode()
    if p.returncode != 0 or "mixed.keys:3:" not in err or "mixed.keys:2:" in err:
        problems.append("bad line: exit %d, %r" % (p.returncode, err))
    p = subprocess.run([BIN, "--keylog", path("nonexistent.keys"), pcap], capture_output=True,
                       timeout=60)
    if p.returncode != 2 or "nonexistent.keys" not in p.stderr.decode():
        problems.append("missing file: exit %d, %r" % (p.returncode, p.stderr))
    return problems


def test_tls12(made):
    """TLS 1.2: the Finished messages are decrypted (AES-GCM, ChaCha20, AES-CBC with and
    without encrypt_then_mac); the healthy sample stays healthy."""
    problems = []
    for name, suite, _extra in TLS12_CASES:
        pcap, keys = made[name]
        [conn], _ = analyse("--keylog", keys, pcap)
        fins = [m for m in conn["messages"] if m["message"] == "Finished" and m.get("decrypted")]
        if len(fins) != 2 or conn["outcome"] != "completed" or first_error(conn) is not None:
            problems.append("%s (%s): %d decrypted Finished, %s, %s, %r" % (
                name, suite, len(fins), conn["outcome"], first_error(conn), conn["warnings"]))
    return problems


def prf_sha256(secret, label, seed, n):
    """RFC 5246 5: PRF = P_SHA256(secret, label + seed), written here
    independently of tlsanalyze (stdlib hmac)."""
    out, a = b"", label + seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + label + seed, hashlib.sha256).digest()
    return out[:n]


def seal_cbc12(mac_key, key, seq, ctype, plain, iv):
    """RFC 5246 6.2.3.2, MAC then encrypt, TLS_RSA_WITH_AES_128_CBC_SHA;
    AES-CBC by `openssl enc`."""
    hdr = struct.pack("!QBHH", seq, ctype, 0x0303, len(plain))
    data = plain + hmac.new(mac_key, hdr + plain, hashlib.sha1).digest()
    pad = 15 - len(data) % 16
    data += bytes([pad]) * (pad + 1)
    enc = subprocess.run(["openssl", "enc", "-aes-128-cbc", "-K", key.hex(), "-iv", iv.hex(),
                          "-nopad"], input=data, capture_output=True, check=True).stdout
    return iv + enc


def test_tls12_encrypted_alert(made):
    """TLS 1.2: an alert sent after the server's ChangeCipherSpec gets its
    description from the CLIENT_RANDOM master secret (crafted capture, sealed
    by this test with its own PRF and openssl enc)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    import pcapgen as pg
    cr, sr, master = bytes(32), bytes(range(32)), bytes([0x42]) * 48
    kb = prf_sha256(master, b"key expansion", sr + cr, 2 * (20 + 16 + 16))
    cmac, smac, ckey, skey = kb[0:20], kb[20:40], kb[40:56], kb[56:72]
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"e.example", suites=(0x002f,))))
    c.send(False, pg.record(22, pg.server_hello(suite=0x002f)))
    fin = bytes([20, 0, 0, 12]) + bytes(range(12))
    c.send(True, pg.record(20, b"\x01") +
           pg.record(22, seal_cbc12(cmac, ckey, 0, 22, fin, bytes([7]) * 16)))
    n = c.send(False, pg.record(20, b"\x01") +
               pg.record(21, seal_cbc12(smac, skey, 0, 21, bytes([2, 51]), bytes([9]) * 16)))
    c.close(from_client=False)
    pcap, keys = path("tls12-alert.pcap"), path("tls12-alert.keys")
    p.write(pcap)
    with open(keys, "w") as fh:
        fh.write("CLIENT_RANDOM %s %s\n" % (cr.hex(), master.hex()))
    problems = []
    [conn], _ = analyse("--keylog", keys, pcap)
    got = [(a["frame"], a["from"], a["description"], a.get("decrypted")) for a in conn["alerts"]]
    if got != [(n, "server", "decrypt_error", True)]:
        problems.append("alerts %r, warnings %r" % (got, conn["warnings"]))
    if not [m for m in conn["messages"] if m["message"] == "Finished" and m.get("decrypted")]:
        problems.append("client Finished not decrypted: %r" % conn["messages"])
    [plain], _ = analyse(pcap)
    if [a["encrypted"] for a in plain["alerts"]] != [True]:
        problems.append("without keys: %r" % plain["alerts"])
    return problems


def test_encrypted_client_alert_without_keys(made):
    """TLS 1.3, no keys, the client ends after the server's flight with a
    19-byte record: the diagnosis says who, when, how many bytes, and how
    to get keys."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    import pcapgen as pg
    p = pg.Pcap()
    c = pg.Conn(p)
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=b"e.example", versions=(0x0304,))))
    c.send(False, pg.record(22, pg.server_hello(suite=0x1301, selected=0x0304)) +
           pg.record(20, b"\x01") + pg.record(23, bytes(900)))
    n = c.send(True, pg.record(23, bytes(19)))
    c.close(from_client=True)
    pcap = path("tls13-client-alert.pcap")
    p.write(pcap)
    [conn], _ = analyse(pcap)
    problems = []
    d = conn["diagnoses"][0] if conn["diagnoses"] else {}
    text = d.get("summary", "") + " " + d.get("remediation", "")
    if d.get("rule") != "tls13-alert-encrypted":
        problems.append("first rule %s" % d.get("rule"))
    for needle in ("client sent an encrypted alert of 19 bytes (frame %d)" % n,
                   "server_flight", "SSLKEYLOGFILE", "-keylogfile", "jSSLKeyLog",
                   "tlsanalyze --keylog", "unknown_ca"):
        if needle not in text:
            problems.append("%r not in %r" % (needle, text))
    return problems


def tshark_alert_records(pcap, keys=None):
    """[(frame, from, description or None)] of every alert record tshark
    shows (None: encrypted), with |keys| when given."""
    opts = ["-o", "tls.keylog_file:" + keys] if keys else []
    server_port = sh("tshark", "-r", pcap, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                     "-T", "fields", "-e", "tcp.dstport").split()[0]
    out = sh("tshark", "-r", pcap, *opts, "-o", "tcp.reassemble_out_of_order:TRUE",
             "-Y", "tls.record.content_type == 21 || tls.alert_message", "-T", "fields",
             "-E", "separator=|", "-E", "occurrence=a", "-e", "frame.number", "-e", "tcp.srcport",
             "-e", "tcp.dstport", "-e", "tls.record.content_type", "-e", "tls.alert_message.desc")
    found = []
    for line in out.splitlines():
        frame, sport, _dport, ctypes, descs = (line.split("|") + [""] * 4)[:5]
        who = "server" if sport == server_port else "client"
        codes = [int(d) for d in descs.split(",") if d]
        for code in codes:
            found.append((int(frame), who, code))
        clear = len(codes)
        for ct in ctypes.split(","):
            if ct == "21":
                if clear > 0:
                    clear -= 1
                else:
                    found.append((int(frame), who, None))
    return found


def closing(conn):
    return [(a["frame"], a["from"], a["code"]) for a in conn["alerts"]]


HEALTHY13 = ("ok-aes128gcm", "ok-aes256gcm", "ok-chacha20", "ok-aes128ccm", "ok-hrr", "py-ok")


def test_closing_alerts_tls13(made):
    """Issue 13: a healthy TLS 1.3 connection ends with a close_notify pair
    after the handshake.  With the key log each is decrypted (as tshark
    decrypts it); without, each is an encrypted alert recognised by its size
    (19 bytes), in the same frames.  The outcome stays completed with no
    derived alert."""
    problems = []
    for name in HEALTHY13:
        pcap, keys = made[name]
        [conn], _ = analyse("--keylog", keys, pcap)
        theirs = tshark_alert_records(pcap, keys)
        mine = closing(conn)
        if not mine or mine != theirs:
            problems.append("%s with keys: alerts %r, tshark %r" % (name, mine, theirs))
        if not all(a.get("after_handshake") and a.get("decrypted") and
                   a["description"] == "close_notify" for a in conn["alerts"]):
            problems.append("%s with keys: %r" % (name, conn["alerts"]))
        [plain], _ = analyse(pcap)
        got = [(a["frame"], a["from"]) for a in plain["alerts"]
               if a["encrypted"] and a.get("inferred") and a.get("after_handshake")
               and a.get("record_length") == 19]
        if got != [(f, w) for f, w, _ in mine] or len(got) != len(plain["alerts"]):
            problems.append("%s without keys: %r" % (name, plain["alerts"]))
        for c in (conn, plain):
            if c["outcome"] != "completed" or "alert" in c or first_error(c) is not None:
                problems.append("%s: %s, alert %r, %s" % (name, c["outcome"], c.get("alert"),
                                                          first_error(c)))
    return problems


def test_closing_alerts_tls12(made):
    """Issue 13: a healthy TLS 1.2 connection ends with alert records (type
    21) after the ChangeCipherSpec: encrypted without keys, in the frames
    tshark shows them; with the key log decrypted to close_notify (AES-GCM,
    ChaCha20, AES-CBC with and without encrypt_then_mac), as tshark does."""
    problems = []
    for name, _suite, _extra in TLS12_CASES:
        pcap, keys = made[name]
        [plain], _ = analyse(pcap)
        theirs = tshark_alert_records(pcap)
        mine = [(a["frame"], a["from"], None) for a in plain["alerts"]
                if a["encrypted"] and not a.get("inferred") and a.get("after_handshake")]
        if not mine or mine != theirs or len(mine) != len(plain["alerts"]):
            problems.append("%s without keys: alerts %r, tshark %r" % (name, plain["alerts"],
                                                                       theirs))
        [conn], _ = analyse("--keylog", keys, pcap)
        theirs = tshark_alert_records(pcap, keys)
        if closing(conn) != theirs or not all(a.get("decrypted") and a.get("after_handshake")
                                               and a["code"] == 0 for a in conn["alerts"]):
            problems.append("%s with keys: alerts %r, tshark %r" % (name, conn["alerts"], theirs))
        for c in (conn, plain):
            if c["outcome"] != "completed" or "alert" in c:
                problems.append("%s: %s, alert %r" % (name, c["outcome"], c.get("alert")))
    return problems


def test_certificate_required_ends_the_handshake(made):
    """TLS 1.3: the server's certificate_required comes after the client's
    Finished, under application keys; it still ends the handshake: outcome
    alert, rule client-certificate-missing, with and without keys, and it is
    not marked after_handshake.  Its FIN is on the 'closed:' line."""
    pcap, keys = made["client-cert-missing"]
    problems = []
    for args in (("--keylog", keys), ()):
        [conn], _ = analyse(*args, pcap)
        al = conn.get("alert") or {}
        if conn["outcome"] != "alert" or first_error(conn) != "client-certificate-missing":
            problems.append("%r: %s, %s" % (args, conn["outcome"], first_error(conn)))
        if al.get("from") != "server" or any(a.get("after_handshake") for a in conn["alerts"]):
            problems.append("%r: alert %r, alerts %r" % (args, al, conn["alerts"]))
        if args and al.get("description") != "certificate_required":
            problems.append("with keys: %r" % al)
    text = subprocess.run([BIN, "--no-color", "--keylog", keys, pcap], capture_output=True,
                          timeout=60).stdout.decode()
    line = [x for x in text.splitlines() if x.strip().startswith("closed:")]
    if not line or "server fatal certificate_required (decrypted)" not in line[0] or \
            "FIN" not in line[0]:
        problems.append("text: %r" % line)
    return problems


MSS_SERVER = r"""
import socket, ssl, sys
port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# A small MSS in the SYN-ACK: the client's ClientHello takes several segments.
ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
ls.bind(("127.0.0.1", port))
ls.listen(1)
print("ACCEPT", flush=True)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s, _ = ls.accept()
with ctx.wrap_socket(s, server_side=True) as t:
    t.recv(100)
    t.sendall(b"hello\n")
"""


def capture_mss(name):
    """A real handshake on 127.0.0.1 under `tcpdump -i any` (LINUX_SLL2): a
    Python server whose listening socket has TCP_MAXSEG 536, `openssl
    s_client` with a long ALPN list (a ClientHello of about 2.7 KB)."""
    port = STREAM_PORTS[0]
    if port > STREAM_PORTS[1]:
        raise RuntimeError("out of test ports")
    STREAM_PORTS[0] += 1
    pcap = path(name + ".pcap")
    with open(path("mss_server.py"), "w") as fh:
        fh.write(MSS_SERVER)
    tcpdump = start(["tcpdump", "-i", "any", "-s", "0", "-B", "65536", "-U", "--immediate-mode", "-w", pcap,
                     "tcp port %d" % port], path(name + ".tcpdump.log"))
    if not wait_for(path(name + ".tcpdump.log"), b"listening on", tcpdump):
        stop(tcpdump, 0)
        raise RuntimeError("tcpdump did not start")
    server = start([sys.executable, path("mss_server.py"), str(port), "leaf.pem", "leaf.key"],
                   path(name + ".server.log"))
    if not wait_for(path(name + ".server.log"), b"ACCEPT", server):
        stop(server, 0)
        stop(tcpdump, 0)
        raise RuntimeError("server did not start: " + open(path(name + ".server.log")).read())
    alpn = ",".join("protocol-%02d-abcdefghijklmnopqrstuvwxyz" % i for i in range(60))
    client = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                               "-servername", "api.example.com", "-alpn", alpn, "-ign_eof"],
                              cwd=TMP, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    PIDS.append(client)
    try:
        client.communicate(b"GET\n", timeout=20)
    except subprocess.TimeoutExpired:
        pass
    stop(client, 0)
    stop(server, 3)
    time.sleep(0.3)
    tcpdump.send_signal(signal.SIGTERM)
    stop(tcpdump, 5)
    return pcap


def test_late_client_hello_segment(made):
    """Fix for issue 13: a real handshake whose ClientHello spans several
    segments, rewritten so that its second segment is captured after the
    server's ACK for the later ones (as tcpdump -i any with GSO, or a span
    port, records it).  The ClientHello is read, in the frame tshark (with
    out-of-order reassembly) names, with no 'missing' warning."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    import pcapedit
    src = made["mss"]
    dst = path("mss-reordered.pcap")
    late = pcapedit.reorder_first_flight(src, dst)
    problems = []
    for pcap, label in ((src, "as captured"), (dst, "reordered")):
        [conn], _ = analyse(pcap)
        ch = conn["client_hello"]
        out = sh("tshark", "-r", pcap, "-o", "tcp.reassemble_out_of_order:TRUE",
                 "-Y", "tls.handshake.type == 1", "-T", "fields", "-E", "separator=|",
                 "-e", "frame.number", "-e", "tls.handshake.extensions_server_name",
                 "-e", "tls.handshake.extensions.supported_version")
        frame, sni, versions = (out.strip().split("|") + ["", ""])[:3]
        names = {"0x0304": "TLS 1.3", "0x0303": "TLS 1.2", "0x0302": "TLS 1.1",
                 "0x0301": "TLS 1.0"}
        want = [names.get(v, v) for v in versions.split(",") if v]
        if ch is None:
            problems.append("%s: no ClientHello; warnings %r" % (label, conn["warnings"]))
            continue
        if (ch["frame"], ch["sni"], ch["supported_versions"]) != (int(frame), sni, want):
            problems.append("%s: ClientHello %r %r %r, tshark %s %s %r" % (
                label, ch["frame"], ch["sni"], ch["supported_versions"], frame, sni, want))
        if label == "reordered" and ch["frame"] != late:
            problems.append("reordered: ClientHello at frame %d, the late segment is %d"
                            % (ch["frame"], late))
        if any("missing" in w for w in conn["warnings"]) or conn["outcome"] != "completed":
            problems.append("%s: %s, %r" % (label, conn["outcome"], conn["warnings"]))
    return problems


TLS12_CASES = (("tls12-gcm", "ECDHE-ECDSA-AES128-GCM-SHA256", []),
               ("tls12-chacha", "ECDHE-ECDSA-CHACHA20-POLY1305", []),
               ("tls12-cbc", "ECDHE-ECDSA-AES256-SHA", []),
               ("tls12-cbc-noetm", "ECDHE-ECDSA-AES128-SHA256", ["-no_etm"]))


def make_tls12(made):
    for name, suite, extra in TLS12_CASES:
        client = [c for c in s_client("-servername", "api.example.com", "-cipher", suite, *extra)
                  if c != "-tls1_3"] + ["-tls1_2"]
        made[name] = capture_tls12(name, GOOD + ["-cipher", suite], client)


def capture_tls12(name, server_args, client_cmd):
    return capture(name, server_args, client_cmd, "-tls1_2")


SAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples")


def test_samples():
    """Every sample with a key log: decrypted without a wrong key, and the
    same first rule as without keys, except where the keys show more."""
    better = {"hostname-mismatch-tls13.pcap": "hostname-mismatch"}
    problems = []
    for name in sorted(os.listdir(SAMPLES)):
        pcap = os.path.join(SAMPLES, name)
        keys = pcap.rsplit(".", 1)[0] + ".keys"
        if not name.endswith(".pcap") or not os.path.exists(keys):
            continue
        plain, _ = analyse(pcap)
        keyed, _ = analyse("--keylog", keys, pcap)
        for a, b in zip(plain, keyed):
            dec = b["decryption"] or {}
            if a["server_hello"] and dec.get("status") not in ("decrypted", "no_key"):
                problems.append("%s: decryption %r" % (name, dec))
            want = better.get(name, first_error(a))
            if first_error(b) != want or b["outcome"] != a["outcome"]:
                problems.append("%s: %s/%s with keys, %s/%s without" % (
                    name, first_error(b), b["outcome"], first_error(a), a["outcome"]))
    return problems


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    passed = failed = 0
    try:
        problems = test_samples()
    except Exception as e:  # noqa: BLE001
        problems = ["%s: %s" % (type(e).__name__, e)]
    print("%s test_samples" % ("FAIL" if problems else "ok  "))
    for pr in problems:
        print("    " + pr)
    failed += bool(problems)
    passed += not problems
    missing = [t for t in ("openssl", "tcpdump", "tshark", "editcap") if not shutil.which(t)]
    if os.geteuid() != 0 or missing:
        print("decrypt: live captures skipped (needs root and %s)"
              % (", ".join(missing) or "tcpdump on lo"))
        print("decrypt: %d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    made = {}
    try:
        make_pki()
        with open(path("hello.txt"), "w") as fh:
            fh.write("hello\n")
        for name, (server, client, _rk, _rn) in SCENARIOS.items():
            made[name] = capture(name, server, client)
        make_tls12(made)
        made["mss"] = capture_mss("mss")
    except Exception:       # noqa: BLE001 - the set-up failing is one failure
        traceback.print_exc()
        kill_all()
        print("decrypt: %d passed, %d failed" % (passed, failed + 1))
        return 1
    tests = [("scenario " + n, (lambda n=n: test_scenario(n, made))) for n in SCENARIOS]
    tests += [(f.__name__, (lambda f=f: f(made))) for f in
              (test_hrr, test_suites, test_decrypted_alert, test_dsb, test_wrong_keys,
               test_keylog_file_errors, test_tls12, test_tls12_encrypted_alert,
               test_encrypted_client_alert_without_keys, test_late_client_hello_segment,
               test_closing_alerts_tls13, test_closing_alerts_tls12,
               test_certificate_required_ends_the_handshake)]
    for name, fn in tests:
        try:
            problems = fn()
        except Exception as e:  # noqa: BLE001
            problems = ["%s: %s" % (type(e).__name__, e)]
        if problems:
            failed += 1
            print("FAIL %s" % name)
            for pr in problems:
                print("    " + pr)
        else:
            passed += 1
            print("ok   %s" % name)
    kill_all()
    if failed == 0:
        shutil.rmtree(TMP, ignore_errors=True)
    else:
        print("captures kept in " + TMP)
    print("decrypt: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
