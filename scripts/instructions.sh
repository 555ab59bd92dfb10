#!/usr/bin/env bash
# Counts what one `keyless check` does, deterministically, where wall time on a shared VM
# varies by ±30 % run to run (issue 9): instructions, an estimate of cycles from simulated
# cache misses, and allocations, on one thread, under valgrind's callgrind. A measurement,
# never a test.
#
#   scripts/instructions.sh corpus/avm/avm/res/web corpus/avm/avm/res/storage
#   KEYLESS=/tmp/old/keyless scripts/instructions.sh DIR...   # another build, to compare
#   TOP=20 scripts/instructions.sh DIR...                     # and the 20 largest allocators
#
# Cycles are estimated as instructions + 10 x first-level misses + 100 x last-level misses.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PATH..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "$0: needs valgrind" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
target=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${KEYLESS:-}" ]; then
    (cd "$root" && cargo build --release --quiet --bin keyless)
    KEYLESS="$target/release/keyless"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
KEYLESS_THREADS=1 valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$out/cg" \
    "$KEYLESS" check --format compact "$@" >/dev/null 2>"$out/err" || true
python3 - "$out/cg" "$out/err" "${TOP:-0}" <<'PY'
import collections, re, sys
profile, log, top = sys.argv[1], sys.argv[2], int(sys.argv[3])
def total(pattern):
    for line in open(log):
        if re.search(pattern, line):
            return int(line.split(":")[1].split()[0].replace(",", ""))
    return 0
instructions = total(r"== I\s+refs:")
l1 = total(r"== I1\s+misses:") + total(r"== D1\s+misses:")
ll = total(r"== LL misses:")
# Calls into the allocator, by calling function (callgrind's `cfn=`/`calls=` records).
names, current, callee = {}, None, None
allocations = collections.Counter()
def name(spec):
    m = re.match(r"\((\d+)\)(?: (.*))?", spec)
    if not m:
        return spec
    if m.group(2):
        names[m.group(1)] = m.group(2)
    return names.get(m.group(1), m.group(1))
for line in open(profile, errors="replace"):
    if line.startswith("fn="):
        current, callee = name(line[3:].strip()), None
    elif line.startswith("cfn="):
        callee = name(line[4:].strip())
    elif line.startswith("calls=") and callee is not None:
        if re.search(r"__rust_(alloc|alloc_zeroed|realloc)$", callee):
            allocations[current] += int(line[6:].split()[0])
        callee = None
print(f"instructions      {instructions:>15,}")
print(f"estimated cycles  {instructions + 10 * l1 + 100 * ll:>15,}")
print(f"allocations       {sum(allocations.values()):>15,}")
for caller, count in allocations.most_common(top):
    print(f"  {count:>12,}  {caller[:110]}")
PY
