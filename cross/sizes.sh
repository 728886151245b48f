#!/usr/bin/env bash
# Size of each release binary as shipped (stripped) and as it travels (gzip -9), the
# number that matters on 8-32 MB of flash. Usage: cross/sizes.sh [TRIPLE...]
# Reads the binaries cross/build.sh left; a missing one is an error, not a blank row.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
    local -a triples
    if (($#)); then triples=("$@"); else mapfile -t triples < <(all_triples); fi
    local triple bin stripped gz
    printf '%-32s %-26s %10s %10s\n' target openwrt_arch stripped gzip-9
    for triple in "${triples[@]}"; do
        load_target "$triple"
        bin=$(release_bin "$triple")
        [[ -f $bin ]] || die "$triple: no binary at $bin (run make cross first)"
        file -b "$bin" | grep -q 'not stripped' && die "$triple: $bin is not stripped"
        stripped=$(stat -c %s "$bin")
        gz=$(gzip -9 -c "$bin" | wc -c)
        printf '%-32s %-26s %10d %10d\n' "$triple" "$T_ARCH" "$stripped" "$gz"
    done
}

main "$@"
