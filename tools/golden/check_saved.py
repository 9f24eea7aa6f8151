#!/usr/bin/env python3
"""Checks that checkpoint folders tulu4j saved load in transformers unchanged and compute
transformers' own golden logits.

    ./mvnw -B -q test -Dtest=FamilyModelsTest -Dtulu4j.keepSavedFamilies=/tmp/saved
    /work/venv/bin/python tools/golden/check_saved.py /tmp/saved

For every sub-folder <case> (a fixture name under src/test/resources/golden/), loads it with
AutoModelForCausalLM (float64; eager attention for Gemma 2, as the fixture) and compares its logits
on the fixture's inputs with the fixture's golden logits (max |diff| / max |golden| <= 1e-6: the
weights are the same float32 values, so only float64 rounding may differ). Reference only: never a
runtime or CI dependency.
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForCausalLM

GOLDEN = Path(__file__).resolve().parents[2] / "src/test/resources/golden"


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    root = Path(sys.argv[1])
    failed = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        meta = json.loads((GOLDEN / folder.name / "golden.json").read_text())
        cfg = AutoConfig.from_pretrained(folder)
        assert type(cfg).__name__.replace("Config", "ForCausalLM") == meta["model_class"], (cfg, meta["model_class"])
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float64,
                                                     attn_implementation=meta["attn_implementation"])
        assert type(model).__name__ == meta["model_class"], type(model).__name__
        ids = torch.tensor(meta["inputs"]["input_ids"])
        pos = torch.tensor(meta["inputs"]["position_ids"])
        with torch.no_grad():
            logits = model(input_ids=ids, position_ids=pos, use_cache=False).logits
        want = load_file(str(GOLDEN / folder.name / "golden.safetensors"))["logits"]
        rel = ((logits - want).abs().max() / want.abs().max()).item()
        print(f"{folder.name:28s} {meta['model_class']:20s} rel err {rel:.2e}")
        if not rel <= 1e-6:
            failed.append(folder.name)
    if failed:
        raise SystemExit(f"differ from the goldens: {failed}")


if __name__ == "__main__":
    main()
