# shellcheck shell=sh
# Sourced by the daemon benchmarks: a two-namespace test network and its cleanup.
#
#   router ns  $NS_R   veth-wan 203.0.113.2/24 (the "WAN"; the benchmark changes it)
#                      route 198.51.100.0/24 dev veth-wan; no default route
#   provider ns $NS_P  veth-isp 198.51.100.1/24, the dyndns2 endpoint on :8080
#
# Nothing can leave these namespaces: the router has no default route, and its resolver
# (/etc/netns/$NS_R/resolv.conf) points at the provider namespace, where nothing answers
# DNS. Callers set BENCH_TMP and call bench_net_up; bench_cleanup (run it from a trap)
# kills what bench_spawn started and deletes both namespaces.

BENCH_PIDS=""
ENDPOINT_IP=198.51.100.1
ENDPOINT_PORT=8080
WAN_DEV=veth-wan
WAN_FIRST=203.0.113.2

# bench_net_up TAG: creates hpb-TAG-r-$$ and hpb-TAG-p-$$ and starts the endpoint,
# logging to $BENCH_TMP/requests.
bench_net_up() {
    NS_R=hpb-$1-r-$$
    NS_P=hpb-$1-p-$$
    ip netns add "$NS_R"
    ip netns add "$NS_P"
    mkdir -p "/etc/netns/$NS_R"
    echo "nameserver $ENDPOINT_IP" > "/etc/netns/$NS_R/resolv.conf"
    ip -n "$NS_R" link set lo up
    ip -n "$NS_P" link set lo up
    # Deleting the primary address must not take a secondary one with it: the benchmark
    # adds the new address before deleting the old, as a DHCP renewal to a new lease does.
    ip netns exec "$NS_R" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
    ip netns exec "$NS_R" sysctl -qw net.ipv4.conf.default.promote_secondaries=1
    ip -n "$NS_R" link add "$WAN_DEV" type veth peer name veth-isp netns "$NS_P"
    ip -n "$NS_R" addr add "$WAN_FIRST/24" dev "$WAN_DEV"
    ip -n "$NS_P" addr add "$ENDPOINT_IP/24" dev veth-isp
    ip -n "$NS_R" link set "$WAN_DEV" up
    ip -n "$NS_P" link set veth-isp up
    ip -n "$NS_R" route add 198.51.100.0/24 dev "$WAN_DEV"
    ip -n "$NS_P" route add 203.0.113.0/24 dev veth-isp
    : > "$BENCH_TMP/requests"
    bench_spawn "$NS_P" python3 "$BENCH_TOOLS/dyndns2_endpoint.py" --listen "$ENDPOINT_IP" \
        --port "$ENDPOINT_PORT" --log "$BENCH_TMP/requests" --ready "$BENCH_TMP/endpoint.ready"
    i=0
    while [ ! -s "$BENCH_TMP/endpoint.ready" ]; do
        i=$((i + 1))
        if [ $i -gt 200 ]; then echo "bench: the dyndns2 endpoint did not start" >&2; return 1; fi
        sleep 0.05
    done
}

# bench_spawn NS CMD...: runs CMD in namespace NS in the background; its pid is in $LAST_PID.
bench_spawn() {
    ns=$1; shift
    ip netns exec "$ns" "$@" &
    LAST_PID=$!
    BENCH_PIDS="$BENCH_PIDS $LAST_PID"
}

# bench_stop PID: TERM, then KILL after 2 s.
bench_stop() {
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# bench_wan_reset: back to the single first address.
bench_wan_reset() {
    ip -n "$NS_R" addr flush dev "$WAN_DEV"
    ip -n "$NS_R" addr add "$WAN_FIRST/24" dev "$WAN_DEV"
    ip -n "$NS_R" route replace 198.51.100.0/24 dev "$WAN_DEV"
}

bench_cleanup() {
    for p in $BENCH_PIDS; do kill "$p" 2>/dev/null || true; done
    for ns in ${NS_R:-} ${NS_P:-}; do
        # Anything still running in our namespaces (e.g. a daemon that forked) goes too.
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    [ -n "${NS_R:-}" ] && rm -rf "/etc/netns/$NS_R"
    for p in $BENCH_PIDS; do wait "$p" 2>/dev/null || true; done
    if [ -n "${BENCH_TMP:-}" ] && [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$BENCH_TMP"; fi
}

# bench_under_timeout SECONDS "$0" "$@": re-runs the calling script under timeout(1),
# which signals the whole process group when the time is up; the script's trap then
# cleans up. Use as: bench_under_timeout 900 "$0" "$@" (it execs; returns when already under it).
bench_under_timeout() {
    limit=$1; shift
    if [ -z "${BENCH_UNDER_TIMEOUT:-}" ]; then
        BENCH_UNDER_TIMEOUT=$limit exec timeout -k 20 "$limit" sh "$@"
    fi
}

# bench_switches PID: voluntary + nonvoluntary context switches, summed over all threads.
bench_switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ {s += $2} END {print s + 0}'
}

# bench_status_kib PID FIELD: VmRSS / VmHWM in KiB.
bench_status_kib() {
    awk -v f="$2:" '$1 == f {print $2}' /proc/"$1"/status 2>/dev/null
}
