"""pyserver.py - the Python `ssl` server of tests/matrix_test.py.  One
process serves every Python-server case of a run, one thread per port:

    python3 pyserver.py SPECS

A line of SPECS is tab-separated key=value pairs: host, port, cert (chain
PEM, leaf first), key, min/max (1.2, 1.3), ciphers (OpenSSL names, TLS 1.2),
clientauth=need with ca (client certificates required), needsni=1 (a hello
without server_name is refused with unrecognized_name, as name-based
front ends do), sniname (a hello naming another server is refused with
unrecognized_name), legacy (an OpenSSL cipher string that lets old keys
load, e.g. DEFAULT:@SECLEVEL=0).  Prints LISTENING when every port is bound, then answers
each connection with a small HTTP response; killed by the test by PID."""
import ssl
import sys

import listeners

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def refuse_without_name(_sslobj, server_name, _ctx):
    if server_name is None:
        return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
    return None


def refuse_other_names(known):
    def callback(_sslobj, server_name, _ctx):
        if server_name is not None and server_name != known:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        return None
    return callback


def context(spec):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if spec.get("legacy"):
        ctx.set_ciphers(spec["legacy"])
    ctx.load_cert_chain(spec["cert"], spec["key"])
    if spec.get("min"):
        ctx.minimum_version = VERSIONS[spec["min"]]
    if spec.get("max"):
        ctx.maximum_version = VERSIONS[spec["max"]]
    if spec.get("ciphers"):
        ctx.set_ciphers(spec["ciphers"])
    if spec.get("clientauth") == "need":
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(spec["ca"])
    if spec.get("needsni"):
        ctx.sni_callback = refuse_without_name
    if spec.get("sniname"):
        ctx.sni_callback = refuse_other_names(spec["sniname"])
    return ctx


def serve(listener, ctx):
    while True:
        conn, _ = listener.accept()
        conn.settimeout(5)
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                head = b""
                while b"\r\n\r\n" not in head:
                    data = tls.recv(4096)
                    if not data:
                        break
                    head += data
                tls.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
                # close_notify before the FIN, as servers do: without it
                # OpenSSL clients answer the bare EOF with a decode_error alert.
                tls.unwrap()
        except (OSError, ssl.SSLError) as e:
            print("port %d: %s" % (listener.getsockname()[1], e), flush=True)
            conn.close()


def main():
    listeners.serve_specs(sys.argv[1], context, serve)


if __name__ == "__main__":
    main()
