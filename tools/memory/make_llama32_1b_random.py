"""A Llama-3.2-1B-shaped checkpoint with random weights in bf16 (transformers' own init, seed 0) plus the
real Llama 3.1 tokenizer, for the LoRA memory run in docs/MEMORY.md. Needs torch + transformers (the
wheels on disk); writes /work/big/llama32-1b-random (2.5 GB). Edit the paths for your machine."""
import torch, json, shutil
from transformers import LlamaConfig, LlamaForCausalLM
cfg = LlamaConfig(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
    num_attention_heads=32, num_key_value_heads=8, head_dim=64, max_position_embeddings=131072, rms_norm_eps=1e-5,
    rope_theta=500000.0, rope_scaling={"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
    "original_max_position_embeddings":8192,"rope_type":"llama3"}, tie_word_embeddings=True,
    bos_token_id=128000, eos_token_id=[128001,128008,128009], torch_dtype="bfloat16")
torch.manual_seed(0)
with torch.no_grad():
    m = LlamaForCausalLM(cfg).to(torch.bfloat16)
m.save_pretrained("/work/big/llama32-1b-random", safe_serialization=True)
for f in ["tokenizer.json","tokenizer_config.json"]:
    shutil.copy("/work/shared/data/tokenizers/llama3_1/"+f, "/work/big/llama32-1b-random/"+f)
print(sum(p.numel() for p in m.parameters()))
