# shellcheck shell=sh
# Sourced by the daemon benchmarks: inadyn and ddclient configured for the benchmark
# network (dyndns2 over plain HTTP to the endpoint, address read from the WAN device).

# bench_hostnames N TOOL: h1.TOOL.example.org ... hN.TOOL.example.org, one a line. Each
# tool has its own names, so the endpoint answers it `good`, not `nochg` for what the
# tool before it registered.
bench_hostnames() {
    h=1
    while [ "$h" -le "$1" ]; do echo "h$h.$2.example.org"; h=$((h + 1)); done
}

# bench_inadyn_config HOSTS PERIOD > FILE. inadyn 2.10 raises a period under 30 s to 30 s
# (DDNS_MIN_PERIOD); `iface` makes it read the device's address instead of asking a
# web service; verify-address off because 203.0.113.0/24 is a documentation range.
bench_inadyn_config() {
    names=$(bench_hostnames "$1" inadyn | sed 's/.*/"&"/' | paste -sd, -)
    cat <<CONF
period = $2
iface = $WAN_DEV
verify-address = false
custom bench {
    ssl = false
    ddns-server = $ENDPOINT_IP:$ENDPOINT_PORT
    ddns-path = "/nic/update?hostname=%h&myip=%i"
    username = bench
    password = bench-secret
    hostname = { $names }
}
CONF
}

# bench_inadyn_start TMPDIR CONF: starts inadyn in the router namespace; pid in LAST_PID.
bench_inadyn_start() {
    bench_spawn "$NS_R" inadyn --foreground --config "$2" --cache-dir "$1/inadyn-cache" \
        --pidfile "$1/inadyn.pid" --loglevel info > "$1/inadyn.log" 2>&1
}

# bench_ddclient_config TMPDIR HOSTS INTERVAL > FILE. ddclient 3.10 raises a daemon
# interval under 60 s to 60 s (minimum('daemon')), and never updates a host more often
# than min-interval (30 s, not lowerable). use=if runs `ip -4 -o addr show dev IF` and
# takes the first address.
bench_ddclient_config() {
    cat <<CONF
daemon=$3
syslog=no
pid=$1/ddclient.pid
cache=$1/ddclient.cache
ssl=no
use=if, if=$WAN_DEV
protocol=dyndns2
server=$ENDPOINT_IP:$ENDPOINT_PORT
login=bench
password=bench-secret
$(bench_hostnames "$2" ddclient | paste -sd, -)
CONF
}

# bench_ddclient_start TMPDIR CONF: starts ddclient in the router namespace; LAST_PID.
bench_ddclient_start() {
    chmod 600 "$2"
    bench_spawn "$NS_R" ddclient -foreground -file "$2" -cache "$1/ddclient.cache" > "$1/ddclient.log" 2>&1
}
