#!/usr/bin/env bash
# make-samples.sh - regenerate the sample TLS captures in samples/.
#
# Usage (from the top of the tree, as root: tcpdump has to capture on lo):
#
#     sh samples/make-samples.sh            # writes into samples/
#     sh samples/make-samples.sh OUTDIR     # writes into OUTDIR instead
#     ONLY="tls12-ok weak-cipher" sh samples/make-samples.sh /tmp/try
#                                           # quick partial run (see below)
#
# What it does: installs missing Debian packages (tests/install-deps.sh),
# builds a throw-away PKI with `openssl req`/`openssl ca` in a mktemp -d
# directory, then for every scenario starts tcpdump on lo (filtered to the
# scenario's port), a real server (`openssl s_server`, a small Python ssl
# server for the SNI case, `python3 -m http.server`, or a raw Python TCP
# server that resets or stays silent) and a real client (`openssl s_client`,
# curl, or a Python client that sends a ClientHello made by the ssl module
# and then gives up), all on 127.0.0.1 / ::1 only.  Client key logs are
# kept beside the captures as NAME.keys.
# Derived files (pcapng, nanosecond pcap, mid-stream, merged) are made with
# editcap/mergecap.  Finally EXPECTED.tsv is written from tshark output and
# every capture is checked for what it is supposed to show (the alert, the
# RST or FIN, the plaintext answer, the version or cipher suite).  A capture
# with kernel drops or gaps is retaken (up to 3 tries).  Files are built in
# the work directory and copied to the output directory only when the whole
# run has passed, so a failed run leaves the old set untouched.
#
# Every process the script starts is recorded by PID and killed by the EXIT
# trap.  Set KEEP_WORK=1 to keep the work directory (PKI, server/client
# logs) for debugging.  Ports used on loopback (they must be free): 44301-44320
# and 44323-44324; 44321 and 44322 are skipped because Wireshark decodes them
# as PCP, not TLS, which would spoil the tshark-made EXPECTED.tsv.
#
# ONLY="NAME ..." runs just those scenarios (capture names without .pcap);
# derived files (pcapng, -ns, midstream, multi) are made when all their
# sources were captured, only the checks for files that exist run, and
# EXPECTED.tsv covers only them.  A partial set does not belong in samples/,
# so ONLY needs an explicit OUTDIR.  Always finish with a full run.
#
# Captures differ from run to run (fresh keys, client ports, timing, and
# occasionally frame numbers), so the captures, *.keys and EXPECTED.tsv only
# match when they come from the same run; the script always writes all three.

# Re-run under bash when started as `sh make-samples.sh` (dash has no arrays).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
OUT=${1:-$HERE}
ONLY=${ONLY:-}
if [ -n "$ONLY" ] && [ -z "${1:-}" ]; then
    echo "make-samples: ONLY=... needs an OUTDIR (a partial run must not replace samples/)" >&2
    exit 2
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PYTHON=${PYTHON:-python3}

die() { echo "make-samples: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (tcpdump on lo)"
sh "$TOP/tests/install-deps.sh" openssl tcpdump tshark python3 wireshark-common curl
for t in openssl tcpdump tshark editcap mergecap capinfos "$PYTHON" timeout curl; do
    command -v "$t" >/dev/null || die "missing tool: $t"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/make-samples.XXXXXX")
FINAL=$OUT       # files are built in $WORK/out and copied here only at the end
OUT=$WORK/out
mkdir -p "$OUT"
PIDS=()          # every background process still to be reaped

forget() {       # forget PID: drop a reaped PID so the trap never kills a reused one
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

cleanup() {
    local rc=$? p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "make-samples: kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE REGEX [TRIES]: poll FILE (0.05 s steps) until REGEX shows up.
wait_for() {
    local i
    for ((i = 0; i < ${3:-200}; i++)); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "--- $1:" >&2; cat "$1" >&2 || true
    die "timed out waiting for '$2' in $1"
}

port_free() {
    ! ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q .
}

# ---------------------------------------------------------------- PKI ----
cd "$WORK"
printf 'hello from the tlsanalyze sample server\n' > hello.txt
printf 'GET /hello.txt HTTP/1.0\r\n\r\n' > request.txt

# The CA configuration is shared with tests/cert_test.py; SAN is the
# subjectAltName of every server leaf made here.
cp "$TOP/tests/lib/pki.cnf" ca.cnf
export SAN="DNS:api.example.com, DNS:localhost, IP:127.0.0.1, IP:::1"

quiet() {        # quiet CMD...: run CMD, show its output only if it fails
    "$@" >quiet.log 2>&1 || { cat quiet.log >&2; die "failed: $*"; }
}
newca() {        # newca DIR: empty CA database
    mkdir -p "$1/newcerts"
    : > "$1/index.txt"
    openssl rand -hex 8 > "$1/serial"
}
csr() {          # csr NAME SUBJECT: NAME.key + NAME.csr (RSA 2048)
    CADIR=. quiet openssl req -new -config ca.cnf -newkey rsa:2048 -nodes \
        -keyout "$1.key" -out "$1.csr" -subj "$2"
}
sign() {         # sign CADIR EXTENSIONS NAME [openssl ca options...]
    local cadir=$1 ext=$2 name=$3
    shift 3
    CADIR=$cadir quiet openssl ca -batch -notext -config ca.cnf -extensions "$ext" \
        -in "$name.csr" -out "$name.pem" "$@"
}
selfsign() {     # selfsign CADIR SUBJECT: root CA in CADIR/ca.pem
    newca "$1"
    csr "$1/ca" "$2"
    CADIR=$1 quiet openssl ca -batch -notext -config ca.cnf -selfsign \
        -keyfile "$1/ca.key" -extensions v3_root -in "$1/ca.csr" -out "$1/ca.pem" \
        -startdate 20190101000000Z -enddate 20451231235959Z
}
intermediate() { # intermediate PARENTDIR DIR SUBJECT
    newca "$2"
    csr "$2/ca" "$3"
    sign "$1" v3_intermediate "$2/ca" -startdate 20190101000000Z -enddate 20401231235959Z
}

echo "make-samples: building throw-away PKI in $WORK" >&2
selfsign rootca "/O=tlsanalyze samples/CN=Sample Root CA"
intermediate rootca interca "/O=tlsanalyze samples/CN=Sample Intermediate CA"
csr leaf "/O=tlsanalyze samples/CN=api.example.com"
sign interca server_leaf leaf -days 3650
csr expired "/O=tlsanalyze samples/CN=api.example.com"
sign interca server_leaf expired -startdate 20200101000000Z -enddate 20210101000000Z
csr client "/O=tlsanalyze samples/CN=sample client"
sign interca client_leaf client -days 3650
selfsign evilroot "/O=Untrusted Corp/CN=Untrusted Root CA"
intermediate evilroot evilinter "/O=Untrusted Corp/CN=Untrusted Intermediate CA"
csr evil "/O=Untrusted Corp/CN=api.example.com"
sign evilinter server_leaf evil -days 3650

cp rootca/ca.pem root.pem
cp interca/ca.pem inter.pem
cp evilinter/ca.pem evilinter.pem
cat leaf.pem inter.pem > fullchain.pem
quiet openssl verify -CAfile root.pem -untrusted inter.pem leaf.pem
quiet openssl verify -CAfile root.pem -untrusted inter.pem client.pem
if openssl verify -CAfile root.pem -untrusted inter.pem expired.pem >/dev/null 2>&1; then
    die "expired.pem unexpectedly verifies"
fi

# Python server that refuses ClientHellos without server_name (scenario 5).
cat > sni_server.py <<'EOF'
import socket, ssl, sys

host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)

def need_sni(sslobj, server_name, sslctx):
    if server_name is None:
        print("no server_name: refusing", flush=True)
        return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
    return None

ctx.sni_callback = need_sni
srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port))
srv.listen(1)
print("ACCEPT", flush=True)
conn, peer = srv.accept()
try:
    tls = ctx.wrap_socket(conn, server_side=True)
    tls.recv(4096)
    tls.sendall(b"HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\nhello\r\n")
    tls.unwrap().close()
except (ssl.SSLError, OSError) as e:
    print("handshake failed:", e, flush=True)
    conn.close()
srv.close()
EOF

# Raw TCP server (no TLS at all).  "reset": read one whole ClientHello, then
# close with SO_LINGER {on, 0}, which makes the kernel send an RST instead of
# a FIN, as SNI-routing proxies and firewalls do.  "silent": never send a
# byte; read until the client gives up and closes, then close too.
cat > raw_server.py <<'EOF'
import socket, struct, sys

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port))
srv.listen(1)
srv.settimeout(20)
print("ACCEPT", flush=True)
conn, peer = srv.accept()
conn.settimeout(10)

def read_exact(n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            sys.exit(f"peer closed after {len(data)} of {n} bytes")
        data += chunk
    return data

if mode == "reset":
    hs = b""                    # handshake bytes, possibly over several records
    while len(hs) < 4 or len(hs) < 4 + int.from_bytes(hs[1:4], "big"):
        hdr = read_exact(5)
        if hdr[0] != 22:
            sys.exit(f"record type {hdr[0]}, not a handshake")
        hs += read_exact(int.from_bytes(hdr[3:5], "big"))
    if hs[0] != 1:
        sys.exit(f"handshake type {hs[0]}, not a ClientHello")
    print(f"ClientHello of {len(hs)} bytes; closing with RST", flush=True)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
elif mode == "silent":
    n = 0
    while True:
        data = conn.recv(65536)
        if not data:
            break
        n += len(data)
    print(f"read {n} bytes and sent none; peer closed, closing", flush=True)
    conn.close()
else:
    sys.exit(f"unknown mode {mode}")
srv.close()
EOF

# Client that sends a real ClientHello made by the ssl module (MemoryBIO, no
# socket behind it) over a plain socket and then gives up without an alert.
# "giveup": TLS 1.2 only; read the server's records until its ServerHelloDone
# (at most 2 s), then close().  "wait": wait 2 s for any answer, then
# close().  All the server sent is read first, so close() sends a FIN, not
# an RST.  Exit status 1 when the server did not behave as the mode expects.
cat > hello_client.py <<'EOF'
import socket, ssl, sys, time

args = sys.argv[1:]
keylog = None
if "-keylogfile" in args:       # capture_once passes it as to s_client
    i = args.index("-keylogfile")
    keylog = args[i + 1]
    del args[i:i + 2]
mode, host, port, sni = args[0], args[1], int(args[2]), args[3]

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False      # never gets as far as a certificate
ctx.verify_mode = ssl.CERT_NONE
if mode == "giveup":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if keylog:
    ctx.keylog_filename = keylog
outgoing = ssl.MemoryBIO()
tls = ctx.wrap_bio(ssl.MemoryBIO(), outgoing, server_hostname=sni)
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outgoing.read()

sock = socket.create_connection((host, port))
sock.sendall(hello)
print(f"sent ClientHello, {len(hello)} bytes", flush=True)

ok = False
if mode == "giveup":
    buf, hs, types = b"", b"", []
    deadline = time.monotonic() + 2
    while 14 not in types and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        buf += data
        while len(buf) >= 5 and len(buf) >= 5 + int.from_bytes(buf[3:5], "big"):
            n = 5 + int.from_bytes(buf[3:5], "big")
            if buf[0] == 22:
                hs += buf[5:n]
            else:
                print(f"record type {buf[0]} from the server", flush=True)
            buf = buf[n:]
        while len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            types.append(hs[0])
            hs = hs[4 + int.from_bytes(hs[1:4], "big"):]
    print("server handshake messages:", types, flush=True)
    ok = types[:1] == [2] and types[-1:] == [14] and not buf and not hs
elif mode == "wait":
    sock.settimeout(2)
    try:
        data = sock.recv(65536)
        print(f"unexpected: server sent {len(data)} bytes", flush=True)
    except socket.timeout:
        print("no answer in 2 s", flush=True)
        ok = True
print("giving up: close() without an alert", flush=True)
sock.close()
sys.exit(0 if ok else 1)
EOF

# ---------------------------------------------------------- scenarios ----
# Each scenario: tcpdump on lo (or any) for one port, one server, one client.
# SERVER and CLIENT are arrays set by the caller; CAPOPTS extra tcpdump options.
# Per-scenario knobs, back to their defaults after every run_scenario:
#   READY   regex in the server's output that says it is listening
#   LINGER  0.05 s steps to wait for the server to exit by itself before it is
#           killed (0 for servers that never exit, like http.server)
#   ENDS    least number of FIN/RST segments a clean capture has (1 when one
#           RST ends the connection and the other side has nothing to send)
#   KEYLOG  "yes": pass -keylogfile NAME.keys to the client
SERVER=()
CLIENT=()
CAPOPTS=()
defaults() { READY='^ACCEPT'; LINGER=100; ENDS=2; KEYLOG=yes; }
defaults

# count FILE FILTER: number of frames tshark shows for FILTER
count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }

# capture_once NAME PORT: one attempt; returns 1 when the capture is not
# trustworthy (tcpdump reports kernel drops, or the TCP conversation has
# gaps or lacks its SYNs/FINs), dies on anything else.
capture_once() {
    local name=$1 port=$2 tpid spid cpid rc=0 i
    rm -f "$name.pcap" "$name.keys"

    tcpdump ${CAPOPTS[@]+"${CAPOPTS[@]}"} --immediate-mode -s 0 -U -Z root \
        -w "$name.pcap" "tcp port $port" 2>"$name.tcpdump.log" &
    tpid=$!
    PIDS+=("$tpid")
    wait_for "$name.tcpdump.log" 'listening on'

    "${SERVER[@]}" </dev/null >"$name.server.log" 2>&1 &
    spid=$!
    PIDS+=("$spid")
    wait_for "$name.server.log" "$READY"

    local keyopt=()
    [ "$KEYLOG" != yes ] || keyopt=(-keylogfile "$name.keys")
    timeout 20 "${CLIENT[@]}" ${keyopt[@]+"${keyopt[@]}"} \
        <request.txt >"$name.client.log" 2>&1 &
    cpid=$!
    PIDS+=("$cpid")
    wait "$cpid" || rc=$?
    forget "$cpid"
    [ "$rc" -ne 124 ] || die "$name: client timed out"

    # s_server -naccept 1 and the Python servers exit after one connection.
    for ((i = 0; i < LINGER; i++)); do
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.05
    done
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    forget "$spid"

    sleep 0.5                       # let the last ACK/FIN reach the capture
    kill -TERM "$tpid"
    wait "$tpid" || true
    forget "$tpid"

    [ "$(stat -c %s "$name.pcap")" -gt 24 ] || die "$name: empty capture"
    if ! grep -q '^0 packets dropped by kernel' "$name.tcpdump.log"; then
        echo "make-samples: $name: $(grep dropped "$name.tcpdump.log"), retrying" >&2
        return 1
    fi
    if [ "$(count "$name.pcap" 'tcp.flags.syn == 1')" -ne 2 ] ||
       [ "$(count "$name.pcap" 'tcp.flags.fin == 1 || tcp.flags.reset == 1')" -lt "$ENDS" ] ||
       [ "$(count "$name.pcap" 'tcp.analysis.flags')" -ne 0 ]; then
        echo "make-samples: $name: incomplete TCP conversation, retrying" >&2
        return 1
    fi
}

# want NAME: NAME is to be captured in this run (see ONLY)
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

run_scenario() { # run_scenario NAME PORT: capture (up to 3 tries) into $OUT
    local name=$1 port=$2 try
    if ! want "$name"; then defaults; return 0; fi
    port_free "$port" || die "port $port is in use"
    echo "make-samples: $name (port $port)" >&2
    for try in 1 2 3; do
        capture_once "$name" "$port" && break
        [ "$try" -lt 3 ] || die "$name: no clean capture after 3 tries"
    done
    cp "$name.pcap" "$OUT/$name.pcap"
    if grep -q '^[A-Z]' "$name.keys" 2>/dev/null; then   # holds secrets
        cp "$name.keys" "$OUT/$name.keys"
    fi
    defaults
}

V4=127.0.0.1
CA=(-CAfile root.pem -no-CApath -no-CAstore -verify_return_error)
GOODSRV=(-cert leaf.pem -key leaf.key -cert_chain inter.pem)
NOSTORE=(-no-CAfile -no-CApath -no-CAstore)

srv() {          # srv PORT [HOST] -- s_server options: one connection, -WWW
    local port=$1 host=$2
    shift 2
    SERVER=(openssl s_server -accept "$host:$port" -naccept 1 -WWW "$@")
}
cli() {          # cli PORT HOST [s_client options...]
    local port=$1 host=$2
    shift 2
    CLIENT=(openssl s_client -connect "$host:$port" -ign_eof "${CA[@]}" "$@")
}

CAPOPTS=(-i lo)

# 1. healthy TLS 1.2, ECDHE-RSA, leaf + intermediate, SNI api.example.com
srv 44301 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}"
cli 44301 $V4 -tls1_2 -servername api.example.com -verify_hostname api.example.com
run_scenario tls12-ok 44301

# 2. healthy TLS 1.3 with SNI
srv 44302 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}"
cli 44302 $V4 -servername api.example.com -verify_hostname api.example.com
run_scenario tls13-ok 44302

# 3. client TLS 1.3 only, server TLS 1.2 only
srv 44303 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}" -tls1_2
cli 44303 $V4 -tls1_3 -servername api.example.com
run_scenario protocol-mismatch 44303

# 4. TLS 1.2, no cipher suite in common
srv 44304 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}" -no_tls1_3 -cipher ECDHE-RSA-AES256-GCM-SHA384
cli 44304 $V4 -no_tls1_3 -cipher AES128-SHA -servername api.example.com
run_scenario cipher-mismatch 44304

# 5. no SNI, server insists on one (Python ssl server, TLS 1.2)
SERVER=("$PYTHON" -u sni_server.py "$V4" 44305 fullchain.pem leaf.key)
cli 44305 $V4 -tls1_2 -noservername
run_scenario no-sni 44305

# 6. expired leaf
srv 44306 $V4 -cert expired.pem -key expired.key -cert_chain inter.pem "${NOSTORE[@]}"
cli 44306 $V4 -tls1_2 -servername api.example.com
run_scenario expired-cert 44306

# 7. leaf + intermediate from a root the client does not trust
srv 44307 $V4 -cert evil.pem -key evil.key -cert_chain evilinter.pem "${NOSTORE[@]}"
cli 44307 $V4 -tls1_2 -servername api.example.com
run_scenario unknown-ca 44307

# 8. certificate does not name the host the client asked for
srv 44308 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}"
cli 44308 $V4 -tls1_2 -servername other.example.com -verify_hostname other.example.com
run_scenario hostname-mismatch 44308

# 9. server sends only its leaf; client trusts only the root
srv 44309 $V4 -cert leaf.pem -key leaf.key "${NOSTORE[@]}"
cli 44309 $V4 -tls1_2 -servername api.example.com
run_scenario incomplete-chain 44309

# 10. server requires a client certificate, client has none, TLS 1.2
srv 44310 $V4 "${GOODSRV[@]}" -Verify 1 -CAfile root.pem -no-CApath -no-CAstore
cli 44310 $V4 -tls1_2 -servername api.example.com
run_scenario client-cert-missing-tls12 44310

# 11. same in TLS 1.3 (the certificate_required alert is encrypted)
srv 44311 $V4 "${GOODSRV[@]}" -Verify 1 -CAfile root.pem -no-CApath -no-CAstore
cli 44311 $V4 -tls1_3 -servername api.example.com
run_scenario client-cert-missing-tls13 44311

# 12. scenario 1 captured on "any" with Linux cooked headers v2 and v1
CAPOPTS=(-i any -y LINUX_SLL2)
srv 44312 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}"
cli 44312 $V4 -tls1_2 -servername api.example.com -verify_hostname api.example.com
run_scenario tls12-ok-any 44312

CAPOPTS=(-i any -y LINUX_SLL)
srv 44313 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}"
cli 44313 $V4 -tls1_2 -servername api.example.com -verify_hostname api.example.com
run_scenario tls12-ok-sll 44313

# 13. scenario 2 over IPv6 loopback
CAPOPTS=(-i lo)
srv 44314 '[::1]' "${GOODSRV[@]}" "${NOSTORE[@]}"
cli 44314 '[::1]' -servername api.example.com -verify_hostname api.example.com
run_scenario ipv6-tls13 44314

# 17. plain HTTP (curl) to a TLS port.  OpenSSL sees "GET /" where a record
# header belongs and gives up without an alert (SSL_R_HTTP_REQUEST).
srv 44315 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}"
CLIENT=(curl -sS -m 5 -o /dev/null "http://$V4:44315/")
KEYLOG=no
run_scenario plaintext-to-tls-port 44315

# 18. TLS 1.2 ClientHello to a plain HTTP server, which answers with an
# HTTP 400 error page and closes.
mkdir -p www
SERVER=("$PYTHON" -u -m http.server --bind "$V4" --directory www 44316)
READY='^Serving HTTP'
LINGER=0
cli 44316 $V4 -tls1_2 -servername api.example.com
run_scenario tls-to-plaintext-port 44316

# 19. the server reads the ClientHello and answers with a TCP RST
SERVER=("$PYTHON" -u raw_server.py reset "$V4" 44317)
cli 44317 $V4 -servername api.example.com
ENDS=1
run_scenario server-reset-after-client-hello 44317

# 20. TLS 1.0 that completes (OpenSSL 3 allows it only at security level 0)
srv 44318 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}" -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
cli 44318 $V4 -tls1 -cipher 'DEFAULT:@SECLEVEL=0' -servername api.example.com \
    -verify_hostname api.example.com
run_scenario obsolete-version 44318

# 21. TLS 1.2 that completes with a weak suite: the first of RC4, 3DES and
# static-RSA AES-CBC-SHA1 that this OpenSSL still has.  The server allows
# only that suite; the client offers its defaults plus that suite.
WEAK=
for c in RC4-SHA ECDHE-RSA-RC4-SHA DES-CBC3-SHA ECDHE-RSA-DES-CBC3-SHA AES128-SHA; do
    if openssl ciphers "$c:@SECLEVEL=0" >/dev/null 2>&1; then WEAK=$c; break; fi
done
[ -n "$WEAK" ] || die "no weak cipher suite available"
WEAKCODE=$(openssl ciphers -V "$WEAK:@SECLEVEL=0" | awk -v c="$WEAK" '$3 == c {
    split($1, b, ","); printf "0x%s%s\n", tolower(substr(b[1], 3)), tolower(substr(b[2], 3)) }')
[ -n "$WEAKCODE" ] || die "no code for $WEAK"
echo "make-samples: weak cipher suite: $WEAK ($WEAKCODE)" >&2
srv 44319 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}" -tls1_2 -cipher "$WEAK:@SECLEVEL=0"
cli 44319 $V4 -tls1_2 -cipher "DEFAULT:$WEAK:@SECLEVEL=0" -servername api.example.com \
    -verify_hostname api.example.com
run_scenario weak-cipher 44319

# 22. the client reads the server's whole TLS 1.2 first flight, then closes
# (FIN) without an alert, as some Java/Go clients do on a trust failure.
# Without -ignore_unexpected_eof OpenSSL 3.0's server answers that FIN with a
# fatal decode_error alert (which the client's kernel answers with an RST);
# with it the server just closes too, so the client's FIN stays the only
# thing that ended the handshake.
srv 44320 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}" -tls1_2 -ignore_unexpected_eof
CLIENT=("$PYTHON" -u hello_client.py giveup "$V4" 44320 api.example.com)
run_scenario client-gave-up 44320

# 23. the server accepts and never answers; the client gives up after 2 s
SERVER=("$PYTHON" -u raw_server.py silent "$V4" 44323)
CLIENT=("$PYTHON" -u hello_client.py wait "$V4" 44323 api.example.com)
run_scenario no-server-response 44323

# 24. hostname mismatch in TLS 1.3
srv 44324 $V4 "${GOODSRV[@]}" "${NOSTORE[@]}"
cli 44324 $V4 -tls1_3 -servername other.example.com -verify_hostname other.example.com
run_scenario hostname-mismatch-tls13 44324

# ------------------------------------------------------- derived files ----
cd "$OUT"
echo "make-samples: derived files" >&2
if [ -n "$ONLY" ]; then          # every ONLY name must be a real scenario
    for n in $ONLY; do [ -s "$n.pcap" ] || die "ONLY: no scenario called $n"; done
fi

# 14. other file formats
if [ -s tls12-ok.pcap ]; then
    editcap -F pcapng tls12-ok.pcap tls12-ok.pcapng
fi
if [ -s tls13-ok.pcap ]; then
    editcap -F nsecpcap tls13-ok.pcap tls13-ok-ns.pcap
    cp tls13-ok.keys tls13-ok-ns.keys
fi

# 15. capture that starts after the TCP handshake: drop SYN, SYN-ACK, ACK
if [ -s tls12-ok.pcap ]; then
    n=$(tshark -r tls12-ok.pcap -Y 'frame.number <= 3 && tcp.len == 0' 2>/dev/null | wc -l)
    [ "$n" -eq 3 ] || die "tls12-ok.pcap does not start with a bare 3-way handshake"
    editcap -F pcap tls12-ok.pcap midstream.pcap 1-3
    cp tls12-ok.keys midstream.keys
fi

# 16. several connections in one file.  The sources were captured one after
# the other; shift each so they start 2 ms apart, then merge by time, so
# packets of completed and failed connections interleave.
MULTI=(tls12-ok cipher-mismatch tls13-ok expired-cert)
first_ts() { tshark -r "$1" -c 1 -T fields -e frame.time_epoch 2>/dev/null; }
multi_ok=yes
for f in "${MULTI[@]}"; do [ -s "$f.pcap" ] || multi_ok=no; done
if [ "$multi_ok" = yes ]; then
    base=$(first_ts "${MULTI[0]}.pcap")
    parts=()
    : > multi.keys
    for i in "${!MULTI[@]}"; do
        f=${MULTI[$i]}
        delta=$("$PYTHON" -c 'import sys, decimal as d
print(format(d.Decimal(sys.argv[1]) + d.Decimal("0.002") * int(sys.argv[3]) - d.Decimal(sys.argv[2]), "f"))' \
            "$base" "$(first_ts "$f.pcap")" "$i")
        editcap -F pcap -t "$delta" "$f.pcap" "$WORK/multi-$i.pcap"
        parts+=("$WORK/multi-$i.pcap")
        [ ! -s "$f.keys" ] || cat "$f.keys" >> multi.keys
    done
    mergecap -F pcap -w multi.pcap "${parts[@]}"
    [ -s multi.keys ] || rm -f multi.keys
fi

# ------------------------------------------------------------- checks ----
echo "make-samples: checking captures" >&2
ALL=(tls12-ok.pcap tls13-ok.pcap protocol-mismatch.pcap cipher-mismatch.pcap
     no-sni.pcap expired-cert.pcap unknown-ca.pcap hostname-mismatch.pcap
     incomplete-chain.pcap client-cert-missing-tls12.pcap
     client-cert-missing-tls13.pcap tls12-ok-any.pcap tls12-ok-sll.pcap
     ipv6-tls13.pcap tls12-ok.pcapng tls13-ok-ns.pcap midstream.pcap multi.pcap
     plaintext-to-tls-port.pcap tls-to-plaintext-port.pcap
     server-reset-after-client-hello.pcap obsolete-version.pcap weak-cipher.pcap
     client-gave-up.pcap no-server-response.pcap hostname-mismatch-tls13.pcap)

# have FILE: FILE takes part in this run (in a partial run: it was made)
have() { [ -z "$ONLY" ] || [ -e "$1" ]; }
if [ -n "$ONLY" ]; then
    some=()
    for f in "${ALL[@]}"; do ! have "$f" || some+=("$f"); done
    ALL=("${some[@]}")
fi

for f in "${ALL[@]}"; do
    [ -s "$f" ] || die "$f missing"
    size=$(stat -c %s "$f")
    [ "$size" -lt 30000 ] || die "$f is $size bytes (limit 30000)"
done

# expect_alert FILE SENDER(client|server) PORT DESC [KEYS]: a fatal alert DESC
# sent by SENDER on server port PORT (decrypting with KEYS when given).
expect_alert() {
    local f=$1 from=$2 port=$3 desc=$4 keys=${5:-} dir opts=()
    have "$f" || return 0
    [ "$from" = server ] && dir="tcp.srcport == $port" || dir="tcp.dstport == $port"
    [ -z "$keys" ] || opts=(-o "tls.keylog_file:$keys")
    local n
    n=$(tshark -r "$f" ${opts[@]+"${opts[@]}"} \
        -Y "$dir && tls.alert_message.level == 2 && tls.alert_message.desc == $desc" \
        2>/dev/null | wc -l)
    [ "$n" -ge 1 ] || die "$f: no fatal alert $desc from the $from"
}
# expect_done FILE PORT [KEYS]: handshake finished, data both ways, no fatal alert
expect_done() {
    local f=$1 port=$2 keys=${3:-} opts=() n
    have "$f" || return 0
    [ -z "$keys" ] || opts=(-o "tls.keylog_file:$keys")
    n=$(tshark -r "$f" ${opts[@]+"${opts[@]}"} -Y "tcp.port == $port && tls.alert_message.level == 2" 2>/dev/null | wc -l)
    [ "$n" -eq 0 ] || die "$f: unexpected fatal alert"
    n=$(tshark -r "$f" ${opts[@]+"${opts[@]}"} -Y "tcp.srcport == $port && tls.handshake.type == 2" 2>/dev/null | wc -l)
    [ "$n" -ge 1 ] || die "$f: no ServerHello"
    for dir in srcport dstport; do
        n=$(tshark -r "$f" ${opts[@]+"${opts[@]}"} -Y "tcp.$dir == $port && tls.record.content_type == 23" 2>/dev/null | wc -l)
        [ "$n" -ge 1 ] || die "$f: no application data ($dir)"
    done
}

for f in tls12-ok.pcap tls12-ok.pcapng midstream.pcap multi.pcap; do expect_done "$f" 44301 tls12-ok.keys; done
expect_done tls13-ok.pcap 44302 tls13-ok.keys
expect_done tls13-ok-ns.pcap 44302 tls13-ok.keys
expect_done multi.pcap 44302 tls13-ok.keys
expect_done tls12-ok-any.pcap 44312 tls12-ok-any.keys
expect_done tls12-ok-sll.pcap 44313 tls12-ok-sll.keys
expect_done ipv6-tls13.pcap 44314 ipv6-tls13.keys
expect_alert protocol-mismatch.pcap server 44303 70
expect_alert cipher-mismatch.pcap server 44304 40
expect_alert multi.pcap server 44304 40
expect_alert no-sni.pcap server 44305 40
expect_alert expired-cert.pcap client 44306 45
expect_alert multi.pcap client 44306 45
expect_alert unknown-ca.pcap client 44307 48
expect_alert hostname-mismatch.pcap client 44308 42
expect_alert incomplete-chain.pcap client 44309 48
expect_alert client-cert-missing-tls12.pcap server 44310 40
expect_alert client-cert-missing-tls13.pcap server 44311 116 client-cert-missing-tls13.keys

# expect FILE TEST N FILTER WHAT: [ frames matching FILTER TEST N ], or die
expect() {
    local f=$1 op=$2 want=$3 filter=$4 what=$5 n
    have "$f" || return 0
    n=$(count "$f" "$filter")
    [ "$n" "$op" "$want" ] || die "$f: $what ($n frames match '$filter')"
}
# first FILE FILTER: number of the first frame matching FILTER (0 if none)
first() {
    local n
    n=$(tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | awk 'NR == 1')
    echo "${n:-0}"
}
# expect_cut FILE PORT reset|closed [client|server]: a ClientHello, then no
# alert at all from either side; "reset": an RST from the server after the
# ClientHello; "closed": no RST, and a FIN (from the given side, if any)
# after the ClientHello.
expect_cut() {
    local f=$1 port=$2 how=$3 side=${4:-} ch dir
    have "$f" || return 0
    ch=$(first "$f" "tcp.dstport == $port && tls.handshake.type == 1")
    [ "$ch" -gt 0 ] || die "$f: no ClientHello"
    expect "$f" -eq 0 "tls.record.content_type == 21 || tls.alert_message" "alert seen"
    case $side in
        server) dir="tcp.srcport == $port && " ;;
        client) dir="tcp.dstport == $port && " ;;
        *) dir= ;;
    esac
    if [ "$how" = reset ]; then
        expect "$f" -ge 1 "tcp.srcport == $port && tcp.flags.reset == 1 && frame.number > $ch" \
            "no RST from the server after the ClientHello"
    else
        expect "$f" -eq 0 "tcp.flags.reset == 1" "RST seen"
        expect "$f" -ge 1 "${dir}tcp.flags.fin == 1 && frame.number > $ch" \
            "no FIN ${side:+from the $side }after the ClientHello"
    fi
}

# 17. plain HTTP to the TLS port: the request, then OpenSSL closes without
# sending a byte (no alert, no HTTP error), and no TLS anywhere.
expect plaintext-to-tls-port.pcap -eq 1 'tcp.dstport == 44315 && tcp.payload contains "GET / HTTP/1.1"' \
    "no plain HTTP request from the client"
expect plaintext-to-tls-port.pcap -eq 0 'tls' "TLS records seen"
expect plaintext-to-tls-port.pcap -eq 0 'tcp.srcport == 44315 && tcp.len > 0' "server sent payload"
expect plaintext-to-tls-port.pcap -eq 0 'tcp.flags.reset == 1' "RST seen"
expect plaintext-to-tls-port.pcap -ge 1 'tcp.srcport == 44315 && tcp.flags.fin == 1' "no FIN from the server"
# 18. TLS to the plain HTTP port: ClientHello, plaintext 400 answer, FIN.
# http.server takes the binary first "line" for an HTTP/0.9 request, so its
# answer is the bare HTML error page, without status line or headers.
expect_cut tls-to-plaintext-port.pcap 44316 closed server
expect tls-to-plaintext-port.pcap -ge 1 'tcp.srcport == 44316 && tcp.payload contains "<p>Error code: 400</p>"' \
    "no plaintext HTTP 400 error page from the server"
expect tls-to-plaintext-port.pcap -eq 0 'tcp.srcport == 44316 && tls' "TLS from the HTTP server"
# 19. RST from the server right after the ClientHello, nothing else sent
expect_cut server-reset-after-client-hello.pcap 44317 reset
expect server-reset-after-client-hello.pcap -eq 0 'tcp.srcport == 44317 && tcp.len > 0' "server sent payload"
# 20. TLS 1.0 completed
expect_done obsolete-version.pcap 44318 obsolete-version.keys
expect obsolete-version.pcap -eq 1 'tls.handshake.type == 2 && tls.handshake.version == 0x0301' \
    "no TLS 1.0 ServerHello"
expect obsolete-version.pcap -eq 0 'tls.handshake.extensions.supported_version' "supported_versions seen"
# 21. TLS 1.2 completed with the weak suite
expect_done weak-cipher.pcap 44319 weak-cipher.keys
expect weak-cipher.pcap -eq 1 "tls.handshake.type == 2 && tls.handshake.version == 0x0303 && tls.handshake.ciphersuite == $WEAKCODE" \
    "no TLS 1.2 ServerHello choosing $WEAK"
# 22. whole TLS 1.2 first flight, then the client's FIN and no alert; the
# client sent nothing but its ClientHello
if have client-gave-up.pcap; then
    expect_cut client-gave-up.pcap 44320 closed client
    shd=$(first client-gave-up.pcap 'tcp.srcport == 44320 && tls.handshake.type == 14')
    [ "$shd" -gt 0 ] || die "client-gave-up.pcap: no ServerHelloDone"
    for t in 2 11 12; do
        expect client-gave-up.pcap -eq 1 "tcp.srcport == 44320 && tls.handshake.type == $t" \
            "no handshake message $t from the server"
    done
    expect client-gave-up.pcap -ge 1 "tcp.dstport == 44320 && tcp.flags.fin == 1 && frame.number > $shd" \
        "no FIN from the client after the ServerHelloDone"
    expect client-gave-up.pcap -eq 1 'tcp.dstport == 44320 && tcp.len > 0' \
        "client sent more than its ClientHello"
fi
# 23. ClientHello, no server payload at all, the client's FIN
expect_cut no-server-response.pcap 44323 closed client
expect no-server-response.pcap -eq 0 'tcp.srcport == 44323 && tcp.len > 0' "server sent payload"
# 24. TLS 1.3 hostname mismatch: the client's bad_certificate, in clear
expect_alert hostname-mismatch-tls13.pcap client 44324 42
expect hostname-mismatch-tls13.pcap -eq 1 'tls.handshake.type == 2 && tls.handshake.extensions.supported_version == 0x0304' \
    "no TLS 1.3 ServerHello"

! have tls12-ok-any.pcap || [ "$(capinfos -T -E -r tls12-ok-any.pcap | cut -f2)" = linux-sll2 ] ||
    die "tls12-ok-any.pcap is not LINUX_SLL2"
! have tls12-ok-sll.pcap || [ "$(capinfos -T -E -r tls12-ok-sll.pcap | cut -f2)" = linux-sll ] ||
    die "tls12-ok-sll.pcap is not LINUX_SLL"

# ------------------------------------------------------- EXPECTED.tsv ----
# One row per TCP connection, from tshark's view WITHOUT key logs.  The
# outcome is the scenario's (by server port); everything else is tshark's.
echo "make-samples: writing EXPECTED.tsv" >&2
OUTCOMES="44301=completed 44302=completed 44303=alert 44304=alert 44305=alert
44306=alert 44307=alert 44308=alert 44309=alert 44310=alert 44311=alert
44312=completed 44313=completed 44314=completed 44315=not_tls 44316=closed
44317=reset 44318=completed 44319=completed 44320=closed 44323=closed
44324=alert"

cat > "$WORK/expected.py" <<'EOF'
import subprocess, sys

ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
    21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
    40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
    43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
    48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error",
    60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
    80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
    112: "unrecognized_name", 113: "bad_certificate_status_response",
    115: "unknown_psk_identity", 116: "certificate_required",
    120: "no_application_protocol"}
LEVELS = {1: "warning", 2: "fatal"}
VERSIONS = {0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
FIELDS = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
    "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.flags", "tls.record.content_type",
    "tls.record.opaque_type", "tls.record.length", "tls.handshake.type", "tls.handshake.version",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.extensions_server_name", "tls.handshake.ciphersuite",
    "tls.alert_message.level", "tls.alert_message.desc"]

outcomes = dict(kv.split("=") for kv in sys.argv[1].split())

def ints(s):
    return [int(x, 16) if x.startswith("0x") else int(x) for x in s.split("|") if x]

def endpoint(ip4, ip6, port):
    return f"[{ip6}]:{port}" if ip6 else f"{ip4}:{port}"

def rows(path):
    cmd = ["tshark", "-r", path, "-Y", "tcp", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    conns = {}
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        src = endpoint(v["ip.src"], v["ipv6.src"], v["tcp.srcport"])
        dst = endpoint(v["ip.dst"], v["ipv6.dst"], v["tcp.dstport"])
        frame, flags = int(v["frame.number"]), int(v["tcp.flags"], 16)
        c = conns.setdefault(v["tcp.stream"], {"client": None, "server": None,
            "ch": None, "sni": "-", "cmax": None, "sh": None, "sver": "-",
            "cipher": "-", "alerts": [], "records": [], "sport": None,
            "first": frame, "fin": False, "rst": False})
        if flags & 0x02 and not flags & 0x10:           # SYN without ACK
            c["client"], c["server"] = src, dst
            c["sport"] = v["tcp.dstport"]
        c["fin"] |= bool(flags & 0x01)
        c["rst"] |= bool(flags & 0x04)
        hs = ints(v["tls.handshake.type"])
        if 1 in hs and c["ch"] is None:
            c["ch"] = frame
            if c["client"] is None:                     # capture began mid-stream
                c["client"], c["server"] = src, dst
                c["sport"] = v["tcp.dstport"]
            sv = ints(v["tls.handshake.extensions.supported_version"])
            c["cmax"] = max(sv) if sv else ints(v["tls.handshake.version"])[0]
            c["sni"] = v["tls.handshake.extensions_server_name"] or "-"
        if 2 in hs and c["sh"] is None:
            c["sh"] = frame
            sv = ints(v["tls.handshake.extensions.supported_version"])
            c["sver"] = VERSIONS[sv[0] if sv else ints(v["tls.handshake.version"])[0]]
            c["cipher"] = "0x%04x" % ints(v["tls.handshake.ciphersuite"])[0]
        side = "client" if src == c["client"] else "server"
        # TLS 1.3 protected records carry tls.record.opaque_type instead of
        # content_type; in one direction they always follow the plaintext ones.
        types = ints(v["tls.record.content_type"]) + ints(v["tls.record.opaque_type"])
        lens = ints(v["tls.record.length"])
        for t, n in zip(types, lens):
            c["records"].append((frame, side, t, n))
        levels, descs = ints(v["tls.alert_message.level"]), ints(v["tls.alert_message.desc"])
        for lv, d in zip(levels, descs):
            c["alerts"].append((frame, side, LEVELS.get(lv, str(lv)), ALERTS.get(d, str(d))))
        # alert records tshark cannot read (TLS 1.2 after ChangeCipherSpec)
        for _ in range(types.count(21) - len(levels)):
            c["alerts"].append((frame, side, "encrypted", "?"))
    for c in conns.values():
        if c["client"] is None:                         # neither SYN nor hello
            continue
        if c["sver"] == "TLS 1.3":
            # TLS 1.3 alerts look like 19-byte application_data records; take
            # a side's last record if it is one (it is what ended that side).
            for side in ("client", "server"):
                recs = [r for r in c["records"] if r[1] == side and r[0] > c["sh"]]
                if recs and recs[-1][2] == 23 and recs[-1][3] == 19:
                    c["alerts"].append((recs[-1][0], side, "encrypted", "?"))
        c["alerts"].sort()
        outcome = outcomes[c["sport"]]
        fatal = [a for a in c["alerts"] if a[2] in ("fatal", "encrypted")]
        if outcome == "alert" and not fatal:
            sys.exit(f"{path}: alert expected on port {c['sport']}, none seen")
        if outcome == "completed" and (c["sh"] is None or
                any(a[2] == "fatal" for a in c["alerts"])):
            sys.exit(f"{path}: port {c['sport']} does not look completed")
        # the TCP endings, as tlsanalyze ranks them: an alert first, then an
        # RST, then a FIN; without any TLS record it is not TLS at all
        cut = {"reset": c["rst"] and not c["fin"], "closed": c["fin"] and not c["rst"],
               "incomplete": not c["fin"] and not c["rst"]}
        if outcome in cut and (c["ch"] is None or c["alerts"] or not cut[outcome]):
            sys.exit(f"{path}: port {c['sport']} does not look {outcome}")
        if outcome == "not_tls" and (c["ch"] is not None or c["records"]):
            sys.exit(f"{path}: port {c['sport']} carries TLS records")
        if c["ch"] is None and outcome != "not_tls":
            sys.exit(f"{path}: port {c['sport']} has no ClientHello")
        yield [path, c["client"], c["server"], str(c["ch"] or "-"), c["sni"],
               VERSIONS[c["cmax"]] if c["cmax"] else "-", str(c["sh"] or "-"),
               c["sver"], c["cipher"],
               ",".join(":".join(map(str, a)) for a in c["alerts"]) or "-", outcome,
               c["ch"] or c["first"]]

print("\t".join(["file", "client", "server", "client_hello_frame", "sni",
    "client_max_version", "server_hello_frame", "server_version", "cipher",
    "alerts", "outcome"]))
for path in sys.argv[2:]:
    for r in sorted(rows(path), key=lambda r: r[-1]):   # by ClientHello frame
        print("\t".join(r[:-1]))
EOF
"$PYTHON" "$WORK/expected.py" "$OUTCOMES" "${ALL[@]}" > EXPECTED.tsv

# Everything passed: publish.  Old key logs go first, so that a capture
# whose new run has none does not keep a stale one.
for f in "${ALL[@]}"; do rm -f "$FINAL/${f%.*}.keys"; done
cp "$OUT"/* "$FINAL"/
echo "make-samples: done; captures in $FINAL" >&2
