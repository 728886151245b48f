#!/bin/sh
# Package tests (make test-pkg): expects `make ipk` and `make apk` to have run. Needs
# python3, node, the shell linter, dash, busybox-static (the chroot's /bin/sh), fakeroot
# (build-apk.py), qemu-user and llvm-objdump; installs the Debian ones if missing (as
# make test does). The real apk, opkg and uci come from ../shared/tools.
set -eu
cd "$(dirname "$0")/../.."

need=""
command -v shellcheck >/dev/null 2>&1 || need="$need shellcheck"
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v dash >/dev/null 2>&1 || need="$need dash"
command -v fakeroot >/dev/null 2>&1 || need="$need fakeroot"
command -v llvm-objdump >/dev/null 2>&1 || need="$need llvm"
command -v qemu-arm >/dev/null 2>&1 || need="$need qemu-user"
if ! { [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked'; }; then
	need="$need busybox-static"
fi
if [ -n "$need" ]; then
	echo "test-pkg: installing$need"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null
fi

# The config-contract check runs the native binary's `homeport check`.
[ -n "${HOMEPORT_BIN:-}" ] || cargo build -q --locked --bin homeport

exec python3 tests/pkg/test_pkg.py "$@"
