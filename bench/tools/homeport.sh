# shellcheck shell=sh disable=SC2034 # (variables set here are read by the caller)
# Sourced by the daemon benchmarks: which homeport binary to measure, and its config.

# bench_homeport_bin: sets HOMEPORT_BIN, or returns 1 with the reason in HOMEPORT_WHY.
# $HOMEPORT wins; else the x86_64 musl release build (the one the RSS target is about),
# built when missing unless BENCH_NO_BUILD is set; else target/release/homeport.
bench_homeport_bin() {
    musl=$BENCH_ROOT/target/x86_64-unknown-linux-musl/release/homeport
    if [ -n "${HOMEPORT:-}" ]; then
        HOMEPORT_BIN=$HOMEPORT
    elif [ -x "$musl" ] || [ -n "${BENCH_NO_BUILD:-}" ]; then
        HOMEPORT_BIN=$musl
    else
        echo "bench: building $musl" >&2
        # The same build as the x86_64 package's (cross/lib.sh: std built for size).
        "$BENCH_ROOT/cross/build.sh" x86_64-unknown-linux-musl >&2 || true
        HOMEPORT_BIN=$musl
    fi
    if [ ! -x "$HOMEPORT_BIN" ] && [ -x "$BENCH_ROOT/target/release/homeport" ]; then
        HOMEPORT_BIN=$BENCH_ROOT/target/release/homeport
    fi
    if [ ! -x "$HOMEPORT_BIN" ]; then
        HOMEPORT_WHY="no homeport binary (set HOMEPORT=path or build it)"
        return 1
    fi
    if ! "$HOMEPORT_BIN" run --help > /dev/null 2>&1; then
        HOMEPORT_WHY="$HOMEPORT_BIN has no 'run' command yet"
        return 1
    fi
}

# bench_homeport_config HOSTS FORWARDS DEBOUNCE: a homeport UCI config on stdout for the
# benchmark network: HOSTS ddns sections (dyndns2, plain HTTP to the endpoint) and
# FORWARDS port forwards to LAN hosts.
bench_homeport_config() {
    printf "config homeport 'main'\n\toption device '%s'\n\toption debounce '%s'\n" "$WAN_DEV" "$3"
    printf "\toption log_level 'info'\n\n"
    h=1
    while [ "$h" -le "$1" ]; do
        printf "config ddns 'host%s'\n\toption service 'dyndns2'\n\tlist domain 'h%s.homeport.example.org'\n" "$h" "$h"
        printf "\toption username 'bench'\n\toption password 'bench-secret'\n"
        printf "\toption server '%s:%s'\n\toption use_https '0'\n" "$ENDPOINT_IP" "$ENDPOINT_PORT"
        # The "what does DNS hold now" lookup goes to the provider namespace (nothing
        # answers there), never to a real resolver.
        printf "\toption dns_server '%s'\n\n" "$ENDPOINT_IP"
        h=$((h + 1))
    done
    f=0
    while [ "$f" -lt "$2" ]; do
        printf "config forward 'fwd%s'\n\toption proto 'tcp'\n\toption src_dport '%s'\n" "$f" "$((20000 + f))"
        printf "\toption dest_ip '192.168.1.%s'\n\toption dest_port '%s'\n\n" "$((f % 200 + 10))" "$((8000 + f))"
        f=$((f + 1))
    done
}
