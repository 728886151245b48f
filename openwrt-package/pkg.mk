# SPDX-License-Identifier: GPL-2.0-only
# Package targets, included by the top-level Makefile (`include openwrt-package/pkg.mk`).
#   make ipk       cross-build, then dist/homeport_<version>_<arch>.ipk for each
#                  architecture in cross/targets.tsv and dist/luci-app-homeport_<version>_all.ipk
#   make test-pkg  the package tests (tests/pkg/run.sh) on those packages
# The *-nobuild variants skip `cross` and package whatever target/*/release holds.

PYTHON ?= python3
IPK_OUT ?= dist

.PHONY: ipk ipk-nobuild test-pkg test-pkg-nobuild

ipk: cross ipk-nobuild

ipk-nobuild:
	$(PYTHON) openwrt-package/build-ipk.py --out $(IPK_OUT)

test-pkg: ipk test-pkg-nobuild

test-pkg-nobuild:
	DIST=$(IPK_OUT) sh tests/pkg/run.sh

# .apk for OpenWrt 25.12+ needs an apk-tools 3.x binary (APK=/path/to/apk): none is
# packaged for Debian bookworm, PyPI or npm, so this is not part of `make test`.
APK ?= $(shell command -v apk)
.PHONY: apk
apk: cross
	$(PYTHON) openwrt-package/build-apk.py --apk "$(APK)" --out $(IPK_OUT)
