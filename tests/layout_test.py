#!/usr/bin/env python3
"""layout_test.py - the source tree reads as the pipeline.

src/ has one folder per stage, in the order data flows (STAGES below, as
README's "How it works" lists them).  From the sanitizer build's object
files (build/san/src/STAGE/*.o, made by `make check`), `nm` says which file
calls which: file A depends on file B when A uses a symbol B defines.  The
tests:

  - every folder of src/ is a stage of STAGES and holds .c and .h files only;
  - calls go one way: no file depends on a file of a later stage;
  - no cycles between files (strongly connected groups of more than one
    file), apart from KNOWN_CYCLES, each with its reason;
  - a header is included only from its own stage or a later one, and a
    private header (*_int.h) only from its own folder;
  - no source file over 1,000 lines, apart from KNOWN_LONG;
  - no function over 60 lines in the parsing stages (PARSERS), and in the
    others only those of KNOWN_LONG_FUNCTIONS.

The known lists are the debt still open (issue 15); a new entry needs a
reason, and an entry that no longer applies fails the test so that the
list only shrinks.  Ends with "layout: N passed, N failed".
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import test  # noqa: E402
import harness  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
OBJ = os.path.join(ROOT, "build", "san", "src")

STAGES = ["base", "capture", "decode", "tcp", "cert", "tls", "quic", "analyze", "facts", "rules",
          "report", "output", "cli"]

# Files that still call each other in a circle, and why.
KNOWN_CYCLES = {}

# Source files over the size limit, and why.
KNOWN_LONG = {}

MAX_LINES = 1000

# Stages whose every function reads bytes from a capture: short functions.
PARSERS = ["capture", "decode", "tcp", "cert", "tls", "quic"]
MAX_FUNCTION = 60

# Functions over the limit outside the parsers, and why.
KNOWN_LONG_FUNCTIONS = {
    "cli/main.c:main": "the run's steps with their clean-up on each failure",
    "cli/options.c:ta_options_print_completion": "the completion script's text",
}


def files(ext):
    out = []
    for stage in sorted(os.listdir(SRC)):
        d = os.path.join(SRC, stage)
        if os.path.isdir(d):
            out += ["%s/%s" % (stage, f) for f in sorted(os.listdir(d)) if f.endswith(ext)]
    return out


def stage_of(rel):
    return STAGES.index(rel.split("/")[0])


def symbol_graph():
    """{file.c: set(file.c it calls)} from nm of the sanitizer build."""
    defined, used = {}, {}
    for c in files(".c"):
        obj = os.path.join(OBJ, c[:-2] + ".o")
        assert os.path.exists(obj), "%s not built (make check builds build/san)" % obj
        out = subprocess.run(["nm", "--defined-only", "-g", obj], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBR":
                defined[parts[2]] = c
        out = subprocess.run(["nm", "-u", obj], capture_output=True, text=True,
                             check=True).stdout
        used[c] = {line.split()[-1] for line in out.splitlines() if line.strip()}
    graph = {}
    for c, syms in used.items():
        graph[c] = {defined[s] for s in syms if s in defined and defined[s] != c}
    return graph


def cycles(graph):
    """Strongly connected groups of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(frozenset(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@test
def every_folder_is_a_stage():
    for name in os.listdir(SRC):
        path = os.path.join(SRC, name)
        assert os.path.isdir(path), "src/%s: a file outside the stage folders" % name
        assert name in STAGES, "src/%s is not a stage of %s" % (name, STAGES)
        for f in os.listdir(path):
            assert f.endswith((".c", ".h")), "src/%s/%s" % (name, f)


@test
def calls_go_from_later_stages_to_earlier_ones():
    graph = symbol_graph()
    bad = ["%s -> %s" % (a, b) for a, deps in sorted(graph.items()) for b in sorted(deps)
           if stage_of(b) > stage_of(a)]
    assert not bad, "a stage calls a later one:\n  " + "\n  ".join(bad)


@test
def no_cycles_between_files_but_the_known_ones():
    found = set(cycles(symbol_graph()))
    new = [sorted(g) for g in found if g not in KNOWN_CYCLES]
    gone = [sorted(g) for g in KNOWN_CYCLES if g not in found]
    assert not new, "files calling each other in a circle: %s" % new
    assert not gone, "no longer a cycle, take it off KNOWN_CYCLES: %s" % gone


@test
def headers_are_included_from_their_stage_or_later():
    where = {os.path.basename(h): h for h in files(".h")}
    bad = []
    for f in files(".c") + files(".h"):
        text = open(os.path.join(SRC, f), encoding="utf-8").read()
        for name in re.findall(r'^#include "([^"]+)"', text, re.M):
            h = where.get(name)
            assert h is not None, "%s includes %s, which is not in src/" % (f, name)
            if stage_of(h) > stage_of(f):
                bad.append("%s includes %s" % (f, h))
            if name.endswith("_int.h") and h.split("/")[0] != f.split("/")[0]:
                bad.append("%s includes another stage's private %s" % (f, h))
    assert not bad, "\n  ".join(bad)


@test
def no_source_file_over_the_limit_but_the_known_ones():
    long = {f for f in files(".c") + files(".h")
            if sum(1 for _ in open(os.path.join(SRC, f), encoding="utf-8")) > MAX_LINES}
    assert long <= set(KNOWN_LONG), "over %d lines: %s" % (MAX_LINES, sorted(long - set(KNOWN_LONG)))
    assert set(KNOWN_LONG) <= long, "back under the limit, take off KNOWN_LONG: %s" % sorted(
        set(KNOWN_LONG) - long)


def functions(rel):
    """(name, lines) of each function definition of src/|rel| (house style:
    the name line ends with ")", the body opens with "{" alone on the next
    line and closes with "}" alone)."""
    lines = open(os.path.join(SRC, rel), encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines) - 1:
        m = re.match(r"^[A-Za-z].*?(\w+)\(.*\)\s*$", lines[i])
        if m and lines[i + 1] == "{":
            j = i + 1
            while j < len(lines) and lines[j] != "}":
                j += 1
            out.append((m.group(1), j - i + 1))
            i = j
        i += 1
    return out


@test
def no_long_functions_in_parsers_and_only_known_ones_elsewhere():
    long = {"%s:%s" % (f, name): n for f in files(".c") for name, n in functions(f)
            if n > MAX_FUNCTION}
    assert sum(1 for f in files(".c") for _ in functions(f)) > 500   # the scan sees them
    in_parsers = sorted(k for k in long if k.split("/")[0] in PARSERS)
    assert not in_parsers, "parser functions over %d lines: %s" % (MAX_FUNCTION, in_parsers)
    new = sorted(set(long) - set(KNOWN_LONG_FUNCTIONS))
    gone = sorted(set(KNOWN_LONG_FUNCTIONS) - set(long))
    assert not new, "functions over %d lines: %s" % (MAX_FUNCTION, new)
    assert not gone, "back under the limit, take off KNOWN_LONG_FUNCTIONS: %s" % gone


@test
def readme_names_every_stage_in_order():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    how = text[text.index("## How it works"):]
    how = how[:how.index("\n## ", 3)]
    at = [how.find("`src/%s/" % s) for s in STAGES]
    assert all(i >= 0 for i in at), "README How it works misses %s" % [
        s for s, i in zip(STAGES, at) if i < 0]
    assert at == sorted(at), "README lists the stages out of order"


if __name__ == "__main__":
    sys.exit(harness.run("layout", "", 56))
