#!/usr/bin/python3
"""PyTorch golden values for single layers, for tests/nn/layer_parity_test.cpp.

  /usr/bin/python3 scripts/torch_layer_golden.py       # writes tests/golden/layers.safetensors

For each case below: a seeded float64 input, parameters in Keras' layout under Wengert's names (the layer's own
named_parameters(), e.g. "kernel", "forward_lstm.recurrent_kernel"), a fixed random cotangent c, torch's output y
and the gradients of sum(y * c) with respect to the input and every parameter. The forward maps the Keras-layout
parameters onto torch's own layers (F.layer_norm, F.conv1d, mean/amax, torch.nn.LSTM/GRU/RNN with
bidirectional=True, run as their forward runs), so layouts and gate orders are under test. Everything is float64.

Names in the file: "<case>/input", "<case>/cotangent", "<case>/output", "<case>/param/<name>",
"<case>/grad/input", "<case>/grad/<name>".
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_golden import save_safetensors  # noqa: E402

f64 = torch.float64


# ---- the layers: Keras-layout parameters, torch ops ----

def layer_norm(axes, eps):
    def forward(p, x):
        shape = x.shape[-axes:]  # the trailing axes: torch normalizes over those
        return F.layer_norm(x, shape, p["gamma"], p["beta"], eps)
    return forward


def tf_padding(steps, k, stride, dilation, padding):
    """(before, after) zeros of TensorFlow's padding along one axis; "causal" pads the front only."""
    if padding == "valid":
        return 0, 0
    total = dilation * (k - 1)
    if padding == "causal":
        return total, 0
    out = -(-steps // stride)
    total = max((out - 1) * stride + dilation * (k - 1) + 1 - steps, 0)
    return total // 2, total - total // 2


def conv1d(stride=1, padding="valid", dilation=1, activation=None):
    def forward(p, x):
        k = p["kernel"].shape[0]
        before, after = tf_padding(x.shape[1], k, stride, dilation, padding)
        xc = F.pad(x.permute(0, 2, 1), (before, after))  # [b, c, steps]
        w = p["kernel"].permute(2, 1, 0)  # [k, in, filters] → [filters, in, k]
        y = F.conv1d(xc, w, p["bias"], stride=stride, dilation=dilation).permute(0, 2, 1)
        return activation(y) if activation else y
    return forward


def global_pool(kind, axes, keepdims=False):
    def forward(p, x):
        return x.mean(axes, keepdim=keepdims) if kind == "avg" else x.amax(axes, keepdim=keepdims)
    return forward


def keras_to_torch_gates(w, order, units):
    """Columns (last axis) of a stacked Keras kernel [.., n·u] reordered into torch's gate order."""
    parts = w.split(units, dim=-1)
    return torch.cat([parts[i] for i in order], dim=-1)


def rnn_weights(kind, p, prefix, suffix):
    """torch's {weight_ih_l0<suffix>: ...} for one direction, from Keras-layout parameters under prefix."""
    kernel, recurrent, bias = p[prefix + ".kernel"], p[prefix + ".recurrent_kernel"], p[prefix + ".bias"]
    units = recurrent.shape[0]
    if kind == "gru":
        # Keras stacks z, r, h (reset_after: bias [2, 3u], input row then recurrent row); torch r, z, n.
        order = [1, 0, 2]
        w_ih, w_hh = keras_to_torch_gates(kernel, order, units), keras_to_torch_gates(recurrent, order, units)
        b_ih, b_hh = keras_to_torch_gates(bias[0], order, units), keras_to_torch_gates(bias[1], order, units)
    else:
        # LSTM: Keras i, f, c, o is torch's i, f, g, o; SimpleRNN: one gate. Keras has one bias: b_hh = 0.
        w_ih, w_hh, b_ih, b_hh = kernel, recurrent, bias, torch.zeros_like(bias)
    return {"weight_ih_l0" + suffix: w_ih.t(), "weight_hh_l0" + suffix: w_hh.t(),
            "bias_ih_l0" + suffix: b_ih, "bias_hh_l0" + suffix: b_hh}


def bidirectional(kind, features, units, return_sequences, merge_mode):
    # torch.nn.LSTM/GRU/RNN(bidirectional=True).forward is torch._VF.<kind>(x, h0, flat_weights, ...) with the
    # weights in _flat_weights_names order; called directly with Keras-derived tensors (functional_call cannot
    # substitute an RNN's cached flat weights in torch 1.13), so gradients reach the Keras-layout leaves.
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple_rnn": torch.nn.RNN}[kind]
    run = {"lstm": torch._VF.lstm, "gru": torch._VF.gru, "simple_rnn": torch._VF.rnn_tanh}[kind]
    names = cls(features, units, batch_first=True, bidirectional=True)._flat_weights_names

    def forward(p, x):
        weights = rnn_weights(kind, p, "forward_" + kind, "")
        weights.update(rnn_weights(kind, p, "backward_" + kind, "_reverse"))
        h0 = torch.zeros(2, x.shape[0], units, dtype=x.dtype)
        hx = (h0, h0) if kind == "lstm" else h0
        # (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
        out = run(x, hx, [weights[n] for n in names], True, 1, 0.0, False, True, True)[0]
        # out [b, t, 2u]: the backward direction's half is already in time order
        fwd, bwd = out[..., :units], out[..., units:]
        if not return_sequences:  # the last step of each direction: t = T − 1 forwards, t = 0 backwards
            fwd, bwd = fwd[:, -1], bwd[:, 0]
        return {"concat": lambda: torch.cat([fwd, bwd], -1), "sum": lambda: fwd + bwd,
                "mul": lambda: fwd * bwd, "ave": lambda: (fwd + bwd) / 2}[merge_mode]()
    return forward


def rnn_params(kind, features, units):
    gates = {"lstm": 4, "gru": 3, "simple_rnn": 1}[kind]
    shapes = {}
    for direction in ("forward_", "backward_"):
        name = direction + kind
        shapes[name + ".kernel"] = [features, gates * units]
        shapes[name + ".recurrent_kernel"] = [units, gates * units]
        shapes[name + ".bias"] = [2, gates * units] if kind == "gru" else [gates * units]
    return shapes


# name → (forward, input shape with the batch axis, parameter shapes); the C++ test builds the same layers.
CASES = {
    "layer_norm": (layer_norm(1, 1e-3), [2, 3, 4], {"gamma": [4], "beta": [4]}),
    "layer_norm_two_axes": (layer_norm(2, 1e-5), [2, 3, 4], {"gamma": [3, 4], "beta": [3, 4]}),
    "conv1d_valid": (conv1d(), [2, 7, 3], {"kernel": [3, 3, 4], "bias": [4]}),
    "conv1d_same_stride2_tanh": (conv1d(2, "same", activation=torch.tanh), [2, 7, 3],
                                 {"kernel": [4, 3, 2], "bias": [2]}),
    "conv1d_causal_dilated": (conv1d(1, "causal", 2), [2, 7, 3], {"kernel": [3, 3, 2], "bias": [2]}),
    "global_average_pooling1d": (global_pool("avg", (1,)), [2, 5, 3], {}),
    "global_max_pooling1d_keepdims": (global_pool("max", (1,), True), [2, 5, 3], {}),
    "global_average_pooling2d_keepdims": (global_pool("avg", (1, 2), True), [2, 3, 4, 3], {}),
    "global_max_pooling2d": (global_pool("max", (1, 2)), [2, 3, 4, 3], {}),
    "bidirectional_lstm": (bidirectional("lstm", 2, 3, False, "concat"), [2, 4, 2], rnn_params("lstm", 2, 3)),
    "bidirectional_lstm_sequences_ave": (bidirectional("lstm", 2, 3, True, "ave"), [2, 4, 2],
                                         rnn_params("lstm", 2, 3)),
    "bidirectional_gru_sequences_sum": (bidirectional("gru", 3, 2, True, "sum"), [2, 4, 3], rnn_params("gru", 3, 2)),
    "bidirectional_gru_mul": (bidirectional("gru", 3, 2, False, "mul"), [2, 4, 3], rnn_params("gru", 3, 2)),
    "bidirectional_simple_rnn_sequences": (bidirectional("simple_rnn", 2, 3, True, "concat"), [2, 4, 2],
                                           rnn_params("simple_rnn", 2, 3)),
}


def golden(name, seed):
    forward, input_shape, param_shapes = CASES[name]
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(input_shape, generator=gen, dtype=f64).requires_grad_(True)
    params = {k: (torch.randn(s, generator=gen, dtype=f64) * 0.5).requires_grad_(True) for k, s in param_shapes.items()}
    if "gamma" in params:  # a scale near 1, as trained layers have
        params["gamma"] = (1 + params["gamma"].detach()).requires_grad_(True)
    y = forward(params, x)
    cotangent = torch.randn(y.shape, generator=gen, dtype=f64)
    leaves = [x] + list(params.values())
    grads = torch.autograd.grad((y * cotangent).sum(), leaves)
    out = {f"{name}/input": x.detach(), f"{name}/cotangent": cotangent, f"{name}/output": y.detach(),
           f"{name}/grad/input": grads[0]}
    for (k, v), g in zip(params.items(), grads[1:]):
        out[f"{name}/param/{k}"] = v.detach()
        out[f"{name}/grad/{k}"] = g
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/golden/layers.safetensors")
    args = ap.parse_args()
    torch.set_num_threads(1)
    tensors = {}
    for seed, name in enumerate(CASES, start=1):
        tensors.update(golden(name, seed))
    save_safetensors(args.out, tensors, {"format": "wengert.golden", "torch": torch.__version__,
                                         "script": "scripts/torch_layer_golden.py"})
    print(f"{args.out}: {len(CASES)} cases, {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
