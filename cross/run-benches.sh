#!/usr/bin/env bash
# Runs every benchmark: each bench/*.sh, in name order, from the repository root (through
# its #! line when executable, else with bash); then `cargo bench` when the crate has Rust
# benchmarks (benches/ or [[bench]] in Cargo.toml). Other files in bench/ (helpers such as
# a test endpoint in Python) and subdirectories are not run.
# A benchmark checks its own target and exits non-zero when it misses it. It gets:
#   HOMEPORT       absolute path of the binary to measure: the x86_64 musl release build
#                  (static, size-tuned: what the router runs), which make bench builds
#   HOMEPORT_REPO  absolute path of the repository
# All benchmarks run even when one fails; the run fails if any failed or none exist.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
    cd "$REPO_DIR"
    export HOMEPORT_REPO=$REPO_DIR
    export HOMEPORT=${HOMEPORT:-$(release_bin x86_64-unknown-linux-musl)}
    [[ -x $HOMEPORT ]] || die "HOMEPORT='$HOMEPORT' is not an executable (make bench builds it)"
    local -a benches=() failed=()
    local f
    for f in bench/*.sh; do
        if [[ -f $f ]]; then benches+=("$f"); fi
    done
    local cargo_benches=0
    if [[ -d benches ]] || grep -q '^\[\[bench\]\]' Cargo.toml; then cargo_benches=1; fi
    ((${#benches[@]} + cargo_benches)) || die "no benchmarks found (bench/*.sh, cargo benches)"
    for f in "${benches[@]}"; do
        step "benchmark $f"
        if [[ -x $f ]]; then
            "./$f" || failed+=("$f")
        else
            bash "$f" || failed+=("$f")
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
