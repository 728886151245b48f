#!/bin/sh
# Idle cost: resident memory and wakeups of `homeport run` with 5 DDNS hosts and 100
# port forwards, and of inadyn and ddclient with the same 5 hosts, each measured alone
# over an idle window (default 60 s) after its start-up updates have arrived.
# Issue 5's target for homeport (x86_64 musl build): under 1.5 MiB RSS and no wakeups
# between scheduled checks; the script exits 1 when homeport misses it.
#
# RSS: VmRSS (split into RssAnon and RssFile) and VmHWM (peak) from /proc/PID/status at
# the end of the window.
# Wakeups: voluntary + nonvoluntary context switches summed over /proc/PID/task/*/status,
# end minus start of the window. A scheduled check (a poll of the address, a re-check)
# costs a few switches; the "checks" column says how many each tool had scheduled in the
# window; the `period` column says how often each tool is configured to check (homeport:
# check_interval, 10 min by default, so none falls in the window).
#
# Peers run with their shipped defaults: inadyn 2.10 period 120 s, ddclient daemon=300
# (Debian's /etc/default/ddclient). Same network as daemon_reaction.sh (tools/netns.sh).
# Stops itself after LIMIT seconds (default 480); always cleans up.
#
#   bench/daemon_idle.sh
#   env: HOMEPORT=path, TOOLS, IDLE (60), SETTLE (5), HOSTS (5), FORWARDS (100),
#        INADYN_PERIOD (120), DDCLIENT_INTERVAL (300), LIMIT, BENCH_KEEP=1
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

LIMIT=${LIMIT:-480}
bench_under_timeout "$LIMIT" "$0" "$@"

TOOLS=${TOOLS:-homeport inadyn ddclient}
IDLE=${IDLE:-60}
SETTLE=${SETTLE:-5}
HOSTS=${HOSTS:-5}
FORWARDS=${FORWARDS:-100}
INADYN_PERIOD=${INADYN_PERIOD:-120}
DDCLIENT_INTERVAL=${DDCLIENT_INTERVAL:-300}

if [ "$(id -u)" != 0 ]; then
    echo "daemon_idle: SKIPPED: needs root to create network namespaces"
    exit 0
fi

BENCH_TMP=$(mktemp -d /tmp/hp-bench-idle.XXXXXX)
trap bench_cleanup EXIT
trap 'echo "$0: stopped by a signal (the time limit is $LIMIT s)" >&2; exit 1' INT TERM HUP
bench_net_up idle
[ -n "${BENCH_KEEP:-}" ] && echo "daemon_idle: work dir $BENCH_TMP"

# wait_hosts N SECONDS PID: until the endpoint has seen every one of the N host names;
# fails at once if PID exits.
wait_hosts() {
    i=0
    while [ $i -lt $(($2 * 10)) ] && kill -0 "$3" 2>/dev/null; do
        seen=$(awk '{n = split($3, a, ","); for (k = 1; k <= n; k++) print a[k]}' "$BENCH_TMP/requests" | sort -u | grep -c example.org || true)
        [ "$seen" -ge "$1" ] && return 0
        sleep 0.1 & wait $!
        i=$((i + 1))
    done
    return 1
}

# failed NAME: the end of NAME's log into the summary; a homeport failure fails the run.
failed() {
    tail -n 5 "$BENCH_TMP/$1.log" 2>/dev/null | sed 's/^/    /' >> "$summary"
    if [ "$1" = homeport ]; then missed=1; fi
}

# idle NAME PID PERIOD NOTE: one result line; homeport's is checked against the target.
idle() {
    name=$1; pid=$2
    if ! wait_hosts "$HOSTS" 60 "$pid"; then
        printf '%-9s FAILED: exited, or the endpoint did not see all %s hosts within 60 s\n' "$name" "$HOSTS" >> "$summary"
        failed "$name"
        return
    fi
    sleep "$SETTLE" & wait $!
    req0=$(wc -l < "$BENCH_TMP/requests")
    s0=$(bench_switches "$pid")
    sleep "$IDLE" & wait $!
    s1=$(bench_switches "$pid")
    req1=$(wc -l < "$BENCH_TMP/requests")
    rss=$(bench_status_kib "$pid" VmRSS)
    hwm=$(bench_status_kib "$pid" VmHWM)
    anon=$(bench_status_kib "$pid" RssAnon)
    file=$(bench_status_kib "$pid" RssFile)
    threads=$(find /proc/"$pid"/task -mindepth 1 -maxdepth 1 | wc -l)
    if ! kill -0 "$pid" 2>/dev/null || [ -z "$rss" ]; then
        printf '%-9s FAILED: exited during the idle window\n' "$name" >> "$summary"
        failed "$name"
        return
    fi
    wakeups=$((s1 - s0))
    printf '%-9s RSS %6d KiB (%4.2f MiB; anon %d, file %d)  peak %6d KiB  wakeups/%ss %5d  period %5s  requests %d  threads %d  %s\n' \
        "$name" "$rss" "$(echo "$rss" | awk '{print $1 / 1024}')" "$anon" "$file" "$hwm" "$IDLE" "$wakeups" "$3" \
        $((req1 - req0)) "$threads" "$4" >> "$summary"
    if [ "$name" = homeport ]; then
        if [ "$rss" -ge "$RSS_TARGET_KIB" ]; then
            echo "homeport  MISSED: RSS $rss KiB, target under $RSS_TARGET_KIB KiB" >> "$summary"
            missed=1
        fi
        if [ "$wakeups" -ne 0 ]; then
            echo "homeport  MISSED: $wakeups wakeups in an idle window with no scheduled check" >> "$summary"
            missed=1
        fi
    fi
}

summary=$BENCH_TMP/summary
: > "$summary"
missed=0
RSS_TARGET_KIB=1536

for tool in $TOOLS; do
    bench_wan_reset
    : > "$BENCH_TMP/requests"
    case $tool in
    homeport)
        if ! bench_homeport_bin; then
            echo "homeport  SKIPPED: $HOMEPORT_WHY" >> "$summary"
            continue
        fi
        bench_homeport_config "$HOSTS" "$FORWARDS" 2s > "$BENCH_TMP/homeport.uci"
        mkdir -p "$BENCH_TMP/homeport-state"
        bench_spawn "$NS_R" "$HOMEPORT_BIN" run --foreground -c "$BENCH_TMP/homeport.uci" \
            --state-dir "$BENCH_TMP/homeport-state" > "$BENCH_TMP/homeport.log" 2>&1
        idle homeport "$LAST_PID" 600s "($HOSTS hosts, $FORWARDS forwards; $(basename "$(dirname "$(dirname "$HOMEPORT_BIN")")")/$(basename "$(dirname "$HOMEPORT_BIN")"))"
        ;;
    inadyn)
        command -v inadyn > /dev/null || { echo "inadyn    SKIPPED: not installed" >> "$summary"; continue; }
        bench_inadyn_config "$HOSTS" "$INADYN_PERIOD" > "$BENCH_TMP/inadyn.conf"
        bench_inadyn_start "$BENCH_TMP" "$BENCH_TMP/inadyn.conf"
        idle inadyn "$LAST_PID" "${INADYN_PERIOD}s" "($HOSTS hosts, period $INADYN_PERIOD s)"
        ;;
    ddclient)
        command -v ddclient > /dev/null || { echo "ddclient  SKIPPED: not installed" >> "$summary"; continue; }
        bench_ddclient_config "$BENCH_TMP" "$HOSTS" "$DDCLIENT_INTERVAL" > "$BENCH_TMP/ddclient.conf"
        bench_ddclient_start "$BENCH_TMP" "$BENCH_TMP/ddclient.conf"
        idle ddclient "$LAST_PID" "${DDCLIENT_INTERVAL}s" "($HOSTS hosts, daemon=$DDCLIENT_INTERVAL s)"
        ;;
    *)
        echo "daemon_idle: unknown tool '$tool'" >&2
        exit 2
        ;;
    esac
    bench_stop "$LAST_PID"
done

echo "idle cost over ${IDLE} s, after start-up updates and ${SETTLE} s to settle:"
cat "$summary"
exit "$missed"
