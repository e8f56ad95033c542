"""listeners.py - what the matrix's own servers (brokenserver.py,
pyserver.py) share: a SPECS file of one listener per line, tab-separated
key=value pairs with at least host and port; one thread per listener;
LISTENING printed once every port is bound."""
import socket
import threading


def parse(line):
    return dict(kv.split("=", 1) for kv in line.rstrip("\n").split("\t") if "=" in kv)


def serve_specs(path, setup, serve):
    """Binds every listener of |path|, then runs serve(listener, setup(spec))
    in a thread per listener, forever."""
    servers = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            spec = parse(line)
            family = socket.AF_INET6 if ":" in spec["host"] else socket.AF_INET
            s = socket.socket(family)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((spec["host"], int(spec["port"])))
            s.listen(8)
            servers.append((s, setup(spec)))
    for s, arg in servers:
        threading.Thread(target=serve, args=(s, arg), daemon=True).start()
    print("LISTENING", flush=True)
    threading.Event().wait()
