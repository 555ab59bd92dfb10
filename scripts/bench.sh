#!/usr/bin/env bash
# Prints how fast `keyless check` is (issue 9): files, MB, wall time, files/s, MB/s and peak
# RSS for the bundled fixtures, for each folder given, and for a generated 500-line Bicep file
# with two local modules (the pre-commit case). A measurement, never a test: the figures
# depend on the machine and on what else runs on it, so each case runs RUNS times (default 5)
# and the minimum and median are printed.
#
#   scripts/bench.sh                                   # fixtures and the pre-commit case
#   scripts/bench.sh corpus/quickstarts corpus/avm     # plus each folder, and all of them at once
#   RUNS=3 FORMAT=compact KEYLESS_THREADS=1 scripts/bench.sh
#   CHECKOV=/tmp/checkov/bin/checkov scripts/bench.sh corpus/quickstarts   # plus Checkov, once
#
# With CHECKOV set (a Checkov 3.3 installed in a local venv: `pip install checkov`; never in
# CI), each folder is also checked once by `checkov -d DIR --framework arm bicep`, and the
# ratio of its wall time to keyless's median is printed.
#
# FORMAT is passed to --format (default: human, what a terminal shows). Output is discarded.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FORMAT=${FORMAT:-human}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin keyless
keyless="$target/release/keyless"
work="$target/bench"
mkdir -p "$work"

# The pre-commit case: one 500-line main.bicep calling two local modules, generated here so
# that no corpus is committed.
precommit="$work/precommit"
mkdir -p "$precommit/modules"
cat >"$precommit/modules/storage.bicep" <<'EOF'
param name string
param location string
param allowKeys bool = false

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: allowKeys
    minimumTlsVersion: 'TLS1_2'
  }
}

output id string = account.id
output name string = account.name
EOF
cat >"$precommit/modules/app.bicep" <<'EOF'
param name string
param location string
param storageId string

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  sku: {
    name: 'P1v3'
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      appSettings: [
        {
          name: 'STORAGE_ID'
          value: storageId
        }
      ]
    }
  }
}

output principalId string = site.identity.principalId
EOF
{
  echo "param location string = resourceGroup().location"
  echo "param prefix string = 'contoso'"
  echo
  echo "var blobReader = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'"
  echo
  echo "module storage 'modules/storage.bicep' = {"
  echo "  name: 'storage'"
  echo "  params: {"
  echo "    name: '\${prefix}data'"
  echo "    location: location"
  echo "  }"
  echo "}"
  echo
  echo "module app 'modules/app.bicep' = {"
  echo "  name: 'app'"
  echo "  params: {"
  echo "    name: '\${prefix}-web'"
  echo "    location: location"
  echo "    storageId: storage.outputs.id"
  echo "  }"
  echo "}"
  echo
  # 15 groups of 31 lines (a vault, a secret and a role assignment each): 486 lines in all.
  for i in $(seq 1 15); do
    cat <<EOF
resource vault$i 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '\${prefix}-kv-$i'
  location: location
  properties: {
    tenantId: subscription().tenantId
    enableRbacAuthorization: true
    sku: {
      family: 'A'
      name: 'standard'
    }
  }
}

resource secret$i 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault$i
  name: 'setting-$i'
  properties: {
    value: 'value-$i'
  }
}

resource reader$i 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault$i.id, app.outputs.principalId, blobReader)
  scope: vault$i
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobReader)
    principalId: app.outputs.principalId
    principalType: 'ServicePrincipal'
  }
}

EOF
  done
} >"$precommit/main.bicep"

# Prints one line of figures for `keyless check ARGS...`.
measure() {
  local label=$1
  shift
  local files bytes
  files=$(find "$@" -type f \( -name '*.bicep' -o -name '*.bicepparam' -o -name '*.json' -o -name '*.jsonc' \) | wc -l)
  bytes=$(find "$@" -type f \( -name '*.bicep' -o -name '*.bicepparam' -o -name '*.json' -o -name '*.jsonc' \) -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  local walls=() rsss=()
  for _ in $(seq 1 "$RUNS"); do
    local log="$work/time.log" start end
    # /usr/bin/time gives peak RSS; its wall clock has 10 ms steps, too coarse for the
    # pre-commit case, so wall time is taken around it (which adds about a millisecond).
    start=$(date +%s%N)
    /usr/bin/time -v -o "$log" "$keyless" check --format "$FORMAT" "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    walls+=("$(awk -v ns=$((end - start)) 'BEGIN { print ns / 1e9 }')")
    rsss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")")
  done
  local wall_min wall_med rss_med
  wall_min=$(printf '%s\n' "${walls[@]}" | sort -g | head -1)
  wall_med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  rss_med=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  last_median=$wall_med
  awk -v label="$label" -v files="$files" -v bytes="$bytes" -v min="$wall_min" -v med="$wall_med" -v rss="$rss_med" 'BEGIN {
    mb = bytes / 1e6; t = (med > 0 ? med : 0.001)
    printf "%-28s %7d files %8.1f MB   wall min %6.3f s  median %6.3f s   %8.0f files/s %7.1f MB/s   peak RSS %6.1f MB\n",
      label, files, mb, min, med, files / t, mb / t, rss / 1024
  }'
}

# Prints Checkov's wall time and peak RSS on one folder, and how many times keyless's median
# (the last `measure`) fits in it.
checkov_side_by_side() {
  local dir=$1 log="$work/checkov.log" start end
  start=$(date +%s%N)
  /usr/bin/time -v -o "$log" "$CHECKOV" -d "$dir" --framework arm bicep --quiet --compact >/dev/null 2>&1 || true
  end=$(date +%s%N)
  awk -v ns=$((end - start)) -v keyless="$last_median" -v rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")" 'BEGIN {
    wall = ns / 1e9
    printf "%-28s checkov 3.3: wall %8.1f s   peak RSS %6.1f MB   keyless is %.0fx faster\n",
      "", wall, rss / 1024, wall / (keyless > 0 ? keyless : 0.001)
  }'
}

echo "keyless check --format $FORMAT, $RUNS runs each, threads: ${KEYLESS_THREADS:-all cores}"
measure "fixtures" fixtures
measure "pre-commit (500 lines + 2)" "$precommit/main.bicep"
for dir in "$@"; do
  measure "$dir" "$dir"
  if [ -n "${CHECKOV:-}" ]; then
    checkov_side_by_side "$dir"
  fi
done
if [ $# -gt 1 ]; then
  measure "all of the above" "$@"
fi
