#!/usr/bin/env python3
"""matrix_test.py TLSANALYZE - real clients against real servers (issue 13).

Every cause the seeds teach (protocol mismatch, cipher mismatch, missing SNI,
hostname mismatch, incomplete chain, expired and unknown certificates, a
missing client certificate), a few broken backends, and a healthy handshake
for every client/server pair, made now on loopback by:

  clients  openssl s_client, Python ssl, Java 17 JSSE, gnutls-cli, curl, Node.js tls
  servers  openssl s_server, nginx, Python ssl, Java SSLServerSocket, gnutls-serv,
           raw-socket broken backends (tests/matrix/brokenserver.py)

with certificates made as operators make them (tests/matrix/pki.py).  One
tcpdump -i any (SLL2, as support engineers capture) records the whole run on
ports 45200-45399 and 45500-45699; every case has its own server port, which is how its
connection is found again.  Clients that can log TLS secrets do
(SSLKEYLOGFILE, -keylogfile, keylog_filename, Node's 'keylog' event) and the
capture is read with `tlsanalyze --keylog`; Java cannot, so its TLS 1.3
certificate failures stay encrypted and the honest answer is the rule for
an encrypted alert.

Each cell checks: the outcome, the first diagnosis (an error, the cause's
rule) or no error at all for a healthy pair, a few facts, and that the
connection's facts equal tshark's (tests/golden/compare.py, same key log).
A stack whose program is missing fails its cells (`make check` installs
them).  Prints each failure, the matrix as a Markdown table, and last
"matrix: N passed, N failed".  Needs root (tcpdump).  Every process started
is killed by PID at the end; KEEP_WORK=1 keeps the temporary folder;
ONLY=a,b runs the cells whose "cause | case | server | client" holds a or b.
"""
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # the helpers below leave no __pycache__ in the tree
sys.path.insert(0, os.path.join(HERE, "matrix"))
sys.path.insert(0, os.path.join(HERE, "golden"))
sys.path.insert(0, os.path.join(HERE, "lib"))
import compare       # noqa: E402  (tests/golden: facts against tshark)
import schema_check  # noqa: E402  (tests/lib: docs/tlsanalyze.schema.json)
import pki           # noqa: E402  (tests/matrix)
import stacks        # noqa: E402
import tshark_facts  # noqa: E402

TOOL = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
# Two ranges: 45400-45449 belongs to tests/decrypt_test.py.
PORT_RANGES = [(45200, 45399), (45500, 45699)]
PORTS = [p for first, last in PORT_RANGES for p in range(first, last + 1)]
ALL = stacks.CLIENTS
NO_PY13 = [c for c in ALL if c != "python"]     # Python cannot choose TLS 1.3 suites
HIDDEN = "tls13-alert-encrypted"                # Java logs no keys
ISSUING = "CN=Matrix Ops Issuing CA,O=Matrix Ops"


class Case:
    """One cell: a client stack against one server on its own port."""

    def __init__(self, cause, variant, server, spec, client, job, rule, outcome, facts):
        self.cause, self.variant, self.server = cause, variant, server
        self.spec, self.client, self.job = spec, client, job
        self.rule, self.outcome, self.facts = rule, outcome, facts
        self.port = None
        self.client_said = ""
        self.problems = []

    def row(self):
        v = self.spec.get("version") or "default"
        return (self.cause, self.variant, self.server, v)


def keys_logged(client):
    return client != "java"


def alert(frm, desc):
    return ("alerts~", (frm, desc))


# ---------------------------------------------------------------- the cases

def row(cases, cause, variant, server, spec, clients, rule_for, job=None):
    """One row of the matrix: the same server set-up met by each client.
    rule_for(client) -> (rule, outcome, facts); a rule of None means a
    healthy handshake (no error-severity diagnosis)."""
    for client in clients:
        rule, outcome, facts = rule_for(client)
        j = dict(job or {})
        j.setdefault("version", spec.get("version"))
        cases.append(Case(cause, variant, server, dict(spec), client, j, rule, outcome, facts))


def healthy(version, extra=()):
    want = {None: "TLS 1.3", "1.2": "TLS 1.2", "1.3": "TLS 1.3"}[version]

    def rule_for(client):
        facts = [("server_hello.version", want)]
        if version == "1.2" or keys_logged(client):
            facts += list(extra)
        return None, "completed", facts
    return rule_for


def cert_failure(rule, version, facts, name_check=False):
    """A client rejects the server's certificate: visible in TLS 1.2 and
    with a key log; for Java in TLS 1.3 only the encrypted alert is seen.
    The outcome is what each client really does (see the capture):
    Node.js judges the certificate only after OpenSSL's handshake and then
    just closes (TLS 1.2: after its Finished, so both Finished are there;
    TLS 1.3: before its Finished), and curl checks the host name only
    after a completed handshake; the others alert during the handshake."""
    def rule_for(client):
        if version == "1.3" and not keys_logged(client):
            return HIDDEN, "alert", [("handshake.tls13", True), ("alert.from", "client"),
                                     ("alert.encrypted", True)]
        outcome = "alert"
        if client == "node":
            outcome = "completed" if version == "1.2" else "closed"
        elif client == "curl" and name_check:
            outcome = "completed"
        return rule, outcome, facts
    return rule_for


def fixed(rule, outcome, facts):
    return lambda client: (rule, outcome, facts)


def gnutls_tls13_only(refused):
    """gnutls-serv limited to TLS 1.3 answers a hello without
    supported_versions (every client here but Java, which lists TLS 1.2 in
    it) with handshake_failure, not protocol_version.  From the capture that
    is a hello with no suite the server takes, exactly as a cipher mismatch:
    the honest rule is cipher-mismatch, whose summary names the TLS 1.3-only
    server as the other reading."""
    def rule_for(client):
        if client == "java":
            return refused(client)
        return "cipher-mismatch", "alert", [alert("server", "handshake_failure"),
                                            ("client_hello.max_version", "TLS 1.2"),
                                            ("summary~", "only accepts TLS 1.3")]
    return rule_for


def sni_of(ident):
    return stacks.IDENTITIES[ident]["name"]


def healthy_cases(cases):
    pairs = [("s_server", "ca+root", [("chain.root_sent", True), ("chain.trusted", True)]),
             ("nginx", "wild", [("chain.hostname_match", True), ("chain.trusted", True)]),
             ("python", "keytool", [("chain.self_signed_leaf", True)]),
             ("java", "keytool", [("chain.self_signed_leaf", True)]),
             ("gnutls-serv", "self-profile", [("chain.self_signed_leaf", True)])]
    for server, ident, facts in pairs:
        row(cases, "healthy", ident, server, dict(ident=ident), ALL, healthy(None, facts),
            dict(sni=sni_of(ident)))
    row(cases, "healthy", "self-plain (CN only)", "nginx", dict(ident="self-plain",
                                                                version="1.2"),
        ALL, healthy("1.2", [("chain.self_signed_leaf", True), ("chain.hostname_checked", "cn")]),
        dict(sni="plain.matrix.test"))
    row(cases, "healthy", "ca, over ::1", "s_server", dict(ident="ca", host="::1"),
        ["s_client", "curl"], healthy(None, [("chain.trusted", True)]),
        dict(sni="api.matrix.test", host="::1"))


def protocol_cases(cases):
    for server in ("s_server", "java"):
        row(cases, "protocol mismatch", "client TLS 1.3 only, server TLS 1.2 only", server,
            dict(ident="ca", version="1.2"), ALL,
            fixed("protocol-mismatch", "alert",
                  [alert("server", "protocol_version"), ("server_hello", None),
                   ("client_hello.max_version", "TLS 1.3")]),
            dict(sni="api.matrix.test", version="1.3"))
    refused = fixed("protocol-mismatch", "alert",
                    [alert("server", "protocol_version"), ("server_hello", None),
                     ("client_hello.max_version", "TLS 1.2")])
    row(cases, "protocol mismatch", "client TLS 1.2 only, server TLS 1.3 only", "nginx",
        dict(ident="ca", version="1.3"), ALL, refused,
        dict(sni="api.matrix.test", version="1.2"))
    row(cases, "protocol mismatch", "client TLS 1.2 only, server TLS 1.3 only", "gnutls-serv",
        dict(ident="ca", version="1.3"), ALL, gnutls_tls13_only(refused),
        dict(sni="api.matrix.test", version="1.2"))
    for mode, clients in (("tls10-warning", ALL), ("tls10-fatal", ["s_client", "java", "curl"])):
        level = mode.split("-")[1]
        row(cases, "protocol mismatch", "TLS 1.0-only backend: %s close_notify" % level,
            "broken", dict(mode=mode), clients,
            fixed("protocol-mismatch", "alert",
                  [("handshake.server_record_version", "TLS 1.0"),
                   alert("server", "close_notify"), ("server_hello", None)]),
            dict(sni="api.matrix.test"))


def cipher_cases(cases):
    facts = [alert("server", "handshake_failure"), ("server_hello", None),
             ("client_hello.sni", "api.matrix.test")]
    for server in ("s_server", "java"):
        row(cases, "cipher mismatch", "client AES128-GCM only, server AES256-GCM only", server,
            dict(ident="ca", version="1.2", cipher="aes256gcm"), ALL,
            fixed("cipher-mismatch", "alert", facts),
            dict(sni="api.matrix.test", cipher="aes128gcm"))
    for server in ("nginx", "gnutls-serv"):
        row(cases, "cipher mismatch", "client AES128-GCM only, server AES256-GCM only", server,
            dict(ident="ca", version="1.3", cipher="aes256gcm"), NO_PY13,
            fixed("cipher-mismatch", "alert", facts),
            dict(sni="api.matrix.test", cipher="aes128gcm"))


def sni_cases(cases):
    facts = [("client_hello.sni", None), ("alert.from", "server")]
    row(cases, "missing SNI", "nginx ssl_reject_handshake in the default server", "nginx",
        dict(ident="ca", version="1.3", needsni=True), ALL,
        fixed("missing-sni", "alert", facts), dict(sni=None))
    row(cases, "missing SNI", "sni_callback refuses a hello without a name", "python",
        dict(ident="ca", version="1.2", needsni=True), ALL,
        fixed("missing-sni", "alert", facts), dict(sni=None))
    row(cases, "missing SNI", "proxy resets a hello without a name", "broken",
        dict(mode="reset"), ["s_client", "node"],
        fixed("missing-sni", "reset", [("client_hello.sni", None),
                                       ("handshake.closed_by", "server")]), dict(sni=None))


def hostname_cases(cases):
    facts = [("chain.hostname_match", False), ("client_hello.sni", "other.matrix.test")]
    for server, version in (("s_server", "1.2"), ("java", "1.3")):
        row(cases, "hostname mismatch", "api.matrix.test asked as other.matrix.test", server,
            dict(ident="ca", version=version), ALL,
            cert_failure("hostname-mismatch", version, facts, name_check=True),
            dict(sni="other.matrix.test"))
    row(cases, "hostname mismatch", "*.matrix.test asked as a.b.matrix.test", "nginx",
        dict(ident="wild", version="1.3"), ALL,
        cert_failure("hostname-mismatch", "1.3",
                     [("chain.hostname_match", False), ("client_hello.sni", "a.b.matrix.test")],
                     name_check=True),
        dict(sni="a.b.matrix.test"))


def chain_cases(cases):
    facts = [("chain.complete", False), ("chain.missing_issuer", ISSUING)]
    for server, version in (("s_server", "1.2"), ("gnutls-serv", "1.3")):
        row(cases, "incomplete chain", "leaf sent without its issuing CA", server,
            dict(ident="leaf-only", version=version), ALL,
            cert_failure("incomplete-chain", version, facts), dict(sni="api.matrix.test"))


def expired_cases(cases):
    facts = [("chain.expired", True), ("chain.complete", True)]
    for server, version in (("nginx", "1.2"), ("s_server", "1.3")):
        row(cases, "expired certificate", "leaf valid 2020-01-01 .. 2021-01-01", server,
            dict(ident="expired", version=version), ALL,
            cert_failure("expired-certificate", version, facts), dict(sni="api.matrix.test"))


def unknown_cases(cases):
    self_facts = [("chain.self_signed_leaf", True), ("chain.trusted", False)]
    for server, version, ident, how, name in (
            ("s_server", "1.2", "self-untrusted", "req -x509 -subj /CN=host", "self"),
            ("nginx", "1.3", "self-profile-untrusted", "req -x509 with a server profile",
             "selfp")):
        row(cases, "unknown certificate", "self-signed (%s), not trusted" % how, server,
            dict(ident=ident, version=version), ALL,
            cert_failure("unknown-certificate", version, self_facts),
            dict(sni=name + ".matrix.test"))
    row(cases, "unknown certificate", "keytool -genkeypair, not trusted", "java",
        dict(ident="keytool-untrusted", version="1.2"), ALL,
        cert_failure("unknown-certificate", "1.2", self_facts), dict(sni="jself.matrix.test"))
    row(cases, "unknown certificate", "private CA the client does not trust", "python",
        dict(ident="other-ca", version="1.3"), ["curl", "node", "java"],
        cert_failure("unknown-certificate", "1.3",
                     [("chain.complete", True), ("chain.trusted", False)]),
        dict(sni="api.matrix.test"))


def client_cert_cases(cases):
    # The alert each server sends in TLS 1.3: OpenSSL certificate_required,
    # JSSE bad_certificate.
    said = {"s_server": "certificate_required", "python": "certificate_required",
            "java": "bad_certificate"}

    def rule_for(server, version):
        def f(client):
            if version == "1.2":
                return ("client-certificate-missing", "alert",
                        [("alert.from", "server"), ("client_certificate.certificates", 0)])
            if keys_logged(client):
                return ("client-certificate-missing", "alert", [alert("server", said[server])])
            # Right after the client's Finished: the rule's TLS 1.3 clause.
            return ("client-certificate-missing", "alert",
                    [("alert.from", "server"), ("alert.encrypted", True)])
        return f
    for server, version, clients in (("s_server", "1.2", ALL), ("python", "1.3", ALL),
                                     ("java", "1.3", ALL),
                                     ("gnutls-serv", "1.2", ["s_client", "gnutls-cli", "java"])):
        row(cases, "missing client certificate", "server requires one, client has none",
            server, dict(ident="ca", version=version, clientauth=True), clients,
            rule_for(server, version), dict(sni="api.matrix.test"))


def broken_cases(cases):
    row(cases, "broken backend", "reset right after the ClientHello", "broken",
        dict(mode="reset"), ["python", "java", "curl"],
        fixed("server-reset-after-client-hello", "reset", [("handshake.closed_by", "server")]),
        dict(sni="api.matrix.test"))
    row(cases, "broken backend", "plaintext HTTP on the TLS port", "broken",
        dict(mode="http"), ["s_client", "curl", "node"],
        # The server's FIN may meet the client's answer to the "400": RST.
        fixed("plaintext-to-tls-port", ("closed", "reset"),
              [("handshake.server_protocol", "http"), ("handshake.closed_by", "server")]),
        dict(sni="api.matrix.test"))
    row(cases, "broken backend", "silence: accepts, never answers", "broken",
        dict(mode="silent"), ["python", "curl", "node"],
        fixed("no-server-response", "closed",
              [("handshake.server_bytes", 0), ("handshake.closed_by", "client")]),
        dict(sni="api.matrix.test"))


# ------------------------------------------------ beyond the seeds (issue 18)

def alpn_cases(cases):
    def refused(offered):
        return fixed("alpn-mismatch", "alert", [alert("server", "no_application_protocol"),
                                                 ("client_hello.alpn", offered),
                                                 ("server_hello", None)])
    for server in ("s_server", "java", "gnutls-serv"):
        row(cases, "ALPN mismatch", "HTTP/2-only server, HTTP/1.1-only client", server,
            dict(ident="ca", alpn="h2"), ALL, refused(["http/1.1"]),
            dict(sni="api.matrix.test", alpn="http/1.1"))
    # nginx without http2 serves http/1.1 (and 1.0, 0.9) and refuses the rest.
    row(cases, "ALPN mismatch", "HTTP/1.1 server, h2-only client (gRPC)", "nginx",
        dict(ident="ca"), [c for c in ALL if c != "curl"], refused(["h2"]),
        dict(sni="api.matrix.test", alpn="h2"))
    # TLS 1.2, where the choice is in the ServerHello (1.3 encrypts it).
    row(cases, "ALPN mismatch", "healthy: client offers h2 and http/1.1", "s_server",
        dict(ident="ca", alpn="h2", version="1.2"), [c for c in ALL if c != "curl"],
        healthy("1.2", [("server_hello.alpn", "h2")]),
        dict(sni="api.matrix.test", alpn="h2,http/1.1"))


def unrecognized_name_cases(cases):
    facts = [alert("server", "unrecognized_name"), ("client_hello.sni", "other.matrix.test")]
    for server, spec in (("s_server", dict(sniname="api.matrix.test", snifatal=True)),
                         ("gnutls-serv", dict(sniname="api.matrix.test", snifatal=True)),
                         ("java", dict(sniname="api.matrix.test")),
                         ("python", dict(sniname="api.matrix.test")),
                         ("nginx", dict(needsni=True))):
        row(cases, "unrecognized name", "server knows api.matrix.test, asked other.matrix.test",
            server, dict(ident="ca", **spec), ALL, fixed("unrecognized-name", "alert", facts),
            dict(sni="other.matrix.test"))
    # A warning: the handshake goes on with the default certificate, which
    # covers the name here (*.matrix.test): no error, the warning rule.
    # Java (JSSE), which set the name itself, answers the warning with a
    # fatal handshake_failure: the error.
    def warned(client):
        if client == "java":
            return ("unrecognized-name", "alert",
                    [alert("server", "unrecognized_name"), alert("client", "handshake_failure")])
        return healthy("1.2", [alert("server", "unrecognized_name"),
                               ("rules~", "unrecognized-name-warning")])(client)
    for server in ("s_server", "gnutls-serv"):
        row(cases, "unrecognized name", "warning alert, default certificate covers the name",
            server, dict(ident="wild", version="1.2", sniname="api.matrix.test"), ALL, warned,
            dict(sni="www.matrix.test"))


def fallback_cases(cases):
    # Only openssl s_client can send TLS_FALLBACK_SCSV.  JSSE ignores it, but
    # marks its TLS 1.2 ServerHello random with RFC 8446's downgrade
    # sentinel, which s_client answers with illegal_parameter.
    for server in ("s_server", "nginx", "python", "java", "gnutls-serv"):
        facts = [alert("server", "inappropriate_fallback"), ("server_hello", None)]
        if server == "java":
            facts = [alert("client", "illegal_parameter"),
                     ("server_hello.downgrade_sentinel", "TLS 1.3")]
        row(cases, "inappropriate fallback", "client retries TLS 1.2 with FALLBACK_SCSV",
            server, dict(ident="ca"), ["s_client"],
            fixed("inappropriate-fallback", "alert",
                  facts + [("client_hello.max_version", "TLS 1.2")]),
            dict(sni="api.matrix.test", version="1.2", fallback=True))
    row(cases, "inappropriate fallback", "healthy: FALLBACK_SCSV at the highest version",
        "s_server", dict(ident="ca"), ["s_client"], healthy(None),
        dict(sni="api.matrix.test", fallback=True))


def weak_cert_cases(cases):
    """What each client does by default on Debian 12: OpenSSL at security
    level 2 (s_client, Python, curl) refuses both with bad_certificate;
    GnuTLS refuses SHA-1 only; Node.js (its own defaults) refuses SHA-1
    only, by hanging up; Java 17 accepts both (its disabledAlgorithms stop
    at RSA 1024 and SHA-1 from its own root CAs).  Accepted: no error, the
    weak-certificate warning where the chain is visible."""
    def rule_for(weakness, refusers, version):
        def f(client):
            if client not in refusers:
                extra = [] if version == "1.3" and not keys_logged(client) else \
                    [("rules~", "weak-certificate")]
                return None, "completed", extra
            outcome = "alert"
            if client == "node":
                outcome = "completed" if version == "1.2" else "closed"
            return ("weak-certificate-rejected", outcome,
                    [("chain.trusted", True), ("summary~", weakness)])
        return f
    openssl = ["s_client", "python", "curl"]
    for server, version in (("s_server", "1.2"), ("nginx", "1.3")):
        row(cases, "weak certificate rejected", "RSA 1024-bit leaf, old backend", server,
            dict(ident="weak1024", version=version, legacy=True), ALL,
            rule_for("1024 bits", openssl, version), dict(sni="api.matrix.test"))
    for server, version in (("s_server", "1.2"), ("python", "1.3")):
        row(cases, "weak certificate rejected", "SHA-1-signed leaf, old backend", server,
            dict(ident="sha1", version=version, legacy=True), ALL,
            rule_for("sha1WithRSAEncryption signature", openssl + ["gnutls-cli", "node"], version),
            dict(sni="api.matrix.test"))


def weak_dh_cases(cases):
    """OpenSSL at security level 2 (s_client, Python, curl) refuses a
    1024-bit group with handshake_failure; Java 17, GnuTLS and Node.js
    accept it (no error: the group size is still a fact)."""
    def rule_for(client):
        if client in ("s_client", "python", "curl"):
            return ("weak-dh-rejected", "alert",
                    [("server_key_exchange.dh_bits", 1024), alert("client", "handshake_failure")])
        return None, "completed", [("server_key_exchange.dh_bits", 1024)]
    for server in ("s_server", "nginx"):
        row(cases, "weak DH rejected", "DHE-only backend with 1024-bit DH parameters", server,
            dict(ident="ca", version="1.2", dhparam="dh1024.pem"), ALL, rule_for,
            dict(sni="api.matrix.test"))
    row(cases, "weak DH rejected", "healthy: DHE with ffdhe2048", "s_server",
        dict(ident="ca", version="1.2", dhparam="dh2048.pem"), ALL,
        healthy("1.2", [("server_key_exchange.dh_bits", 2048)]), dict(sni="api.matrix.test"))


def interception_cases(cases):
    for server, version in (("s_server", "1.2"), ("nginx", "1.3")):
        row(cases, "TLS interception", "chain re-signed by a Zscaler-named CA, not trusted",
            server, dict(ident="intercepted", version=version), ALL,
            cert_failure("tls-interception", version,
                         [("chain.trusted", False), ("summary~", "Zscaler")]),
            dict(sni="api.matrix.test"))
    row(cases, "TLS interception", "FortiGate-named CA the clients trust", "s_server",
        dict(ident="intercepted-trusted", version="1.2"), ALL,
        healthy("1.2", [("rules~", "tls-interception-trusted"), ("chain.trusted", True)]),
        dict(sni="api.matrix.test"))


def all_cases():
    cases = []
    for make in (healthy_cases, protocol_cases, cipher_cases, sni_cases, hostname_cases,
                 chain_cases, expired_cases, unknown_cases, client_cert_cases, broken_cases,
                 alpn_cases, unrecognized_name_cases, fallback_cases, weak_cert_cases,
                 weak_dh_cases, interception_cases):
        make(cases)
    if len(cases) > len(PORTS):
        raise RuntimeError("%d cases, more than the %d ports" % (len(cases), len(PORTS)))
    for i, c in enumerate(cases):
        c.port = PORTS[i]
        c.spec.update(port=c.port, host=c.spec.get("host", "127.0.0.1"))
        c.job.update(id=str(c.port), port=c.port, host=c.job.get("host", "127.0.0.1"))
        c.spec.setdefault("ident", None)
    return cases


# ---------------------------------------------------------------- running

def run_process_client(procs, work, case):
    cmd, env = stacks.PROCESS_CLIENTS[case.client](case.job)
    rc = procs.run(cmd, "client-%d.log" % case.port, 15, env=env, stdin_bytes=stacks.REQUEST)
    case.client_said = "exit %s" % rc


def run_batch_client(procs, work, stack, cases, classes):
    jobfile = "%s.jobs" % stack
    with open(os.path.join(work, jobfile), "w") as f:
        for c in cases:
            f.write(stacks.batch_line(stack, c.job))
    procs.run(stacks.batch_cmd(stack, jobfile, classes), "%s-client.log" % stack, 150)
    said = {}
    with open(os.path.join(work, "%s-client.log" % stack), errors="replace") as f:
        for ln in f:
            if ln.startswith("JOB "):
                _, port, rest = ln.rstrip("\n").split(" ", 2)
                said[port] = rest
    for c in cases:
        c.client_said = said.get(str(c.port), "no answer from the %s client" % stack)


def run_clients(procs, work, cases, classes):
    batches = {s: [c for c in cases if c.client == s] for s in ("python", "java", "node")}
    singles = [c for c in cases if c.client in stacks.PROCESS_CLIENTS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=7) as pool:
        futs = [pool.submit(run_batch_client, procs, work, s, cs, classes)
                for s, cs in batches.items() if cs]
        futs += [pool.submit(run_process_client, procs, work, c) for c in singles]
        for f in futs:
            f.result()


def capture(work, cases, classes):
    """Runs every case under one tcpdump; returns (pcap, merged key log)."""
    procs = stacks.Procs(work)
    pcap = os.path.join(work, "matrix.pcap")
    dump = procs.start(["tcpdump", "-i", "any", "-s", "0", "-U", "--immediate-mode",
                        "-B", "65536", "-w", pcap,
                        " or ".join("tcp portrange %d-%d" % r for r in PORT_RANGES)],
                       "tcpdump.log")
    try:
        wait_for(os.path.join(work, "tcpdump.log"), "listening on", dump)
        servers = [(c.server, c.spec) for c in cases if not stacks.missing_programs(c.server)]
        stacks.start_servers(procs, servers, classes)
        missing = stacks.wait_listening([s["port"] for _, s in servers])
        for c in cases:
            if c.port in missing:
                c.problems.append("server did not listen on %d" % c.port)
        runnable = [c for c in cases if not c.problems and not stacks.missing_programs(c.client)
                    and not stacks.missing_programs(c.server)]
        run_clients(procs, work, runnable, classes)
        time.sleep(1)                  # the last FIN/ACKs reach the capture
    finally:
        # Servers first, so that their last packets are captured, then
        # tcpdump with SIGINT so that it flushes the file.
        for p in procs.procs:
            if p is not dump:
                procs.stop(p)
        time.sleep(0.3)
        procs.stop(dump, signal.SIGINT)
        procs.stop_all()
    keys = os.path.join(work, "all.keys")
    with open(keys, "w") as out:
        for c in cases:
            k = c.job.get("keylog")
            if k and os.path.exists(k):
                with open(k) as f:
                    out.write(f.read())
    return pcap, keys


def print_frames(pcap, keys, port, limit=40):
    """A failing cell's packets as tshark lists them, so that a failure seen
    only under CI load can be read from the log afterwards."""
    p = subprocess.run(["tshark", "-n", "-r", pcap, "-o", "tls.keylog_file:" + keys,
                        "-Y", "tcp.port == %d" % port, "-T", "fields", "-e", "frame.number",
                        "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.flags.str",
                        "-e", "tls.record.length", "-e", "_ws.col.Info"],
                       capture_output=True, text=True, timeout=120)
    lines = p.stdout.splitlines()
    for line in lines[:limit]:
        print("       | " + line.replace("\t", "  "))
    if len(lines) > limit:
        print("       | ... %d more" % (len(lines) - limit))


def dropped(work):
    """tcpdump's own count of packets the kernel dropped, when not zero."""
    try:
        with open(os.path.join(work, "tcpdump.log"), errors="replace") as f:
            for line in f:
                if "dropped by kernel" in line and not line.startswith("0 "):
                    return line.strip()
    except OSError:
        pass
    return None


def wait_for(path, text, proc, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        with open(path, errors="replace") as f:
            if text in f.read():
                return
        time.sleep(0.05)
    raise RuntimeError("tcpdump did not start: " + open(path).read())


# ---------------------------------------------------------------- checking

def analyse(pcap, keys, trust):
    p = subprocess.run([TOOL, "--format=json", "-j", "1", "--ca-file", trust, "--keylog", keys,
                        pcap], capture_output=True, text=True, timeout=300)
    if p.returncode not in (0, 1):
        raise RuntimeError("tlsanalyze exit %d: %s" % (p.returncode, p.stderr[-2000:]))
    for marker, _ in compare.SANITIZER_MARKERS:
        if marker in p.stderr:
            raise RuntimeError("tlsanalyze: sanitizer report: " + p.stderr[-3000:])
    doc = json.loads(p.stdout)
    schema_check.check_document(doc)
    return doc["captures"][0]["connections"]


def port_of(endpoint):
    return int(endpoint.rsplit(":", 1)[1])


def tshark_differences(pcap, keys, conns):
    """{server port: [differences]} between tlsanalyze's connections and
    tshark's (same key log), field by field as tests/golden/compare.py."""
    oracle, problem = tshark_facts.facts(pcap, keylog=keys, options=compare.OUT_OF_ORDER_OPT,
                                         timeout=300)
    diffs = {}
    if problem:
        print("tshark: %s" % problem)
    pairs, extras = compare.pair_file(oracle, conns)
    for o, t in pairs:
        port = port_of(o["server"]) if port_of(o["server"]) in PORTS else port_of(o["client"])
        if t is None:
            diffs.setdefault(port, []).append("tshark sees a connection tlsanalyze does not")
            continue
        ov, tv = compare.oracle_values(o), compare.tla_values(t)
        for f in compare.FIELDS:
            if ov[f] != tv[f]:
                diffs.setdefault(port, []).append("%s: tshark %s, tlsanalyze %s"
                                                  % (f, ov[f], tv[f]))
    return diffs


def fact(conn, path):
    cur = conn
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return "<absent>"
        cur = cur[part]
    return cur


def check_facts(conn, facts):
    problems = []
    for path, want in facts:
        if path == "summary~":
            first = (conn.get("diagnoses") or [{}])[0].get("summary") or ""
            if want not in first:
                problems.append("first summary lacks %r: %r" % (want, first))
        elif path == "rules~":
            got = [d["rule"] for d in conn.get("diagnoses") or []]
            if want not in got:
                problems.append("no diagnosis %s in %s" % (want, got))
        elif path == "alerts~":
            got = [(a.get("from"), a.get("description")) for a in conn.get("alerts") or []]
            if want not in got:
                problems.append("no alert %s %s in %s" % (want[0], want[1], got))
        elif fact(conn, path) != want:
            problems.append("%s = %r, expected %r" % (path, fact(conn, path), want))
    return problems


def check(case, conns, diffs):
    if case.problems:
        return
    if stacks.missing_programs(case.client) or stacks.missing_programs(case.server):
        case.problems.append("not installed: %s" % ", ".join(
            stacks.missing_programs(case.client) + stacks.missing_programs(case.server)))
        return
    mine = conns.get(case.port, [])
    if len(mine) != 1:
        case.problems.append("%d connections on port %d, expected 1" % (len(mine), case.port))
        if not mine:
            return
    conn = mine[0]
    errors = [d["rule"] for d in conn.get("diagnoses", []) if d["severity"] == "error"]
    first = conn["diagnoses"][0] if conn.get("diagnoses") else {}
    outcomes = case.outcome if isinstance(case.outcome, tuple) else (case.outcome,)
    if conn["outcome"] not in outcomes:
        case.problems.append("outcome %s, expected %s" % (conn["outcome"], " or ".join(outcomes)))
    if case.rule is None and errors:
        case.problems.append("error diagnoses %s on a healthy handshake" % errors)
    elif case.rule and (first.get("rule") != case.rule or first.get("severity") != "error"):
        case.problems.append("first diagnosis %s (%s), expected %s"
                             % (first.get("rule"), first.get("severity"), case.rule))
    case.problems += check_facts(conn, case.facts)
    case.problems += diffs.get(case.port, [])


def describe(conn):
    """What tlsanalyze said, for a failure report."""
    if conn is None:
        return "no connection"
    alerts = ["%s %s %s%s" % (a["frame"], a["from"], a.get("level"), " " + str(a["description"])
                              if not a["encrypted"] else " encrypted")
              for a in conn.get("alerts") or []]
    dec = conn.get("decryption") or {}
    return "outcome %s, stage %s, diagnoses %s, alerts %s, closed_by %s, decryption %s%s" % (
        conn["outcome"], fact(conn, "handshake.stage"),
        ["%s/%s" % (d["rule"], d["severity"][0]) for d in conn.get("diagnoses", [])],
        alerts, fact(conn, "handshake.closed_by"), dec.get("status"),
        ", warnings %s" % conn["warnings"] if conn.get("warnings") else "")


# ---------------------------------------------------------------- the table

def table(cases):
    rows, seen = [], {}
    for c in cases:
        if c.row() not in seen:
            seen[c.row()] = {}
            rows.append(c.row())
        seen[c.row()][c.client] = "pass" if not c.problems else "**FAIL**"
    out = ["| cause | case | server | TLS | " + " | ".join(ALL) + " |",
           "|---|---|---|---|" + "---|" * len(ALL)]
    for r in rows:
        cells = [seen[r].get(cl, "") for cl in ALL]
        out.append("| %s | %s | %s | %s | %s |" % (r[0], r[1], r[2], r[3], " | ".join(cells)))
    return out


def main():
    # SIGTERM (a timeout around make check) ends through the finally blocks,
    # which kill every process started and remove the temporary folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0 or not shutil.which("tcpdump") or not shutil.which("tshark"):
        print("matrix: needs root, tcpdump and tshark")
        print("matrix: 0 passed, 1 failed")
        return 1
    t0 = time.monotonic()
    work = tempfile.mkdtemp(prefix="tlsa-matrix-")
    try:
        return run(work, t0)
    except Exception as e:   # noqa: BLE001 - a broken harness is one failure, not silence
        import traceback
        traceback.print_exc(file=sys.stdout)
        print("matrix harness error: %s" % e)
        print("matrix: 0 passed, 1 failed")
        return 1
    finally:
        if os.environ.get("KEEP_WORK"):
            print("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(work, t0):
    cases = all_cases()
    only = os.environ.get("ONLY")
    if only:
        # ONLY=a,b: just the cells whose "cause | case | server | client" holds one of them.
        cases = [c for c in cases if any(o in "%s | %s | %s | %s" % (
            c.cause, c.variant, c.server, c.client) for o in only.split(","))]
    pki.make(work)
    os.makedirs(os.path.join(work, "keys"))
    for c in cases:
        if keys_logged(c.client):
            c.job["keylog"] = os.path.join(work, "keys", "%d.keys" % c.port)
    classes = stacks.compile_java(work) if shutil.which("javac") else None
    t1 = time.monotonic()
    pcap, keys = capture(work, cases, classes)
    t2 = time.monotonic()
    conn_list = analyse(pcap, keys, os.path.join(work, stacks.TRUST))
    conns = {}
    for conn in conn_list:
        conns.setdefault(port_of(conn["server"]), []).append(conn)
    diffs = tshark_differences(pcap, keys, conn_list)
    for c in cases:
        check(c, conns, diffs)
    for c in cases:
        if c.problems:
            print("FAIL %s | %s | %s TLS %s | %s (port %d)" % (
                c.cause, c.variant, c.server, c.spec.get("version") or "default", c.client,
                c.port))
            print("     expected %s/%s; tlsanalyze: %s" % (c.rule, "|".join(
                c.outcome if isinstance(c.outcome, tuple) else (c.outcome,)), describe(
                (conns.get(c.port) or [None])[0])))
            print("     client: %s" % c.client_said)
            for p in c.problems:
                print("     - " + p)
            print_frames(pcap, keys, c.port)
    drops = dropped(work)
    if drops:
        print("tcpdump: " + drops)
    print()
    print("\n".join(table(cases)))
    print()
    print("times: certificates and javac %.0fs, capture %.0fs, analysis %.0fs, total %.0fs"
          % (t1 - t0, t2 - t1, time.monotonic() - t2, time.monotonic() - t0))
    passed = sum(1 for c in cases if not c.problems)
    print("matrix: %d passed, %d failed" % (passed, len(cases) - passed))
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
