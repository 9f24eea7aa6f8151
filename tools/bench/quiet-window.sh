#!/usr/bin/env bash
# Issue #22's comparison: the PyTorch peer and tulu4j, one after the other, ROUNDS times, on this machine.
# Run on a quiet machine from the repository root (beside ../shared), then make the table:
#   tools/bench/quiet-window.sh OUT [ROUNDS]      # default 3 rounds; ~12 min per round on 2 Zen 5 cores
#   python3 tools/bench/table.py OUT              # medians, ratios and issue #22's targets
# Each round: peer tiny, ours tiny, ours GEMM, peer 135M, ours 135M. Training runs 30 timed steps on the
# tiny shape in both engines (8 steps move a single ratio by ±20%). Needs the peer's packages:
#   apt-get install -y python3-torch libopenblas0-openmp
set -euo pipefail
out=${1:?usage: quiet-window.sh OUT [ROUNDS]}
rounds=${2:-3}
peer=../shared/bench/peer_torch_bench.py
[ -f "$peer" ] || { echo "quiet-window.sh: $peer not found (run from the repository root beside ../shared)" >&2; exit 2; }
mkdir -p "$out"
{ grep -m1 'model name' /proc/cpuinfo; grep -m1 'cpu family' /proc/cpuinfo; grep -m1 '^model' /proc/cpuinfo
  git rev-parse HEAD; date -u; } > "$out/machine.txt"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds $(date -u +%T)"
  /usr/bin/python3 "$peer" --config tiny --train-steps 30 --json > "$out/peer-tiny-$r.json" 2> "$out/peer-tiny-$r.err"
  ./tulu4j bench all --shape tiny --gemm vector --steps 30 --json "$out/ours-tiny-$r.json" > "$out/ours-tiny-$r.txt" 2>&1
  ./tulu4j bench gemm --size 1024,4096 --backend vector --threads 2 --json "$out/ours-gemm-$r.json" > "$out/ours-gemm-$r.txt" 2>&1
  /usr/bin/python3 "$peer" --config smol135m --json > "$out/peer-135m-$r.json" 2> "$out/peer-135m-$r.err"
  ./tulu4j bench all --shape smollm2-135m --gemm vector --json "$out/ours-135m-$r.json" > "$out/ours-135m-$r.txt" 2>&1
done
date -u >> "$out/machine.txt"
echo "done: python3 tools/bench/table.py $out"
