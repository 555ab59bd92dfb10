#!/usr/bin/env bash
# Parse every template under the given folders and print files, syntax errors, expressions,
# expression errors and MB/s (release build, one thread). The folders hold real templates
# extracted with ../shared/scripts/extract-corpus.sh into a git-ignored folder.
#
#   scripts/conformance.sh corpus/quickstarts corpus/avm
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR..." >&2; exit 2; }
cd "$(dirname "$0")/.."
cargo build --release --quiet --example conformance
exec target/release/examples/conformance "$@"
