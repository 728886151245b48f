#!/bin/sh
# Package tests (make test-pkg): expects `make ipk` to have run. Needs python3, node,
# the shell linter and dash; installs the Debian ones if missing (as make test does).
set -eu
cd "$(dirname "$0")/../.."

need=""
command -v shellcheck >/dev/null 2>&1 || need="$need shellcheck"
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v dash >/dev/null 2>&1 || need="$need dash"
if [ -n "$need" ]; then
	echo "test-pkg: installing$need"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null
fi

# The config-contract check runs the native binary's `homeport check`.
[ -n "${HOMEPORT_BIN:-}" ] || cargo build -q --locked --bin homeport

exec python3 tests/pkg/test_pkg.py "$@"
