#!/usr/bin/env python3
"""A dyndns2 endpoint for the daemon benchmarks: logs each request's arrival time
(CLOCK_REALTIME, ns) with its hostname and myip, answers `good <myip>`.
Usage: daemon_provider.py PORTFILE LOGFILE  (listens on 127.0.0.1, port written to PORTFILE)"""
import sys, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

portfile, logfile = sys.argv[1], sys.argv[2]
lock = threading.Lock()
log = open(logfile, "a", buffering=1)

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        t = time.time_ns()
        q = parse_qs(urlsplit(self.path).query)
        host = q.get("hostname", ["?"])[0]
        ip = q.get("myip", [""])[0]
        with lock:
            log.write(f"{t} {host} {ip}\n")
        body = f"good {ip}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile, "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
