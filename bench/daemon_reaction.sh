#!/bin/sh
# Reaction time: from a WAN address change to the DDNS provider receiving the update
# request, p50 and p99, for `homeport run` (debounce 0) and, on the same network and the
# same endpoint, inadyn (period 30 s, its minimum) and ddclient (daemon=60, its minimum),
# one tool at a time. Issue 5's target for homeport: p99 under 100 ms, every change
# answered; the script exits 1 when homeport misses it.
#
# Network: two namespaces this script creates (tools/netns.sh): the "router" with WAN
# device veth-wan in 203.0.113.0/24, and the provider at 198.51.100.1:8080 running
# tools/dyndns2_endpoint.py, which logs each request's receive time. tools/reaction.py
# changes the address (add new, delete old) and matches each change to the first request
# carrying the new address.
#
# Polling peers react after period/2 on average, so each of their changes first waits a
# random part of the period (stratified over the changes, see tools/reaction.py) and they
# get fewer changes, to keep the run bounded: 100 changes for homeport, 6 for inadyn and 4
# for ddclient by default; about 7 minutes in all.
# The whole script stops itself after LIMIT seconds (default 900) and always removes its
# namespaces and processes.
#
#   bench/daemon_reaction.sh                       # all three
#   TOOLS="inadyn" N_INADYN=3 bench/daemon_reaction.sh
#   env: HOMEPORT=path, N_HOMEPORT, N_INADYN, N_DDCLIENT, INADYN_PERIOD (30),
#        DDCLIENT_INTERVAL (60), LIMIT (900), BENCH_KEEP=1 (keep the work dir)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BENCH_ROOT=$(dirname "$here")
export BENCH_ROOT
BENCH_TOOLS=$here/tools
# shellcheck source=SCRIPTDIR/tools/netns.sh
. "$BENCH_TOOLS/netns.sh"
# shellcheck source=SCRIPTDIR/tools/homeport.sh
. "$BENCH_TOOLS/homeport.sh"
# shellcheck source=SCRIPTDIR/tools/peers.sh
. "$BENCH_TOOLS/peers.sh"

LIMIT=${LIMIT:-900}
bench_under_timeout "$LIMIT" "$0" "$@"

TOOLS=${TOOLS:-homeport inadyn ddclient}
N_HOMEPORT=${N_HOMEPORT:-100}
N_INADYN=${N_INADYN:-6}
N_DDCLIENT=${N_DDCLIENT:-4}
INADYN_PERIOD=${INADYN_PERIOD:-30}
DDCLIENT_INTERVAL=${DDCLIENT_INTERVAL:-60}

if [ "$(id -u)" != 0 ]; then
    echo "daemon_reaction: SKIPPED: needs root to create network namespaces"
    exit 0
fi
for t in ip python3; do
    command -v "$t" > /dev/null || { echo "daemon_reaction: SKIPPED: $t is not installed"; exit 0; }
done

BENCH_TMP=$(mktemp -d /tmp/hp-bench-reaction.XXXXXX)
trap bench_cleanup EXIT
trap 'echo "$0: stopped by a signal (the time limit is $LIMIT s)" >&2; exit 1' INT TERM HUP
bench_net_up react
[ -n "${BENCH_KEEP:-}" ] && echo "daemon_reaction: work dir $BENCH_TMP"

# run_driver NAME COUNT TIMEOUT BUDGET PHASE INITIAL: measures the daemon $pid into
# $BENCH_TMP/NAME.lat.
# Backgrounded and waited for, so that a TERM from timeout(1) reaches the trap at once.
run_driver() {
    python3 "$BENCH_TOOLS/reaction.py" measure --ns "$NS_R" --dev "$WAN_DEV" \
        --log "$BENCH_TMP/requests" --out "$BENCH_TMP/$1.lat" --first "$WAN_FIRST" \
        --count "$2" --timeout "$3" --budget "$4" --phase "$5" --initial "$6" --pid "$pid" &
    wait $!
}

summary=$BENCH_TMP/summary
: > "$summary"
missed=0

for tool in $TOOLS; do
    bench_wan_reset
    target=""
    case $tool in
    homeport)
        if ! bench_homeport_bin; then
            echo "homeport  SKIPPED: $HOMEPORT_WHY" >> "$summary"
            continue
        fi
        bench_homeport_config 1 0 0 > "$BENCH_TMP/homeport.uci"
        mkdir -p "$BENCH_TMP/homeport-state"
        bench_spawn "$NS_R" "$HOMEPORT_BIN" run --foreground -c "$BENCH_TMP/homeport.uci" \
            --state-dir "$BENCH_TMP/homeport-state" > "$BENCH_TMP/homeport.log" 2>&1
        pid=$LAST_PID
        run_driver homeport "$N_HOMEPORT" 5 180 0 15
        note="(debounce 0; $(basename "$(dirname "$(dirname "$HOMEPORT_BIN")")")/$(basename "$(dirname "$HOMEPORT_BIN")"))"
        target="--max-p99 100"
        ;;
    inadyn)
        command -v inadyn > /dev/null || { echo "inadyn    SKIPPED: not installed" >> "$summary"; continue; }
        bench_inadyn_config 1 "$INADYN_PERIOD" > "$BENCH_TMP/inadyn.conf"
        bench_inadyn_start "$BENCH_TMP" "$BENCH_TMP/inadyn.conf"
        pid=$LAST_PID
        run_driver inadyn "$N_INADYN" $((INADYN_PERIOD + 15)) $((N_INADYN * INADYN_PERIOD)) \
            "$INADYN_PERIOD" 20
        note="(period $INADYN_PERIOD s, fewer changes: polls)"
        ;;
    ddclient)
        command -v ddclient > /dev/null || { echo "ddclient  SKIPPED: not installed" >> "$summary"; continue; }
        bench_ddclient_config "$BENCH_TMP" 1 "$DDCLIENT_INTERVAL" > "$BENCH_TMP/ddclient.conf"
        bench_ddclient_start "$BENCH_TMP" "$BENCH_TMP/ddclient.conf"
        pid=$LAST_PID
        run_driver ddclient "$N_DDCLIENT" $((DDCLIENT_INTERVAL + 20)) \
            $((N_DDCLIENT * DDCLIENT_INTERVAL)) "$DDCLIENT_INTERVAL" 30
        note="(daemon=$DDCLIENT_INTERVAL s, fewer changes: polls)"
        ;;
    *)
        echo "daemon_reaction: unknown tool '$tool'" >&2
        exit 2
        ;;
    esac
    if ! kill -0 "$pid" 2>/dev/null; then note="$note [exited early: see its log]"; fi
    bench_stop "$pid"
    # shellcheck disable=SC2086 # $target is empty or two words
    if ! python3 "$BENCH_TOOLS/reaction.py" report "$tool" "$BENCH_TMP/$tool.lat" "$note" $target >> "$summary"; then
        missed=1
        tail -n 5 "$BENCH_TMP/$tool.log" | sed 's/^/    /' >> "$summary"
    fi
done

echo "reaction time, WAN address change -> provider receives the update request:"
cat "$summary"
exit "$missed"
