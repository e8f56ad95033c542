#!/bin/sh
# make-examples.sh - writes the example support-case reports in docs/examples/
# with the tlsanalyze built in this tree (run from the top: sh docs/examples/make-examples.sh).
set -e
cd "$(dirname "$0")/../.."
T=./tlsanalyze
[ -x "$T" ] || make tlsanalyze
for fmt in md html; do
    "$T" --quiet --keylog samples/hostname-mismatch-tls13.keys \
        --report docs/examples/hostname-mismatch-tls13.$fmt samples/hostname-mismatch-tls13.pcap >/dev/null || true
    "$T" --quiet --report docs/examples/incomplete-chain.$fmt samples/incomplete-chain.pcap >/dev/null || true
done
# Every sample in one report, names and addresses replaced (a fixed key, so
# that the file changes only when the report does).
"$T" --quiet --redact-key examples --report docs/examples/samples-redacted.html \
    samples/*.pcap samples/*.pcapng >/dev/null || true
