#!/usr/bin/env bash
# Static, stripped release binaries for OpenWrt targets: target/<triple>/release/homeport.
# Usage: cross/build.sh [TRIPLE...]   (default: every target in cross/targets.tsv)
# Each binary is checked after the build: statically linked, stripped, soft-float on MIPS
# (no FPU on a 24Kc), and `homeport --version` runs under the target's qemu.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check_binary() {
    local triple=$1 bin desc version
    load_target "$triple"
    bin=$(release_bin "$triple")
    [[ -x $bin ]] || die "$triple: no binary at $bin after the build"
    desc=$(file -b "$bin")
    case $desc in
        *"statically linked"* | *"static-pie linked"*) ;;
        *) die "$triple: $bin is not statically linked: $desc" ;;
    esac
    case $desc in
        *"not stripped"*) die "$triple: $bin is not stripped: $desc" ;;
        *stripped*) ;;
        *) die "$triple: cannot tell whether $bin is stripped: $desc" ;;
    esac
    if [[ $triple == mips* ]]; then
        # LLVM records the float ABI in .MIPS.abiflags (readelf -A: "FP ABI"); GNU as
        # records it as the Tag_GNU_MIPS_ABI_FP attribute. Either must say soft float.
        readelf -A "$bin" | grep -Eq '(FP ABI|Tag_GNU_MIPS_ABI_FP): *Soft float' ||
            die "$triple: $bin is not soft-float: $(readelf -A "$bin" | grep -E 'FP ABI|Tag_GNU_MIPS_ABI_FP' || echo 'no float ABI record')"
    fi
    version=$(run_on "$triple" "$bin" --version) || die "$triple: '$bin --version' failed under '$T_RUNNER'"
    [[ $version == "homeport "* ]] || die "$triple: unexpected --version output: '$version'"
    printf '%-32s %-26s %8d bytes  %s\n' "$triple" "$T_ARCH" "$(stat -c %s "$bin")" "$version"
}

main() {
    local -a triples
    if (($#)); then triples=("$@"); else mapfile -t triples < <(all_triples); fi
    local triple
    for triple in "${triples[@]}"; do
        load_target "$triple"
        step "release build for $triple ($T_ARCH)"
        target_cargo zigbuild "$triple" --release --locked
        strip_release "$triple"
    done
    step "checking the binaries"
    for triple in "${triples[@]}"; do
        check_binary "$triple"
    done
}

main "$@"
