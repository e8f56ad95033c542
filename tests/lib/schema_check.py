"""schema_check.py - validates tlsanalyze's JSON and NDJSON output against
docs/tlsanalyze.schema.json (the JSON Schema the program prints with
--print-schema, from its one schema of facts) with python3-jsonschema.

check_output(args, stdout) validates what a run printed when its arguments
ask for --format=json or --format=ndjson; check_document(doc) and
check_line(obj) validate parsed values.  A violation raises AssertionError
naming the path of the offending value.  A missing jsonschema module is an
error, not a skip: make check installs it (Makefile DEB_TEST)."""
import json
import os

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_FILE = os.path.join(ROOT, "docs", "tlsanalyze.schema.json")

_validators = {}


def _validator(ref):
    if ref not in _validators:
        with open(SCHEMA_FILE, encoding="utf-8") as f:
            schema = json.load(f)
        schema = dict(schema)
        schema.pop("oneOf", None)
        schema["$ref"] = "#/$defs/" + ref
        _validators[ref] = jsonschema.Draft202012Validator(schema)
    return _validators[ref]


def _check(ref, value, what):
    err = jsonschema.exceptions.best_match(_validator(ref).iter_errors(value))
    if err is not None:
        path = "".join("[%r]" % p if isinstance(p, int) else "." + str(p)
                       for p in err.absolute_path)
        raise AssertionError("%s does not follow docs/tlsanalyze.schema.json at %s: %s"
                             % (what, path or ".", err.message[:300]))


def check_document(doc, what="--format=json output"):
    _check("document", doc, what)


def check_line(obj, what="--format=ndjson line"):
    _check("line", obj, what)


def check_output(args, stdout):
    """Validates |stdout| (bytes or str) of a run with |args|; returns the
    number of values checked (0 when the run printed no JSON)."""
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8")
    fmt = None
    for a in args:
        if a in ("--format=json", "--format=ndjson"):
            fmt = a.split("=")[1]
    if fmt is None or not stdout.strip():
        return 0
    if fmt == "json":
        check_document(json.loads(stdout))
        return 1
    n = 0
    for line in stdout.splitlines():
        if line.strip():
            check_line(json.loads(line))
            n += 1
    return n
