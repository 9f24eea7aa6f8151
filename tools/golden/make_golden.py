#!/usr/bin/env python3
"""Golden fixtures from transformers itself, for src/test/java/dev/tulu4j/golden/TransformersGoldenTest.

Run by hand, never by CI; the fixtures it writes are committed. tulu4j never depends on Python.

Set up the virtual environment once (offline; the wheels are on disk on this machine kind):

    python3 -m venv /work/venv
    /work/venv/bin/pip install --no-index \
        --find-links /opt/wheels --find-links /opt/pypi/files --find-links /opt/pypi-more/files \
        torch==2.13.0+cpu transformers==5.18.0 peft==0.21.0 safetensors numpy

Then, from the repository root:

    /work/venv/bin/python tools/golden/make_golden.py            # every case
    /work/venv/bin/python tools/golden/make_golden.py llama_gqa_llama3_untied   # some cases

For each case it builds a small checkpoint with transformers' own model class and a fixed seed,
saves it with ``save_pretrained`` (float32 safetensors: the engine's compute dtype), reloads it
with ``AutoModelForCausalLM.from_pretrained(dtype=torch.float64)`` (so the golden values are
computed from exactly those float32 weights, upcast) and writes into ``<out>/<case>/``:

    checkpoint/            the HF folder: config.json, generation_config.json, model.safetensors
    golden.safetensors     F64: "logits" (B, T, V), "loss" (), "grad.<HF parameter name>" (its shape)
    golden.json            inputs (input_ids, position_ids, labels), the loss, versions, seed, notes

The input batch (``INPUTS``) has two rows: row 0 is one sequence whose first three labels are -100
(a masked prompt, as SFT masks it); row 1 packs two sequences with restarting position_ids, the way
``DataCollatorWithFlattening`` packs them (the first label of each packed sequence is -100). Given
position_ids and no attention_mask, transformers builds the block-diagonal causal mask itself
(``masking_utils.find_packed_sequence_indices``); the script checks that the packed row's logits
equal those of each sequence run alone. The loss is transformers' own ``ForCausalLMLoss``: labels
shifted left by one inside each row, cross-entropy averaged over the targets that are not -100.

Adding a model family or a PEFT adapter is one function decorated with ``@case`` returning a
``Case``; ``consumed=False`` marks fixtures no Java test reads yet (families the engine does not
support). A PEFT case would wrap the model (``peft.get_peft_model``) in its ``build`` and list the
adapter's trainable parameters as the gradients to write (``trainable_only=True``).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import safetensors.torch
import torch
import transformers
from transformers import AutoModelForCausalLM

SEED = 20261205
OUT = Path(__file__).resolve().parents[2] / "src" / "test" / "resources" / "golden"

# (B=2, T=8). Row 0: one sequence, first three labels masked. Row 1: sequences of 3 and 5 tokens.
# Ids are below every case's vocabulary (>= 32).
INPUTS = {
    "input_ids": [[5, 17, 3, 29, 11, 30, 2, 23], [7, 19, 4, 13, 1, 26, 9, 31]],
    "position_ids": [[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 0, 1, 2, 3, 4]],
    "labels": [[-100, -100, -100, 29, 11, 30, 2, 23], [-100, 19, 4, -100, 1, 26, 9, 31]],
}
# For the sliding-window families: longer rows; the window (4) is shorter than row 0 and than the first
# sequence (6 tokens) packed in row 1.
INPUTS_LONG = {
    "input_ids": [[5, 17, 3, 29, 11, 30, 2, 23, 8, 14], [7, 19, 4, 13, 1, 26, 9, 31, 6, 22]],
    "position_ids": [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]],
    "labels": [[-100, -100, 3, 29, 11, 30, 2, 23, 8, 14], [-100, 19, 4, 13, 1, 26, -100, 31, 6, 22]],
}


@dataclass
class Case:
    """One fixture: a model class, its config, the inputs, and whether a Java test consumes it."""

    model_class: type
    config: transformers.PretrainedConfig
    inputs: dict = field(default_factory=lambda: INPUTS)
    consumed: bool = True
    notes: str = ""
    # sdpa (transformers' default) computes the softmax in the input dtype, float64 here; "eager"
    # upcasts only to float32, so use it only where sdpa cannot express the model (soft-capping)
    attn_implementation: str = "sdpa"


CASES: dict[str, Callable[[], Case]] = {}


def case(fn: Callable[[], Case]) -> Callable[[], Case]:
    CASES[fn.__name__] = fn
    return fn


# Shapes are tiny so that the committed fixtures stay small: V and F are not multiples of 16 (the
# engine's 512-bit vector width), so every kernel's tail path runs.
TINY = dict(vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2,
            max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=None)


@case
def llama_gqa_llama3_untied() -> Case:
    """Llama 3.1 style: GQA (4 query heads share 2 kv heads), head_dim 8 != hidden/heads, Llama 3's
    rope_theta and llama3 RoPE scaling whose three frequency bands (kept, smoothed, divided by the
    factor) all occur at head_dim 8, untied LM head."""
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(**{**TINY, "max_position_embeddings": 2048}, num_attention_heads=4, num_key_value_heads=2, head_dim=8,
                      rms_norm_eps=1e-5, tie_word_embeddings=False,
                      rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                       "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                       "original_max_position_embeddings": 256})
    return Case(LlamaForCausalLM, cfg)


@case
def qwen2_gqa_bias_tied() -> Case:
    """Qwen2 style: q/k/v biases, GQA (4 query heads, 2 kv heads, head_dim 4), rope_theta 1e6,
    tied embeddings."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(**TINY, num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                      tie_word_embeddings=True, use_sliding_window=False,
                      rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})
    return Case(Qwen2ForCausalLM, cfg)


# ---- families the engine does not support yet: fixtures only, no Java test reads them ----

SMALL = dict(vocab_size=32, hidden_size=16, intermediate_size=16, num_hidden_layers=2,
             num_attention_heads=2, num_key_value_heads=1, head_dim=8,
             max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=None)


@case
def olmo2_untied() -> Case:
    """OLMo 2: RMSNorm after attention and MLP (not before), RMSNorm over the full q and k
    projections (q_norm, k_norm), untied."""
    from transformers import Olmo2Config, Olmo2ForCausalLM

    cfg = Olmo2Config(**SMALL, rms_norm_eps=1e-6, tie_word_embeddings=False,
                      rope_parameters={"rope_type": "default", "rope_theta": 500000.0})
    return Case(Olmo2ForCausalLM, cfg)


@case
def qwen3_tied() -> Case:
    """Qwen3: per-head RMSNorm on q and k (q_norm, k_norm over head_dim), no q/k/v bias, tied."""
    from transformers import Qwen3Config, Qwen3ForCausalLM

    cfg = Qwen3Config(**SMALL, rms_norm_eps=1e-6, tie_word_embeddings=True, use_sliding_window=False,
                      rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})
    return Case(Qwen3ForCausalLM, cfg)


@case
def mistral_sliding_window() -> Case:
    """Mistral: sliding-window attention with a window (4) shorter than row 0 and than the first
    sequence packed in row 1 of INPUTS_LONG, untied."""
    from transformers import MistralConfig, MistralForCausalLM

    cfg = MistralConfig(**SMALL, rms_norm_eps=1e-5, tie_word_embeddings=False, sliding_window=4,
                        rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    return Case(MistralForCausalLM, cfg, inputs=INPUTS_LONG,
                notes="sliding_window=4: a query attends to itself and the 3 keys before it")


@case
def gemma2_softcap() -> Case:
    """Gemma 2: (1 + w) RMSNorms before and after attention and MLP, GeGLU (gelu_pytorch_tanh),
    embeddings scaled by sqrt(hidden), attention and final logit soft-capping, query scaling by
    query_pre_attn_scalar (12, not head_dim), alternating sliding/full layers, tied. The soft caps
    (4 on attention scores, 5 on logits; Gemma 2 ships 50 and 30) are small enough to bend these
    tiny scores, so an implementation that skips them fails."""
    from transformers import Gemma2Config, Gemma2ForCausalLM

    cfg = Gemma2Config(**SMALL, rms_norm_eps=1e-6, tie_word_embeddings=True, sliding_window=4,
                       query_pre_attn_scalar=12, attn_logit_softcapping=4.0,
                       final_logit_softcapping=5.0, hidden_activation="gelu_pytorch_tanh",
                       rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    return Case(Gemma2ForCausalLM, cfg, inputs=INPUTS_LONG, attn_implementation="eager",
                notes="layer 0 slides (window 4), layer 1 attends fully; eager attention (sdpa has no "
                      "soft-capping), whose softmax runs in float32")


# ---------------------------------------------------------------------------------------------


def init_weights(model: torch.nn.Module, seed: int) -> None:
    """Well-conditioned random weights (HF's std 0.02 leaves attention uniform and gradients
    near zero): matrices N(0, 0.35^2), norm weights 1 + N(0, 0.2^2) (Gemma's (1 + w) norms:
    N(0, 0.2^2)), biases N(0, 0.2^2)."""
    g = torch.Generator().manual_seed(seed)
    one_plus = getattr(model.config, "model_type", "") in ("gemma", "gemma2", "gemma3_text")
    with torch.no_grad():
        for name, p in model.named_parameters():
            z = torch.randn(p.shape, generator=g, dtype=torch.float64)
            if name.endswith("norm.weight"):
                v = 0.2 * z if one_plus else 1 + 0.2 * z
            elif name.endswith(".bias"):
                v = 0.2 * z
            else:
                v = 0.35 * z
            p.copy_(v.to(p.dtype))


def forward(model, ids, pos, labels=None):
    return model(input_ids=ids, position_ids=pos, labels=labels, use_cache=False)


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """transformers' ``ForCausalLMLoss`` (loss/loss_utils.py) without its ``logits.float()``, which
    would round float64 logits to float32: per row, the target of position t is labels[t + 1] (the
    last position has none), cross-entropy averaged over the targets that are not -100."""
    shift = torch.nn.functional.pad(labels, (0, 1), value=-100)[:, 1:]
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), shift.reshape(-1),
                                             ignore_index=-100, reduction="mean")


def check_packing(model, ids: torch.Tensor, pos: torch.Tensor, logits: torch.Tensor, tol: float) -> None:
    """Every sequence run alone must give the logits it got inside its packed row: proof that
    transformers isolated the packed sequences (block-diagonal mask, restarting positions)."""
    with torch.no_grad():
        for b in range(ids.shape[0]):
            starts = [t for t in range(ids.shape[1]) if pos[b, t] == 0] + [ids.shape[1]]
            for s, e in zip(starts, starts[1:]):
                alone = forward(model, ids[b:b + 1, s:e], pos[b:b + 1, s:e]).logits[0]
                err = (alone - logits[b, s:e]).abs().max().item()
                if err > tol:
                    raise SystemExit(f"packed row {b} [{s},{e}) differs from the sequence alone by {err}")


def make(name: str, c: Case, out: Path) -> int:
    torch.manual_seed(SEED)
    model = c.model_class(c.config).to(torch.float32)
    init_weights(model, SEED)
    folder = out / name
    if folder.exists():
        shutil.rmtree(folder)
    ckpt = folder / "checkpoint"
    model.save_pretrained(ckpt)  # float32 safetensors

    ref = AutoModelForCausalLM.from_pretrained(ckpt, dtype=torch.float64, attn_implementation=c.attn_implementation)
    ref.eval()  # no dropout anywhere (all dropout probabilities are 0 in these configs anyway)
    stored = safetensors.torch.load_file(ckpt / "model.safetensors")
    params = dict(ref.named_parameters())
    for k, v in stored.items():
        if v.dtype != torch.float32 or not torch.equal(params[k].detach(), v.to(torch.float64)):
            raise SystemExit(f"{name}: {k} is not the stored float32 tensor upcast")

    ids = torch.tensor(c.inputs["input_ids"])
    pos = torch.tensor(c.inputs["position_ids"])
    labels = torch.tensor(c.inputs["labels"])
    logits = forward(ref, ids, pos).logits
    loss = causal_lm_loss(logits, labels)
    loss.backward()
    with torch.no_grad():  # transformers' own loss (computed in float32) must agree
        hf_loss = forward(ref, ids, pos, labels).loss.item()
    if abs(hf_loss - loss.item()) > 1e-6 * abs(loss.item()):
        raise SystemExit(f"{name}: float64 loss {loss.item()} != transformers' loss {hf_loss}")
    check_packing(ref, ids, pos, logits.detach(), 1e-10 if c.attn_implementation == "sdpa" else 1e-5)

    tensors = {"logits": logits.detach().contiguous(), "loss": loss.detach().reshape(())}
    for n, p in ref.named_parameters():  # a tied lm_head is the embedding: listed once
        tensors["grad." + n] = p.grad.detach().contiguous()
    safetensors.torch.save_file(tensors, folder / "golden.safetensors")

    meta = {
        "case": name,
        "model_class": c.model_class.__name__,
        "consumed_by_java_test": c.consumed,
        "doc": " ".join((CASES[name].__doc__ or "").split()),
        "notes": c.notes,
        "seed": SEED,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "checkpoint_dtype": "float32",
        "golden_dtype": "float64 (from_pretrained(dtype=torch.float64) of the float32 checkpoint)",
        "attn_implementation": c.attn_implementation,
        "loss": loss.item(),
        "transformers_loss": hf_loss,
        "loss_definition": "transformers ForCausalLMLoss in float64: per row, target[t] = labels[t+1] "
                           "(the last position has none); cross-entropy averaged over targets != -100",
        "precision": "float64 except where transformers computes in float32 whatever the model dtype: "
                     "RMSNorm (hidden states upcast 'to float32'), RoPE cos/sin"
                     + (", eager softmax" if c.attn_implementation == "eager" else "")
                     + "; those carry ~1e-7 relative error",
        "trained_targets": int((labels[:, 1:] != -100).sum()),
        "inputs": c.inputs,
        "golden_tensors": "logits (B, T, V); loss (); grad.<name> for every parameter of named_parameters()",
    }
    text = json.dumps(meta, indent=2)
    # one line per row of token ids (the test and a reader both want rows, not a column of numbers)
    text = re.sub(r"\[\s+(-?\d+(?:,\s+-?\d+)*)\s+\]", lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text)
    (folder / "golden.json").write_text(text + "\n")
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"{name}: loss {loss.item():.12f} (transformers {hf_loss:.12f}), {len(tensors) - 2} gradients, {size / 1024:.1f} KiB", file=sys.stderr)
    return size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help=f"cases to write (default: all of {', '.join(CASES)})")
    ap.add_argument("--out", type=Path, default=OUT, help=f"fixture root (default {OUT})")
    a = ap.parse_args()
    unknown = [n for n in a.cases if n not in CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; known: {list(CASES)}")
    torch.use_deterministic_algorithms(True)
    total = sum(make(n, CASES[n](), a.out) for n in (a.cases or CASES))
    print(f"total {total / 1024:.1f} KiB in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
