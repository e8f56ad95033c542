#!/usr/bin/env python3
"""largehello_test.py TLSANALYZE - a ClientHello too large for the path (issue 18).

Large key shares (post-quantum hybrids, big finite-field groups) and long
ALPN lists make a ClientHello that no longer fits in one TCP segment of a
1500-byte path.  Middleboxes and old servers that look for the whole hello
in the first segment then reset or drop the connection, while small hellos
to the same server go through.

Made now by real stacks: a network namespace of its own (so nothing of the
host's loopback changes) whose `lo` has an MTU of 1500 and segmentation
offload limited to one packet (gso_max_size 1500), so that segments on the
wire are what a 1500-byte path carries; in it openssl s_server as the
backend, and in front of it a middlebox model (tests/matrix/brokenserver.py,
first-segment-reset and first-segment-drop) that relays a hello whole in
its first segment and resets or ignores one that is not.  Clients: openssl
s_client with the ffdhe8192 key share (1024 bytes, what OpenSSL 3.0 has
instead of ML-KEM) and a long ALPN list; Python ssl and Node.js tls with a
long ALPN list; Java 17 with jdk.tls.namedGroups=ffdhe8192.  Controls: the
same large hellos straight to the backend, and small hellos through the
middlebox, complete without an error.

Checks per connection: outcome, first diagnosis, client_hello.bytes and
.segments against tshark (tls.handshake.length + 4, tcp.segment.count),
and that without the new rule the old generic one (server-reset-after-
client-hello, no-server-response) would have been the answer.  Needs root
(ip netns, tcpdump) and tshark; every process is killed by PID and the
namespace deleted at the end.  Ends with "largehello: N passed, N failed".
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "matrix"))
import stacks  # noqa: E402  (Procs: processes killed by PID)

TOOL = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
NS = "tlsa-largehello-%d" % os.getpid()
BACKEND = 46000          # inside the namespace: its own ports; cases use 46001...
NAME = "big.largehello.test"
# 60 protocols of 24 bytes: about 1400 bytes of ALPN.
ALPN = ",".join("x-proto-%02d-padding-pad" % i for i in range(60))
RULE = "large-client-hello-dropped"


class Case:
    def __init__(self, name, client, box, large, rule, outcome, old_rule=None):
        self.name, self.client, self.box, self.large = name, client, box, large
        self.rule, self.outcome, self.old_rule = rule, outcome, old_rule
        self.port = None
        self.problems = []


def cases():
    """box: the middlebox mode in front, or None to reach the server itself."""
    out = []
    for client in ("s_client", "python", "node", "java"):
        out += [
            Case("large hello, middlebox resets it", client, "first-segment-reset", True, RULE,
                 "reset", "server-reset-after-client-hello"),
            # Java ends its wait with an alert (user_canceled), the others just close.
            Case("large hello, middlebox drops it", client, "first-segment-drop", True, RULE,
                 "alert" if client == "java" else "closed",
                 "fatal-alert" if client == "java" else "no-server-response"),
            Case("large hello straight to the server (control)", client, None, True, None,
                 "completed"),
            Case("small hello through the middlebox (control)", client, "first-segment-reset",
                 False, None, "completed"),
        ]
    for i, c in enumerate(out):
        c.port = BACKEND + 1 + i
    return out


def ns(*cmd):
    return ["ip", "netns", "exec", NS] + list(cmd)


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def s_server(procs, port):
    procs.start(ns("openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-www",
                   "-cert", "cert.pem", "-key", "key.pem"), "s_server-%d.log" % port)


def start_servers(procs, work, all_cases):
    s_server(procs, BACKEND)                      # behind the middleboxes
    with open(os.path.join(work, "boxes.specs"), "w") as f:
        for c in all_cases:
            if c.box:
                f.write(stacks.line(host="127.0.0.1", port=c.port, mode=c.box,
                                    backend="127.0.0.1:%d" % BACKEND))
            else:
                s_server(procs, c.port)
    procs.start(ns("python3", "-B", os.path.join(HERE, "matrix", "brokenserver.py"),
                   "boxes.specs"), "boxes.log")
    ports = [BACKEND] + [c.port for c in all_cases]
    end = time.monotonic() + 30
    while time.monotonic() < end:
        p = subprocess.run(ns("ss", "-Hltn"), capture_output=True, text=True)
        up = {int(ln.split()[3].rsplit(":", 1)[1]) for ln in p.stdout.splitlines() if ln.split()}
        if all(x in up for x in ports):
            return
        time.sleep(0.1)
    raise RuntimeError("servers did not listen")


def run_clients(procs, work, all_cases, classes):
    batches = {}
    for c in all_cases:
        if c.client == "s_client":
            cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % c.port,
                   "-servername", NAME, "-CAfile", "cert.pem", "-ign_eof"]
            if c.large:
                cmd += ["-groups", "ffdhe8192:x25519", "-alpn", ALPN]
            procs.run(ns(*cmd), "client-%d.log" % c.port, 5, stdin_bytes=stacks.REQUEST)
            continue
        job = dict(id=c.port, host="127.0.0.1", port=c.port, sni=NAME, ca="cert.pem",
                   timeout=3 if c.client == "python" else 3000)
        if c.large:
            job["alpn"] = ALPN
        key = (c.client, c.large if c.client == "java" else True)
        batches.setdefault(key, []).append(stacks.line(**job))
    for (client, large), lines in batches.items():
        name = "%s-%d.jobs" % (client, large)
        with open(os.path.join(work, name), "w") as f:
            f.writelines(lines)
        if client == "python":
            cmd = ["python3", "-B", os.path.join(HERE, "matrix", "pyclient.py"), name]
        elif client == "node":
            cmd = ["node", os.path.join(HERE, "matrix", "client.js"), name]
        else:
            # Java: the groups are a JVM property: ffdhe8192 first makes the
            # large hello (its 1024-byte key share), x25519 the small one.
            groups = "ffdhe8192,x25519" if large else "x25519,secp256r1"
            cmd = ["java", "-Djdk.tls.namedGroups=" + groups, "-cp", classes, "Matrix",
                   "client", name]
        procs.run(ns(*cmd), name + ".log", 90)


def tshark_hellos(pcap):
    """{client port: (bytes, segments)} of each ClientHello, by tshark."""
    p = subprocess.run(["tshark", "-r", pcap, "-Y", "tls.handshake.type == 1", "-T", "fields",
                        "-e", "tcp.srcport", "-e", "tls.handshake.length",
                        "-e", "tcp.segment.count"], capture_output=True, text=True, timeout=120)
    out = {}
    for ln in p.stdout.splitlines():
        cols = ln.split("\t")
        if len(cols) == 3 and cols[0]:
            length = int(cols[1].split(",")[0])
            segs = int(cols[2]) if cols[2] else 1
            out[int(cols[0])] = (length + 4, segs)
    return out


def analyse(work, pcap, rules_dir):
    env = dict(os.environ, TLSANALYZE_RULES=rules_dir)
    p = subprocess.run([TOOL, "--format=json", "--ca-file", "cert.pem", pcap],
                       capture_output=True, text=True, timeout=120, env=env, cwd=work)
    if p.returncode not in (0, 1):
        raise RuntimeError("tlsanalyze exit %d: %s" % (p.returncode, p.stderr[-2000:]))
    conns = {}
    for c in json.loads(p.stdout)["captures"][0]["connections"]:
        conns.setdefault(int(c["server"].rsplit(":", 1)[1]), []).append(c)
    return conns


def check(c, conns, old, oracle):
    mine = conns.get(c.port, [])
    if len(mine) != 1:
        c.problems.append("%d connections on port %d, expected 1" % (len(mine), c.port))
        if not mine:
            return
    conn = mine[0]
    errors = [d["rule"] for d in conn.get("diagnoses", []) if d["severity"] == "error"]
    first = (conn.get("diagnoses") or [{}])[0]
    if conn["outcome"] != c.outcome:
        c.problems.append("outcome %s, expected %s" % (conn["outcome"], c.outcome))
    if c.rule is None and errors:
        c.problems.append("errors %s on a healthy handshake" % errors)
    if c.rule and first.get("rule") != c.rule:
        c.problems.append("first diagnosis %s, expected %s" % (first.get("rule"), c.rule))
    ch = conn.get("client_hello") or {}
    segs, size = ch.get("segments"), ch.get("bytes")
    if c.large and not (segs or 0) >= 2:
        c.problems.append("client_hello.segments %s, expected 2 or more" % segs)
    if not c.large and segs != 1:
        c.problems.append("client_hello.segments %s, expected 1" % segs)
    # s_client's one key share is ffdhe8192's 1024 bytes (x25519: 32).
    if c.client == "s_client" and ch.get("key_share_bytes") != (1024 if c.large else 32):
        c.problems.append("client_hello.key_share_bytes %s" % ch.get("key_share_bytes"))
    want = oracle.get(int(conn["client"].rsplit(":", 1)[1]))
    if want != (size, segs):
        c.problems.append("client_hello bytes/segments %s/%s, tshark %s" % (size, segs, want))
    if c.old_rule:
        o = (old.get(c.port) or [{}])[0]
        got = (o.get("diagnoses") or [{}])[0].get("rule")
        if got != c.old_rule:
            c.problems.append("without %s the first diagnosis is %s, expected %s"
                              % (RULE, got, c.old_rule))
    c.said = "outcome %s, diagnoses %s, hello %s bytes in %s segments" % (
        conn["outcome"], [d["rule"] for d in conn.get("diagnoses", [])], size, segs)


def run(work):
    all_cases = cases()
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
       os.path.join(work, "key.pem"), "-out", os.path.join(work, "cert.pem"), "-days", "30",
       "-subj", "/CN=" + NAME, "-addext", "subjectAltName=DNS:" + NAME)
    classes = stacks.compile_java(work)
    sh("ip", "netns", "add", NS)
    sh(*ns("ip", "link", "set", "lo", "mtu", "1500", "gso_max_size", "1500", "up"))
    procs = stacks.Procs(work)
    pcap = os.path.join(work, "largehello.pcap")
    try:
        dump = procs.start(ns("tcpdump", "-i", "lo", "-s", "0", "-U", "-w", pcap, "tcp"),
                           "tcpdump.log")
        end = time.monotonic() + 15
        while "listening on" not in open(os.path.join(work, "tcpdump.log")).read():
            if time.monotonic() > end or dump.poll() is not None:
                raise RuntimeError("tcpdump did not start")
            time.sleep(0.05)
        start_servers(procs, work, all_cases)
        run_clients(procs, work, all_cases, classes)
        time.sleep(1)
    finally:
        for p in procs.procs:
            if p is not dump:
                procs.stop(p)
        time.sleep(0.3)
        procs.stop(dump, signal.SIGINT)
        procs.stop_all()
    conns = analyse(work, pcap, os.path.join(REPO, "rules"))
    # The same capture with the default rules minus the new one: what the
    # generic rules said before it.
    old_rules = os.path.join(work, "old-rules")
    os.makedirs(old_rules)
    for f in os.listdir(os.path.join(REPO, "rules")):
        if f.endswith(".yaml") and f != RULE + ".yaml":
            shutil.copy(os.path.join(REPO, "rules", f), old_rules)
    old = analyse(work, pcap, old_rules)
    oracle = tshark_hellos(pcap)
    for c in all_cases:
        check(c, conns, old, oracle)
    passed = 0
    for c in all_cases:
        print("%s %s | %s | port %d: %s" % ("FAIL" if c.problems else "ok  ", c.client, c.name,
                                           c.port, getattr(c, "said", "")))
        for p in c.problems:
            print("     - " + p)
        passed += not c.problems
    print("largehello: %d passed, %d failed" % (passed, len(all_cases) - passed))
    return 0 if passed == len(all_cases) else 1


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0 or not shutil.which("tcpdump") or not shutil.which("tshark"):
        print("largehello: needs root, tcpdump and tshark")
        print("largehello: 0 passed, 1 failed")
        return 1
    work = tempfile.mkdtemp(prefix="tlsa-largehello-")
    try:
        return run(work)
    except Exception as e:   # noqa: BLE001 - a broken harness is one failure
        import traceback
        traceback.print_exc(file=sys.stdout)
        print("largehello harness error: %s" % e)
        print("largehello: 0 passed, 1 failed")
        return 1
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
        if os.environ.get("KEEP_WORK"):
            print("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
