#!/bin/sh
# run-all.sh - runs every test suite and ends with one summary line
# "N passed, N failed".  Called by `make check` after the builds.
#   tools:   every program the suites use is installed (else they would skip)
#   unit:    cmocka tests, built with ASan+UBSan (build/san) and optimised (build/rel)
#   layout:  src/ in stage folders, calls one way, no new cycles or long files (nm of build/san)
#   cli:     exit status and messages of the command line (sanitizer build); its JSON
#            and NDJSON outputs are checked against docs/tlsanalyze.schema.json
#   schema:  the schema of facts: docs/tlsanalyze.schema.json and the fact tables of
#            rules/README.md are what the program prints, every sample output follows them
#   hostile: malformed and oversized inputs, one test per class (sanitizer build)
#   cert:    certificate chains served by openssl s_server on loopback, captured
#   golden:  per-connection facts vs tshark: samples/ and ../shared/corpus (if present)
#   decrypt-golden: corpus captures with key logs, decrypted, vs tshark with the same keys
#   fingerprints: JA3/JA3S of every hello vs tshark: samples/ and ../shared/corpus (if present)
#   memory:  peak RSS of the same traffic 1x vs 50x, and with 65,536 connections open (release build)
#   regress: every file of tests/regress/ under the sanitizers
#   quicgen: the QUIC packet writer for crafted captures (tests/lib/quicgen.py)
#            against the RFC 9001/9369 sample packets and tshark
#   quic-analysis: crafted QUIC captures through the analysis (split and reordered
#            ClientHello, two connections per 4-tuple, VN, Retry, crypto and transport
#            errors, no answer, other UDP), rules, text, --summary, --redact, -f
#   quic-golden: QUIC connections vs ../shared/corpus/quic/ORACLE.jsonl (if present)
#   decrypt: TLS 1.3/1.2 captures made now on loopback, with and without key logs
#   report:  the Markdown/HTML support-case report and --redact (headless Chromium)
#   matrix:  real clients (s_client, Python, Java, gnutls-cli, curl, Node.js) against
#            real servers (s_server, nginx, Python, Java, gnutls-serv, broken backends)
#            on loopback ports 45200-45399 and 45500-45699, one cell per cause and pair, vs tshark
#   apigee:  --profile apigee/apigee-x: captures of client app, Router, Message Processor and
#            backend on 127.0.0.2-5 (ports 45700-45799 and the MP port 8998), every seed
#            cause northbound and southbound, placed by option, inferred or honestly unknown,
#            and the remediation of that side only; every rule's side texts
#   largehello: a ClientHello too large for one segment of a 1500-byte path, dropped or
#            reset by a middlebox model, in a network namespace of its own (s_client,
#            Python, Node.js, Java), vs tshark
cd "$(dirname "$0")/.." || exit 2
pass=0
fail=0
log=$(mktemp -d)
# The loopback suites listen on ports 45000-45799, inside Linux's range of
# ephemeral ports: a client connection of an earlier suite that happened to
# get one of them (still closing) made a later server's bind fail.  While
# the tests run those ports are reserved (root only), then put back.
reserved=/proc/sys/net/ipv4/ip_local_reserved_ports
old_reserved=$(cat "$reserved" 2>/dev/null)
if [ -w "$reserved" ]; then
    echo "45000-45799${old_reserved:+,$old_reserved}" >"$reserved" 2>/dev/null ||
        echo "run-all: could not reserve ports 45000-45799 (tests may meet a busy port)"
fi
restore() {
    rm -rf "$log"
    if [ -w "$reserved" ]; then echo "$old_reserved" >"$reserved"; fi
}
trap restore EXIT
trap 'restore; exit 130' INT TERM
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

add() { # add PASSED FAILED
    pass=$((pass + $1)); fail=$((fail + $2))
}

for t in build/san/tests/* build/rel/tests/*; do
    [ -x "$t" ] || continue
    "$t" >"$log/out" 2>&1
    rc=$?
    p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log/out" | tail -n 1)
    f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log/out" | tail -n 1)
    p=${p:-0}; f=${f:-0}
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or leaked
    if [ "$f" -ne 0 ]; then cat "$log/out"; fi
    echo "unit $t: $p passed, $f failed"
    add "$p" "$f"
done

suite() { # suite NAME COMMAND...
    name=$1; shift
    "$@" >"$log/out" 2>&1
    rc=$?
    line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$log/out" | tail -n 1)
    cat "$log/out"
    if [ -z "$line" ]; then
        echo "$name: no summary (exit $rc): counted as 1 failed"
        add 0 1
        return
    fi
    p=$(echo "$line" | sed 's/^[a-z-]*: \([0-9]*\) passed.*/\1/')
    f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    add "$p" "$f"
}

# make check installed these (Makefile DEB_TEST); without one a suite would
# quietly skip its part, so a missing tool is a failure here.
tools() {
    p=0; f=0
    for t in tshark editcap tcpdump openssl zstd chromium cmark-gfm python3 \
             java javac keytool node curl gnutls-cli gnutls-serv nginx ip ss; do
        if command -v "$t" >/dev/null 2>&1; then
            p=$((p + 1))
        else
            f=$((f + 1))
            echo "tools: $t not found (make check installs it: Makefile DEB_TEST)"
        fi
    done
    echo "tools: $p passed, $f failed"
}

suite tools tools
suite layout python3 tests/layout_test.py
suite cli python3 tests/cli_test.py build/san/tlsanalyze
suite schema python3 tests/schema_test.py build/san/tlsanalyze
suite hostile python3 tests/hostile_test.py build/san/tlsanalyze
suite cert python3 tests/cert_test.py build/san/tlsanalyze
suite regress python3 tests/regress_test.py build/san/tlsanalyze
suite quicgen python3 tests/quicgen_test.py
suite quic-analysis env TLSANALYZE=build/san/tlsanalyze python3 tests/quic_analysis_test.py
suite quic-golden env TLSANALYZE=build/san/tlsanalyze python3 tests/quic_golden.py -j 2
suite decrypt python3 tests/decrypt_test.py build/san/tlsanalyze
suite golden env TLSANALYZE=build/san/tlsanalyze python3 tests/golden/compare.py -j 2
suite decrypt-golden env TLSANALYZE=build/san/tlsanalyze python3 tests/golden/decrypt_compare.py
suite fingerprints env TLSANALYZE=./tlsanalyze python3 tests/golden/fingerprint_compare.py -j 2
suite memory python3 tests/memory_test.py ./tlsanalyze
suite report python3 tests/report_test.py build/san/tlsanalyze
suite matrix python3 tests/matrix_test.py build/san/tlsanalyze
suite apigee python3 tests/apigee_test.py build/san/tlsanalyze
suite largehello python3 tests/largehello_test.py build/san/tlsanalyze

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
