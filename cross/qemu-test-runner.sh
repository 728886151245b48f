#!/usr/bin/env bash
# Cargo's runner for the test binaries under qemu-user (cross/test-qemu.sh sets
# CARGO_TARGET_<T>_RUNNER to this script): runs `$HOMEPORT_TEST_RUNNER BINARY ARGS...`
# (the target's qemu command, from cross/targets.tsv) within
# HOMEPORT_TEST_BINARY_TIMEOUT seconds (default 300; a whole emulated test binary takes
# well under 100 s).
#
# Why: Debian 12's qemu-user (7.2) can deadlock a child that a multithreaded guest forks
# before the child execs: parent and child then sleep on futexes and use no CPU (seen in
# tests/nft_e2e.rs under qemu-arm, 2026-12-07: the test binary and its forked copy both in
# futex_wait, nothing running, until the target's 900 s limit). That is the emulator's
# hang, not a test's result. A binary that runs into the limit is therefore run once more,
# and the hang is printed; a second hang, like any failure, fails the run. A binary that
# fails or passes is never rerun.
set -uo pipefail

limit=${HOMEPORT_TEST_BINARY_TIMEOUT:-300}
read -r -a qemu <<<"${HOMEPORT_TEST_RUNNER:-}"
if ((${#qemu[@]} == 0)); then
    echo "qemu-test-runner: HOMEPORT_TEST_RUNNER is empty (cross/test-qemu.sh sets it)" >&2
    exit 2
fi

for attempt in 1 2; do
    # timeout signals its whole process group: qemu and any child it forked.
    timeout --kill-after=10 "$limit" "${qemu[@]}" "$@"
    rc=$?
    if ((rc != 124 && rc != 137)); then
        exit "$rc"
    fi
    printf 'error: %s hung under %s (no exit after %s s, attempt %s of 2)\n' \
        "${1##*/}" "${qemu[*]}" "$limit" "$attempt" >&2
done
exit "$rc"
