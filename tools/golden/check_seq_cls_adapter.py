"""Checks a tulu4j SEQ_CLS LoRA adapter (reward stage, PPO value model) with PEFT itself.

PEFT loads the adapter over its base as AutoModelForSequenceClassification (the score head from the
adapter's modules_to_save), and its scores are compared with a merged sequence-classification folder
(tulu4j's `lora merge` / the pipeline's OUT/reward/merged), or just printed.

  python tools/golden/check_seq_cls_adapter.py --base OUT/sft --adapter OUT/reward/step-000004 --merged OUT/reward/merged
  python tools/golden/check_seq_cls_adapter.py --base OUT/reward/merged --adapter OUT/rlvr/value/step-000002

Done by hand (not a test dependency); see docs/LORA.md.
"""
import argparse
import json
import os

import torch
from peft import PeftModel
from transformers import AutoModelForSequenceClassification


def resolve(d):
    """A run folder's newest checkpoint (its `latest` file), else the folder itself."""
    latest = os.path.join(d, "latest")
    if not os.path.exists(os.path.join(d, "config.json")) and os.path.exists(latest):
        return os.path.join(d, open(latest).read().strip())
    return d


def scores(model, ids):
    """The scalar output at the last token of each sequence (batch 1: no pad id needed)."""
    out = []
    with torch.no_grad():
        for row in ids:
            out.append(model(input_ids=torch.tensor([row])).logits[0, 0].item())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--merged")
    a = ap.parse_args()
    base_dir = resolve(a.base)
    cfg = json.load(open(os.path.join(base_dir, "config.json")))
    vocab = cfg["vocab_size"]
    g = torch.Generator().manual_seed(0)
    ids = [torch.randint(0, vocab, (n,), generator=g).tolist() for n in (5, 9, 17, 12)]
    base = AutoModelForSequenceClassification.from_pretrained(base_dir, num_labels=1, torch_dtype=torch.float32)
    peft_model = PeftModel.from_pretrained(base, a.adapter).eval()
    got = scores(peft_model, ids)
    print("peft (base + adapter + saved score):", ["%.7f" % x for x in got])
    if a.merged:
        m = AutoModelForSequenceClassification.from_pretrained(a.merged, torch_dtype=torch.float32).eval()
        want = scores(m, ids)
        print("merged folder:                      ", ["%.7f" % x for x in want])
        diff = max(abs(x - y) / (1 + abs(y)) for x, y in zip(got, want))
        print("max relative difference %.2e" % diff)
        assert diff < 1e-5, diff


if __name__ == "__main__":
    main()
