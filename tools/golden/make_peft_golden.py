#!/usr/bin/env python3
"""A PEFT LoRA adapter fixture for src/test/java/dev/tulu4j/checkpoint/PeftGoldenTest.

Run by hand, never by CI; what it writes is committed. tulu4j never depends on Python. Set up
/work/venv as tools/golden/make_golden.py says, then from the repository root:

    /work/venv/bin/python tools/golden/make_peft_golden.py
    /work/venv/bin/python tools/golden/make_peft_golden.py --family olmo2    # and gemma2, see below
    /work/venv/bin/python tools/golden/make_peft_golden.py --check-tulu4j DIR   # optional, see below

It builds a tiny Llama with transformers (float32, well-conditioned random weights), wraps it with
``peft.get_peft_model`` and a ``LoraConfig(r=4, lora_alpha=8, target_modules=[q_proj, v_proj,
o_proj, down_proj])``, sets every lora_B to random non-zero values (PEFT initialises B to zero, so
an adapter fresh from init would not change a single logit), and writes into
``src/test/resources/golden/peft-llama/``:

    checkpoint/            the base checkpoint (save_pretrained, float32 safetensors)
    adapter/               PEFT's own save_pretrained: adapter_config.json + adapter_model.safetensors
    golden.safetensors     F64 "logits" (B, T, V) of base + adapter, computed by PEFT in float64
                           from the saved float32 weights (reloaded with PeftModel.from_pretrained);
                           F64 "base_logits" with the adapter disabled (disable_adapter())
    golden.json            the inputs (in make_golden.py's layout, read by GoldenFixture), versions, seed

``--family olmo2`` / ``--family gemma2`` write ``peft-olmo2/`` / ``peft-gemma2/`` the same way over
the base of make_golden.py's ``olmo2_untied`` / ``gemma2_softcap`` case (its config, its weight
init, its attention implementation; Gemma 2 on INPUTS_LONG so its window of 4 slides), with the
adapter on every linear module by name (q, k, v, o, gate, up, down; for src/test/java/dev/tulu4j/
golden/FamilyPeftGoldenTest).

``--modules-to-save`` writes ``peft-llama-mts/`` the same way over the tiny Llama with tied
embeddings (``tie_word_embeddings=True``, as Llama 3.2 and the tiny recipe model) and
``modules_to_save=["lm_head", "embed_tokens"]``: PEFT wraps each in a ``ModulesToSaveWrapper``
holding its own deep copy of the (shared) weight, warns that the tied layer is part of the adapter
without ``ensure_weight_tying``, and saves the copies as ``base_model.model.lm_head.weight`` and
``base_model.model.model.embed_tokens.weight``. Both copies are perturbed differently (random, as
training would leave them), so the adapted model is untied while ``disable_adapter()`` gives the
tied base back (for PeftModulesToSaveGoldenTest). ``--family gemma2 --modules-to-save`` does the
same over Gemma 2's tied base (√C-scaled embedding, final soft-cap) into ``peft-gemma2-mts/``.

``--check-tulu4j DIR`` loads an adapter folder that tulu4j wrote (next to the base above) with
``PeftModel.from_pretrained`` and prints the max |logit| difference against tulu4j's own logits
in ``DIR/logits.safetensors`` if present: proof that PEFT reads our files.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
from pathlib import Path

import peft
import safetensors.torch
import torch
import transformers
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

import make_golden

SEED = 20261206
OUT = Path(__file__).resolve().parents[2] / "src" / "test" / "resources" / "golden" / "peft-llama"
INPUT_IDS = [[5, 17, 3, 29, 11, 30, 2, 23], [7, 19, 4, 13, 1, 26, 9, 31]]
TARGETS = ["q_proj", "v_proj", "o_proj", "down_proj"]
ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# --family: make_golden.py's case of that family
FAMILY_CASES = {"olmo2": "olmo2_untied", "gemma2": "gemma2_softcap"}


def base_model(tied: bool = False) -> LlamaForCausalLM:
    cfg = LlamaConfig(vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, head_dim=4, rms_norm_eps=1e-5,
                      max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=None,
                      tie_word_embeddings=tied,
                      rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(cfg).to(torch.float32)
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in model.named_parameters():
            z = torch.randn(p.shape, generator=g, dtype=torch.float64)
            p.copy_((1 + 0.2 * z if name.endswith("norm.weight") else 0.35 * z).to(p.dtype))
    return model


def family_model(family: str):
    """The base model of make_golden.py's case for ``family``, its inputs and attention implementation."""
    c = make_golden.CASES[FAMILY_CASES[family]]()
    torch.manual_seed(SEED)
    model = c.model_class(c.config).to(torch.float32)
    make_golden.init_weights(model, SEED)
    return model, c.inputs["input_ids"], c.attn_implementation


def make(out: Path, family: str | None = None, modules_to_save: list[str] | None = None) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if family is None:
        model, input_ids, attn, targets = base_model(modules_to_save is not None), INPUT_IDS, "sdpa", TARGETS
    else:
        model, input_ids, attn = family_model(family)
        targets = ALL_LINEAR
    model.save_pretrained(out / "checkpoint")
    lora = peft.LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=targets, bias="none",
                           task_type="CAUSAL_LM", modules_to_save=modules_to_save)
    pm = peft.get_peft_model(model, lora)
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in pm.named_parameters():
            if "lora_B" in name:
                p.copy_(0.3 * torch.randn(p.shape, generator=g, dtype=torch.float64))
            elif "modules_to_save" in name:  # the trained copy of lm_head / embed_tokens
                p.add_((0.2 * torch.randn(p.shape, generator=g, dtype=torch.float64)).to(p.dtype))
    pm.save_pretrained(out / "adapter")

    # golden values: reload both from disk in float64, as a user's PEFT would load them
    ref = AutoModelForCausalLM.from_pretrained(out / "checkpoint", dtype=torch.float64, attn_implementation=attn)
    ref = peft.PeftModel.from_pretrained(ref, out / "adapter")
    ref = ref.to(torch.float64).eval()
    ids = torch.tensor(input_ids)
    with torch.no_grad():
        logits = ref(input_ids=ids, use_cache=False).logits
        with ref.disable_adapter():
            base_logits = ref(input_ids=ids, use_cache=False).logits
    diff = (logits - base_logits).abs().max().item()
    if diff < 1e-2:
        raise SystemExit(f"the adapter barely changes the logits ({diff}); the fixture would prove nothing")
    safetensors.torch.save_file({"logits": logits.contiguous(), "base_logits": base_logits.contiguous()},
                                str(out / "golden.safetensors"))
    inputs = {"input_ids": input_ids, "position_ids": [list(range(len(r))) for r in input_ids],
              "labels": input_ids}
    meta = {"inputs": inputs, "seed": SEED, "targets": targets, "modules_to_save": modules_to_save,
            "tie_word_embeddings": model.config.tie_word_embeddings, "max_adapter_effect": diff,
            "model_type": model.config.model_type, "attn_implementation": attn,
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "peft": peft.__version__, "python": platform.python_version()}}
    (out / "golden.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out}: adapter changes the logits by up to {diff:.3f}")


def check(adapter_dir: Path) -> None:
    ref = LlamaForCausalLM.from_pretrained(OUT / "checkpoint", dtype=torch.float64)
    ref = peft.PeftModel.from_pretrained(ref, adapter_dir).to(torch.float64).eval()
    ids = torch.tensor(INPUT_IDS)
    with torch.no_grad():
        logits = ref(input_ids=ids, use_cache=False).logits
    golden = safetensors.torch.load_file(str(OUT / "golden.safetensors"))["logits"]
    print(f"PEFT loaded {adapter_dir}: max |logits - golden| = {(logits - golden).abs().max().item():.3e}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-tulu4j", type=Path, help="an adapter folder written by tulu4j for the base above")
    ap.add_argument("--modules-to-save", action="store_true",
                    help="peft-llama-mts/: tied tiny Llama with modules_to_save=[lm_head, embed_tokens]")
    ap.add_argument("--family", choices=sorted(FAMILY_CASES), help="a family's fixture (peft-<family>/) instead of Llama's")
    a = ap.parse_args()
    if a.check_tulu4j:
        check(a.check_tulu4j)
    elif a.modules_to_save:
        name = f"peft-{a.family or 'llama'}-mts"
        make(OUT.parent / name, a.family, modules_to_save=["lm_head", "embed_tokens"])
    elif a.family:
        make(OUT.parent / f"peft-{a.family}", a.family)
    else:
        make(OUT)


if __name__ == "__main__":
    main()
