#!/usr/bin/env bash
# Compare the resource graph of each Bicep file with the graph of the ARM JSON compiled from it
# (quickstarts: main.bicep + azuredeploy.json; Bicep samples: main.bicep + main.json) and print
# the agreement rate.
#
#   scripts/graph-agreement.sh corpus/quickstarts corpus/bicep-samples/src/Bicep.Core.Samples/Files/user_submitted
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR..." >&2; exit 2; }
cd "$(dirname "$0")/.."
cargo build --release --quiet --example graph_agreement
exec target/release/examples/graph_agreement "$@"
