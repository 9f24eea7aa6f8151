package dev.tulu4j.model;

/**
 * The parameters of decoder layer i that only OLMo 2, Qwen3 and Gemma 2 have; each is null when the
 * family lacks it. Roles, not HF names: {@code attnOutNorm} normalises the attention output inside
 * the residual (HF {@code post_attention_layernorm} of OLMo 2 and Gemma 2 — Llama's tensor of that
 * name is the pre-MLP norm, {@link LayerWeights#postNorm}), {@code ffnOutNorm} the MLP output
 * ({@code post_feedforward_layernorm}). Shapes: qNorm [D] (Qwen3) or [H·D] (OLMo 2), kNorm [D] or
 * [Hkv·D], the others [C].
 */
public record FamilyWeights(Parameter qNorm, Parameter kNorm, Parameter attnOutNorm, Parameter ffnOutNorm) {}
