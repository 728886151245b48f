#!/usr/bin/env python3
"""Measures how fast `homeport run` moves a device forward's element to the device's new
address (bench/device_follow.sh says what and why). Creates and removes its namespace."""
import argparse
import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

MAC = "02:00:00:00:00:0a"
# The MAC's modified EUI-64 interface identifier (RFC 4291 Appendix A).
EUI64 = "::ff:fe00:a"
ROOT = os.environ.get("BENCH_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def fw4_table():
    """firewall4's table, reduced, with homeport's shipped includes where fw4 puts them."""
    inc = os.path.join(ROOT, "openwrt-package/homeport/files/usr/share/nftables.d")
    with open(os.path.join(inc, "table-pre/30-homeport.nft")) as f:
        pre = f.read()
    with open(os.path.join(inc, "chain-post/forward_wan/30-homeport.nft")) as f:
        post = f.read()
    return ("table inet fw4 {\n" + pre + "chain forward {\n type filter hook forward priority filter; policy drop;\n"
            " iifname \"wan0\" jump forward_wan\n}\nchain forward_wan {\n" + post + "}\n}\n")


def ip(ns, *args):
    subprocess.run(["ip", "-n", ns, *args], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--homeport", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--max-p99-ms", type=float, default=1000)
    a = ap.parse_args()

    ns = f"hp-bench-dev-{os.getpid()}"
    work = tempfile.mkdtemp(prefix="hp-bench-dev.")
    procs = []
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        ip(ns, "link", "set", "lo", "up")
        for a_, b_ in (("wan0", "wan1"), ("lan0", "lan1")):
            ip(ns, "link", "add", a_, "type", "veth", "peer", "name", b_)
            ip(ns, "link", "set", a_, "up")
            ip(ns, "link", "set", b_, "up")
        ip(ns, "addr", "add", "198.51.100.1/24", "dev", "wan0")
        ip(ns, "addr", "add", "192.168.1.1/24", "dev", "lan0")
        leases = os.path.join(work, "dhcp.leases")

        def lease(addr):
            with open(leases + ".new", "w") as f:
                f.write(f"1999999999 {MAC} {addr} nas 01:{MAC}\n")
            os.rename(leases + ".new", leases)

        lease("192.168.1.10")
        ip(ns, "neigh", "replace", "192.168.1.10", "lladdr", MAC, "dev", "lan0")
        cfg = "config homeport 'main'\n\toption device 'wan0'\n\n"
        cfg += f"config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '8443'\n\toption dest_mac '{MAC}'\n\n"
        # The same device's IPv6 side: a pinhole in fw4's sets (the second measurement).
        cfg += f"config forward 'nas6'\n\toption proto 'tcp'\n\toption src_dport '443'\n\toption dest_mac '{MAC}'\n"
        cfg += "\toption family 'ipv6'\n\n"
        subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=fw4_table(), text=True, check=True)
        ip(ns, "addr", "add", "2001:db8:1::1/64", "dev", "lan0", "nodad")
        for i in range(20):
            cfg += f"config forward 'f{i}'\n\toption proto 'tcp'\n\toption src_dport '{20000 + i}'\n"
            cfg += f"\toption dest_ip '192.168.1.{200 + i % 50}'\n\n"
        with open(os.path.join(work, "homeport"), "w") as f:
            f.write(cfg)

        seen = {}
        cond = threading.Condition()
        mon = subprocess.Popen(["ip", "netns", "exec", ns, "nft", "monitor", "new", "elements"],
                               stdout=subprocess.PIPE, text=True)
        procs.append(mon)

        def read():
            for line in mon.stdout:
                t = time.monotonic()
                if 'comment "nas"' in line:
                    addr = line.split(" : ")[-1].split(" . ")[0].strip()
                else:
                    continue
                with cond:
                    seen.setdefault(addr, t)
                    cond.notify_all()

        threading.Thread(target=read, daemon=True).start()
        # nft monitor (1.0.6 here) prints no elements of concatenated interval sets (nor
        # flushes its `# new generation` lines): the pinhole set is listed in a tight loop
        # instead and stamped when it first holds the address. The figure is an upper
        # bound by one listing (a few ms).
        def pinhole(addr, limit):
            end = time.monotonic() + limit
            while time.monotonic() < end:
                out = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "set", "inet", "fw4",
                                      "homeport_pinholes6"], capture_output=True, text=True).stdout
                if f" . {addr} . tcp" in out:
                    return time.monotonic()
            return None
        time.sleep(0.3)
        log = open(os.path.join(work, "daemon.log"), "w")
        d = subprocess.Popen(["ip", "netns", "exec", ns, a.homeport, "run", "--foreground", "-c",
                              os.path.join(work, "homeport"), "--state-dir", os.path.join(work, "state"),
                              "--leases", leases], stdout=subprocess.DEVNULL, stderr=log)
        procs.append(d)

        def wait(addr, limit):
            with cond:
                cond.wait_for(lambda: addr in seen, timeout=limit)
                return seen.get(addr)

        if wait("192.168.1.10", 10) is None:
            sys.exit("device_follow: the first element never appeared; see " + os.path.join(work, "daemon.log"))
        lat = []
        for i in range(a.count):
            addr = f"192.168.1.{11 + i % 180}"
            seen.pop(addr, None)
            time.sleep(0.05)
            t0 = time.monotonic()
            lease(addr)
            ip(ns, "neigh", "replace", addr, "lladdr", MAC, "dev", "lan0")
            t = wait(addr, 5)
            if t is None:
                sys.exit(f"device_follow: change {i} to {addr} not followed within 5 s")
            lat.append((t - t0) * 1000)
            # The old entry stays (as on a real LAN until it expires): the lease decides.
        # IPv6: the LAN prefix changes (the old one deprecated, the one before removed, the
        # new one added) and the router sees the device at its EUI-64 address in it.
        lat6 = []
        first = str(ipaddress.IPv6Address("2001:db8:1::" + EUI64[2:]))
        ip(ns, "neigh", "replace", first, "lladdr", MAC, "dev", "lan0")
        if pinhole(first, 10) is None:
            sys.exit("device_follow: the first pinhole never appeared; see " + os.path.join(work, "daemon.log"))
        for i in range(a.count):
            p = 2 + i
            addr = str(ipaddress.IPv6Address(f"2001:db8:{p:x}::" + EUI64[2:]))
            time.sleep(0.05)
            t0 = time.monotonic()
            ip(ns, "addr", "change", f"2001:db8:{p - 1:x}::1/64", "dev", "lan0", "preferred_lft", "0")
            ip(ns, "addr", "add", f"2001:db8:{p:x}::1/64", "dev", "lan0", "nodad")
            ip(ns, "neigh", "replace", addr, "lladdr", MAC, "dev", "lan0")
            t = pinhole(addr, 5)
            if t is None:
                sys.exit(f"device_follow: prefix change {i} to {addr} not followed within 5 s")
            lat6.append((t - t0) * 1000)
            if p > 2:
                ip(ns, "addr", "del", f"2001:db8:{p - 2:x}::1/64", "dev", "lan0")
        worst = 0
        for what, l in (("IPv4 address changes", lat), ("IPv6 prefix changes (pinhole)", lat6)):
            l.sort()
            p50 = l[len(l) // 2]
            p99 = l[min(len(l) - 1, int(len(l) * 0.99))]
            worst = max(worst, p99)
            print(f"device_follow: {len(l)} {what}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {l[-1]:.1f} ms "
                  f"({os.path.basename(a.homeport)}; target p99 < {a.max_p99_ms:.0f} ms)")
        if worst >= a.max_p99_ms:
            sys.exit(1)
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["ip", "netns", "del", ns])
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
