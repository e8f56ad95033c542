#!/usr/bin/env python3
"""schema_test.py BINARY - the one schema of facts and what is made of it.

tlsanalyze declares every fact once (src/facts/facts_wire.c, src/facts/facts_derived.c);
the JSON writer, the rules, redaction and these documents read that
declaration.  This suite checks that the documents made from it are the
checked-in ones, that the JSON Schema is a real constraint, and that every
output of the samples follows it.  Ends with "schema: N passed, N failed".
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import jsonschema  # noqa: E402
import schema_check  # noqa: E402
from harness import test  # noqa: E402
import harness  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
TMP = tempfile.mkdtemp(prefix="tlsa-schema-")
BEGIN = "<!-- facts: printed by tlsanalyze --print-facts; do not edit by hand -->"
END = "<!-- end of the printed facts -->"


def run(*args):
    p = subprocess.run([BIN, "--quiet", *args], capture_output=True, timeout=120)
    assert p.returncode in (0, 1), (args, p.returncode, p.stderr.decode(errors="replace"))
    return p.stdout.decode("utf-8")


def samples():
    out = []
    for path in sorted(glob.glob(os.path.join(SAMPLES, "*.pcap*"))):
        keys = os.path.splitext(path)[0] + ".keys"
        out.append((path, ["--keylog", keys] if os.path.exists(keys) else []))
    return out


@test
def checked_in_schema_is_the_printed_one():
    printed = run("--print-schema")
    with open(schema_check.SCHEMA_FILE, encoding="utf-8") as f:
        kept = f.read()
    assert printed == kept, ("docs/tlsanalyze.schema.json is not what --print-schema prints: "
                             "run ./tlsanalyze --print-schema > docs/tlsanalyze.schema.json")


@test
def fact_tables_in_rules_readme_are_the_printed_ones():
    with open(os.path.join(ROOT, "rules", "README.md"), encoding="utf-8") as f:
        doc = f.read()
    assert doc.count(BEGIN) == 1 and doc.count(END) == 1, "markers missing in rules/README.md"
    kept = doc[doc.index(BEGIN) + len(BEGIN):doc.index(END)].strip("\n")
    printed = run("--print-facts").strip("\n")
    assert kept == printed, ("rules/README.md section 5 differs from --print-facts: paste its "
                             "output between the markers")


@test
def every_rule_fact_in_the_tables_resolves_in_a_rule():
    paths = re.findall(r"^\| `([^`]*)`", run("--print-facts"), re.M)
    assert len(paths) > 150, len(paths)
    rule = os.path.join(TMP, "all-facts.yaml")
    with open(rule, "w", encoding="utf-8") as f:
        f.write("id: all-facts\nseverity: info\ntitle: t\nwhen: {outcome: {exists: true}}\n"
                "summary: \"%s\"\n" % "".join("{%s|}" % p for p in paths))
    p = subprocess.run([BIN, "--no-default-rules", "--rules", rule, "--list-rules"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


@test
def schema_is_valid_and_rejects_what_the_contract_forbids():
    with open(schema_check.SCHEMA_FILE, encoding="utf-8") as f:
        jsonschema.Draft202012Validator.check_schema(json.load(f))
    doc = json.loads(run("--format=json", os.path.join(SAMPLES, "expired-cert.pcap")))
    schema_check.check_document(doc)
    conn = doc["captures"][0]["connections"][0]
    bad = [("outcome", 5), ("client_hello", "x"), ("made_up", 1), ("chain", {"from": "server"}),
           ("alerts", [{"frame": "6"}]), ("handshake", None)]
    for key, value in bad:
        c = dict(conn)
        c[key] = value
        d = {"captures": [dict(doc["captures"][0], connections=[c])]}
        try:
            schema_check.check_document(d)
        except AssertionError:
            continue
        raise AssertionError("the schema accepts %s = %r" % (key, value))
    c = dict(conn)
    del c["outcome"]
    try:
        schema_check.check_line(dict(c, type="connection", file="x"))
    except AssertionError:
        return
    raise AssertionError("the schema accepts a connection without outcome")


@test
def sample_outputs_follow_the_schema():
    n = 0
    for path, keys in samples():
        for args in (["--format=json"], ["--format=ndjson"], ["--format=json", "--redact"],
                     ["--format=ndjson", "--redact=ips"], ["--format=json", "--summary"],
                     ["--format=ndjson", "--summary", "--profile", "apigee"]):
            full = args + keys + [path]
            n += schema_check.check_output(full, run(*full))
    files = [p for p, _ in samples()]
    for args in (["--format=json", "-j", "2"], ["--format=ndjson", "-j", "2"],
                 ["--format=json", "--report", os.path.join(TMP, "r.md")],
                 ["--format=json", "--extract-certs", os.path.join(TMP, "certs")]):
        n += schema_check.check_output(args, run(*(args + files)))
    assert n > 100, n


@test
def unreadable_capture_follows_the_schema():
    bad = os.path.join(TMP, "bad.pcap")
    with open(bad, "wb") as f:
        f.write(b"not a capture at all")
    for fmt in ("--format=json", "--format=ndjson"):
        p = subprocess.run([BIN, fmt, bad, os.path.join(SAMPLES, "no-sni.pcap")],
                           capture_output=True)
        assert p.returncode == 2, p.returncode
        assert schema_check.check_output([fmt], p.stdout) > 0


if __name__ == "__main__":
    sys.exit(harness.run("schema", TMP))
