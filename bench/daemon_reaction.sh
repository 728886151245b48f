#!/bin/sh
# Reaction time: from a WAN address change to the DDNS provider receiving the update,
# p50 and p99, for `homeport run` (debounce 0) and, on the same namespace and endpoint,
# inadyn (its shortest period) and ddclient (daemon mode, shortest interval).
# Everything runs in a network namespace this script creates; the provider listens on
# its loopback. Needs root (CI runs as root); prints SKIPPED otherwise.
#
#   N=100 N_PEER=3 bench/daemon_reaction.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
N=${N:-100}
N_PEER=${N_PEER:-3}
PEER_PERIOD=${PEER_PERIOD:-30}

if [ "$(id -u)" != 0 ]; then echo "SKIPPED: daemon_reaction needs root (network namespace)"; exit 0; fi
BIN=${HOMEPORT:-$root/target/release/homeport}
if [ ! -x "$BIN" ]; then (cd "$root" && cargo build --release --quiet); fi

NS=hp-bench-$$
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
# Deleting a primary IPv4 address would take its secondaries along; promote them instead.
nsx sysctl -qw net.ipv4.conf.wan0.promote_secondaries=1
ip -n "$NS" addr add 198.51.100.1/24 dev wan0

ip netns exec "$NS" python3 "$here/daemon_provider.py" "$tmp/port" "$tmp/requests" &
pids="$pids $!"
i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
PORT=$(cat "$tmp/port")

# Waits until the provider has logged a request for host $1 with myip=$2 after line $3;
# prints its arrival time (ns) or "timeout" after $4 ms.
wait_for() {
    host=$1; want=$2; after=$3; limit=$4; t=0
    while [ "$t" -lt "$limit" ]; do
        line=$(tail -n +"$((after+1))" "$tmp/requests" 2>/dev/null |
            awk -v h="$host" -v ip="$want" '$2 == h && $3 == ip {print $1; exit}')
        if [ -n "$line" ]; then echo "$line"; return; fi
        sleep 0.005; t=$((t+5))
    done
    echo timeout
}

# measure NAME COUNT TIMEOUT_MS: COUNT changes; one latency (ms) per line in $tmp/NAME.lat
measure() {
    name=$1; count=$2; limit=$3; cur=1
    : > "$tmp/$name.lat"
    k=1
    while [ "$k" -le "$count" ]; do
        new=$(( (cur % 200) + 2 ))
        before=$(wc -l < "$tmp/requests")
        t0=$(date +%s%N)
        printf 'addr add 198.51.100.%s/24 dev wan0\naddr del 198.51.100.%s/24 dev wan0\n' "$new" "$cur" | ip -n "$NS" -batch -
        t1=$(wait_for "$name.example.org" "198.51.100.$new" "$before" "$limit")
        if [ "$t1" = timeout ]; then echo "timeout" >> "$tmp/$name.lat"; else
            echo "$(( (t1 - t0) / 1000 ))" | awk '{printf "%.2f\n", $1/1000}' >> "$tmp/$name.lat"; fi
        cur=$new; k=$((k+1))
        sleep 0.05
    done
}

report() {
    name=$1
    sort -n "$tmp/$name.lat" | awk -v n="$name" '
        /timeout/ {to++; next}
        {v[c++]=$1}
        END {
            if (c == 0) { printf "%-10s no update arrived (%d timeouts)\n", n, to; exit }
            p50=v[int((c-1)*0.50)]; p99=v[int((c-1)*0.99)]
            printf "%-10s n=%-4d p50=%9.1f ms  p99=%9.1f ms  max=%9.1f ms  timeouts=%d\n", n, c, p50, p99, v[c-1], to+0
        }'
}

reset_addr() {
    ip -n "$NS" addr flush dev wan0
    ip -n "$NS" addr add 198.51.100.1/24 dev wan0
}

# --- homeport ---
mkdir -p "$tmp/hp-state"
cat > "$tmp/homeport.uci" <<UCI
config homeport 'main'
	option device 'wan0'
	option debounce '0'
	option log_level 'warning'

config ddns 'bench'
	option service 'dyndns2'
	list domain 'homeport.example.org'
	option username 'bench'
	option password 'secret'
	option server '127.0.0.1:$PORT'
	option use_https '0'
UCI
ip netns exec "$NS" "$BIN" run --foreground -c "$tmp/homeport.uci" --state-dir "$tmp/hp-state" 2> "$tmp/homeport.err" &
pids="$pids $!"; hp=$!
wait_for homeport.example.org 198.51.100.1 0 5000 > /dev/null
measure homeport "$N" 5000
kill "$hp"; wait "$hp" 2>/dev/null || true
reset_addr

# --- inadyn ---
if command -v inadyn > /dev/null; then
    cat > "$tmp/inadyn.conf" <<CONF
period = $PEER_PERIOD
verify-address = false
custom bench {
    ssl = false
    ddns-server = 127.0.0.1:$PORT
    ddns-path = "/nic/update?hostname=%h&myip=%i"
    username = bench
    password = secret
    hostname = inadyn.example.org
}
CONF
    before=$(wc -l < "$tmp/requests")
    ip netns exec "$NS" inadyn -n -f "$tmp/inadyn.conf" -i wan0 --cache-dir "$tmp/inadyn-cache" -P "$tmp/inadyn.pid" -l err > "$tmp/inadyn.out" 2>&1 &
    pids="$pids $!"; ia=$!
    wait_for inadyn.example.org 198.51.100.1 "$before" 10000 > /dev/null
    measure inadyn "$N_PEER" $(( (PEER_PERIOD + 10) * 1000 ))
    kill "$ia"; wait "$ia" 2>/dev/null || true
    reset_addr
fi

# --- ddclient ---
if command -v ddclient > /dev/null; then
    cat > "$tmp/ddclient.conf" <<CONF
daemon=$PEER_PERIOD
syslog=no
pid=$tmp/ddclient.pid
cache=$tmp/ddclient.cache
ssl=no
usev4=ifv4, ifv4=wan0
protocol=dyndns2
server=127.0.0.1:$PORT
login=bench
password=secret
ddclient.example.org
CONF
    chmod 600 "$tmp/ddclient.conf"
    before=$(wc -l < "$tmp/requests")
    ip netns exec "$NS" ddclient -foreground -file "$tmp/ddclient.conf" -cache "$tmp/ddclient.cache" > "$tmp/ddclient.out" 2>&1 &
    pids="$pids $!"; dc=$!
    wait_for ddclient.example.org 198.51.100.1 "$before" 15000 > /dev/null
    measure ddclient "$N_PEER" $(( (PEER_PERIOD * 3 + 10) * 1000 ))
    kill "$dc"; wait "$dc" 2>/dev/null || true
fi

echo "reaction time, address change -> provider request (debounce 0 for homeport; peers poll every ${PEER_PERIOD}s):"
for n in homeport inadyn ddclient; do if [ -f "$tmp/$n.lat" ]; then report "$n"; fi; done

# Target: p99 under 100 ms, no change missed.
p99=$(grep -v timeout "$tmp/homeport.lat" | sort -n | awk '{v[c++]=$1} END {print (c ? v[int((c-1)*0.99)] : 1e9)}')
missed=$(grep -c timeout "$tmp/homeport.lat" || true)
if [ "$missed" -gt 0 ] || awk -v p="$p99" 'BEGIN {exit !(p >= 100)}'; then
    echo "FAIL: homeport reaction p99 ${p99} ms (target < 100 ms), ${missed} changes missed"
    exit 1
fi
echo "ok: homeport reaction p99 ${p99} ms < 100 ms"
