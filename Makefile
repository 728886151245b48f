# homeport: build, run, cross-build, test and measure. `make help` lists the targets.
# The heavy lifting is in cross/*.sh (target table: cross/targets.tsv); this file only
# wires it together. Every target fails loudly: no step is skipped without an error.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:
MAKEFLAGS += --no-builtin-rules --no-print-directory

# Tools cross/setup.sh may install outside the system paths: rustup's cargo bin, and a
# venv for zig + cargo-zigbuild (only created when they are not on PATH already).
HOMEPORT_TOOLS ?= $(HOME)/.local/share/homeport-tools
export HOMEPORT_TOOLS
export PATH := $(HOMEPORT_TOOLS)/venv/bin:$(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)

# The main job: the daemon on the demo config (demo/homeport: an enabled DuckDNS name with
# a placeholder token, two forwards, one unsafe), as a dry run (no root needed): it
# watches the real interfaces and prints the DDNS request and the ruleset it would apply
# and the lint's warnings, until Ctrl-C; then `homeport doctor` says what it finds on this
# machine. State goes to a scratch directory. (The package ships EXAMPLE_CONFIG, all
# sections disabled.)
EXAMPLE_CONFIG := openwrt-package/homeport/files/etc/config/homeport
DEMO_CONFIG := demo/homeport
RUN_STATE ?= $(or $(TMPDIR),/tmp)/homeport-dry-run
RUN_ARGS ?= run --dry-run --foreground -c $(DEMO_CONFIG) --state-dir $(RUN_STATE)
DOCTOR_ARGS ?= doctor --offline -c $(DEMO_CONFIG) --state-dir $(RUN_STATE)
# Subsets, e.g. `make test-qemu QEMU_TARGETS=mips-unknown-linux-musl`; empty means all.
CROSS_TARGETS ?=
QEMU_TARGETS ?=
NATIVE_BIN := target/release/homeport

.PHONY: help deps deps-build build run cross sizes lint test test-native test-qemu bench

help:
	@echo 'make run          build homeport (dev profile) and run it: homeport $(RUN_ARGS); after Ctrl-C: homeport $(DOCTOR_ARGS)'
	@echo 'make test         deps, fmt, clippy, shellcheck, native tests, tests under qemu,'
	@echo '                  then the packages built and tested (make test-pkg)'
	@echo 'make ipk          make cross, then dist/*.ipk for every arch in openwrt-package/arches.tsv'
	@echo 'make apk          make cross, then signed .apk feeds dist/apk/<arch>/ (apk-tools 3: APK=,'
	@echo '                  default ../shared/tools/openwrt/bin/apk)'
	@echo 'make test-pkg     both, then the package tests with the real opkg and apk'
	@echo 'make build        native release build ($(NATIVE_BIN))'
	@echo 'make cross        static release binaries target/<triple>/release/homeport for every'
	@echo '                  target in cross/targets.tsv, checked (static, stripped, soft-float'
	@echo '                  MIPS, --version under qemu); CROSS_TARGETS="t1 t2" for a subset'
	@echo 'make sizes        make cross, then stripped and gzip -9 size per target'
	@echo 'make lint         cargo fmt --check, cargo clippy -D warnings, shellcheck'
	@echo 'make test-native  the test suite on this machine'
	@echo 'make test-qemu    the test suite for mips, mipsel, armv7, aarch64 under qemu-user;'
	@echo '                  QEMU_TARGETS="t1 t2" for a subset'
	@echo 'make bench        every benchmark under bench/ (and cargo benches, if any)'
	@echo 'make deps         install the toolchain and test tools (idempotent; root for apt)'

deps:
	cross/setup.sh all

deps-build:
	cross/setup.sh build

build: deps-build
	cargo build --release --locked

# A dev build: quick to build (and already there after make test); `make build` is the
# size-tuned release build.
# Ctrl-C ends the daemon; the trap (a handler, not an ignore: the daemon still gets the
# signal) lets the shell go on to the doctor, whose exit status (1: problems found) is
# not make's failure.
run: deps-build
	@test -f $(DEMO_CONFIG) || { echo "error: $(DEMO_CONFIG) is missing" >&2; exit 1; }
	cargo build --locked --bin homeport
	@trap : INT; target/debug/homeport $(RUN_ARGS); \
	  echo; echo '== homeport $(DOCTOR_ARGS)'; target/debug/homeport $(DOCTOR_ARGS) || true

cross: deps-build
	cross/build.sh $(CROSS_TARGETS)

sizes: cross
	cross/sizes.sh $(CROSS_TARGETS)

lint: deps
	cargo fmt --all -- --check
	cargo clippy --all-targets --locked -- -D warnings
	shellcheck cross/*.sh .ci/run

# Build, then run within HOMEPORT_TEST_TIMEOUT seconds: a hung test fails the run.
HOMEPORT_TEST_TIMEOUT ?= 900
export HOMEPORT_TEST_TIMEOUT

test-native: deps
	@start=$$(date +%s); \
	cargo test --locked --no-run; \
	timeout --kill-after=30 $(HOMEPORT_TEST_TIMEOUT) cargo test --locked --no-fail-fast; \
	echo "==> native tests: $$(( $$(date +%s) - start )) s (build and tests)"

test-qemu: deps
	cross/test-qemu.sh $(QEMU_TARGETS)

# Order matters: the cheap checks fail first; then the release cross builds, packaged and
# tested as opkg would install them. (.ci/run runs `make sizes` after this: the binaries
# are built by then, so it only checks and measures them.)
test: deps lint test-native test-qemu test-pkg
	@echo 'make test: all passed (fmt, clippy, shellcheck, native suite, qemu suites, packages)'

# Benchmarks measure the x86_64 musl release binary: static and size-tuned like the
# router's, and runnable here without qemu.
bench: deps
	cross/build.sh x86_64-unknown-linux-musl
	HOMEPORT=$(CURDIR)/target/x86_64-unknown-linux-musl/release/homeport cross/run-benches.sh

# OpenWrt packages: make ipk, make apk, make test-pkg (openwrt-package/pkg.mk).
include openwrt-package/pkg.mk
