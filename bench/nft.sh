#!/bin/sh
# The nft benchmark (see bench/nft.rs): needs root for its private network namespace.
set -eu
cd "$(dirname "$0")/.."
exec cargo bench --bench nft "$@"
