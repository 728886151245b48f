#!/usr/bin/env bash
# The whole test suite for cross targets under qemu-user, so byte-order and 32-bit bugs
# surface. Usage: cross/test-qemu.sh [TRIPLE...]  (default: every non-native target).
# Extra cargo test arguments go in CARGO_TEST_ARGS (e.g. "--test cli_check").
# --no-fail-fast: every test binary runs, so one run shows every failure on every target.
#
# Cargo runs each test binary through CARGO_TARGET_<T>_RUNNER (the qemu command from
# cross/targets.tsv); integration tests run the homeport binary through the same command,
# taken from HOMEPORT_TEST_RUNNER (see tests/support/mod.rs). The test process keeps this
# environment (qemu-user passes it on), so root/netns tests work as they do natively.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
    local -a triples extra=()
    if (($#)); then triples=("$@"); else mapfile -t triples < <(qemu_triples); fi
    ((${#triples[@]})) || die "no qemu targets in $TARGETS_FILE"
    read -r -a extra <<<"${CARGO_TEST_ARGS:-}"
    local triple failed=() times=() start
    for triple in "${triples[@]}"; do
        start=$SECONDS
        load_target "$triple"
        [[ $T_RUNNER != native ]] || die "$triple runs natively; use make test-native"
        command -v "${T_RUNNER%% *}" >/dev/null || die "${T_RUNNER%% *} is not installed (make deps)"
        step "tests for $triple under '$T_RUNNER'"
        # Test builds need no debug info (smaller, faster links); failures still name the
        # file and line through #[track_caller] locations.
        # Build first, then run within HOMEPORT_TEST_TIMEOUT (default 900 s per target).
        local rc=0
        CARGO_PROFILE_DEV_DEBUG=0 target_cargo test "$triple" --locked --no-run "${extra[@]}" || rc=$?
        if ((rc == 0)); then
            CARGO_PROFILE_DEV_DEBUG=0 CARGO_TIMEOUT=${HOMEPORT_TEST_TIMEOUT:-900} \
                target_cargo test "$triple" --locked --no-fail-fast "${extra[@]}" || rc=$?
            ((rc != 124 && rc != 137)) || printf 'error: %s: tests still running after %ss (a hung test?); killed\n' "$triple" "${HOMEPORT_TEST_TIMEOUT:-900}" >&2
        fi
        ((rc == 0)) || failed+=("$triple")
        # Build and run time per target, so a slow emulated suite shows before it hits
        # its limit (issue 13: the armv7 suite ran into 900 s on a loaded machine).
        times+=("$(printf '%-32s %5d s  %s' "$triple" $((SECONDS - start)) "$( ((rc == 0)) && echo passed || echo FAILED)")")
        step "$triple: $((SECONDS - start)) s (build and tests)"
    done
    step "time per target under qemu:"
    printf '    %s\n' "${times[@]}" >&2
    if ((${#failed[@]})); then
        die "tests failed under qemu for: ${failed[*]}"
    fi
    step "tests passed under qemu for: ${triples[*]}"
}

main "$@"
