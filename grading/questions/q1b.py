"""1b, ``bprop``: backpropagation through time, with the forward pass's own ReLU masks.

The grader's weights go into the group's cell; after ``fprop`` on a sequence,
``bprop`` gets the derivative of ``sum(h_t * dhs_t)`` with respect to each
h_t, and its gradients are compared with torch autograd on the same weights.
A wrong ``fprop`` costs 1a only: the layout hands ``bprop`` the right states.
"""

import numpy as np

from .base import Q1_TOLERANCE, Check, Probe, compare
from .q1a import rnn_weights, torch_rnn

LABEL = "1b"


def draw(rng, layout):
    """A sequence whose first step keeps some units and zeroes others (masks are told apart)."""
    I, H, T = int(rng.integers(3, 6)), int(rng.integers(5, 8)), int(rng.integers(6, 10))
    while True:
        weights = rnn_weights(rng, I, H)
        xs, dhs = rng.standard_normal((T, I)), rng.standard_normal((T, H))
        kept = int((weights["W_hx"] @ xs[0] + weights["b_h"] > 0).sum())
        if 2 <= kept <= H - 2:
            break
    expected = torch_rnn(weights, xs, dhs)
    expected["mistakes"] = {"bprop without the ReLU mask": unmasked(weights, xs, dhs)}
    return Probe({"I": I, "H": H}, {**weights, "xs": xs, "dhs": dhs}, expected)


def unmasked(weights, xs, dhs):
    """The gradients of BPTT that forgets the ReLU mask (a known mistake)."""
    W_hh, W_hx = weights["W_hh"], weights["W_hx"]
    hs, h = [np.zeros(W_hh.shape[0])], np.zeros(W_hh.shape[0])
    for x in xs:
        h = np.maximum(W_hh @ h + W_hx @ x + weights["b_h"], 0.0)
        hs.append(h)
    grads = {"dW_hh": 0 * W_hh, "dW_hx": 0 * W_hx, "db_h": 0 * weights["b_h"]}
    dh_hat, dxs = np.zeros_like(h), np.zeros_like(xs)
    for t in reversed(range(len(xs))):
        dh_hat = dhs[t] + W_hh.T @ dh_hat
        grads["dW_hh"] = grads["dW_hh"] + np.outer(dh_hat, hs[t])
        grads["dW_hx"] = grads["dW_hx"] + np.outer(dh_hat, xs[t])
        grads["db_h"] = grads["db_h"] + dh_hat
        dxs[t] = W_hx.T @ dh_hat
    return {**grads, "dxs": dxs}


def bptt(layout, spec, inputs):
    found, notes = layout.bptt(
        layout.new_rnn(spec["I"], spec["H"], inputs), inputs["xs"], inputs["dhs"], inputs
    )
    return {**found, **notes}


PARTS = {"bptt": bptt}


def judge_bptt(check, probe, answer):
    """One gradient of ``bprop`` (the check's name) against torch autograd."""
    name, expected = check.name, probe.expected
    mistakes = {k: v[name] for k, v in expected["mistakes"].items()}
    found = answer.found.get(name)
    return compare(found, expected[name], name, "torch autograd", Q1_TOLERANCE, mistakes)


CHECKS = [
    Check(LABEL, "dW_hh", 1, "bptt", "dW_hh against torch autograd", judge_bptt),
    Check(LABEL, "dW_hx", 0.5, "bptt", "dW_hx against torch autograd", judge_bptt),
    Check(LABEL, "db_h", 0.5, "bptt", "the bias gradient against torch autograd", judge_bptt),
    Check(LABEL, "dxs", 1, "bptt", "dxs against torch autograd", judge_bptt),
]
