#!/usr/bin/env python3
"""regress_test.py BINARY - every file under tests/regress/ through tlsanalyze.

Each run must exit with 0, 1 or 2 within 20 s and print no sanitizer report;
what a capture prints must follow docs/tlsanalyze.schema.json.
Ends with "regress: N passed, N failed".
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import schema_check  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regress")
MARKERS = (b"AddressSanitizer", b"LeakSanitizer", b"runtime error:", b"UndefinedBehaviorSanitizer")


def main():
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(ROOT) for f in fs
                   if not f.endswith(".md"))
    passed = failed = 0
    for path in files:
        # Rule files are loaded as rules; everything else is read as a capture.
        rel = os.path.relpath(path, ROOT)
        args = (["--no-default-rules", "--rules", path, "--list-rules"]
                if rel.startswith("rules" + os.sep) else ["--format=json", path])
        try:
            p = subprocess.run([BIN] + args, capture_output=True, timeout=20)
            ok = p.returncode in (0, 1, 2) and not any(m in p.stderr for m in MARKERS)
            why = "exit %d" % p.returncode
            if ok:
                try:
                    schema_check.check_output(args, p.stdout)
                except (AssertionError, ValueError) as e:
                    ok, why = False, str(e)[:300]
        except subprocess.TimeoutExpired:
            ok, why = False, "timeout"
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s (%s)" % (os.path.relpath(path, ROOT), why))
    print("regress: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
