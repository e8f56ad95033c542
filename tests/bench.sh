#!/usr/bin/env bash
# bench.sh - `make bench`: issue 14's targets measured in one run and printed
# as one table (tests/bench_table.py), with the libpcap floor and the peers
# (tshark, ssldump, ndpiReader, when installed) on the same captures.
#
# The timing is the benchmark kit's own (../shared/bench/run_bench.sh: the
# capture cat'ed into the page cache before each tool, minimum wall time and
# maximum peak RSS over RUNS runs, GNU time -v), so the figures compare with
# the kit's README.  The kit is read-only and times one tlsanalyze command
# per call, so this script calls it once per measurement, each time in a
# folder of its own that links the captures: every call then has its own
# results.tsv and out/ and none can mix with another call's rows (or with
# someone else's run of the kit in the shared capture folder).
#
#   main     pcount (the floor) and tlsanalyze --format=ndjson, counts checked
#   peers    tshark, ssldump, ndpiReader (those installed; PEER_RUNS runs)
#   summary  tlsanalyze --summary
#   j1, j2   tlsanalyze --summary -j 1 / -j 2 on JCAP given twice
#   alloc    heap allocations per connection (tests/alloc_per_conn.py)
#
# Environment (make passes BENCH_KIT, BENCH_DIR, BENCH_QUICK and BENCH_RUNS as RUNS):
#   BENCH_KIT   the kit (default ../shared/bench beside the checkout)
#   BENCH_DIR   captures + MANIFEST.json (default ~/.cache/tlsa-bench)
#   CAPS        captures (default "bulk.pcap hs.pcap hs-x1.pcap hs-x50.pcap")
#   BENCH_QUICK 1: CAPS="hs-x1.pcap hs-x50.pcap" and one run each (about 1 min
#               with the peers, 20 s without): for development, not for the
#               closing note
#   RUNS        runs per measurement (default 3, 1 with BENCH_QUICK)
#   PEER_RUNS   runs per peer measurement (default RUNS)
#   BENCH_PEERS peers to run (default: those installed of "tshark ssldump ndpi";
#               empty string: none)
#   JCAP        the capture given twice to -j (default hs-x50.pcap)
#   TIMEOUT     seconds per run (default 600; tshark needs about 70 s on hs.pcap)
#   TLSA        the binary (default ./tlsanalyze of this checkout)
#   BENCH_KEEP  1: keep the tools' outputs (they are large: ~1 GB for hs.pcap)
# The table also goes to $BENCH_DIR/make-bench/table.md, next to the raw rows.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
KIT=$(cd "${BENCH_KIT:-$TOP/../shared/bench}" && pwd) || exit 2
BENCH_DIR=${BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tlsa-bench}
TLSA=${TLSA:-$TOP/tlsanalyze}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    CAPS=${CAPS:-hs-x1.pcap hs-x50.pcap}
    RUNS=${RUNS:-1}
else
    CAPS=${CAPS:-bulk.pcap hs.pcap hs-x1.pcap hs-x50.pcap}
    RUNS=${RUNS:-3}
fi
PEER_RUNS=${PEER_RUNS:-$RUNS}
JCAP=${JCAP:-hs-x50.pcap}
TIMEOUT=${TIMEOUT:-600}
export TIMEOUT

[ -x "$TLSA" ] || { echo "bench: $TLSA not built (make tlsanalyze)" >&2; exit 2; }
[ -f "$BENCH_DIR/MANIFEST.json" ] || {
    echo "bench: no captures in $BENCH_DIR (make bench runs the kit's make_bench.sh)" >&2; exit 2; }
if [ -z "${BENCH_PEERS+set}" ]; then
    BENCH_PEERS=""
    command -v tshark >/dev/null && BENCH_PEERS="$BENCH_PEERS tshark"
    command -v ssldump >/dev/null && BENCH_PEERS="$BENCH_PEERS ssldump"
    command -v ndpiReader >/dev/null && BENCH_PEERS="$BENCH_PEERS ndpi"
fi

OUT=$BENCH_DIR/make-bench
rm -rf "$OUT"          # the previous run's rows and (large) outputs
mkdir -p "$OUT" || exit 2

# step NAME RUNS CAPS TOOL... -- one call of the kit in $OUT/NAME; further
# settings (TLSA_CMD, TLSA_COUNT) come from the caller's environment.
step() {
    local name=$1 runs=$2 caps=$3 d
    shift 3
    d=$OUT/$name
    mkdir -p "$d" || return 1
    ln -s "$BENCH_DIR/MANIFEST.json" "$BENCH_DIR/bin" "$d/"
    for c in $caps; do ln -s "$BENCH_DIR/$c" "$d/$c"; done
    echo "bench: $name: $* on $caps ($runs run(s) each)" >&2
    # The kit prints its own table of the call; ours is printed at the end.
    BENCH_DIR=$d CAPS=$caps RUNS=$runs bash "$KIT/run_bench.sh" "$@" > "$d/kit-table.md"
    [ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$d"/out/*.out
}

TLSA_CMD="$TLSA --format=ndjson" TLSA_COUNT="python3 $TOP/tests/bench_count.py" \
    step main "$RUNS" "$CAPS" pcount tlsa
# shellcheck disable=SC2086  # a list of tool names
[ -n "${BENCH_PEERS// /}" ] && step peers "$PEER_RUNS" "$CAPS" $BENCH_PEERS
TLSA_CMD="$TLSA --summary" step summary "$RUNS" "$CAPS" tlsa
if [ -f "$BENCH_DIR/$JCAP" ]; then
    # The kit appends the capture to the command: JCAP is then given twice.
    TLSA_CMD="$TLSA --summary -j 1 $OUT/j1/$JCAP" step j1 "$RUNS" "$JCAP" tlsa
    TLSA_CMD="$TLSA --summary -j 2 $OUT/j2/$JCAP" step j2 "$RUNS" "$JCAP" tlsa
fi
echo "bench: alloc: tlsanalyze under tests/alloccount.c on hs-x1.pcap and hs-x50.pcap" >&2
python3 "$TOP/tests/alloc_per_conn.py" --tlsa "$TLSA" --preload "$TOP/build/alloccount.so" \
    --bench-dir "$BENCH_DIR" --tsv "$OUT/alloc.tsv" > "$OUT/alloc.md" || exit 1

python3 "$TOP/tests/bench_table.py" "$OUT" "$BENCH_DIR/MANIFEST.json" "$CAPS" "$JCAP" \
    | tee "$OUT/table.md"
