#!/usr/bin/env python3
"""fake_tlsanalyze.py - stand-in for tlsanalyze, to test compare.py itself.

    TLSANALYZE=tests/golden/fake_tlsanalyze.py python3 tests/golden/compare.py

Prints tlsanalyze's NDJSON (--format=ndjson) for one capture, made from
tshark's view: the ORACLE.jsonl lines when the file is in the corpus, else
tshark_facts.py run now.  With no other setting compare.py must report 100 %.

FAKE_PERTURB=1 injects deterministic faults, so that each mismatch class,
the pairing and the crash handling can be seen working: shifted frames,
dropped and extra connections, swapped endpoints, changed SNI/versions/
ciphers/alerts, a crash (SIGABRT), exit 2 and exit 3.  FAKE_SLEEP=S makes
one file sleep S seconds (timeout test).  Not part of the test run.
"""

import hashlib
import ipaddress
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_facts  # noqa: E402


def h(*parts):
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def oracle_for(path):
    norm = os.path.abspath(path)
    marker = os.sep + "captures" + os.sep
    if marker in norm:
        corpus = norm[:norm.index(marker)]
        name = os.path.relpath(norm, corpus)
        out = []
        with open(os.path.join(corpus, "ORACLE.jsonl"), encoding="utf-8") as fh:
            for line in fh:
                o = json.loads(line)
                if o["file"] == name:
                    out.append(o)
        return name, out
    conns, _ = tshark_facts.facts(path)
    return path, conns


def spell_ep(ep, key):
    """Write IPv6 addresses in the long form half the time (must still match)."""
    if ep.startswith("[") and key % 2:
        addr, _, port = ep[1:].rpartition("]:")
        return "[%s]:%s" % (ipaddress.ip_address(addr).exploded, port)
    return ep


def to_ndjson(path, o, n, perturb):
    key = h(o["file"], o["tcp_stream"])
    frames = [x for x in [o["client_hello_frame"], o["server_hello_frame"]]
              + [a["frame"] for a in o["alerts"]] if x is not None]
    ch = None
    if o["client_hello_frame"] is not None:
        ch = {"frame": o["client_hello_frame"], "count": o["client_hello_count"],
              "sslv2": o["client_max_version"] == "SSL 2.0", "sni": o["sni"],
              "max_version": o["client_max_version"],
              "legacy_version": o["client_legacy_version"],
              "supported_versions": o["supported_versions"],
              "cipher_suites": o["cipher_suites"], "cipher_suite_codes": o["cipher_suites"],
              "alpn": o["alpn"], "extensions": []}
    sh = None
    if o["server_hello_frame"] is not None:
        sh = {"frame": o["server_hello_frame"], "version": o["server_version"],
              "cipher_suite": o["cipher"], "cipher_suite_code":
              (o["cipher"].upper().replace("0X", "0x") if o["cipher"] and key % 3 == 0
               else o["cipher"]),
              "hello_retry_request": o["hello_retry_request"]}
    alerts = [dict(a) for a in o["alerts"]]
    client, server = o["client"], o["server"]
    if perturb:
        if sh and key % 17 == 0:
            sh["frame"] += 1
        if key % 23 == 0:
            client, server = server, client
        if ch and ch["sni"] and key % 31 == 0:
            ch["sni"] = ch["sni"].upper()
        if sh and key % 37 == 0:
            sh["version"] = "TLS 1.1"
        if sh and key % 41 == 0:
            sh["cipher_suite_code"] = None
        if alerts and key % 5 == 0:
            alerts.pop()
        if key % 43 == 0:
            alerts.append({"frame": 7, "from": "client", "level": "fatal",
                           "description": "decode_error", "code": 50, "encrypted": False})
    return {"type": "connection", "file": path, "id": n,
            "client": spell_ep(client, key), "server": spell_ep(server, key),
            "first_frame": min(frames) - 3 if frames else 1, "outcome": "completed",
            "client_hello": ch, "server_hello": sh, "certificate_request": None,
            "certificates": [], "alerts": alerts, "warnings": [], "diagnoses": []}


def main(argv):
    if len(argv) != 3 or argv[1] != "--format=ndjson":
        print("usage: fake_tlsanalyze.py --format=ndjson FILE", file=sys.stderr)
        return 2
    path = argv[2]
    perturb = os.environ.get("FAKE_PERTURB") == "1"
    name, oracle = oracle_for(path)
    fkey = h(name)
    if os.environ.get("FAKE_SLEEP") and fkey % 50 == 0:
        time.sleep(float(os.environ["FAKE_SLEEP"]))
    if perturb and fkey % 97 == 1:
        os.abort()
    if perturb and fkey % 89 == 2:
        return 3
    if perturb and fkey % 83 == 3:
        print("tlsanalyze: cannot read", file=sys.stderr)
        return 2
    n = 0
    for o in oracle:
        if perturb and h(o["file"], o["tcp_stream"]) % 19 == 0:
            continue
        n += 1
        print(json.dumps(to_ndjson(path, o, n, perturb)))
    if perturb and fkey % 13 == 0:
        n += 1
        print(json.dumps({"type": "connection", "file": path, "id": n,
                          "client": "192.0.2.1:50000", "server": "192.0.2.2:8443",
                          "first_frame": 1, "outcome": "completed",
                          "client_hello": {"frame": 4, "sni": "extra.example"},
                          "server_hello": None, "alerts": []}))
        print(json.dumps({"type": "connection", "file": path, "id": n + 1,
                          "client": "192.0.2.1:50001", "server": "192.0.2.2:25",
                          "first_frame": 9, "outcome": "not_tls", "client_hello": None,
                          "server_hello": None, "alerts": []}))
    if perturb and fkey % 71 == 5:
        print("this line is not json")
    print(json.dumps({"type": "capture", "file": path, "linktypes": ["EN10MB"],
                      "packets": 0, "duplicates": 0, "warnings": []}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
