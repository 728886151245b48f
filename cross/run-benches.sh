#!/usr/bin/env bash
# Runs every benchmark: each bench/*.sh (with bash) and each other executable file
# directly under bench/, in name order, from the repository root; then `cargo bench` when
# the crate has Rust benchmarks (benches/ or [[bench]] in Cargo.toml).
# A benchmark checks its own target and exits non-zero when it misses it. It gets:
#   HOMEPORT_BIN   absolute path of the native release binary (make bench builds it)
#   HOMEPORT_REPO  absolute path of the repository
# All benchmarks run even when one fails; the run fails if any failed or none exist.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
    cd "$REPO_DIR"
    export HOMEPORT_REPO=$REPO_DIR
    export HOMEPORT_BIN=${HOMEPORT_BIN:-$TARGET_DIR/release/homeport}
    [[ -x $HOMEPORT_BIN ]] || die "HOMEPORT_BIN='$HOMEPORT_BIN' is not an executable (make bench builds it)"
    local -a benches=() failed=()
    local f
    for f in bench/*; do
        [[ -f $f ]] || continue
        if [[ $f == *.sh || -x $f ]]; then benches+=("$f"); fi
    done
    local cargo_benches=0
    if [[ -d benches ]] || grep -q '^\[\[bench\]\]' Cargo.toml; then cargo_benches=1; fi
    ((${#benches[@]} + cargo_benches)) || die "no benchmarks found (bench/*.sh, executables in bench/, cargo benches)"
    for f in "${benches[@]}"; do
        step "benchmark $f"
        if [[ $f == *.sh ]]; then
            bash "$f" || failed+=("$f")
        else
            "./$f" || failed+=("$f")
        fi
    done
    if ((cargo_benches)); then
        step "cargo bench"
        cargo bench --locked || failed+=("cargo bench")
        benches+=("cargo-bench")
    fi
    ((${#failed[@]} == 0)) || die "benchmarks failed: ${failed[*]}"
    step "benchmarks passed: ${benches[*]}"
}

main "$@"
