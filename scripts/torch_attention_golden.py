#!/usr/bin/python3
"""PyTorch golden file for tests/nn/attention_parity_test.cpp.

  /usr/bin/python3 scripts/torch_attention_golden.py       # writes tests/golden/attention.safetensors

torch.nn.MultiheadAttention(embed_dim, num_heads, batch_first=True) in float64, its weights mapped to Keras'
MultiHeadAttention layout (what Wengert holds): torch computes q = x·W_qᵀ + b_q with W_q = in_proj_weight[:E]
and splits q's last axis head-major, so query.kernel [E, heads, key_dim] = W_qᵀ viewed as [E, heads, key_dim],
query.bias = b_q viewed as [heads, key_dim]; likewise key (rows E:2E) and value (rows 2E:3E); the output
kernel [heads, key_dim, E] = out_proj.weightᵀ viewed so. Gradients map the same way (the map is linear).
torch requires key_dim·num_heads = embed_dim and value_dim = key_dim.

Two cases, each under its own prefix:
  padding/  query [2, 3, 6], value and key [2, 4, 6], 2 heads; sample 1 cannot see its last key
            (key_padding_mask; Wengert's attention_mask [2, 1, 4], 1 = attend)
  causal/   query, value and key [2, 4, 6], 3 heads, a causal attn_mask (Wengert's use_causal_mask)
Each holds query, value, key, mask (padding only), cotangent, output, scores (per head, [B, heads, Tq, Tk]),
the weights under Wengert's names, and grad/<name> of sum(output · cotangent) for query, value, key and each
weight.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_golden import save_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def keras_layout(in_w, in_b, out_w, out_b, heads):
    """Wengert's (Keras') weights from torch's in_proj/out_proj tensors (or their gradients)."""
    e = out_w.shape[0]
    d = e // heads
    out = {}
    for i, name in enumerate(("query", "key", "value")):
        out[f"{name}.kernel"] = in_w[i * e:(i + 1) * e].t().reshape(e, heads, d)
        out[f"{name}.bias"] = in_b[i * e:(i + 1) * e].reshape(heads, d)
    out["attention_output.kernel"] = out_w.t().reshape(heads, d, e)
    out["attention_output.bias"] = out_b
    return out


def case(prefix, heads, tq, tk, padding, causal, seed):
    torch.manual_seed(seed)
    e = 6
    mha = torch.nn.MultiheadAttention(e, heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():  # non-zero biases, so that their layout is under test too
        mha.in_proj_bias.normal_()
        mha.out_proj.bias.normal_()
    q = torch.randn(2, tq, e, dtype=torch.float64, requires_grad=True)
    v = torch.randn(2, tk, e, dtype=torch.float64, requires_grad=True)
    k = torch.randn(2, tk, e, dtype=torch.float64, requires_grad=True)
    kwargs = {"need_weights": True, "average_attn_weights": False}
    t = {}
    if padding:
        ignore = torch.zeros(2, tk, dtype=torch.bool)
        ignore[1, tk - 1] = True
        kwargs["key_padding_mask"] = ignore
        t["mask"] = (~ignore).to(torch.float64).reshape(2, 1, tk)
    if causal:
        kwargs["attn_mask"] = torch.triu(torch.ones(tq, tk, dtype=torch.bool), 1)
    out, scores = mha(q, k, v, **kwargs)
    cot = torch.randn(out.shape, dtype=torch.float64)
    (out * cot).sum().backward()
    p = mha.out_proj
    weights = keras_layout(mha.in_proj_weight, mha.in_proj_bias, p.weight, p.bias, heads)
    grads = keras_layout(mha.in_proj_weight.grad, mha.in_proj_bias.grad, p.weight.grad, p.bias.grad, heads)
    t.update({"query": q, "value": v, "key": k, "cotangent": cot, "output": out, "scores": scores})
    t.update(weights)
    t.update({"grad/query": q.grad, "grad/value": v.grad, "grad/key": k.grad})
    t.update({f"grad/{n}": g for n, g in grads.items()})
    return {f"{prefix}/{n}": x for n, x in t.items()}


def main():
    tensors = {}
    tensors.update(case("padding", heads=2, tq=3, tk=4, padding=True, causal=False, seed=1))
    tensors.update(case("causal", heads=3, tq=4, tk=4, padding=False, causal=True, seed=2))
    path = os.path.join(ROOT, "tests", "golden", "attention.safetensors")
    save_safetensors(path, tensors, {"format": "wengert.golden", "torch": torch.__version__,
                                     "script": "scripts/torch_attention_golden.py"})
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
