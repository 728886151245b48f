#!/usr/bin/env python3
"""Reaction-time driver for the daemon benchmarks (stdlib only).

  reaction.py measure --ns NS --dev DEV --log REQUESTS --out FILE [options]
      Changes DEV's IPv4 address in namespace NS COUNT times and, after each change,
      waits for the dyndns2 endpoint's log (see dyndns2_endpoint.py) to show a request
      carrying the new address. One line per change goes to FILE:
          <seq> <address> <latency_ms|timeout> <requests_until_next_change>
      The change time is read (CLOCK_MONOTONIC) just before the command is handed to a
      long-running `ip -batch` (no fork/exec per change), so the latency includes the
      kernel applying the change and the daemon noticing it; it can only overstate.
      A change is `addr add NEW/24` then `addr del OLD/24` in one batch (the namespace
      has promote_secondaries on), so the device is never without an address.

  reaction.py report NAME FILE [NOTE] [--max-p99 MS]
      One summary line: n, timeouts, p50, p99 (nearest rank; with n < 100 p99 is the
      maximum), max, and update requests per change. With --max-p99, a second line and
      exit status 1 when p99 is not under MS or a change got no update.

Options: --count N, --timeout S (per change), --budget S (start no change after this
long), --phase S (before each change, wait a part of S: for a polling peer, set S to its
poll period so that changes fall at random points of its cycle; the parts are stratified,
one random point in each of COUNT equal slices of S, shuffled, because a peer gets few
changes and plain random points would leave whole parts of the cycle unsampled), --gap S
(fixed wait before each change), --first ADDR (the address the device has now),
--initial S (first wait for a request with the first address, i.e. the daemon settled),
--pid PID (the daemon measured: stop when it has exited).
"""
import argparse
import math
import os
import random
import subprocess
import sys
import time


def read_log(path, offset):
    """New complete lines of the endpoint log from byte offset: ([(ns, ip)], new offset)."""
    out = []
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n") + 1
    for line in data[:end].decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].isdigit():
            out.append((int(parts[0]), parts[3]))
    return out, offset + end


def addresses(first):
    """203.0.113.10..249 over and over, never the address the device has."""
    i = 0
    while True:
        a = f"203.0.113.{10 + i % 240}"
        i += 1
        if a != first:
            yield a


def measure(a):
    rng = random.Random(a.seed)
    ip = subprocess.Popen(["ip", "-n", a.ns, "-force", "-batch", "-"], stdin=subprocess.PIPE,
                          text=True, bufsize=1)
    seen = []          # every (ns, ip) logged so far
    offset = 0

    def poll():
        nonlocal offset
        new, offset = read_log(a.log, offset)
        seen.extend(new)

    cur = a.first
    if a.initial > 0:
        limit = time.monotonic() + a.initial
        while not any(x == cur for _, x in seen):
            if time.monotonic() > limit or (a.pid and not os.path.exists(f"/proc/{a.pid}")):
                print(f"reaction: no request with the first address {cur} within {a.initial:g} s;"
                      " measuring anyway", file=sys.stderr)
                break
            time.sleep(0.01)
            poll()
    poll()
    changes = []       # (seq, addr, t0_ns, recv_ns or None)
    phases = [(k + rng.random()) / a.count * a.phase for k in range(a.count)]
    rng.shuffle(phases)
    start = time.monotonic()
    gen = addresses(a.first)
    for seq in range(1, a.count + 1):
        if a.pid and not os.path.exists(f"/proc/{a.pid}"):
            print(f"reaction: the daemon (pid {a.pid}) has exited; stopping after {seq - 1} changes",
                  file=sys.stderr)
            break
        if time.monotonic() - start > a.budget:
            print(f"reaction: time budget of {a.budget:g} s used up after {seq - 1} changes",
                  file=sys.stderr)
            break
        time.sleep(a.gap + phases[seq - 1])
        new = next(gen)
        while new == cur:
            new = next(gen)
        t0 = time.monotonic_ns()
        ip.stdin.write(f"addr add {new}/24 dev {a.dev}\naddr del {cur}/24 dev {a.dev}\n")
        ip.stdin.flush()
        got = None
        limit = time.monotonic() + a.timeout
        while got is None and time.monotonic() < limit:
            time.sleep(0.002)
            poll()
            got = next((ns for ns, x in seen if x == new and ns >= t0), None)
        changes.append((seq, new, t0, got))
        cur = new
    ip.stdin.close()
    ip.wait()
    time.sleep(0.2)
    poll()
    with open(a.out, "w") as f:
        for i, (seq, addr, t0, got) in enumerate(changes):
            t_next = changes[i + 1][2] if i + 1 < len(changes) else float("inf")
            reqs = sum(1 for ns, _ in seen if t0 <= ns < t_next)
            lat = "timeout" if got is None else f"{(got - t0) / 1e6:.2f}"
            f.write(f"{seq} {addr} {lat} {reqs}\n")
    return 0


def nearest_rank(sorted_vals, p):
    return sorted_vals[max(0, math.ceil(p / 100 * len(sorted_vals)) - 1)]


def report(name, path, note, max_p99):
    lat, timeouts, reqs = [], 0, 0
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            reqs += int(parts[3])
            if parts[2] == "timeout":
                timeouts += 1
            else:
                lat.append(float(parts[2]))
    n = len(lat) + timeouts
    if not lat:
        print(f"{name:<9} no update arrived ({timeouts} changes timed out) {note}".rstrip())
        return 1 if max_p99 is not None else 0
    lat.sort()
    p99 = nearest_rank(lat, 99)
    print(f"{name:<9} changes={n:<3} timeouts={timeouts:<2} p50={nearest_rank(lat, 50):9.1f} ms  "
          f"p99={p99:9.1f} ms  max={lat[-1]:9.1f} ms  "
          f"requests/change={reqs / n:.2f}  {note}".rstrip())
    if max_p99 is not None and (p99 >= max_p99 or timeouts):
        print(f"{name:<9} MISSED: p99 {p99:.1f} ms with {timeouts} timeouts; target p99 under {max_p99:g} ms")
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--ns", required=True)
    m.add_argument("--dev", required=True)
    m.add_argument("--log", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--first", required=True)
    m.add_argument("--count", type=int, default=100)
    m.add_argument("--timeout", type=float, default=5)
    m.add_argument("--budget", type=float, default=120)
    m.add_argument("--phase", type=float, default=0)
    m.add_argument("--gap", type=float, default=0.1)
    m.add_argument("--initial", type=float, default=10)
    m.add_argument("--seed", type=int, default=5)
    m.add_argument("--pid", type=int)
    r = sub.add_parser("report")
    r.add_argument("name")
    r.add_argument("file")
    r.add_argument("note", nargs="?", default="")
    r.add_argument("--max-p99", type=float)
    a = ap.parse_args()
    if a.cmd == "measure":
        return measure(a)
    return report(a.name, a.file, a.note, a.max_p99)


if __name__ == "__main__":
    sys.exit(main())
