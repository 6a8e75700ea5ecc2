"""1a, ``fprop``: h_t = ReLU(W_hh h_{t-1} + W_hx x_t + b_h), from h_0 = 0 for every sequence.

The grader's weights go into the group's cell; its states are compared with
``torch.nn.RNN`` (ReLU) on the same weights, for one sequence and then for a
second one, which must start again from h_0 = 0.
"""

import numpy as np
import torch

from .base import Q1_TOLERANCE, Check, Probe, compare

LABEL = "1a"


def rnn_weights(rng, I, H):
    return {
        "W_hh": rng.standard_normal((H, H)) * 0.9 / np.sqrt(H),
        "W_hx": rng.standard_normal((H, I)) / np.sqrt(I),
        "b_h": rng.standard_normal(H) * 0.3,
    }


def torch_rnn(weights, xs, dhs=None):
    """``torch.nn.RNN`` (ReLU) on one sequence ``(T, I)``: hs ``(T, H)``, and gradients.

    With ``dhs`` ``(T, H)``, also the gradients of ``sum(hs * dhs)``: dW_hh,
    dW_hx, db_h and dxs, as the sheet's BPTT must produce them.
    """
    H, I = weights["W_hx"].shape
    rnn = torch.nn.RNN(I, H, nonlinearity="relu", dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(torch.from_numpy(weights["W_hh"]))
        rnn.weight_ih_l0.copy_(torch.from_numpy(weights["W_hx"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(weights["b_h"]))
        rnn.bias_hh_l0.zero_()
    x = torch.from_numpy(xs).requires_grad_()
    hs = rnn(x)[0]
    if dhs is None:
        return {"hs": hs.detach().numpy()}
    (hs * torch.from_numpy(dhs)).sum().backward()
    return {
        "dW_hh": rnn.weight_hh_l0.grad.numpy(),
        "dW_hx": rnn.weight_ih_l0.grad.numpy(),
        "db_h": rnn.bias_ih_l0.grad.numpy(),
        "dxs": x.grad.numpy(),
    }


def draw(rng, layout):
    I, H = int(rng.integers(3, 6)), int(rng.integers(4, 8))
    weights = rnn_weights(rng, I, H)
    first = rng.standard_normal((int(rng.integers(6, 10)), I))
    second = rng.standard_normal((int(rng.integers(3, 6)), I))
    inputs = {**weights, "xs_first": first, "xs_second": second}
    expected = {
        name: {
            **torch_rnn(weights, xs),
            "mistakes": {"fprop without its ReLU": linear(weights, xs)},
        }
        for name, xs in (("first", first), ("second", second))
    }
    return Probe({"I": I, "H": H}, inputs, expected)


def linear(weights, xs):
    """The states of the cell without its ReLU, a known mistake."""
    h, hs = np.zeros(weights["W_hh"].shape[0]), []
    for x in xs:
        h = weights["W_hh"] @ h + weights["W_hx"] @ x + weights["b_h"]
        hs.append(h)
    return np.array(hs)


def _rows(value, T):
    """A sequence's states ``(T, n)`` from what ``fprop`` returned (squeezed, columns, a list)."""
    value = np.asarray(value, dtype=np.float64)
    return value.reshape(T, -1) if value.size and value.size % T == 0 else value


def first(layout, spec, inputs):
    xs = inputs["xs_first"]
    return {"hs": _rows(layout.new_rnn(spec["I"], spec["H"], inputs).fprop(xs.copy()), len(xs))}


def second(layout, spec, inputs):
    cell = layout.new_rnn(spec["I"], spec["H"], inputs)
    cell.fprop(inputs["xs_first"].copy())
    layout.next_sequence(cell)
    xs = inputs["xs_second"]
    return {"hs": _rows(cell.fprop(xs.copy()), len(xs))}


PARTS = {"first": first, "second": second}


def judge_states(check, probe, answer):
    """h_t of the check's sequence against torch.nn.RNN."""
    expected = probe.expected[check.part]
    found = answer.found.get("hs")
    return compare(found, expected["hs"], "hs", "torch.nn.RNN", Q1_TOLERANCE, expected["mistakes"])


CHECKS = [
    Check(LABEL, "hs", 1, "first", "h_t of one sequence against torch.nn.RNN (ReLU)",
          judge_states),
    Check(LABEL, "h_0", 1, "second", "a second sequence starts again from h_0 = 0",
          judge_states),
]  # fmt: skip
