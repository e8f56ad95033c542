#!/usr/bin/env python3
"""apigee_test.py TLSANALYZE - --profile apigee/apigee-x: every connection placed
northbound (client app -> Router) or southbound (Message Processor -> backend),
and the remediation of that side only (issue 19).

Captures are made now on loopback, four hosts on four addresses:

  client app 127.0.0.2   Python ssl clients (source address bound)
  Router     127.0.0.3   openssl s_server / Python ssl servers (northbound cases)
  MP         127.0.0.4   Python ssl clients (southbound cases); a TCP listener on
                         the MP port 8998, which the Router connects to once
  backend    127.0.0.5   openssl s_server / Python ssl servers (southbound cases)

Every seed cause (protocol, cipher, SNI, host name, incomplete chain,
expired, unknown and self-signed certificate, missing client certificate)
runs once northbound and once southbound, on ports 45700-45799.  Four
tcpdump -i any, one per host (`host 127.0.0.X`, as the playbook's
`tcpdump -i any -s 0 host IP`), give each host's view.  Checked per case:

  * the gateway's view (Router for northbound, MP for southbound) without
    options: direction and roles inferred (the Router connects to 8998, the
    MP is a server on it), how "inferred", and the remediation that side's;
  * the same with --apigee-router/--apigee-mp: how "option";
  * the edge's view (client app, backend): without options nothing can be
    told (null, "unknown", both sides' texts shown, labelled); with the
    options, the direction;
  * --profile apigee-x: the side's Apigee X text (load balancer northbound).

And, for every rule with Apigee wording (from --explain), that the two
sides' texts differ and neither names a place of the other side.  Ends
with "apigee: N passed, N failed".  Needs root (tcpdump); run it in a
network namespace of its own (`unshare -n`), as `make check` may not.
Every process started is killed by PID.
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "matrix"))
sys.path.insert(0, os.path.join(HERE, "lib"))
import pki      # noqa: E402  (tests/matrix: the certificates)
import stacks   # noqa: E402  (tests/matrix: servers, Procs)
from harness import test  # noqa: E402
import harness  # noqa: E402

TOOL = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
CLIENT, ROUTER, MP, BACKEND = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
MP_PORT = 8998
FIRST_PORT = 45700
WORK = tempfile.mkdtemp(prefix="apigee-test-")
NAME = "api.matrix.test"

# cause: (rule, server stack, server spec, client job)
CAUSES = {
    "protocol": ("protocol-mismatch", "s_server", dict(ident="ca", version="1.2"),
                 dict(sni=NAME, minv="1.3")),
    "cipher": ("cipher-mismatch", "s_server", dict(ident="ca", version="1.2", cipher="aes256gcm"),
               dict(sni=NAME, maxv="1.2", ciphers="ECDHE-RSA-AES128-GCM-SHA256")),
    "sni": ("missing-sni", "python", dict(ident="ca", version="1.2", needsni=True),
            dict(sni=None)),
    "hostname": ("hostname-mismatch", "s_server", dict(ident="ca", version="1.2"),
                 dict(sni="other.matrix.test")),
    "chain": ("incomplete-chain", "s_server", dict(ident="leaf-only", version="1.2"),
              dict(sni=NAME)),
    "expired": ("expired-certificate", "s_server", dict(ident="expired", version="1.2"),
                dict(sni=NAME)),
    "unknown": ("unknown-certificate", "s_server", dict(ident="self-untrusted", version="1.2"),
                dict(sni="self.matrix.test")),
    "selfsigned": ("self-signed-certificate", "s_server",
                   dict(ident="self-profile", version="1.2"), dict(sni=NAME)),
    "clientcert": ("client-certificate-missing", "s_server",
                   dict(ident="ca", version="1.2", clientauth=True), dict(sni=NAME)),
}
SIDES = ("northbound", "southbound")

# Places that exist only on one side: a text for the other side must not name them.
ONLY_SOUTH = ["SSLInfo", "target server", "target endpoint", "TargetServer", "Message Processor",
              "message-processor.properties", "TrustStore", "KeyAlias"]
ONLY_NORTH = ["virtual host", "ssl_ciphers", "ssl_protocols", "Router", "environment group",
              "load balancer", "ingress"]
NOT_ON_X = ["api.enterprise.apigee.com", "message-processor.properties", "virtual host",
            "Private Cloud", "Router"]


def port_of(cause, side):
    return FIRST_PORT + 2 * list(CAUSES).index(cause) + (side == "southbound")


# ---------------------------------------------------------------- making the captures

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def tls_client(src, dst, port, job):
    """One Python ssl client from address |src|; returns what it was told."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(WORK, stacks.TRUST))
    ctx.check_hostname = job["sni"] is not None
    if job.get("minv"):
        ctx.minimum_version = VERSIONS[job["minv"]]
    if job.get("maxv"):
        ctx.maximum_version = VERSIONS[job["maxv"]]
    if job.get("ciphers"):
        ctx.set_ciphers(job["ciphers"])
    try:
        with socket.create_connection((dst, port), timeout=5, source_address=(src, 0)) as s:
            with ctx.wrap_socket(s, server_hostname=job["sni"]) as t:
                t.sendall(b"GET / HTTP/1.0\r\n\r\n")
                t.recv(100)
                return "completed"
    except (OSError, ssl.SSLError) as e:
        return str(e)


def mp_listener(stop):
    """The Message Processor's port 8998: accepts and closes (plain TCP is
    enough: the Router connecting to it is what tells the roles)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((MP, MP_PORT))
    srv.listen(4)
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = srv.accept()
            c.recv(100)
            c.close()
        except OSError:
            pass
    srv.close()


def wait_for_text(path, text, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open(path, errors="replace") as f:
            if text in f.read():
                return
        time.sleep(0.05)
    raise RuntimeError("%s: no %r" % (path, text))


VIEWS = {"client": CLIENT, "router": ROUTER, "mp": MP, "backend": BACKEND}
STATE = {}


def make_captures():
    if STATE:
        return STATE
    pki.make(WORK)
    procs = stacks.Procs(WORK)
    stop = threading.Event()
    said = {}
    try:
        dumps = []
        for view, host in VIEWS.items():
            log = "tcpdump-%s.log" % view
            dumps.append(procs.start(
                ["tcpdump", "-i", "any", "-s", "0", "-U", "-w", view + ".pcap",
                 "host %s and (tcp portrange %d-%d or tcp port %d)" % (host, FIRST_PORT,
                                                                      FIRST_PORT + 99, MP_PORT)],
                log))
            wait_for_text(os.path.join(WORK, log), "listening on")
        servers = []
        for cause, (_, stack, spec, _) in CAUSES.items():
            for side in SIDES:
                s = dict(spec, port=port_of(cause, side),
                         host=ROUTER if side == "northbound" else BACKEND)
                servers.append((stack, s))
        stacks.start_servers(procs, servers, None)
        listener = threading.Thread(target=mp_listener, args=(stop,))
        listener.start()
        missing = stacks.wait_listening([s["port"] for _, s in servers] + [MP_PORT])
        if missing:
            raise RuntimeError("not listening: %s" % sorted(missing))
        for cause, (_, _, _, job) in CAUSES.items():
            said[(cause, "northbound")] = tls_client(CLIENT, ROUTER, port_of(cause, "northbound"),
                                                     job)
            said[(cause, "southbound")] = tls_client(MP, BACKEND, port_of(cause, "southbound"),
                                                     job)
        # The Router's one call to the MP, last: the pre-pass reads the whole capture.
        with socket.create_connection((MP, MP_PORT), timeout=5, source_address=(ROUTER, 0)) as s:
            s.sendall(b"x")
        time.sleep(1)
        for p in procs.procs:
            if p not in dumps:
                procs.stop(p)
        time.sleep(0.3)
        for d in dumps:
            procs.stop(d, 2)
    finally:
        stop.set()
        procs.stop_all()
    STATE["said"] = said
    return STATE


def analyse(view, *args, profile="apigee"):
    key = (view, profile) + args
    if key not in STATE:
        make_captures()
        p = subprocess.run([TOOL, "--format=json", "-j", "1", "--ca-file",
                            os.path.join(WORK, stacks.TRUST), "--profile", profile] + list(args) +
                           [os.path.join(WORK, view + ".pcap")],
                           capture_output=True, text=True, timeout=120)
        if p.returncode not in (0, 1) or "runtime error" in p.stderr or "Sanitizer" in p.stderr:
            raise RuntimeError("tlsanalyze exit %d: %s" % (p.returncode, p.stderr[-2000:]))
        STATE[key] = json.loads(p.stdout)["captures"][0]["connections"]
    return STATE[key]


def conn_of(conns, port):
    found = [c for c in conns if c["server"].endswith(":%d" % port)]
    if len(found) != 1:
        raise AssertionError("%d connections to port %d" % (len(found), port))
    return found[0]


OPTIONS = ["--apigee-router", ROUTER, "--apigee-mp", MP]
PLACE = {"northbound": ("client app", "router"), "southbound": ("message processor", "backend")}


def check_place(c, side, how):
    a = c.get("apigee")
    want = {"direction": side, "client_role": PLACE[side][0], "server_role": PLACE[side][1],
            "how": how}
    got = {k: a.get(k) for k in want} if a else None
    assert got == want, "apigee %s, wanted %s" % (a, want)


def first_error(c, rule):
    d = c["diagnoses"]
    assert d and d[0]["rule"] == rule, "diagnoses %s, wanted %s (client said %s)" % (
        [x["rule"] for x in d], rule, c["outcome"])
    return d[0]


def check_side_text(text, side, x=False):
    other = "Southbound" if side == "northbound" else "Northbound"
    assert text.startswith(side.capitalize()), text
    assert other + " (" not in text, "both sides shown: " + text
    for word in (ONLY_NORTH if side == "southbound" else ONLY_SOUTH):
        assert word not in text, "%s text names %r: %s" % (side, word, text)
    if x:
        for word in NOT_ON_X:
            assert word not in text, "apigee-x text names %r: %s" % (word, text)


def gateway_view(side):
    return "router" if side == "northbound" else "mp"


def edge_view(side):
    return "client" if side == "northbound" else "backend"


def case_tests(cause, side):
    rule = CAUSES[cause][0]
    port = port_of(cause, side)

    def gateway_inferred():
        c = conn_of(analyse(gateway_view(side)), port)
        check_place(c, side, "inferred")
        assert c["apigee"]["traffic"] == ("incoming" if side == "northbound" else "outgoing"), \
            c["apigee"]
        check_side_text(first_error(c, rule)["remediation"], side)

    def gateway_options():
        c = conn_of(analyse(gateway_view(side), *OPTIONS), port)
        check_place(c, side, "option")
        check_side_text(first_error(c, rule)["remediation"], side)

    def edge_unknown():
        c = conn_of(analyse(edge_view(side)), port)
        a = dict(c["apigee"])
        assert a.pop("summary").startswith("direction unknown: "), a
        assert a == {"direction": None, "client_role": None, "server_role": None,
                     "how": "unknown", "traffic": None}, a
        text = first_error(c, rule)["remediation"]
        assert text.startswith("Northbound (client app") and " Southbound (" in text, text

    def edge_options():
        c = conn_of(analyse(edge_view(side), *OPTIONS), port)
        check_place(c, side, "option")
        check_side_text(first_error(c, rule)["remediation"], side)

    def apigee_x():
        c = conn_of(analyse(gateway_view(side), profile="apigee-x"), port)
        check_place(c, side, "inferred")
        check_side_text(first_error(c, rule)["remediation"], side, x=True)

    for fn, what in ((gateway_inferred, "inferred_on_the_gateway"),
                     (gateway_options, "by_option_on_the_gateway"),
                     (edge_unknown, "unknown_on_the_edge"),
                     (edge_options, "by_option_on_the_edge"),
                     (apigee_x, "apigee_x")):
        fn.__name__ = "test_%s_%s_%s" % (cause, side, what)
        test(fn)


for _cause in CAUSES:
    for _side in SIDES:
        case_tests(_cause, _side)


@test
def test_router_to_mp_is_internal():
    for view in ("router", "mp"):
        c = conn_of(analyse(view), MP_PORT)
        assert c["apigee"]["direction"] is None, c["apigee"]
        assert (c["apigee"]["client_role"], c["apigee"]["server_role"]) == (
            "router", "message processor"), c["apigee"]
        assert c["apigee"]["how"] == "inferred", c["apigee"]


@test
def test_capture_host_option_alone_says_incoming_or_outgoing():
    conns = analyse("backend", "--capture-host", BACKEND)
    c = conn_of(conns, port_of("chain", "southbound"))
    assert c["apigee"]["traffic"] == "incoming" and c["apigee"]["direction"] is None, c["apigee"]
    conns = analyse("client", "--capture-host", CLIENT)
    c = conn_of(conns, port_of("chain", "northbound"))
    assert c["apigee"]["traffic"] == "outgoing" and c["apigee"]["how"] == "unknown", c["apigee"]


@test
def test_generic_profile_has_no_apigee_object():
    for c in analyse("router", profile="generic"):
        assert "apigee" not in c, c.get("apigee")


@test
def test_text_output_and_summary_say_the_place():
    args = [TOOL, "--no-color", "--ca-file", os.path.join(WORK, stacks.TRUST), "--profile",
            "apigee", os.path.join(WORK, "mp.pcap")]
    make_captures()
    out = subprocess.run(args, capture_output=True, text=True, timeout=60).stdout
    want = "southbound: Message Processor %s \u2192 backend %s:%d (roles inferred, outgoing)" % (
        MP, NAME, port_of("chain", "southbound"))
    assert want in out, out[:3000]


@test
def test_report_and_summary_say_the_place():
    make_captures()
    base = [TOOL, "--no-color", "--ca-file", os.path.join(WORK, stacks.TRUST), "--profile",
            "apigee", os.path.join(WORK, "router.pcap")]
    want = "northbound: client app %s \u2192 Router %s:%d (roles inferred, incoming)" % (
        CLIENT, NAME, port_of("chain", "northbound"))
    md = subprocess.run(base + ["--format", "markdown"], capture_output=True, text=True,
                        timeout=60).stdout
    assert "**Apigee:** " + want in md, md[:3000]
    html = subprocess.run(base + ["--format", "html"], capture_output=True, text=True,
                          timeout=60).stdout
    assert "<strong>Apigee:</strong> " + want in html
    summary = subprocess.run(base + ["--summary"], capture_output=True, text=True,
                             timeout=60).stdout
    assert "most failures by place in the Apigee gateway:" in summary and want in summary, summary
    generic = subprocess.run(base[:3] + ["--summary", base[-1]], capture_output=True,
                             text=True, timeout=60).stdout
    assert "Apigee" not in generic, generic


@test
def test_redacted_place_names_nothing_from_the_capture():
    conns = analyse("mp", "--redact", "--redact-key", "k")
    c = conn_of(conns, port_of("chain", "southbound"))
    line = c["apigee"]["summary"]
    assert line.startswith("southbound: Message Processor ip4-") and "→ backend host-" in line, \
        line
    assert "127.0.0." not in line and "matrix" not in line, line


@test
def test_bad_option_values_exit_2():
    for args in (["--apigee-router", "10.1.2.3:99999"], ["--apigee-mp", "10.1.0.0/33"],
                 ["--apigee-router", "[::1"], ["--capture-host", "10.0.0.0/8"],
                 ["--capture-host", "host.example"], ["--profile", "apigee-y"]):
        p = subprocess.run([TOOL] + args + ["/dev/null"], capture_output=True, text=True)
        assert p.returncode == 2 and "tlsanalyze: " in p.stderr, (args, p.returncode, p.stderr)


@test
def test_good_option_values():
    for args in (["--apigee-router", "10.1.2.3"], ["--apigee-router", "10.1.2.3:443"],
                 ["--apigee-mp", "10.1.0.0/16"], ["--apigee-router", "[2001:db8::1]:443"],
                 ["--apigee-mp", "2001:db8::/32"], ["--capture-host", "::1"]):
        p = subprocess.run([TOOL, "--profile", "apigee"] + args + ["--list-profiles"],
                           capture_output=True, text=True)
        assert p.returncode == 0, (args, p.stderr)


@test
def test_list_profiles():
    p = subprocess.run([TOOL, "--list-profiles"], capture_output=True, text=True)
    names = [line.split()[0] for line in p.stdout.splitlines()]
    assert p.returncode == 0 and names == ["generic", "apigee", "apigee-x"], p.stdout


# ---------------------------------------------------------------- the rules' texts

def rule_texts():
    """{rule: {(profile, side): text}} from --explain, for rules with Apigee texts."""
    ids = [line.split()[0] for line in subprocess.run(
        [TOOL, "--list-rules"], capture_output=True, text=True, check=True).stdout.splitlines()]
    out = {}
    for rid in ids:
        p = subprocess.run([TOOL, "--explain", rid], capture_output=True, text=True, check=True)
        texts = {}
        for line in p.stdout.splitlines():
            line = line.strip()
            if line.startswith("remediation (apigee"):
                head, text = line.split("): ", 1)
                prof, _, side = head[len("remediation ("):].partition(", ")
                texts[(prof, side or "both")] = text
        if texts:
            out[rid] = texts
    return out


@test
def test_every_apigee_rule_has_both_sides_that_differ():
    texts = rule_texts()
    assert len(texts) >= 22, sorted(texts)
    for rid, t in texts.items():
        n, s = t.get(("apigee", "northbound")), t.get(("apigee", "southbound"))
        assert n and s and n != s, (rid, t)


@test
def test_no_side_names_a_place_of_the_other():
    for rid, t in rule_texts().items():
        for (prof, side), text in t.items():
            if side == "both":
                continue
            bad = ONLY_NORTH if side == "southbound" else ONLY_SOUTH
            for word in bad:
                # The label names the other end of this side's hop only.
                body = text.split("): ", 1)[1]
                assert word not in body, "%s %s %s names %r: %s" % (rid, prof, side, word, text)


@test
def test_apigee_x_texts_name_no_edge_place():
    for rid, t in rule_texts().items():
        for side in SIDES:
            text = t.get(("apigee-x", side)) or t.get(("apigee", side))
            for word in NOT_ON_X:
                if ("apigee-x", side) in t:
                    assert word not in text, "%s apigee-x %s names %r" % (rid, side, word)
                else:   # apigee's text is said once for both: it must fit Apigee X too
                    assert word not in text.split("): ", 1)[1], (
                        "%s: apigee-x falls back to apigee's %s text, which names %r"
                        % (rid, side, word))


@test
def test_incomplete_chain_southbound_goes_to_the_truststore():
    t = rule_texts()["incomplete-chain"]
    assert "TrustStore" in t[("apigee", "southbound")], t
    assert "truststore" in t[("apigee", "southbound")]


if __name__ == "__main__":
    harness.run("apigee", WORK)
