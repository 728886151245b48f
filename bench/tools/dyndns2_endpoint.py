#!/usr/bin/env python3
"""A dyndns2 update endpoint for the daemon benchmarks (plain HTTP, stdlib only).

Every GET logs one line to LOG, flushed at once:

    <recv_ns> <client> <hostname> <myip> <path>

recv_ns is CLOCK_MONOTONIC in nanoseconds, taken when the request line has been read
(the moment the provider "receives the request"). CLOCK_MONOTONIC is not namespaced by
network namespaces, so the benchmark driver compares it with its own readings. hostname
is the query's `hostname` (comma-separated names kept as one field), myip its `myip`
(or `-`). The password is never logged: the path is logged without its query when the
query carries a password field.

Answers as a dyndns2 server does (dyn.com's update API, return codes): one
`good <myip>` line per host name, or `nochg <myip>` when that name already holds it;
`badauth` without credentials, `notfqdn` without a hostname.

    dyndns2_endpoint.py --listen 198.51.100.1 --port 8080 --log FILE [--ready FILE]

--ready: written (with the port) once the socket listens, so a script can wait for it.
"""
import argparse
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready")
    args = ap.parse_args()

    log = open(args.log, "a", buffering=1)
    lock = threading.Lock()
    registered = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "bench-dyndns2"

        def parse_request(self):
            # handle_one_request() has just read the request line: timestamp now, before
            # header parsing and dispatch add their own delay.
            self.recv_ns = time.monotonic_ns()
            return super().parse_request()

        def do_GET(self):
            url = urlsplit(self.path)
            q = parse_qs(url.query)
            hosts = q.get("hostname", [""])[0]
            ip = q.get("myip", [""])[0]
            shown = url.path if ("password" in q or "pass" in q) else self.path
            with lock:
                log.write(f"{self.recv_ns} {self.client_address[0]} {hosts or '-'} {ip or '-'} {shown}\n")
                if "Authorization" not in self.headers and "password" not in q:
                    lines = ["badauth"]
                elif not hosts:
                    lines = ["notfqdn"]
                else:
                    lines = []
                    for h in hosts.split(","):
                        word = "nochg" if registered.get(h) == ip else "good"
                        registered[h] = ip
                        lines.append(f"{word} {ip}".rstrip())
            body = ("\n".join(lines) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, fmt, *a):
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer((args.listen, args.port), Handler)
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{srv.server_address[1]}\n")
        os.rename(tmp, args.ready)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
