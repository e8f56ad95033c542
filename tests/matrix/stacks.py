"""stacks.py - how tests/matrix_test.py starts each server stack and runs each
client stack, from one neutral description of a server and of a client job.

server spec: port, host, ident (a key of IDENTITIES), version (None, "1.2" or
  "1.3": that version only), cipher (None or a key of CIPHERS: that suite
  only), clientauth (a client certificate is required), needsni (a hello
  without server_name is refused), mode (broken servers only), alpn (the
  only ALPN protocol served; a hello offering others is refused), sniname
  (the only server name known; others get unrecognized_name, fatal with
  snifatal), legacy (the server loads old keys: OpenSSL @SECLEVEL=0),
  dhparam (a DH parameter file; the server then offers DHE suites only).
client job: id, host, port, sni (None: none sent, as when connecting by IP
  address), version, cipher, keylog (file, or None), alpn (comma-separated
  protocols offered), fallback (TLS_FALLBACK_SCSV, openssl s_client only).

Servers that can serve many ports from one process do (nginx, Python, Java,
the broken ones); openssl s_server and gnutls-serv run one process per port.
Clients that can run many connections in one process do (Python, Java,
Node.js); openssl s_client, gnutls-cli and curl run once per connection.
Every process is started through Procs, which kills them by PID."""
import os
import shutil
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = ["s_client", "python", "java", "gnutls-cli", "curl", "node"]
SERVERS = ["s_server", "nginx", "python", "java", "gnutls-serv", "broken"]
# Programs each stack needs; a missing one fails its cells (never skipped).
PROGRAMS = {"s_client": ["openssl"], "s_server": ["openssl"], "python": ["python3"],
            "java": ["java", "javac"], "gnutls-cli": ["gnutls-cli"], "curl": ["curl"],
            "node": ["node"], "nginx": ["nginx"], "gnutls-serv": ["gnutls-serv"],
            "broken": ["python3"]}
TRUST = "trust.pem"          # what every client trusts
CLIENT_CA = "root.pem"       # what servers that ask for client certificates trust
REQUEST = b"GET / HTTP/1.0\r\n\r\n"

# What a server presents: leaf, its key, what is sent after the leaf, the
# Java keystore, and the name a client asks for.
IDENTITIES = {
    "ca": dict(leaf="leaf.pem", key="leaf.key", extra=["issuing.pem"], p12="leaf-chain.p12",
               name="api.matrix.test"),
    "ca+root": dict(leaf="leaf.pem", key="leaf.key", extra=["issuing.pem", "root.pem"],
                    p12="leaf-chain.p12", name="api.matrix.test"),
    "leaf-only": dict(leaf="leaf.pem", key="leaf.key", extra=[], p12="leaf-alone.p12",
                      name="api.matrix.test"),
    "wild": dict(leaf="wild.pem", key="wild.key", extra=["issuing.pem"], p12="wild-chain.p12",
                 name="www.matrix.test"),
    "expired": dict(leaf="expired.pem", key="expired.key", extra=["issuing.pem"],
                    p12="expired-chain.p12", name="api.matrix.test"),
    "other-ca": dict(leaf="otherleaf.pem", key="otherleaf.key", extra=["otherroot.pem"],
                     p12="other-chain.p12", name="api.matrix.test"),
    "weak1024": dict(leaf="weak1024.pem", key="weak1024.key", extra=["issuing.pem"],
                     p12="weak1024-chain.p12", name="api.matrix.test"),
    "sha1": dict(leaf="sha1.pem", key="sha1.key", extra=["issuing.pem"], p12="sha1-chain.p12",
                 name="api.matrix.test"),
    "intercepted": dict(leaf="intercepted.pem", key="intercepted.key", extra=["zscaler.pem"],
                        p12="intercepted-chain.p12", name="api.matrix.test"),
    "intercepted-trusted": dict(leaf="fortileaf.pem", key="fortileaf.key", extra=["forti.pem"],
                                p12="forti-chain.p12", name="api.matrix.test"),
    "self-profile": dict(leaf="selfprof.pem", key="selfprof.key", extra=[], p12="selfprof.p12",
                         name="api.matrix.test"),
    "self-plain": dict(leaf="selfplain.pem", key="selfplain.key", extra=[],
                       p12="selfplain.p12", name="plain.matrix.test"),
    "self-profile-untrusted": dict(leaf="selfprofnobody.pem", key="selfprofnobody.key",
                                   extra=[], p12="selfprofnobody.p12", name="selfp.matrix.test"),
    "self-untrusted": dict(leaf="selfnobody.pem", key="selfnobody.key", extra=[],
                           p12="selfnobody.p12", name="self.matrix.test"),
    "keytool": dict(leaf="javaks.pem", key="javaks.key", extra=[], p12="javaks.jks",
                    name="java.matrix.test"),
    "keytool-untrusted": dict(leaf="javanobody.pem", key="javanobody.key", extra=[],
                              p12="javanobody.jks", name="jself.matrix.test"),
}

# One suite, in each stack's spelling.
CIPHERS = {
    "aes128gcm": {"1.2": ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                          "AES-128-GCM"),
                  "1.3": ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "AES-128-GCM")},
    "aes256gcm": {"1.2": ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                          "AES-256-GCM"),
                  "1.3": ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", "AES-256-GCM")},
}
OPENSSL, IANA, GNUTLS = 0, 1, 2
LEGACY = "DEFAULT:@SECLEVEL=0"      # what an old backend needs for a 1024-bit or SHA-1 leaf
DHE_ONLY = "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0"


def cipher(spec, spelling):
    return CIPHERS[spec["cipher"]][spec["version"]][spelling]


def java_protocols(spec):
    return {"1.2": "TLSv1.2", "1.3": "TLSv1.3"}.get(spec.get("version"), "")


def gnutls_priority(spec):
    prio = "NORMAL"
    if spec.get("version"):
        prio += ":-VERS-ALL:+VERS-TLS" + spec["version"]
    if spec.get("cipher"):
        prio += ":-CIPHER-ALL:+" + cipher(spec, GNUTLS)
    return prio


def line(**kv):
    """A key=value line for the helpers (tab-separated, no tabs in values)."""
    return "\t".join("%s=%s" % (k, "" if v is None else v) for k, v in kv.items()) + "\n"


class Procs:
    """Every process started, to be killed by PID whatever happens."""

    def __init__(self, work):
        self.work = work
        self.procs = []

    def start(self, cmd, log, env=None, stdin=subprocess.DEVNULL):
        fh = open(os.path.join(self.work, log), "wb")
        p = subprocess.Popen(cmd, cwd=self.work, stdin=stdin, stdout=fh,
                             stderr=subprocess.STDOUT, env=env)
        fh.close()
        self.procs.append(p)
        return p

    def run(self, cmd, log, timeout, env=None, stdin_bytes=None):
        """Runs a client to its end (killed after timeout); returns its exit
        status, or None when it had to be killed."""
        p = self.start(cmd, log, env, subprocess.PIPE if stdin_bytes is not None else
                       subprocess.DEVNULL)
        try:
            if stdin_bytes is not None:
                # The request, then stdin stays open until the client ends:
                # s_client and gnutls-cli stop reading the answer at EOF.
                p.stdin.write(stdin_bytes)
                p.stdin.flush()
            return p.wait(timeout=timeout)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            self.stop(p)
            return None
        finally:
            if p.stdin:
                try:
                    p.stdin.close()
                except BrokenPipeError:
                    pass

    def stop(self, p, sig=signal.SIGKILL):
        if p.poll() is None:
            try:
                p.send_signal(sig)
                p.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                p.kill()
                p.wait()

    def stop_all(self):
        for p in self.procs:
            self.stop(p)


# ------------------------------------------------------------------ servers

def s_server(procs, spec):
    ident = IDENTITIES[spec["ident"]]
    host = "[%s]" % spec["host"] if ":" in spec["host"] else spec["host"]
    cmd = ["openssl", "s_server", "-accept", "%s:%d" % (host, spec["port"]), "-www",
           "-cert", ident["leaf"], "-key", ident["key"], "-no-CApath", "-no-CAstore"]
    if ident["extra"]:
        chain = "sent-%d.pem" % spec["port"]
        concat(procs.work, chain, ident["extra"])
        cmd += ["-cert_chain", chain]
    if spec.get("version"):
        cmd.append("-tls" + spec["version"].replace(".", "_"))
    if spec.get("cipher"):
        cmd += ["-cipher" if spec["version"] == "1.2" else "-ciphersuites",
                cipher(spec, OPENSSL)]
    if spec.get("legacy"):
        cmd += ["-cipher", LEGACY]
    if spec.get("dhparam"):
        cmd += ["-cipher", DHE_ONLY, "-dhparam", spec["dhparam"]]
    if spec.get("alpn"):
        cmd += ["-alpn", spec["alpn"]]
    if spec.get("sniname"):
        # s_server checks the name only with a second certificate (the same here).
        cmd += ["-servername", spec["sniname"], "-cert2", ident["leaf"], "-key2", ident["key"]]
        if spec.get("snifatal"):
            cmd.append("-servername_fatal")
    if spec.get("clientauth"):
        cmd += ["-Verify", "1", "-verify_return_error", "-CAfile", CLIENT_CA]
    else:
        cmd.append("-no-CAfile")
    procs.start(cmd, "s_server-%d.log" % spec["port"])


def gnutls_serv(procs, spec):
    ident = IDENTITIES[spec["ident"]]
    full = "full-%d.pem" % spec["port"]
    concat(procs.work, full, [ident["leaf"]] + ident["extra"])
    cmd = ["gnutls-serv", "--http", "-p", str(spec["port"]), "--x509certfile", full,
           "--x509keyfile", ident["key"], "--priority", gnutls_priority(spec)]
    if spec.get("alpn"):
        cmd += ["--alpn", spec["alpn"], "--alpn-fatal"]
    if spec.get("sniname"):
        cmd += ["--sni-hostname", spec["sniname"]]
        if spec.get("snifatal"):
            cmd.append("--sni-hostname-fatal")
    if spec.get("clientauth"):
        cmd += ["--require-client-cert", "--x509cafile", CLIENT_CA]
    else:
        cmd.append("--disable-client-cert")
    procs.start(cmd, "gnutls-serv-%d.log" % spec["port"])


NGINX_BLOCK = """    server {
        listen %(listen)s ssl%(default)s;
        server_name %(name)s;
        ssl_certificate %(work)s/%(full)s;
        ssl_certificate_key %(work)s/%(key)s;
        ssl_protocols %(protocols)s;
%(extra)s        location / {
            return 200 "ok\\n";
        }
    }
"""


def nginx_blocks(work, spec):
    """The server blocks of one port.  needsni: the default server rejects
    every handshake (`ssl_reject_handshake on`), as a name-based front end
    set up that way does; only a hello naming the real server gets in."""
    ident = IDENTITIES[spec["ident"]]
    full = "full-%d.pem" % spec["port"]
    concat(work, full, [ident["leaf"]] + ident["extra"])
    host = "[%s]" % spec["host"] if ":" in spec["host"] else spec["host"]
    extra = ""
    if spec.get("legacy"):
        extra = "        ssl_ciphers %s;\n" % LEGACY
    if spec.get("dhparam"):
        extra = "        ssl_ciphers %s;\n        ssl_dhparam %s/%s;\n" % (
            DHE_ONLY, work, spec["dhparam"])
    if spec.get("cipher") and spec["version"] == "1.2":
        extra = "        ssl_ciphers %s;\n" % cipher(spec, OPENSSL)
    elif spec.get("cipher"):
        extra = "        ssl_conf_command Ciphersuites %s;\n" % cipher(spec, OPENSSL)
    protocols = "TLSv" + spec["version"] if spec.get("version") else "TLSv1.2 TLSv1.3"
    block = dict(listen="%s:%d" % (host, spec["port"]), work=work, full=full,
                 key=ident["key"], protocols=protocols, extra=extra, name=ident["name"],
                 default="")
    out = NGINX_BLOCK % block
    if spec.get("needsni"):
        # The default server's protocols decide the version (nginx picks
        # the server block by SNI after that), so it gets the same ones.
        out += ("    server {\n        listen %s ssl default_server;\n"
                "        ssl_protocols %s;\n"
                "        ssl_reject_handshake on;\n    }\n" % (block["listen"], protocols))
    return out


def nginx(procs, specs):
    work = procs.work
    prefix = os.path.join(work, "nginx")
    for d in ("", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(prefix, d), exist_ok=True)
    with open(os.path.join(HERE, "nginx.conf.in")) as f:
        conf = f.read()
    servers = "".join(nginx_blocks(work, s) for s in specs)
    conf = conf.replace("@PREFIX@", prefix).replace("@SERVERS@", servers)
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(conf)
    procs.start(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"),
                 "-e", os.path.join(prefix, "error.log")], "nginx.log")


def python_server(procs, specs):
    with open(os.path.join(procs.work, "pyserver.specs"), "w") as f:
        for s in specs:
            ident = IDENTITIES[s["ident"]]
            full = "full-%d.pem" % s["port"]
            concat(procs.work, full, [ident["leaf"]] + ident["extra"])
            f.write(line(host=s["host"], port=s["port"], cert=full, key=ident["key"],
                         min=s.get("version"), max=s.get("version"),
                         ciphers=cipher(s, OPENSSL) if s.get("cipher") else None,
                         clientauth="need" if s.get("clientauth") else None, ca=CLIENT_CA,
                         needsni=1 if s.get("needsni") else None, sniname=s.get("sniname"),
                         legacy=LEGACY if s.get("legacy") else None))
    procs.start(["python3", "-B", os.path.join(HERE, "pyserver.py"), "pyserver.specs"],
                "pyserver.log")


def java_server(procs, specs, classes):
    with open(os.path.join(procs.work, "javaserver.specs"), "w") as f:
        for s in specs:
            ident = IDENTITIES[s["ident"]]
            f.write(line(host=s["host"], port=s["port"], keystore=ident["p12"],
                         storetype="JKS" if ident["p12"].endswith(".jks") else "PKCS12",
                         protocols=java_protocols(s),
                         suites=cipher(s, IANA) if s.get("cipher") else None,
                         clientauth="need" if s.get("clientauth") else None,
                         alpn=s.get("alpn"), sniname=s.get("sniname")))
    procs.start(["java", "-cp", classes, "Matrix", "server", "javaserver.specs"],
                "javaserver.log")


def broken_server(procs, specs):
    with open(os.path.join(procs.work, "broken.specs"), "w") as f:
        for s in specs:
            f.write(line(host=s["host"], port=s["port"], mode=s["mode"]))
    procs.start(["python3", "-B", os.path.join(HERE, "brokenserver.py"), "broken.specs"],
                "broken.log")


def start_servers(procs, specs, classes):
    """Starts every server of the run (specs: [(stack, spec)])."""
    by_stack = {}
    for stack, spec in specs:
        by_stack.setdefault(stack, []).append(spec)
    for spec in by_stack.get("s_server", []):
        s_server(procs, spec)
    for spec in by_stack.get("gnutls-serv", []):
        gnutls_serv(procs, spec)
    if by_stack.get("nginx"):
        nginx(procs, by_stack["nginx"])
    if by_stack.get("python"):
        python_server(procs, by_stack["python"])
    if by_stack.get("java"):
        java_server(procs, by_stack["java"], classes)
    if by_stack.get("broken"):
        broken_server(procs, by_stack["broken"])


def listening_ports():
    """Ports in LISTEN state on any local address (/proc/net/tcp, tcp6): a
    probe connection would be a connection in the capture."""
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                for row in f.readlines()[1:]:
                    cols = row.split()
                    if cols[3] == "0A":
                        ports.add(int(cols[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def wait_listening(ports, timeout=60):
    end = time.monotonic() + timeout
    missing = set(ports)
    while missing and time.monotonic() < end:
        missing -= listening_ports()
        time.sleep(0.1)
    return missing


# ------------------------------------------------------------------ clients

def url_host(host):
    return "[%s]" % host if ":" in host else host


def s_client_cmd(job):
    cmd = ["openssl", "s_client", "-connect", "%s:%d" % (url_host(job["host"]), job["port"]),
           "-CAfile", TRUST, "-no-CApath", "-no-CAstore", "-verify_return_error", "-ign_eof"]
    if job.get("sni"):
        cmd += ["-servername", job["sni"], "-verify_hostname", job["sni"]]
    else:
        cmd.append("-noservername")
    if job.get("version"):
        cmd.append("-tls" + job["version"].replace(".", "_"))
    if job.get("cipher"):
        cmd += ["-cipher" if job["version"] == "1.2" else "-ciphersuites",
                cipher(job, OPENSSL)]
    if job.get("alpn"):
        cmd += ["-alpn", job["alpn"]]
    if job.get("fallback"):
        cmd.append("-fallback_scsv")
    if job.get("keylog"):
        cmd += ["-keylogfile", job["keylog"]]
    return cmd, None


def gnutls_cli_cmd(job):
    cmd = ["gnutls-cli", "--x509cafile", TRUST, "-p", str(job["port"]),
           "--priority", gnutls_priority(job)]
    if job.get("sni"):
        cmd += ["--sni-hostname", job["sni"], "--verify-hostname", job["sni"]]
    else:
        cmd.append("--disable-sni")
    for proto in (job.get("alpn") or "").split(","):
        if proto:
            cmd += ["--alpn", proto]
    cmd.append(job["host"])
    return cmd, keylog_env(job)


def curl_cmd(job):
    cmd = ["curl", "-sS", "-o", "/dev/null", "--max-time", "5", "--cacert", TRUST,
           "--capath", "/nonexistent"]
    if job.get("sni"):
        cmd += ["--resolve", "%s:%d:%s" % (job["sni"], job["port"], url_host(job["host"])),
                "https://%s:%d/" % (job["sni"], job["port"])]
    else:
        cmd.append("https://%s:%d/" % (url_host(job["host"]), job["port"]))
    if job.get("version") == "1.2":
        cmd += ["--tlsv1.2", "--tls-max", "1.2"]
    elif job.get("version") == "1.3":
        cmd += ["--tlsv1.3"]
    if job.get("cipher"):
        cmd += ["--ciphers" if job["version"] == "1.2" else "--tls13-ciphers",
                cipher(job, OPENSSL)]
    if job.get("alpn"):
        # curl offers h2 and http/1.1, or http/1.1 alone: nothing else.
        if job["alpn"] != "http/1.1":
            raise ValueError("curl cannot offer ALPN %s alone" % job["alpn"])
        cmd.append("--http1.1")
    return cmd, keylog_env(job)


def keylog_env(job):
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    if job.get("keylog"):
        env["SSLKEYLOGFILE"] = job["keylog"]
    return env


PROCESS_CLIENTS = {"s_client": s_client_cmd, "gnutls-cli": gnutls_cli_cmd, "curl": curl_cmd}


def batch_line(stack, job):
    """A job line for the Python, Java or Node.js batch client."""
    common = dict(id=job["id"], host=job["host"], port=job["port"], sni=job.get("sni") or "",
                  ca=TRUST, alpn=job.get("alpn"))
    if stack == "python":
        return line(**common, min=job.get("version"), max=job.get("version"),
                    ciphers=cipher(job, OPENSSL) if job.get("cipher") else None,
                    keylog=job.get("keylog"), timeout=4)
    if stack == "node":
        v = "TLSv" + job["version"] if job.get("version") else None
        return line(**common, min=v, max=v,
                    ciphers=cipher(job, OPENSSL) if job.get("cipher") else None,
                    keylog=job.get("keylog"), timeout=4000)
    return line(**common, protocols=java_protocols(job),
                suites=cipher(job, IANA) if job.get("cipher") else None, timeout=4000)


def batch_cmd(stack, jobfile, classes):
    if stack == "python":
        return ["python3", os.path.join(HERE, "pyclient.py"), jobfile]
    if stack == "node":
        return ["node", os.path.join(HERE, "client.js"), jobfile]
    return ["java", "-cp", classes, "Matrix", "client", jobfile]


def concat(work, out, names):
    with open(os.path.join(work, out), "w") as f:
        for n in names:
            with open(os.path.join(work, n)) as g:
                f.write(g.read())


def compile_java(work):
    classes = os.path.join(work, "classes")
    os.makedirs(classes, exist_ok=True)
    p = subprocess.run(["javac", "-d", classes, os.path.join(HERE, "Matrix.java")],
                       capture_output=True, text=True, timeout=180)
    if p.returncode != 0:
        raise RuntimeError("javac: " + p.stderr)
    return classes


def missing_programs(stack):
    return [p for p in PROGRAMS[stack] if not shutil.which(p)]
