"""brokenserver.py - raw-socket servers that behave like broken backends,
for tests/matrix_test.py.  One process, one thread per port:

    python3 brokenserver.py SPECS

A line of SPECS is tab-separated key=value pairs: host, port, mode:
  tls10-warning  a TLS 1.0-only backend: it answers a newer ClientHello with
  tls10-fatal    a TLS 1.0 record holding an Alert close_notify (level
                 warning, or fatal as some stacks send it), then FIN
  http           plain HTTP on the TLS port: "400 Bad Request", then FIN
  reset          a whole ClientHello read, then RST (SO_LINGER 0), as
                 firewalls and SNI-routing proxies do
  silent         accepts and reads, never answers; closes when the client does
  first-segment-reset, first-segment-drop
                 a middlebox that inspects the ClientHello in the first TCP segment
                 only (tests/largehello_test.py): a hello whole in that segment is
                 relayed to backend=HOST:PORT; one that is not gets RST, or
                 silence until the client gives up
Prints LISTENING when every port is bound; killed by the test by PID."""
import select
import socket
import struct
import sys

import listeners

# RFC 2246 7.2: Alert record, TLS 1.0 (3,1), level, close_notify(0).
CLOSE_NOTIFY = {"tls10-warning": bytes([21, 3, 1, 0, 2, 1, 0]),
                "tls10-fatal": bytes([21, 3, 1, 0, 2, 2, 0])}
HTTP_400 = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n")


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("peer closed")
        data += chunk
    return data


def read_client_hello(conn):
    """Reads handshake records until one whole handshake message is in."""
    hs = b""
    while len(hs) < 4 or len(hs) < 4 + int.from_bytes(hs[1:4], "big"):
        hdr = read_exact(conn, 5)
        hs += read_exact(conn, int.from_bytes(hdr[3:5], "big"))
    return hs


def relay(conn, first, backend):
    host, port = backend.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as up:
        up.sendall(first)
        ends = {conn: up, up: conn}
        while True:
            ready, _, _ = select.select(list(ends), [], [], 10)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                ends[s].sendall(data)


def first_segment(conn, mode, spec):
    """The first segment holds the first MSS bytes of a hello sent at once:
    recv(MSS) returns exactly them, whatever else has arrived."""
    mss = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
    first = conn.recv(mss)
    whole = len(first) >= 5 and first[0] == 22 and 5 + int.from_bytes(first[3:5], "big") \
        <= len(first)
    print("port %s: first segment %d bytes (MSS %d), hello %s" % (
        spec["port"], len(first), mss, "whole" if whole else "not whole"), flush=True)
    if whole:
        relay(conn, first, spec["backend"])
    elif mode == "first-segment-reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        while conn.recv(65536):
            pass


def answer(conn, mode, spec):
    if mode.startswith("first-segment"):
        first_segment(conn, mode, spec)
        return
    if mode == "silent":
        while conn.recv(65536):
            pass
        return
    read_client_hello(conn)
    if mode in CLOSE_NOTIFY:
        conn.sendall(CLOSE_NOTIFY[mode])
    elif mode == "http":
        # The answer and the FIN leave in one segment (corked until the
        # shutdown), as from a server that writes and closes at once: sent
        # apart, a quick client's own FIN could come first under load.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        conn.sendall(HTTP_400)
        conn.shutdown(socket.SHUT_WR)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    elif mode == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def serve(listener, spec):
    while True:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            answer(conn, spec["mode"], spec)
        except (OSError, EOFError) as e:
            print("port %d: %s" % (listener.getsockname()[1], e), flush=True)
        conn.close()


def main():
    listeners.serve_specs(sys.argv[1], lambda spec: spec, serve)


if __name__ == "__main__":
    main()
