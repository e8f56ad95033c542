"""harness.py - the test runner shared by cli_test.py, hostile_test.py and
report_test.py: a @test decorator that registers a function, and run()
that calls each one, prints ok/FAIL with the time it took (and the
traceback of a failure), removes the suite's temporary directory and ends
with the "NAME: N passed, N failed" line tests/run-all.sh reads.

Set ONLY=substring to run just the tests whose name contains it."""
import os
import shutil
import sys
import time
import traceback

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def run(name, tmpdir, width=62):
    passed = failed = 0
    t0 = time.monotonic()
    only = os.environ.get("ONLY")
    try:
        for t in TESTS:
            if only and only not in t.__name__:
                continue
            t1 = time.monotonic()
            try:
                t()
                passed += 1
                print("ok   %-*s %5.1fs" % (width, t.__name__, time.monotonic() - t1))
            except Exception:
                failed += 1
                print("FAIL %-*s %5.1fs" % (width, t.__name__, time.monotonic() - t1))
                traceback.print_exc(limit=3, file=sys.stdout)
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    print("     total %.1fs" % (time.monotonic() - t0))
    print("%s: %d passed, %d failed" % (name, passed, failed))
    return 1 if failed else 0
