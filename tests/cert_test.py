#!/usr/bin/env python3
"""cert_test.py - certificate chains judged at capture time, on real handshakes.

Builds a throw-away PKI with `openssl req`/`openssl ca` (a root, an
intermediate, a second "other" root, and leaves that are healthy, expired,
not yet valid, for the wrong name, wildcard, IP SAN, CN only, SHA-1,
self-signed (also made by `openssl req -x509` with a server profile and
by keytool, as operators make them), clientAuth only, expiring soon, expiring seconds after the
capture), serves each with `openssl s_server` on 127.0.0.1 (TLS 1.2, so the
certificates are in clear), connects with `openssl s_client` verifying as a
client does, captures everything with one tcpdump on lo, then checks that
tlsanalyze gives each connection exactly the expected chain facts and rule
first.  Also: --ca-file changes the trust verdict, capture-time validity
(a certificate that expired after the capture was made), and the
`openssl verify` command printed with --extract-certs.

Usage: cert_test.py TLSANALYZE.  Needs root (tcpdump on lo) and openssl;
without them every test is reported as skipped.  Ports 45000-45039.
Every process started is killed by PID at exit.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import schema_check  # noqa: E402  (docs/tlsanalyze.schema.json)

TOOL = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
PORT0 = 45000
PROCS = []
RESULTS = []

# The `openssl ca` configuration shared with samples/make-samples.sh.
CNF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "pki.cnf")


def test_result(name, ok, detail=""):
    RESULTS.append((name, ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))


def sh(*args, env=None, check=True, **kw):
    p = subprocess.run(args, capture_output=True, text=True, env=env, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("failed: %s\n%s%s" % (" ".join(args), p.stdout, p.stderr))
    return p


def start(*args, **kw):
    p = subprocess.Popen(args, **kw)
    PROCS.append(p)
    return p


def cleanup():
    for p in PROCS:
        if p.poll() is None:
            try:
                p.kill()
            except ProcessLookupError:
                pass
            p.wait()


def stamp(dt):
    return dt.strftime("%Y%m%d%H%M%SZ")


class PKI:
    def __init__(self, work):
        self.work = work
        shutil.copy(CNF, os.path.join(work, "ca.cnf"))

    def env(self, cadir, san="DNS:unused.test"):
        e = dict(os.environ)
        e["CADIR"] = os.path.join(self.work, cadir)
        e["SAN"] = san
        e["OPENSSL_CONF"] = "/dev/null"
        return e

    def path(self, name):
        return os.path.join(self.work, name)

    def newca(self, d):
        os.makedirs(self.path(d + "/newcerts"), exist_ok=True)
        open(self.path(d + "/index.txt"), "w").close()
        with open(self.path(d + "/serial"), "w") as f:
            f.write(os.urandom(8).hex() + "\n")

    def csr(self, name, subj, bits=2048):
        sh("openssl", "req", "-new", "-config", self.path("ca.cnf"), "-newkey",
           "rsa:%d" % bits, "-nodes", "-keyout", self.path(name + ".key"),
           "-out", self.path(name + ".csr"), "-subj", subj, env=self.env("."))

    def sign(self, cadir, ext, name, *opts, san="DNS:unused.test"):
        sh("openssl", "ca", "-batch", "-notext", "-config", self.path("ca.cnf"),
           "-extensions", ext, "-in", self.path(name + ".csr"),
           "-out", self.path(name + ".pem"), *opts, env=self.env(cadir, san))

    def root(self, d, subj):
        self.newca(d)
        self.csr(d + "/ca", subj)
        sh("openssl", "ca", "-batch", "-notext", "-config", self.path("ca.cnf"), "-selfsign",
           "-keyfile", self.path(d + "/ca.key"), "-extensions", "v3_root",
           "-in", self.path(d + "/ca.csr"), "-out", self.path(d + "/ca.pem"),
           "-startdate", "20190101000000Z", "-enddate", "20451231235959Z",
           env=self.env(d))

    def intermediate(self, parent, d, subj):
        self.newca(d)
        self.csr(d + "/ca", subj)
        self.sign(parent, "v3_intermediate", d + "/ca", "-startdate", "20190101000000Z",
                  "-enddate", "20401231235959Z")

    def leaf(self, name, subj, issuer="inter", ext="server_leaf", san="DNS:api.test",
             opts=(), bits=2048):
        self.csr(name, subj, bits)
        self.sign(issuer, ext, name, *(opts or ("-days", "825")), san=san)

    def selfsigned(self, name, subj, san):
        sh("openssl", "req", "-x509", "-config", self.path("ca.cnf"), "-newkey", "rsa:2048",
           "-nodes", "-keyout", self.path(name + ".key"), "-out", self.path(name + ".pem"),
           "-subj", subj, "-days", "365", "-addext", "subjectAltName=" + san,
           env=self.env("."))

    def selfsigned_server(self, name, subj, san):
        """openssl req -x509 as in the web's how-tos for a server: CA:FALSE,
        keyUsage without keyCertSign, serverAuth; no configuration file."""
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
           "-keyout", self.path(name + ".key"), "-out", self.path(name + ".pem"),
           "-subj", subj, "-days", "365", "-addext", "subjectAltName=" + san,
           "-addext", "basicConstraints=critical,CA:FALSE",
           "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
           "-addext", "extendedKeyUsage=serverAuth", env=self.env("."))

    def keytool(self, name, dname, san):
        """keytool -genkeypair, then the key and certificate out of the
        PKCS#12 keystore with openssl, as one would to serve them elsewhere."""
        ks = self.path(name + ".p12")
        sh("keytool", "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048",
           "-dname", dname, "-ext", "san=" + san, "-validity", "365", "-storetype", "PKCS12",
           "-keystore", ks, "-storepass", "changeit", "-keypass", "changeit")
        sh("openssl", "pkcs12", "-in", ks, "-passin", "pass:changeit", "-nokeys",
           "-out", self.path(name + ".pem"))
        sh("openssl", "pkcs12", "-in", ks, "-passin", "pass:changeit", "-nocerts", "-nodes",
           "-out", self.path(name + ".key"))

    def cat(self, out, *names):
        with open(self.path(out), "w") as f:
            for n in names:
                with open(self.path(n)) as g:
                    f.write(g.read())


# name, leaf, certificates sent after the leaf, SNI, client options,
# expected outcome, expected rule first (None: no diagnosis of error
# severity; a warning rule is given with "warn:"), expected chain facts.
def scenarios(now):
    soon = stamp(now + timedelta(days=10))
    return [
        ("healthy", "good", ["inter/ca.pem"], "api.test", [], "completed", None,
         {"complete": True, "ordered": True, "trusted": True, "hostname_match": True,
          "hostname_checked": "san", "expired": False, "self_signed_leaf": False,
          "weak": [], "policy": [], "root_sent": False, "extra": [], "missing_issuer": None}),
        ("expired", "expired", ["inter/ca.pem"], "api.test", [], "alert",
         "expired-certificate",
         {"expired": True, "not_yet_valid": False, "trusted": False,
          "verify_error": "certificate has expired", "verify_depth": 0, "complete": True}),
        ("not-yet-valid", "future", ["inter/ca.pem"], "api.test", [], "alert",
         "expired-certificate",
         {"expired": False, "not_yet_valid": True, "trusted": False,
          "verify_error": "certificate is not yet valid"}),
        ("wrong-name", "good", ["inter/ca.pem"], "other.test", [], "alert",
         "hostname-mismatch",
         {"hostname": "other.test", "hostname_match": False, "hostname_checked": "san",
          "trusted": True}),
        ("wildcard-two-labels", "wild", ["inter/ca.pem"], "a.b.wild.test", [], "alert",
         "hostname-mismatch", {"hostname_match": False, "trusted": True}),
        ("wildcard-one-label", "wild", ["inter/ca.pem"], "one.wild.test", [], "completed",
         None, {"hostname_match": True, "trusted": True}),
        ("ip-san", "ipsan", ["inter/ca.pem"], "127.0.0.1", ["-verify_ip", "127.0.0.1"],
         "completed", None, {"hostname_match": True, "hostname_checked": "ip",
                             "trusted": True}),
        ("cn-only", "cnonly", ["inter/ca.pem"], "api.test", [], "completed", None,
         {"hostname_match": True, "hostname_checked": "cn", "trusted": True}),
        ("sha1", "sha1", ["inter/ca.pem"], "api.test", ["-cipher", "DEFAULT:@SECLEVEL=0"],
         "completed", "warn:weak-certificate",
         {"trusted": True, "weak_has": "sha1WithRSAEncryption signature",
          "signature_algorithm": "sha1WithRSAEncryption"}),
        ("self-signed-rejected", "self", [], "api.test", [], "alert", "unknown-certificate",
         {"self_signed_leaf": True, "complete": True, "trusted": False,
          "verify_error": "self-signed certificate", "verify_depth": 0}),
        # Made as operators make them: `openssl req -x509` with a server
        # profile (no keyCertSign), and keytool -genkeypair.  Self-signed
        # all the same, never a missing intermediate.
        ("self-signed-server-profile", "selfsrv", [], "api.test", [], "alert",
         "unknown-certificate",
         {"self_signed_leaf": True, "complete": True, "trusted": False,
          "missing_issuer": None, "verify_error": "self-signed certificate"}),
        ("self-signed-keytool", "selfkt", [], "api.test", [], "alert", "unknown-certificate",
         {"self_signed_leaf": True, "complete": True, "trusted": False,
          "missing_issuer": None, "verify_error": "self-signed certificate"}),
        ("self-signed-accepted", "self", [], "api.test", ["NOVERIFY"], "completed",
         "warn:self-signed-certificate", {"self_signed_leaf": True, "trusted": False}),
        ("missing-intermediate", "good", [], "api.test", [], "alert", "incomplete-chain",
         {"complete": False, "missing_issuer": "CN=Test Intermediate CA,O=tlsanalyze tests",
          "trusted": False, "verify_error": "unable to get local issuer certificate",
          "verify_depth": 0}),
        ("misordered", "good", ["root/ca.pem", "inter/ca.pem"], "api.test", [], "completed",
         "warn:chain-out-of-order",
         {"ordered": False, "complete": True, "root_sent": True, "trusted": True,
          "path_length": 3}),
        ("unrelated-extra", "good", ["inter/ca.pem", "other/ca.pem"], "api.test", [],
         "completed", "warn:chain-out-of-order",
         {"ordered": False, "complete": True, "extra": ["CN=Other Root CA,O=elsewhere"],
          "trusted": True}),
        ("eku-client-only", "clientonly", ["inter/ca.pem"], "api.test", [], "alert",
         "certificate-purpose",
         {"trusted": False, "verify_error": "unsuitable certificate purpose",
          "policy": ["extendedKeyUsage lacks serverAuth"]}),
        ("expires-soon", "soon", ["inter/ca.pem"], "api.test", [], "completed",
         "warn:certificate-expires-soon",
         {"expired": False, "days_left": 9, "trusted": True}),
        ("unknown-ca", "otherleaf", ["otherinter/ca.pem"], "api.test", [], "alert",
         "unknown-certificate",
         {"complete": True, "trusted": False,
          "verify_error": "unable to get local issuer certificate", "verify_depth": 1,
          "verify_subject": "CN=Other Intermediate CA,O=elsewhere"}),
        # A leaf straight from an unknown root, sent alone: from the capture
        # this is indistinguishable from a missing intermediate, unless the
        # root is given with --ca-file (unknown_root_needs_its_ca_file).
        ("unknown-root-direct", "rootleaf", [], "api.test", [], "alert", "incomplete-chain",
         {"complete": False, "missing_issuer": "CN=Other Root CA,O=elsewhere",
          "trusted": False}),
    ], soon


def build_pki(pki, now):
    pki.root("root", "/O=tlsanalyze tests/CN=Test Root CA")
    pki.intermediate("root", "inter", "/O=tlsanalyze tests/CN=Test Intermediate CA")
    pki.root("other", "/O=elsewhere/CN=Other Root CA")
    pki.intermediate("other", "otherinter", "/O=elsewhere/CN=Other Intermediate CA")
    leaves = {
        "good": dict(subj="/O=tlsanalyze tests/CN=api.test"),
        "expired": dict(subj="/CN=api.test", opts=("-startdate", "20200101000000Z",
                                                   "-enddate", "20210101000000Z")),
        "future": dict(subj="/CN=api.test", opts=("-startdate", "20400101000000Z",
                                                  "-enddate", "20410101000000Z")),
        "wild": dict(subj="/CN=*.wild.test", san="DNS:*.wild.test"),
        "ipsan": dict(subj="/CN=loopback", san="IP:127.0.0.1"),
        "cnonly": dict(subj="/CN=api.test", ext="nosan_leaf"),
        "sha1": dict(subj="/CN=api.test", opts=("-days", "825", "-md", "sha1")),
        "clientonly": dict(subj="/CN=api.test", ext="client_only_leaf"),
        "soon": dict(subj="/CN=api.test", opts=("-startdate", stamp(now - timedelta(days=80)),
                                                "-enddate", stamp(now + timedelta(days=10)))),
        "otherleaf": dict(subj="/O=elsewhere/CN=api.test", issuer="otherinter"),
        "rootleaf": dict(subj="/O=elsewhere/CN=api.test", issuer="other"),
    }
    for name, kw in leaves.items():
        pki.leaf(name, **kw)
    pki.selfsigned("self", "/CN=api.test", "DNS:api.test")
    pki.selfsigned_server("selfsrv", "/O=Example Ops/CN=api.test", "DNS:api.test")
    pki.keytool("selfkt", "CN=api.test, OU=Ops, O=Example", "dns:api.test")
    pki.leaf("client", "/O=elsewhere/CN=app-client", issuer="otherinter",
             ext="client_only_leaf", san="DNS:app-client.test")


def wait_for(path, text, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open(path) as f:
                if text in f.read():
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return False


def listening(port):
    """True when 127.0.0.1:port is in LISTEN state (/proc/net/tcp: a probe
    connection would use up the server's only accept)."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want and cols[3] == "0A":
                return True
    return False


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if listening(port):
            return True
        time.sleep(0.05)
    return False


def handshake(pki, port, leaf, sent, sni, client_opts, server_opts=()):
    """One s_server for one connection, one s_client verifying as a client."""
    chain = []
    if sent:
        pki.cat("sent-%d.pem" % port, *sent)
        chain = ["-cert_chain", pki.path("sent-%d.pem" % port)]
    server_opts = list(server_opts)
    if "-cipher" in client_opts:
        server_opts += ["-cipher", "DEFAULT:@SECLEVEL=0"]
    # A client that accepts the certificate goes on to send a request, and
    # then hangs up.  With both stdins at EOF, s_client and s_server race to
    # close right after the handshake, and a client that hangs up first
    # without a byte of data is read, rightly, as one that judged the
    # certificate after the handshake and rejected it: so such a client gets
    # a request to send, and its server an open stdin until the client is done.
    accepts = "NOVERIFY" in client_opts
    srv = start("openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-tls1_2",
                "-cert", pki.path(leaf + ".pem"), "-key", pki.path(leaf + ".key"), *chain,
                *server_opts, "-naccept", "1", "-quiet",
                stdin=subprocess.PIPE if accepts else subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port):
        raise RuntimeError("s_server did not listen on %d" % port)
    verify = [] if accepts else ["-verify_return_error"]
    opts = [o for o in client_opts if o != "NOVERIFY"]
    if "-verify_ip" not in opts:
        opts += ["-verify_hostname", sni]
    cli = start("openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_2",
                "-servername", sni, "-CAfile", pki.path("root/ca.pem"), *verify, *opts,
                stdin=subprocess.PIPE if accepts else subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if accepts:
        cli.stdin.write(b"GET / HTTP/1.0\r\n\r\n")
        cli.stdin.close()
    try:
        cli.wait(timeout=15)
    except subprocess.TimeoutExpired:
        cli.kill()
    if accepts:
        srv.stdin.close()
    try:
        srv.wait(timeout=5)
    except subprocess.TimeoutExpired:
        srv.kill()
        srv.wait()


def analyse(capture, *opts, env=None):
    p = subprocess.run([TOOL, "--format=json", "-j", "1", *opts, capture],
                       capture_output=True, text=True, env=env)
    if p.returncode not in (0, 1):
        raise RuntimeError("tlsanalyze exit %d: %s" % (p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    schema_check.check_document(doc)
    by_port = {}
    for c in doc["captures"][0]["connections"]:
        port = int(c["server"].rsplit(":", 1)[1])
        by_port.setdefault(port, c)
    return by_port


def first_rule(conn, severity):
    for d in conn.get("diagnoses", []):
        if d["severity"] == severity:
            return d["rule"]
    return None


def check_scenario(name, conn, outcome, rule, facts):
    if conn is None:
        return test_result(name, False, "no connection captured")
    problems = []
    if conn["outcome"] != outcome:
        problems.append("outcome %s, expected %s" % (conn["outcome"], outcome))
    errors = [d["rule"] for d in conn.get("diagnoses", []) if d["severity"] == "error"]
    if rule is None or rule.startswith("warn:"):
        if errors:
            problems.append("unexpected error diagnoses %s" % errors)
        if rule is not None and first_rule(conn, "warning") != rule[5:]:
            problems.append("first warning %s, expected %s" % (first_rule(conn, "warning"),
                                                                rule[5:]))
    elif not errors or errors[0] != rule:
        problems.append("first error %s, expected %s" % (errors[:1], rule))
    chain = conn.get("chain") or {}
    for k, v in facts.items():
        if k == "weak_has":
            if not any(v in w for w in chain.get("weak", [])):
                problems.append("weak %s lacks %r" % (chain.get("weak"), v))
        elif k == "days_left":
            if chain.get(k) not in (v, v + 1):
                problems.append("days_left %s, expected %d" % (chain.get(k), v))
        elif chain.get(k) != v:
            problems.append("chain.%s = %r, expected %r" % (k, chain.get(k), v))
    test_result(name, not problems, "; ".join(problems))


def verdicts(by_port):
    return {p: tuple(c["chain"].get(k) for k in ("trusted", "verify_error", "verify_depth"))
            for p, c in by_port.items() if c.get("chain")}


def system_store_reads_what_it_names(work, cap, with_ca, ca, other_ca):
    """The system store is read through its hashed directory (SSL_CERT_DIR
    here), or from the bundle (SSL_CERT_FILE) when the directory has no
    hashed names, or both when SSL_CERT_FILE names another file than the
    bundle: every chain gets the verdict it gets with the same CAs given
    as --ca-file, and trust_store names what was read."""
    def hashed_dir(name, pem):
        d = os.path.join(work, name)
        os.makedirs(d)
        shutil.copy(pem, os.path.join(d, "ca.pem"))
        subprocess.run(["openssl", "rehash", d], check=True, capture_output=True)
        return d
    root_dir = hashed_dir("hashed-root", ca)
    other_dir = hashed_dir("hashed-other", other_ca)
    empty = os.path.join(work, "unhashed")
    os.makedirs(empty)
    both = os.path.join(work, "root-and-other.pem")
    with open(both, "w") as f:
        f.write(open(ca).read() + open(other_ca).read())
    base = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_DIR", "SSL_CERT_FILE")}
    cases = [
        ("hashed_dir", dict(base, SSL_CERT_DIR=root_dir), "system (%s)" % root_dir, with_ca),
        ("bundle_without_hashes", dict(base, SSL_CERT_DIR=empty, SSL_CERT_FILE=ca),
         "system (%s)" % ca, with_ca),
        ("hashed_dir_and_another_file", dict(base, SSL_CERT_DIR=other_dir, SSL_CERT_FILE=ca),
         "system (%s, %s)" % (other_dir, ca), analyse(cap, "--ca-file", both)),
    ]
    for name, env, store, reference in cases:
        want = verdicts(reference)
        got = analyse(cap, env=env)
        stores = {c["chain"]["trust_store"] for c in got.values() if c.get("chain")}
        problems = ["port %d: %r, with --ca-file %r" % (p, v, want.get(p))
                    for p, v in sorted(verdicts(got).items()) if want.get(p) != v]
        if stores != {store}:
            problems.append("trust_store %s, expected %r" % (sorted(stores), store))
        test_result("system_store_" + name, len(want) > 10 and not problems,
                    "; ".join(problems))


def main():
    if os.geteuid() != 0 or not shutil.which("tcpdump") or not shutil.which("openssl"):
        print("cert: skipped (needs root, tcpdump and openssl)")
        print("cert: 0 passed, 0 failed")
        return 0
    work = tempfile.mkdtemp(prefix="tlsa-cert-")
    try:
        return run(work)
    finally:
        cleanup()
        if not os.environ.get("KEEP_WORK"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept " + work)


def run(work):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    pki = PKI(work)
    build_pki(pki, now)
    table, _ = scenarios(now)
    cap = os.path.join(work, "certs.pcap")
    log = os.path.join(work, "tcpdump.log")
    last = PORT0 + len(table) + 2
    with open(log, "w") as lf:
        dump = start("tcpdump", "-i", "lo", "-s", "0", "-B", "65536", "-U", "--immediate-mode", "-w", cap,
                     "tcp portrange %d-%d" % (PORT0, last), stdout=lf, stderr=lf)
    if not wait_for(log, "listening on"):
        raise RuntimeError("tcpdump did not start")
    # First a certificate valid for the capture that expires a few seconds
    # later, so that it has expired when the capture is analysed.
    short_port = PORT0 + len(table)
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=6)
    pki.leaf("shortlived", "/CN=api.test", opts=("-startdate", stamp(now - timedelta(days=1)),
                                                 "-enddate", stamp(expires)))
    handshake(pki, short_port, "shortlived", ["inter/ca.pem"], "api.test", [])
    for i, (name, leaf, sent, sni, copts, *_rest) in enumerate(table):
        handshake(pki, PORT0 + i, leaf, sent, sni, copts)
    # Two-way TLS: the server trusts only the test root for client
    # certificates, the client presents one from the other CA.
    mtls_port = short_port + 1
    handshake(pki, mtls_port, "good", ["inter/ca.pem"], "api.test",
              ["-cert", pki.path("client.pem"), "-key", pki.path("client.key"),
               "-cert_chain", pki.path("otherinter/ca.pem")],
              ["-Verify", "1", "-verify_return_error", "-CAfile", pki.path("root/ca.pem")])
    time.sleep(0.5)
    dump.send_signal(signal.SIGINT)
    dump.wait(timeout=10)

    ca = pki.path("root/ca.pem")
    with_ca = analyse(cap, "--ca-file", ca)
    for i, (name, _leaf, _sent, _sni, _copts, outcome, rule, facts) in enumerate(table):
        check_scenario(name, with_ca.get(PORT0 + i), outcome, rule, facts)

    # --ca-file changes the verdict: without it the system store is used.
    system = analyse(cap)
    h = system.get(PORT0)
    ok = (h is not None and h["chain"]["trusted"] is False
          and h["chain"]["verify_error"] == "unable to get local issuer certificate"
          and h["chain"]["trust_store"].startswith("system (")
          and with_ca[PORT0]["chain"]["trust_store"] == "--ca-file " + ca)
    test_result("ca_file_changes_the_trust_verdict", ok, json.dumps(h and h["chain"]))
    system_store_reads_what_it_names(work, cap, with_ca, ca, pki.path("other/ca.pem"))
    names = [t[0] for t in table]
    other = analyse(cap, "--ca-file", pki.path("other/ca.pem"))
    u = other.get(PORT0 + names.index("unknown-ca"))
    ok = (u is not None and first_rule(u, "error") == "unknown-certificate"
          and u["chain"]["trusted"] is True)
    test_result("unknown_ca_is_trusted_with_its_own_root", ok, json.dumps(u and u["chain"]))
    d = other.get(PORT0 + names.index("unknown-root-direct"))
    ok = (d is not None and first_rule(d, "error") == "unknown-certificate"
          and d["chain"]["complete"] is True and d["chain"]["trusted"] is True)
    test_result("unknown_root_needs_its_ca_file", ok, json.dumps(d and d["chain"]))

    # mTLS: the client's chain, judged with --server-ca-file.
    m = analyse(cap, "--ca-file", ca, "--server-ca-file", ca).get(mtls_port)
    m2 = analyse(cap, "--server-ca-file", pki.path("other/ca.pem")).get(mtls_port)
    cc = (m or {}).get("client_chain") or {}
    ok = (m is not None and first_rule(m, "error") == "unknown-certificate"
          and m["alert"]["receiver"] == "client" and cc.get("from") == "client"
          and cc.get("trusted") is False and cc.get("complete") is True
          and cc.get("verify_error") == "unable to get local issuer certificate"
          and cc.get("policy") == [] and cc.get("hostname_match") is None
          and m["rejected_chain"] == cc
          and m["certificate_request"]["ca_name_list"] == ["CN=Test Root CA,O=tlsanalyze tests"]
          and m2["client_chain"]["trusted"] is True
          and with_ca[mtls_port]["client_chain"]["trusted"] is None)
    test_result("client_chain_judged_with_server_ca_file", ok,
                json.dumps([m and m.get("diagnoses"), cc]))

    # Capture-time validity: the certificate expired after the capture.
    wait = (expires - datetime.now(timezone.utc)).total_seconds() + 1
    if wait > 0:
        time.sleep(wait)
    s = with_ca.get(short_port)
    ext = os.path.join(work, "extracted")
    text = subprocess.run([TOOL, "-v", "--no-color", "-j", "1", "--ca-file", ca,
                           "--extract-certs", ext, cap], capture_output=True, text=True)
    leaf_pem = os.path.join(ext, s["certificates"][0]["sha256"] + ".pem") if s else ""
    now_verify = subprocess.run(["openssl", "verify", "-CAfile", ca, "-untrusted",
                                 pki.path("inter/ca.pem"), leaf_pem],
                                capture_output=True, text=True)
    ok = (s is not None and s["outcome"] == "completed" and s["chain"]["expired"] is False
          and s["chain"]["trusted"] is True and s["chain"]["days_left"] == 0
          and "certificate has expired" in now_verify.stdout + now_verify.stderr)
    test_result("validity_is_judged_at_capture_time", ok,
                json.dumps(s and s["chain"]) + now_verify.stdout + now_verify.stderr)

    # --extract-certs: the printed command verifies (or fails) as the tool said.
    cmds = [l.split("verify by hand: ", 1)[1] for l in text.stdout.splitlines()
            if "verify by hand: " in l]
    healthy = [c for c in cmds if "%s-%d-chain.pem" % ("certs", with_ca[PORT0]["id"]) in c]
    ok = text.returncode == 1 and len(cmds) >= len(table) and len(healthy) == 1
    if ok:
        r = subprocess.run(healthy[0], shell=True, capture_output=True, text=True)
        ok = r.returncode == 0 and r.stdout.strip().endswith(": OK")
        mi = [t[0] for t in table].index("missing-intermediate")
        bad = [c for c in cmds if "certs-%d-chain.pem" % with_ca[PORT0 + mi]["id"] in c]
        r2 = subprocess.run(bad[0], shell=True, capture_output=True, text=True)
        ok = ok and r2.returncode != 0 and \
            "unable to get local issuer certificate" in r2.stdout + r2.stderr
        pems = [f for f in os.listdir(ext) if len(f) == 68 and f.endswith(".pem")]
        distinct = {c["sha256"] for cn in with_ca.values() for c in cn.get("certificates", [])}
        ok = ok and set(f[:-4] for f in pems) == distinct
    test_result("extracted_certificates_verify_with_the_printed_command", ok,
                text.stderr + "\n".join(cmds[:3]))

    passed = sum(1 for _, ok in RESULTS if ok)
    failed = len(RESULTS) - passed
    print("cert: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a broken harness is one failure, not silence
        cleanup()
        print("cert harness error: %s" % e)
        print("cert: %d passed, %d failed" % (sum(1 for _, ok in RESULTS if ok),
                                              1 + sum(1 for _, ok in RESULTS if not ok)))
        sys.exit(1)
