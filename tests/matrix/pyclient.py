"""pyclient.py - the Python `ssl` client of tests/matrix_test.py.  One
process runs every Python connection of a run, a few at once (threads):

    python3 pyclient.py JOBS

A line of JOBS is tab-separated key=value pairs: id, host, port, sni (empty:
no SNI, as ssl does for an IP address), ca, min/max (1.2, 1.3), ciphers
(OpenSSL names, TLS 1.2 only: Python cannot set TLS 1.3 suites), keylog,
timeout (s), alpn (comma-separated protocols offered).  Prints "JOB id ok|error: message" per job."""
import concurrent.futures
import socket
import ssl
import sys

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def parse(line):
    return dict(kv.split("=", 1) for kv in line.rstrip("\n").split("\t") if "=" in kv)


def context(job):
    ctx = ssl.create_default_context(cafile=job["ca"])
    if not job.get("sni"):
        ctx.check_hostname = False      # no name to check; the chain still is
    if job.get("min"):
        ctx.minimum_version = VERSIONS[job["min"]]
    if job.get("max"):
        ctx.maximum_version = VERSIONS[job["max"]]
    if job.get("ciphers"):
        ctx.set_ciphers(job["ciphers"])
    if job.get("alpn"):
        ctx.set_alpn_protocols(job["alpn"].split(","))
    if job.get("keylog"):
        ctx.keylog_filename = job["keylog"]
    return ctx


def handshake(job):
    try:
        ctx = context(job)
        timeout = float(job.get("timeout", "4"))
        with socket.create_connection((job["host"], int(job["port"])), timeout=timeout) as s:
            with ctx.wrap_socket(s, server_hostname=job.get("sni") or None) as t:
                t.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n"
                          % (job.get("sni") or job["host"]).encode())
                while t.recv(4096):
                    pass
                return "JOB %s ok %s" % (job["id"], t.version())
    except (OSError, ssl.SSLError, ValueError) as e:
        return "JOB %s error: %s" % (job["id"], e)


def main():
    with open(sys.argv[1]) as f:
        jobs = [parse(line) for line in f if line.strip()]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for line in pool.map(handshake, jobs):
            print(line, flush=True)


if __name__ == "__main__":
    main()
