#!/usr/bin/env bash
# Installs the toolchain homeport builds and tests with; idempotent: anything already
# present is left alone and nothing is downloaded, so `make test` can call it every time.
# Usage: cross/setup.sh [build|all]   (default: all)
#   build  Debian build tools, Rust (rustup, the pinned toolchain, rust-src, clippy,
#          rustfmt, the musl targets with prebuilt std), zig + cargo-zigbuild
#   all    build, plus the test tools (qemu-user, nftables, iproute2, bind9, ...)
# Package lists: cross/apt-packages.txt; Rust version: rust-toolchain.toml.
# zig and cargo-zigbuild come from PyPI, pinned, into a venv at $HOMEPORT_TOOLS/venv
# (default ~/.local/share/homeport-tools), which the Makefile puts first on PATH. Needs root (or sudo) only when a Debian package is missing.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOMEPORT_TOOLS=${HOMEPORT_TOOLS:-$HOME/.local/share/homeport-tools}
ZIGLANG_VERSION=0.15.2
CARGO_ZIGBUILD_VERSION=0.24.1
RUST_COMPONENTS=(rust-src clippy rustfmt)
# Targets with a prebuilt std (used by their test builds; release builds of every target
# compile std from rust-src).
RUST_TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)

as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root to run: $* (run as root, or install sudo)"
    fi
}

apt_packages() {
    local groups=$1
    command -v dpkg-query >/dev/null || die "not a Debian-like system (no dpkg-query); install by hand: $(awk -F': *' '!/^#/ && NF == 2 { print $2 }' "$CROSS_DIR/apt-packages.txt" | tr '\n' ' ')"
    local -a wanted missing=()
    mapfile -t wanted < <(awk -F': *' -v g="$groups" '!/^#/ && NF == 2 && (g == "all" || $1 == g) { print $2 }' "$CROSS_DIR/apt-packages.txt")
    local p
    for p in "${wanted[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        step "Debian packages: all ${#wanted[@]} present"
        return
    fi
    step "Debian packages: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

rust_toolchain() {
    if ! command -v rustup >/dev/null; then
        step "Rust: installing rustup (toolchain from rust-toolchain.toml)"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
            sh -s -- -y --profile minimal --default-toolchain none --no-modify-path
        export PATH=$HOME/.cargo/bin:$PATH
    fi
    cd "$REPO_DIR"
    # Installs the toolchain rust-toolchain.toml names, if it is not there yet.
    rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
    local -a have missing=()
    local c t
    mapfile -t have < <(rustup component list --installed)
    for c in "${RUST_COMPONENTS[@]}"; do
        printf '%s\n' "${have[@]}" | grep -Eq "^$c(-|$)" || missing+=("$c")
    done
    if ((${#missing[@]})); then
        step "Rust: adding components ${missing[*]}"
        rustup component add "${missing[@]}"
    fi
    missing=()
    mapfile -t have < <(rustup target list --installed)
    for t in "${RUST_TARGETS[@]}"; do
        printf '%s\n' "${have[@]}" | grep -qx "$t" || missing+=("$t")
    done
    if ((${#missing[@]})); then
        step "Rust: adding targets ${missing[*]}"
        rustup target add "${missing[@]}"
    fi
    step "Rust: $(rustc --version), components and targets present"
}

# zig is pinned, not taken from PATH: the release binaries link zig's musl, and its
# malloc decides the daemon's memory (cross/README.md, "Why zig 0.15"): from 0.16 on,
# zig replaces musl's mallocng with its own slab allocator, which keeps a 124 KiB slab per
# size class and thread (idle RSS of the x86_64 daemon 720 KiB anonymous instead of 320).
zig_toolchain() {
    local venv=$HOMEPORT_TOOLS/venv have_zig have_czb
    have_zig=$("$venv/bin/python3" -m ziglang version 2>/dev/null || true)
    have_czb=$("$venv/bin/cargo-zigbuild" --version 2>/dev/null | awk '{print $2}' || true)
    if [[ $have_zig != "$ZIGLANG_VERSION" || $have_czb != "$CARGO_ZIGBUILD_VERSION" ]]; then
        step "zig: installing ziglang $ZIGLANG_VERSION and cargo-zigbuild $CARGO_ZIGBUILD_VERSION into $venv (found: ${have_zig:-none}, ${have_czb:-none})"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
    fi
    export PATH=$venv/bin:$PATH
    [[ $(command -v cargo-zigbuild) == "$venv/bin/cargo-zigbuild" ]] ||
        die "cargo-zigbuild on PATH is $(command -v cargo-zigbuild), not $venv/bin/cargo-zigbuild"
    cargo-zigbuild zig cc -- --version >/dev/null 2>&1 ||
        die "cargo-zigbuild cannot run zig from $venv"
    step "zig: cargo-zigbuild $(cargo-zigbuild --version | awk '{print $2}'), zig $("$venv/bin/python3" -m ziglang version)"
}

main() {
    local what=${1:-all}
    case $what in
        build) apt_packages build ;;
        all) apt_packages all ;;
        *) die "usage: cross/setup.sh [build|all]" ;;
    esac
    rust_toolchain
    zig_toolchain
}

main "$@"
