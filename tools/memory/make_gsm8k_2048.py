"""Writes 15 multi-turn SFT conversations (16 GSM8K train question/answer pairs each), so that every
conversation is truncated at 2048 Llama 3 tokens: one micro-batch of 1 is one full 2048-token row.
Usage: python3 tools/memory/make_gsm8k_2048.py ../shared/data/gsm8k/train.jsonl OUT.jsonl"""
import json, sys

rows = [json.loads(l) for l in open(sys.argv[1])][:240]
with open(sys.argv[2], "w") as o:
    for k in range(0, 240, 16):
        msgs = []
        for r in rows[k:k + 16]:
            msgs += [{"role": "user", "content": r["question"]}, {"role": "assistant", "content": r["answer"]}]
        o.write(json.dumps({"messages": msgs}) + "\n")
