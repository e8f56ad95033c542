"""synflood.py - tests/stress/gen.py syn N piped into tlsanalyze, measured.

run(binary, n, *args) runs `gen.py syn N | BINARY --format=ndjson ARGS -`
(N TCP SYNs that are never answered, each its own connection) and returns
(exit status, peak RSS in KiB of the tool, the last stdout line parsed:
the capture's record, stderr as text).  Both output streams are drained
as they come (keeping the last 64 KiB of stdout), the tool is killed
after 150 s, and the capture record is checked against the JSON Schema.
Used by the hostile suite (sanitizer build: limits and warnings) and the
memory suite (release build: peak RSS with --max-connections open)."""
import json
import os
import subprocess
import sys
import threading

import schema_check

GEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "stress",
                   "gen.py")


def run(binary, n, *args):
    gen = subprocess.Popen([sys.executable, GEN, "syn", str(n)], stdout=subprocess.PIPE)
    p = subprocess.Popen([binary, "--format=ndjson", *args, "-"], stdin=gen.stdout,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    gen.stdout.close()
    tail = [b""]
    err = []

    def read_out():
        for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
            tail[0] = (tail[0] + chunk)[-65536:]

    threads = [threading.Thread(target=read_out),
               threading.Thread(target=lambda: err.append(p.stderr.read()))]
    for t in threads:
        t.start()
    timer = threading.Timer(150, p.kill)
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join()
    gen.wait()
    last = json.loads(tail[0].rstrip(b"\n").rsplit(b"\n", 1)[-1])
    schema_check.check_line(last)
    return p.returncode, ru.ru_maxrss, last, err[0].decode("utf-8", "replace")
