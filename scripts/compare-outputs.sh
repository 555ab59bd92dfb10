#!/usr/bin/env bash
# Shows that a change to how keyless runs (not to what it finds) changes no output: every
# `--format`, with stderr and the exit status, byte for byte, between a build kept from before
# the change and this checkout's build, over the folders given. A measurement for performance
# work (issue 9), never a test: the corpora are outside the repository.
#
#   git worktree add /tmp/before HEAD && (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release)
#   scripts/compare-outputs.sh /tmp/before-target/release/keyless corpus/quickstarts corpus/avm
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BEFORE_BINARY DIR..." >&2; exit 2; }
before=$(realpath "$1")
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release --quiet --bin keyless)
after="$target/release/keyless"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for format in human compact json sarif github azure-devops gitlab; do
    for side in before after; do
        binary=$before
        [ "$side" = after ] && binary=$after
        code=0
        "$binary" check --format "$format" "$@" >"$out/$side.out" 2>"$out/$side.err" || code=$?
        echo "$code" >"$out/$side.code"
    done
    if cmp -s "$out/before.out" "$out/after.out" && cmp -s "$out/before.err" "$out/after.err" \
        && cmp -s "$out/before.code" "$out/after.code"; then
        echo "$format: same ($(wc -c <"$out/after.out") bytes)"
    else
        echo "$format: DIFFERENT"
        diff "$out/before.out" "$out/after.out" | head -5 || true
        status=1
    fi
done
exit "$status"
