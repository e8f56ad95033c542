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
Prints LISTENING when every port is bound; killed by the test by PID."""
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


def answer(conn, mode):
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


def serve(listener, mode):
    while True:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            answer(conn, mode)
        except (OSError, EOFError) as e:
            print("port %d: %s" % (listener.getsockname()[1], e), flush=True)
        conn.close()


def main():
    listeners.serve_specs(sys.argv[1], lambda spec: spec["mode"], serve)


if __name__ == "__main__":
    main()
