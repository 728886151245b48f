#!/bin/sh
# Idle cost over 60 s with 5 DDNS hosts and 100 forwards: resident memory and wakeups
# (context switches of all threads) of `homeport run`, inadyn and ddclient, each settled
# first, in a network namespace this script creates. Needs root; prints SKIPPED otherwise.
#
#   IDLE=60 bench/daemon_idle.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
IDLE=${IDLE:-60}
SETTLE=${SETTLE:-5}

if [ "$(id -u)" != 0 ]; then echo "SKIPPED: daemon_idle needs root (network namespace)"; exit 0; fi
BIN=${HOMEPORT:-$root/target/x86_64-unknown-linux-musl/release/homeport}
if [ ! -x "$BIN" ]; then
    (cd "$root" && cargo build --release --quiet --target x86_64-unknown-linux-musl) || BIN=$root/target/release/homeport
fi
[ -x "$BIN" ] || (cd "$root" && cargo build --release --quiet)

NS=hp-idle-$$
tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    sleep 0.2
    ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
nsx() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add wan0 type veth peer name wan1
ip -n "$NS" link set wan1 up
ip -n "$NS" link set wan0 up
ip -n "$NS" addr add 198.51.100.1/24 dev wan0
ip netns exec "$NS" python3 "$here/daemon_provider.py" "$tmp/port" "$tmp/requests" &
pids="$pids $!"
i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
PORT=$(cat "$tmp/port")

# switches PID: voluntary + involuntary context switches over all threads.
switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s+0}'
}
rss_kib() { awk '/VmRSS/ {print $2}' /proc/"$1"/status; }

# idle NAME PID: settles, then samples; leaves RSS (KiB) and wakeups in $tmp/NAME.idle.
idle() {
    name=$1; pid=$2
    sleep "$SETTLE"
    a=$(switches "$pid"); sleep "$IDLE"; b=$(switches "$pid")
    echo "$(rss_kib "$pid") $((b - a))" > "$tmp/$name.idle"
    printf '%-10s RSS %6s KiB (anon %s KiB)  wakeups in %ss: %s  threads: %s\n' "$name" "$(rss_kib "$pid")" \
        "$(awk '/RssAnon/ {print $2}' /proc/"$pid"/status)" "$IDLE" "$((b - a))" \
        "$(find /proc/"$pid"/task -mindepth 1 -maxdepth 1 | wc -l)"
}

# --- homeport: 5 hosts, 100 forwards ---
{
    printf "config homeport 'main'\n\toption device 'wan0'\n\toption log_level 'warning'\n\n"
    for h in 1 2 3 4 5; do
        printf "config ddns 'h%s'\n\toption service 'dyndns2'\n\tlist domain 'h%s.example.org'\n" "$h" "$h"
        printf "\toption username 'u'\n\toption password 'p'\n\toption server '127.0.0.1:%s'\n\toption use_https '0'\n\n" "$PORT"
    done
    f=0
    while [ $f -lt 100 ]; do
        printf "config forward 'f%s'\n\toption proto 'tcp'\n\toption src_dport '%s'\n" "$f" "$((20000 + f))"
        printf "\toption dest_ip '192.168.1.%s'\n\toption dest_port '%s'\n\n" "$((f % 200 + 10))" "$((8000 + f))"
        f=$((f + 1))
    done
} > "$tmp/homeport.uci"
ip netns exec "$NS" "$BIN" run --foreground -c "$tmp/homeport.uci" --state-dir "$tmp/hp-state" 2> "$tmp/homeport.err" &
hp=$!
pids="$pids $hp"
# Settled means every host is registered: the start-up lookups (which wait for the
# resolver's timeouts in an offline namespace) and updates are over.
i=0
while [ $i -lt 600 ]; do
    ok=$(grep -c '"state": "ok"' "$tmp/hp-state/status.json" 2>/dev/null) || ok=0
    [ "$ok" -ge 5 ] && break
    sleep 0.1; i=$((i + 1))
done
echo "homeport settled after $((i / 10)) s"
idle homeport "$hp"

# --- inadyn: 5 hosts ---
if command -v inadyn > /dev/null; then
    { echo "period = 600"; echo "verify-address = false"
      for h in 1 2 3 4 5; do
        printf 'custom h%s {\n ssl = false\n ddns-server = 127.0.0.1:%s\n ddns-path = "/nic/update?hostname=%%h&myip=%%i"\n username = u\n password = p\n hostname = h%s.example.org\n}\n' "$h" "$PORT" "$h"
      done; } > "$tmp/inadyn.conf"
    ip netns exec "$NS" inadyn -n -f "$tmp/inadyn.conf" -i wan0 --cache-dir "$tmp/inadyn-cache" -P "$tmp/inadyn.pid" -l err > "$tmp/inadyn.out" 2>&1 &
    ia=$!
    pids="$pids $ia"
    idle inadyn "$ia"
fi

# --- ddclient: 5 hosts ---
if command -v ddclient > /dev/null; then
    { echo "daemon=600"; echo "syslog=no"; echo "ssl=no"; echo "usev4=ifv4, ifv4=wan0"
      echo "protocol=dyndns2"; echo "server=127.0.0.1:$PORT"; echo "login=u"; echo "password=p"
      echo "h1.example.org,h2.example.org,h3.example.org,h4.example.org,h5.example.org"; } > "$tmp/ddclient.conf"
    chmod 600 "$tmp/ddclient.conf"
    ip netns exec "$NS" ddclient -foreground -file "$tmp/ddclient.conf" -cache "$tmp/ddclient.cache" -pid "$tmp/ddclient.pid" > "$tmp/ddclient.out" 2>&1 &
    dc=$!
    pids="$pids $dc"
    idle ddclient "$dc"
fi

# Targets (x86_64 musl build): under 1.5 MiB RSS, no wakeups while idle.
read -r rss wakeups < "$tmp/homeport.idle"
if [ "$rss" -gt 1536 ] || [ "$wakeups" -gt 0 ]; then
    echo "FAIL: homeport idle RSS ${rss} KiB (target < 1536 KiB), ${wakeups} wakeups (target 0)"
    exit 1
fi
echo "ok: homeport idle RSS ${rss} KiB, no wakeups"
