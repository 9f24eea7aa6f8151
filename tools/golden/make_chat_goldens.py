#!/usr/bin/env python3
"""Golden chat-template renders for src/test/java/dev/tulu4j/tokenizer/FamilyChatTemplateTest.

Run by hand, never by CI; the JSON it writes is committed. From the repository root:

    /work/venv/bin/python tools/golden/make_chat_goldens.py

Each template under src/test/resources/templates/ (see PROVENANCE.md there) is rendered by
transformers' own ``render_jinja_template`` -- the function ``apply_chat_template`` calls, with its
ImmutableSandboxedEnvironment(trim_blocks, lstrip_blocks), its ``raise_exception``,
``strftime_now`` and ``tojson`` -- for a few conversations each, and the exact strings (or the
raise_exception message) are written to src/test/resources/templates/family_goldens.json.
"""
import json
import pathlib

import jinja2
import transformers
from transformers.utils.chat_template_utils import render_jinja_template

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src/test/resources/templates"

SYS = {"role": "system", "content": "You are terse."}
U1 = {"role": "user", "content": "What is 2+2?"}
A1 = {"role": "assistant", "content": "4."}
U2 = {"role": "user", "content": "  And 3+3?\n"}
A2 = {"role": "assistant", "content": " 6, naturally. \n"}
UNI = {"role": "user", "content": "Name a colour — in Français, s'il te plaît."}
# Qwen3 splits an assistant turn on </think> and keeps the reasoning only after the last user query
THINK = {"role": "assistant", "content": "<think>\nadd them\n</think>\n\n6."}

# (template file, bos, eos, [(case name, messages, add_generation_prompt, kwargs)])
SETS = [
    ("olmo2_instruct.jinja", "<|endoftext|>", "<|endoftext|>", [
        ("system-multi-turn", [SYS, U1, A1, U2, A2], False, {}),
        ("system-generation-prompt", [SYS, U1, A1, U2], True, {}),
        ("no-system", [U1, A1, UNI], True, {}),
        ("no-system-no-prompt", [U1, A1], False, {}),
    ]),
    ("qwen3.jinja", None, "<|im_end|>", [
        ("system-multi-turn", [SYS, U1, A1, U2, A2], False, {}),
        ("system-generation-prompt", [SYS, U1, A1, U2], True, {}),
        ("no-system", [U1, A1, UNI], True, {}),
        ("thinking-off", [U1, A1, U2], True, {"enable_thinking": False}),
        ("thinking-on", [U1, A1, U2], True, {"enable_thinking": True}),
        ("reasoning-in-last-turn", [U1, A1, U2, THINK], False, {}),
        ("reasoning-before-last-query", [U1, THINK, UNI], True, {}),
    ]),
    ("mistral_v3_instruct.jinja", "<s>", "</s>", [
        ("system-multi-turn", [SYS, U1, A1, U2, A2], False, {}),
        ("system-generation-prompt", [SYS, U1, A1, U2], True, {}),
        ("no-system", [U1, A1, UNI], True, {}),
        ("roles-must-alternate", [U1, U2], True, {}),
    ]),
    ("gemma2_it.jinja", "<bos>", "<eos>", [
        ("multi-turn", [U1, A1, U2, A2], False, {}),
        ("generation-prompt", [U1, A1, UNI], True, {}),
        ("system-refused", [SYS, U1], True, {}),
    ]),
]


def main():
    cases = []
    for name, bos, eos, convs in SETS:
        template = (TEMPLATES / name).read_text(encoding="utf-8")
        for case, messages, gen, kwargs in convs:
            entry = {"template": name, "case": case, "bos_token": bos, "eos_token": eos, "messages": messages,
                     "add_generation_prompt": gen, "kwargs": kwargs}
            try:
                rendered, _ = render_jinja_template(
                    conversations=[messages], chat_template=template, add_generation_prompt=gen,
                    bos_token=bos, eos_token=eos, **kwargs)
                entry["expected"] = rendered[0]
            except jinja2.exceptions.TemplateError as e:
                entry["error"] = str(e)
            cases.append(entry)
    out = {"generator": "tools/golden/make_chat_goldens.py",
           "transformers": transformers.__version__, "jinja2": jinja2.__version__, "cases": cases}
    path = TEMPLATES / "family_goldens.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
