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
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
	echo "test-pkg: installing$need"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null
fi
# The LuCI browser test (tests/luci/browser.js) drives Debian's chromium. Where it cannot
# be installed (no such package for this release or architecture), that test skips and
# says so; everything else still runs.
if ! command -v chromium >/dev/null 2>&1; then
	echo "test-pkg: installing chromium"
	{ DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; } >/dev/null ||
		echo "test-pkg: chromium could not be installed; the LuCI browser test will skip"
fi

# The LuCI tests' npm packages (jsdom, puppeteer-core), exactly as package-lock.json pins.
if [ ! -f tests/luci/node_modules/.package-lock.json ] ||
	! cmp -s tests/luci/package-lock.json tests/luci/node_modules/.homeport-lock; then
	echo "test-pkg: npm ci in tests/luci"
	(cd tests/luci && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
		cp package-lock.json node_modules/.homeport-lock)
fi

# The config-contract check runs the native binary's `homeport check`.
[ -n "${HOMEPORT_BIN:-}" ] || cargo build -q --locked --bin homeport

exec python3 tests/pkg/test_pkg.py "$@"
