# SPDX-License-Identifier: GPL-2.0-only
# Package targets, included by the top-level Makefile (`include openwrt-package/pkg.mk`).
#   make ipk       cross-build, then dist/homeport_<version>_<arch>.ipk for each arch name
#                  in openwrt-package/arches.tsv and dist/luci-app-homeport_<version>_all.ipk
#   make apk       cross-build, then a signed feed per arch name under dist/apk/<arch>/
#                  (homeport-<version>.apk, luci-app-homeport-<version>.apk, packages.adb;
#                  key in dist/apk/keys/) with apk-tools 3 (APK=, default: the real 3.0.2
#                  in ../shared/tools/openwrt/bin/apk)
#   make test-pkg  both, then the package tests (tests/pkg/run.sh)
# The *-nobuild variants skip `cross` and package whatever target/*/release holds.

PYTHON ?= python3
IPK_OUT ?= dist
APK_OUT ?= $(IPK_OUT)/apk
export APK

.PHONY: ipk ipk-nobuild apk apk-nobuild test-pkg test-pkg-nobuild

ipk: cross ipk-nobuild

ipk-nobuild:
	@start=$$(date +%s); \
	$(PYTHON) openwrt-package/build-ipk.py --out $(IPK_OUT); \
	echo "make ipk: $$(( $$(date +%s) - start )) s"

apk: cross apk-nobuild

apk-nobuild:
	@start=$$(date +%s); \
	$(PYTHON) openwrt-package/build-apk.py --out $(APK_OUT) $(APK_BUILD_FLAGS); \
	echo "make apk: $$(( $$(date +%s) - start )) s"

# Without an apk-tools 3 binary (no ../shared/tools and no APK=), `make test-pkg` says so
# and builds the .ipk only; the .apk tests then skip with that reason.
test-pkg: APK_BUILD_FLAGS = --skip-without-apk
test-pkg: cross ipk-nobuild apk-nobuild test-pkg-nobuild

test-pkg-nobuild:
	@start=$$(date +%s); \
	DIST=$(IPK_OUT) APK_DIST=$(APK_OUT) sh tests/pkg/run.sh; \
	echo "make test-pkg: tests $$(( $$(date +%s) - start )) s"
