# shellcheck shell=bash
# Shared by the cross/ scripts (sourced, not run): reads cross/targets.tsv and runs cargo
# for one target with that target's flags, std build mode and qemu runner.

CROSS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$CROSS_DIR")
TARGETS_FILE=$CROSS_DIR/targets.tsv
# Where cargo puts artifacts; one directory for every target, so host-side build scripts
# and proc-macros are compiled once and shared.
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO_DIR/target}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

step() {
    printf '==> %s\n' "$*" >&2
}

# All triples in targets.tsv, in file order.
all_triples() {
    awk -F'\t' '!/^#/ && NF >= 5 { print $1 }' "$TARGETS_FILE"
}

# Triples of the targets that run under qemu-user (not "native").
qemu_triples() {
    awk -F'\t' '!/^#/ && NF >= 5 && $3 != "native" { print $1 }' "$TARGETS_FILE"
}

# load_target TRIPLE: sets T_TRIPLE, T_ARCH, T_RUNNER, T_STD, T_RUSTFLAGS and T_ENV
# (the CARGO_TARGET_<TRIPLE> prefix), or dies for a triple the table does not know.
load_target() {
    local line
    line=$(awk -F'\t' -v t="$1" '!/^#/ && $1 == t' "$TARGETS_FILE")
    [[ -n $line ]] || die "unknown target '$1' (known: $(all_triples | tr '\n' ' '))"
    # shellcheck disable=SC2034 # T_ARCH is for the scripts that source this file
    IFS=$'\t' read -r T_TRIPLE T_ARCH T_RUNNER T_STD T_RUSTFLAGS <<<"$line"
    [[ $T_RUSTFLAGS == - ]] && T_RUSTFLAGS=
    case $T_STD in
        prebuilt | build-std) ;;
        *) die "$TARGETS_FILE: $T_TRIPLE: std must be 'prebuilt' or 'build-std', not '$T_STD'" ;;
    esac
    T_ENV=CARGO_TARGET_$(printf '%s' "$T_TRIPLE" | tr 'a-z.-' 'A-Z__')
}

# Release builds of every target build std from rust-src, for flash size and memory
# (cross/README.md, "Release size"; the mipsel_24kc .ipk must stay under 700 KB with TLS,
# and the x86_64 daemon under 1.5 MiB resident): std compiled with optimize_for_size; a
# panic aborts at once (no message: the process dies with SIGTRAP/SIGILL and procd
# respawns it); no panic file:line strings; non-PIC code for the static executable; no
# unwind tables (nothing unwinds under panic=abort). The targets whose std column says
# "prebuilt" use rustup's std for `test` only.
# Not for `test`: libtest and #[should_panic] need unwinding.
RELEASE_STD_FEATURES=optimize_for_size
RELEASE_STD_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Crelocation-model=static -Cforce-unwind-tables=no"

# target_cargo MODE TRIPLE [ARGS...]: `cargo-zigbuild MODE --target TRIPLE` with the
# target's environment. MODE "zigbuild" is a release-style build (std with panic_abort to
# match the release profile); "test" builds std with unwinding (should_panic needs it) and
# runs every test binary, and the homeport binary the integration tests spawn, under qemu.
target_cargo() {
    local mode=$1 triple=$2
    shift 2
    load_target "$triple"
    local -a env=() std=()
    if [[ $mode != test ]]; then
        T_RUSTFLAGS="${T_RUSTFLAGS:+$T_RUSTFLAGS }$RELEASE_STD_RUSTFLAGS"
    fi
    if [[ -n $T_RUSTFLAGS ]]; then
        # RUSTFLAGS, when set, overrides per-target flags entirely; merge instead of
        # letting the target flags vanish.
        if [[ -n ${RUSTFLAGS:-} ]]; then
            env+=("RUSTFLAGS=$RUSTFLAGS $T_RUSTFLAGS")
        else
            env+=("${T_ENV}_RUSTFLAGS=$T_RUSTFLAGS")
        fi
    fi
    if [[ $T_RUNNER != native ]]; then
        # Test binaries run through cross/qemu-test-runner.sh (a bound per binary, and one
        # more run after an emulator hang); the homeport binary the integration tests
        # spawn runs under the plain qemu command (HOMEPORT_TEST_RUNNER).
        env+=("${T_ENV}_RUNNER=$REPO_DIR/cross/qemu-test-runner.sh" "HOMEPORT_TEST_RUNNER=$T_RUNNER")
    else
        env+=("HOMEPORT_TEST_RUNNER=")
    fi
    if [[ $mode != test ]]; then
        env+=(RUSTC_BOOTSTRAP=1)
        std=("-Zbuild-std=std,panic_abort" "-Zbuild-std-features=$RELEASE_STD_FEATURES")
    elif [[ $T_STD == build-std ]]; then
        env+=(RUSTC_BOOTSTRAP=1)
        std=(-Zbuild-std)
    fi
    # CARGO_TIMEOUT (seconds), when set, bounds the run: a hung test must fail the run,
    # not hold CI until its global limit. timeout signals the whole process group, so
    # qemu and anything the tests started die with cargo.
    local -a wrap=()
    if [[ -n ${CARGO_TIMEOUT:-} ]]; then wrap=(timeout --kill-after=30 "$CARGO_TIMEOUT"); fi
    (
        cd "$REPO_DIR" || exit
        set -x
        "${wrap[@]}" env "${env[@]}" CARGO_TARGET_DIR="$TARGET_DIR" cargo-zigbuild "$mode" --target "$triple" "${std[@]}" "$@"
    )
}

# strip_release TRIPLE: on MIPS, drop what rustc's `strip = true` leaves: LLVM writes a
# `.pdr` section (procedure descriptors for debuggers, ~165 KB, ~18 KB of the gzip'd
# package) plus `.comment`/`.mdebug.abi32`; none is loaded or needed to run. llvm-strip
# (apt `llvm`) knows MIPS ELF; binutils' x86_64 strip and `zig objcopy` do not.
strip_release() {
    [[ $1 == mips* ]] || return 0
    command -v llvm-strip >/dev/null || die "llvm-strip not found (cross/apt-packages.txt: build: llvm)"
    llvm-strip --strip-all "$(release_bin "$1")"
}

# Path of the release binary `cross/build.sh` leaves for TRIPLE.
release_bin() {
    printf '%s/%s/release/homeport\n' "$TARGET_DIR" "$1"
}

# run_on TRIPLE PROGRAM [ARGS...]: runs a program built for TRIPLE, through its qemu.
run_on() {
    local triple=$1
    shift
    load_target "$triple"
    if [[ $T_RUNNER == native ]]; then
        "$@"
    else
        local -a runner
        read -r -a runner <<<"$T_RUNNER"
        "${runner[@]}" "$@"
    fi
}
