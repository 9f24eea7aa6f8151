#!/usr/bin/env python3
"""Issue #22's table from a tools/bench/quiet-window.sh folder: per row the peer's and tulu4j's figure of
each round, their medians, the ratio of medians, and the target. Standard library only."""
import glob
import json
import os
import statistics
import sys


def load(pattern):
    return [json.load(open(p)) for p in sorted(glob.glob(pattern))]


def ours_row(runs, bench, batch=None):
    vals = []
    for d in runs:
        for r in d["results"]:
            if r["bench"] == bench and (batch is None or r.get("batch") == batch):
                vals.append(r)
    return vals


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt(xs, digits=0):
    return " / ".join(f"{x:,.{digits}f}" for x in xs)


def main(folder):
    rows = []
    peer_tiny, peer_135 = load(os.path.join(folder, "peer-tiny-*.json")), load(os.path.join(folder, "peer-135m-*.json"))
    ours_tiny, ours_135 = load(os.path.join(folder, "ours-tiny-*.json")), load(os.path.join(folder, "ours-135m-*.json"))
    gemm = load(os.path.join(folder, "ours-gemm-*.json"))
    fma = [d.get("fmaNowGflops") for d in gemm + ours_tiny + ours_135 if d.get("fmaNowGflops")]
    peak = gemm[0]["peakGflops"] if gemm else 430.0
    for size in ("1024", "4096"):
        p = [d["matmul"][size]["gflops_median"] for d in peer_tiny + peer_135 if size in d.get("matmul", {})]
        o = [r["medianGflops"] for d in gemm for r in d["results"] if str(r["m"]) == size]
        rows.append((f"GEMM {size}³ GFLOP/s", p, o, med(o) / med(p),
                     f"≥ 1.15×, ≥ 85% of peak ({med(o) / peak:.0%} of {peak:.0f})"))
    for name, peers, ours, train_target, prefill_target, b32_target, b1_floor in (
            ("tiny", peer_tiny, ours_tiny, 2.0, 2.0, 3.5, 0.80),
            ("135M", peer_135, ours_135, 1.4, 1.4, 2.0, 0.90)):
        p = [d["train"]["tok_s_median"] for d in peers]
        o = [r["tokensPerSecond"] for r in ours_row(ours, "train")]
        rows.append((f"train {name} tok/s", p, o, med(o) / med(p), f"≥ {train_target}×"))
        p = [d["prefill"]["tok_s_median"] for d in peers]
        o = [r["tokensPerSecond"] for r in ours_row(ours, "prefill")]
        rows.append((f"prefill {name} tok/s", p, o, med(o) / med(p), f"≥ {prefill_target}×"))
        p = [d["decode"]["b1"]["decode_tok_s_median"] for d in peers]
        b1 = [r for r in ours_row(ours, "decode", 1) if r.get("weightsDtype", "fp32") == "fp32"]
        o = [r["tokensPerSecond"] for r in b1]
        floors = [r["tokensPerSecond"] / r["floorTokensPerSecond"] for r in b1 if r.get("floorTokensPerSecond")]
        peer_floor = [d["decode_b1_floor_from_read_bw"]["fp32_tok_s"] for d in peers]
        rows.append((f"decode b1 {name} tok/s", p, o, med(o) / med(p),
                     f"≥ {b1_floor:.0%} of floor: ours {fmt([100 * f for f in floors])}% of our floor; "
                     f"{med(o) / med(peer_floor):.0%} of the peer's torch-sum floor ({med(peer_floor):,.0f} tok/s)"))
        p = [d["decode"]["b32"]["decode_tok_s_median"] for d in peers]
        o = [r["tokensPerSecond"] for r in ours_row(ours, "decode", 32) if r.get("weightsDtype", "fp32") == "fp32"]
        rows.append((f"decode b32 {name} tok/s", p, o, med(o) / med(p), f"≥ {b32_target}×"))
    print(open(os.path.join(folder, "machine.txt")).read().strip().replace("\n", "; "))
    print(f"in-run FMA loop: {fmt(fma)} GFLOP/s (table peak {peak:.0f})\n")
    print("| workload | peer (each round) | tulu4j (each round) | ratio of medians | target |")
    print("|---|---|---|---|---|")
    for name, p, o, ratio, target in rows:
        digits = 1 if "135M" in name and "decode b1" in name else 0
        print(f"| {name} | {fmt(p, digits)} (median {med(p):,.{digits}f}) | {fmt(o, digits)} (median {med(o):,.{digits}f}) "
              f"| **{ratio:.2f}×** | {target} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: table.py FOLDER (written by tools/bench/quiet-window.sh)")
    main(sys.argv[1])
