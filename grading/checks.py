"""What each probe asks of a submission and the grader's own answer to it.

For every sub-question, ``DRAW[label](rng, layout)`` returns a ``Probe``: the
sizes the child needs (``spec``, plain JSON), the arrays it computes on
(``inputs``) and the grader's references, computed here with torch and numpy
alone. Each ``Check`` of ``CHECKS`` then judges what the child sent back
against those references. None of this imports a submission's module.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from grading.points import COURSE, OWN, Q1, Q2

Q1_TOLERANCE = 1e-6  # numpy float64 against torch float64: rounding is ~1e-15
Q2_TOLERANCE = 1e-5  # torch; leaves room for a cell that computes in float32
EXACT = 1e-9  # float64 against float64 by the same operations: only rounding differs
READING_TOLERANCE = 1e-6  # float32 rounding; the readings lie 1e-3 and more apart
CLIP = 5.0  # the clipping norm of the sheet's hint, train_loop's default


@dataclass
class Probe:
    spec: dict
    inputs: dict
    expected: dict = field(default_factory=dict)


def relative_error(found, expected):
    """``||found - expected|| / ||expected||`` (inf for a wrong shape or non-finite values)."""
    found = np.asarray(found, dtype=np.float64)
    if found.shape != np.shape(expected) or not np.all(np.isfinite(found)):
        return np.inf
    scale = np.linalg.norm(expected)
    return float(np.linalg.norm(found - expected) / (scale if scale > 0 else 1.0))


def compare(found, expected, what, against, tolerance):
    """A check's verdict: ``(passed, one line)``."""
    if found is None:
        return False, f"{what}: nothing came back"
    found = np.asarray(found)
    if found.shape != np.shape(expected):
        return False, f"{what} has shape {found.shape}, expected {np.shape(expected)}"
    error = relative_error(found, expected)
    verdict = "agrees with" if error <= tolerance else "differs from"
    return error <= tolerance, f"{what} {verdict} {against}, relative error {error:.2g}"


def readings(found, candidates, what):
    """Pass if ``found`` matches any of the sheet's readings ``{name: value}``; say which."""
    if found is None:
        return False, f"{what}: nothing came back"
    for name, value in candidates.items():
        if relative_error(found, value) <= READING_TOLERANCE:
            return True, f"{what} {float(found):.6g} matches the reading: {name}"
    listed = ", ".join(f"{v:.6g} ({n})" for n, v in candidates.items())
    return False, f"{what} is {float(np.asarray(found)):.6g}; expected one of {listed}"


# --- 1a, 1b, 1f: the numpy RNN cell ----------------------------------------------


def _rnn_weights(rng, I, H):
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


def draw_1a(rng, layout):
    I, H = int(rng.integers(3, 6)), int(rng.integers(4, 8))
    weights = _rnn_weights(rng, I, H)
    first = rng.standard_normal((int(rng.integers(6, 10)), I))
    second = rng.standard_normal((int(rng.integers(3, 6)), I))
    inputs = {**weights, "xs_first": first, "xs_second": second}
    expected = {"first": torch_rnn(weights, first), "second": torch_rnn(weights, second)}
    return Probe({"I": I, "H": H}, inputs, expected)


def draw_1b(rng, layout):
    I, H, T = int(rng.integers(3, 6)), int(rng.integers(4, 8)), int(rng.integers(6, 10))
    weights = _rnn_weights(rng, I, H)
    xs, dhs = rng.standard_normal((T, I)), rng.standard_normal((T, H))
    return Probe({"I": I, "H": H}, {**weights, "xs": xs, "dhs": dhs}, torch_rnn(weights, xs, dhs))


def draw_1f(rng, layout):
    return Probe({"I": int(rng.integers(2, 6)), "H": int(rng.integers(3, 9))}, {})


# --- 1d: gradient clipping ------------------------------------------------------


def torch_clip(arrays, threshold):
    """What clipping makes of the arrays, ``{reading: arrays}``, for every reading the sheet allows.

    One norm over all arrays, as ``clip_grad_norm_`` (which divides by
    ``norm + 1e-6``) or the sheet's ``threshold / norm``; or each array by its
    own norm, the course handout's design.
    """
    params = [torch.zeros(a.shape, dtype=torch.float64, requires_grad=True) for a in arrays]
    for p, a in zip(params, arrays, strict=True):
        p.grad = torch.from_numpy(a.copy())
    norm = float(torch.nn.utils.clip_grad_norm_(params, threshold))
    scale = threshold / norm if norm > threshold else 1.0
    own = [np.linalg.norm(a) for a in arrays]
    return {
        "clip_grad_norm_ (threshold / (norm + 1e-6))": [p.grad.numpy() for p in params],
        "the sheet's threshold / norm": [a * scale for a in arrays],
        "each array by its own norm": [
            a * (threshold / n if n > threshold else 1.0) for a, n in zip(arrays, own, strict=True)
        ],
        "each array by its own norm + 1e-6": [
            a * (threshold / (n + 1e-6) if n > threshold else 1.0)
            for a, n in zip(arrays, own, strict=True)
        ],
    }


def draw_1d(rng, layout):
    shapes = [(int(rng.integers(2, 6)), int(rng.integers(2, 6))), (int(rng.integers(2, 6)),), (3,)]
    above = [rng.standard_normal(s) * 10 for s in shapes]
    below = [rng.standard_normal(s) for s in shapes]
    smallest = min(np.linalg.norm(a) for a in above)
    largest = np.sqrt(sum((a**2).sum() for a in below))
    spec = {
        "n_arrays": len(shapes),
        # Below every array's own norm above, and above the norm of all arrays below.
        "above_threshold": float(smallest * rng.uniform(0.1, 0.5)),
        "below_threshold": float(largest * rng.uniform(1.0, 2.0)),
    }
    inputs = {
        f"{case}_{k}": a
        for case, arrays in (("above", above), ("below", below))
        for k, a in enumerate(arrays)
    }
    expected = {
        "above": torch_clip(above, spec["above_threshold"]),
        "below": {"unchanged": below},
        "above_input": above,
    }
    return Probe(spec, inputs, expected)


def judge_clip(check, probe, answer):
    """The arrays against every reading of the check's case (``above`` or ``below``).

    Within the threshold, unchanged arrays earn the point only from a function
    that does clip above it: a function that does nothing changes nothing.
    """
    expected, case = probe.expected, check.name
    errors = {
        reading: max(
            relative_error(answer.found.get(str(k), np.nan), r) for k, r in enumerate(reference)
        )
        for reading, reference in expected[case].items()
    }
    clipped_above = any(
        relative_error(answer.arrays.get(f"above.{k}"), a) > 0
        for k, a in enumerate(expected["above_input"])
    )
    for reading, error in errors.items():
        if error <= EXACT:
            if case == "below" and not clipped_above:
                return False, "the arrays are unchanged, but so are those above the threshold"
            return True, f"the arrays match {reading}, relative error {error:.2g}"
    worst = min(errors.values())
    what = "scaled to the threshold" if case == "above" else "unchanged"
    return False, f"the arrays (changed in place) are not {what}: relative error {worst:.2g}"


# --- 1e: run_memory_test ------------------------------------------------------


def draw_1e(rng, layout):
    spec, inputs, expected = {}, {}, {}
    # The course's data generator draws symbols below the delimiter and the blank.
    case_b = (7, 5, 6) if layout == COURSE else (7, 0, 1)
    for case, V, delim, blank in (("case_a", 10, 8, 9), ("case_b", *case_b)):
        L = int(rng.integers(4, 9))
        right = np.zeros(L, dtype=bool)
        right[rng.choice(L, int(rng.integers(1, L)), replace=False)] = True
        k = int(right.sum())
        spec[case] = {"L": L, "V": V, "delim": delim, "blank": blank}
        inputs[case] = right.astype(np.float64)
        expected[case] = {
            f"the {L} positions after the delimiter": k / L,
            f"the {L} positions after the delimiter, in percent": 100 * k / L,
            f"the {L + 1} positions from the delimiter on": (k + 1) / (L + 1),
            f"the {L + 1} positions from the delimiter on, in percent": 100 * (k + 1) / (L + 1),
        }
    return Probe(spec, inputs, expected)


# --- 2a, 2b: MyLSTMCell --------------------------------------------------------


def lstm_sizes(rng):
    """``(I, H, O)`` such that no two of the LSTM's weights share a shape, transposed or not."""
    return int(rng.integers(2, 4)), int(rng.integers(5, 8)), 4


def draw_2a(rng, layout):
    return Probe({"sizes": [lstm_sizes(rng) for _ in range(2)]}, {})


def judge_params(check, probe, answer):
    """Trainable entries for four gates (one bias or two each) and a read-out, none constant."""
    found = answer.found
    for k, (I, H, O) in enumerate(probe.spec["sizes"]):
        entries = found.get(f"{k}.entries")
        if entries is None:
            return False, f"MyLSTMCell({I}, {H}, {O}) could not be inspected"
        gates, readout = 4 * H * (I + H), O * H + O
        allowed = {gates + 4 * H + readout, gates + 8 * H + readout}
        if int(entries) not in allowed:
            return False, (
                f"MyLSTMCell({I}, {H}, {O}) holds {int(entries)} trainable entries; four gates "
                f"and a read-out hold {' or '.join(map(str, sorted(allowed)))}"
            )
        if found.get(f"{k}.constant", 0) > 0:
            return False, "a weight matrix is constant after __init__: its units learn alike"
        if not found.get(f"{k}.finite", 0):
            return False, "a parameter holds non-finite values after __init__"
    return True, "parameters for four gates and a read-out, of the right sizes"


def torch_lstm(weights, x, g, x2):
    """``torch.nn.LSTM`` + ``nn.Linear`` read-out with the given weights (``bias_hh = 0``).

    Returns the outputs for x ``(B, T, I)``, every weight's gradient of
    ``sum(y * g)`` and the outputs for x2 continued from x's last state.
    """
    t = {k: torch.from_numpy(v) for k, v in weights.items()}
    H4, I = t["Wx"].shape
    lstm = torch.nn.LSTM(I, H4 // 4, batch_first=True, dtype=torch.float64)
    readout = torch.nn.Linear(H4 // 4, t["Wy"].shape[0], dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(t["Wx"])
        lstm.weight_hh_l0.copy_(t["Wh"])
        lstm.bias_ih_l0.copy_(t["b"])
        lstm.bias_hh_l0.zero_()
        readout.weight.copy_(t["Wy"])
        readout.bias.copy_(t["by"])
    hs, state = lstm(torch.from_numpy(x))
    y = readout(hs)
    (y * torch.from_numpy(g)).sum().backward()
    with torch.no_grad():
        y2 = readout(lstm(torch.from_numpy(x2), state)[0])
    return {
        "y": y.detach().numpy(),
        "dWx": lstm.weight_ih_l0.grad.numpy(),
        "dWh": lstm.weight_hh_l0.grad.numpy(),
        "db": lstm.bias_ih_l0.grad.numpy(),
        "dWy": readout.weight.grad.numpy(),
        "dby": readout.bias.grad.numpy(),
        "y2": y2.numpy(),
    }


def draw_2b(rng, layout):
    I, H, O = lstm_sizes(rng)
    B, T, T2 = int(rng.integers(2, 5)), int(rng.integers(5, 9)), int(rng.integers(2, 5))
    weights = {
        "Wx": rng.uniform(-1, 1, (4 * H, I)),
        "Wh": rng.uniform(-1, 1, (4 * H, H)),
        "b": rng.uniform(-1, 1, 4 * H),
        "Wy": rng.uniform(-1, 1, (O, H)),
        "by": rng.uniform(-1, 1, O),
    }
    x, g = rng.standard_normal((B, T, I)), rng.standard_normal((B, T, O))
    x2 = rng.standard_normal((B, T2, I))
    inputs = {**weights, "x": x, "g": g, "x2": x2}
    return Probe({"I": I, "H": H, "O": O}, inputs, torch_lstm(weights, x, g, x2))


LSTM_CHECKS = {
    "outputs": (("y", "y"),),
    "dweight_ih": (("dWx", "dWx"),),
    "dweight_hh": (("dWh", "dWh"),),
    "dbias": (("db", "db"), ("db2", "db"), ("dWy", "dWy"), ("dby", "dby")),
    "continue": (("y2", "y2"),),
}


def matching_layout(expected, found, notes):
    """The first layout whose outputs agree with torch.nn.LSTM: ``(index, name)``, or None."""
    k = 0
    while f"{k}.y" in found or f"lstm.{k}.name" in notes:
        if relative_error(found.get(f"{k}.y", np.nan), expected["y"]) <= Q2_TOLERANCE:
            return k, notes.get(f"lstm.{k}.name", "?")
        k += 1
    return None


def judge_lstm(check, probe, answer):
    """The check's arrays of the first layout whose outputs agree with torch.nn.LSTM."""
    expected, found, notes = probe.expected, answer.found, answer.notes
    match = matching_layout(expected, found, notes)
    if match is None:
        closest = min(
            (relative_error(v, expected["y"]) for key, v in found.items() if key.endswith(".y")),
            default=np.inf,
        )
        params = notes.get("lstm.layouts") or "none"
        return False, (
            "no layout of the parameters reproduces torch.nn.LSTM with the same weights "
            f"(closest outputs: relative error {closest:.2g}; parameters: {params})"
        )
    k, name = match
    errors = [
        relative_error(found.get(f"{k}.{mine}", np.nan), expected[theirs])
        for mine, theirs in LSTM_CHECKS[check.name]
        if mine != "db2" or f"{k}.db2" in found
    ]
    error = max(errors)
    verdict = "agrees with" if error <= Q2_TOLERANCE else "differs from"
    what = {"outputs": "the outputs", "continue": "the continued outputs"}.get(
        check.name, check.name
    )
    return error <= Q2_TOLERANCE, (
        f"{what} {verdict} torch.nn.LSTM, relative error {error:.2g} (layout: {name})"
    )


# --- 2c: train_loop --------------------------------------------------------------


def torch_sgd(W0, b0, x, y, lr, epochs, clip_readings):
    """Full-batch SGD on ``sum((x W^T + b - y)^2)`` with the gradient clipped to ``CLIP``.

    Returns ``{reading: {"W": W, "b": b}}`` for each clipping reading of
    ``clip_readings`` (``{reading: (eps, each)}``: divide by ``norm + eps``, the
    norm of all gradients or, with ``each``, of each on its own), and the norm
    of all gradients at every step.
    """
    results, norms = {}, []
    for reading, (eps, each) in clip_readings.items():
        W, b = torch.from_numpy(W0.copy()), torch.from_numpy(b0.copy())
        for _ in range(epochs):
            W.requires_grad_(), b.requires_grad_()
            loss = ((torch.from_numpy(x) @ W.T + b - torch.from_numpy(y)) ** 2).sum()
            grads = torch.autograd.grad(loss, (W, b))
            norm = float(torch.sqrt(sum((d**2).sum() for d in grads)))
            norms.append(norm)
            own = [float(d.norm()) for d in grads] if each else [norm, norm]
            scales = [CLIP / (n + eps) if n > CLIP else 1.0 for n in own]
            steps = zip((W, b), scales, grads, strict=True)
            W, b = ((p - lr * s * d).detach() for p, s, d in steps)
        results[reading] = {"W": W.numpy(), "b": b.numpy()}
    return results, norms


CLIP_READINGS = {
    "clip_grad_norm_ (norm + 1e-6)": (1e-6, False),
    "the sheet's norm": (0.0, False),
    "each parameter by its own norm": (0.0, True),
    "each parameter by its own norm + 1e-6": (1e-6, True),
}


def draw_2c(rng, layout):
    """Two regressions: every step's gradient below the clipping norm, and every one above it.

    A draw whose gradients do not all lie on their side of the norm is drawn
    again, so that each case tests what it names whatever the seed.
    """
    I, O, N, T, epochs = 3, 2, int(rng.integers(5, 9)), 4, 3
    W0, b0 = rng.standard_normal((O, I)) * 0.5, rng.standard_normal(O) * 0.5
    target_W = W0 + rng.standard_normal((O, I)) * 0.5
    inputs, expected = {"W0": W0, "b0": b0}, {}
    # Small inputs keep the gradients below the clipping norm, large ones far above it.
    scales, lrs = {"steps": 0.05, "clipped": 5.0}, {"steps": 0.05, "clipped": 0.01}
    for case, scale in scales.items():
        norms = [CLIP] * epochs  # on the norm: suits neither case
        while any((norm > CLIP) != (case == "clipped") or norm == CLIP for norm in norms):
            x = rng.standard_normal((N, T, I)) * scale
            y = x @ target_W.T + b0
            expected[case], norms = torch_sgd(W0, b0, x, y, lrs[case], epochs, CLIP_READINGS)
        inputs[f"{case}_x"], inputs[f"{case}_y"] = x, y
    return Probe({"epochs": epochs, "lr": lrs}, inputs, expected)


def judge_train(check, probe, answer):
    """The weights after ``train_loop`` against the grader's SGD under every clipping reading."""
    expected, found, case = probe.expected, answer.found, check.name
    if found.get("W") is None or found.get("b") is None:
        return False, "the model's weights did not come back"
    errors = {}
    for reading, reference in expected[case].items():
        errors[reading] = max(relative_error(found[k], reference[k]) for k in ("W", "b"))
        if errors[reading] <= EXACT:
            what = "clipped with " + reading if case == "clipped" else "plain SGD steps"
            return (
                True,
                f"the weights after training match {what}, relative error {errors[reading]:.2g}",
            )
    worst = min(errors.values())
    return (
        False,
        f"the weights after training differ from the grader's SGD, relative error {worst:.2g}",
    )


# --- 2d, 2e: the copy task's loss, accuracy and test loop -------------------------


def _copy_scores(rng, B, T, C, L):
    labels = rng.integers(C, size=(B, T))
    outputs = rng.standard_normal((B, T, C))
    # Make some predictions right, more of them in the recall window than before it.
    right = rng.random((B, T)) < np.where(np.arange(T) >= T - L, 0.6, 0.2)
    b, t = np.nonzero(right)
    outputs[b, t, labels[b, t]] = outputs[b, t].max(axis=-1) + 1.0
    return outputs, labels


def cross_entropy(outputs, labels):
    """The cross-entropy of every position ``(B, T)``, from ``torch.nn.functional``."""
    B, T, C = outputs.shape
    loss = torch.nn.functional.cross_entropy(
        torch.from_numpy(outputs).reshape(-1, C),
        torch.from_numpy(labels).reshape(-1),
        reduction="none",
    )
    return loss.reshape(B, T).numpy()


def draw_2d(rng, layout):
    """Every reading of the copy task's loss, its value and gradient from torch autograd."""
    L = 4
    B, T, C = int(rng.integers(3, 7)), int(rng.integers(8, 14)), 10
    outputs, labels = _copy_scores(rng, B, T, C, L)
    windows = {
        "summed over positions and sequences": (slice(None), 1),
        "averaged over positions and sequences": (slice(None), B * T),
        "averaged over each sequence's positions, summed over sequences": (slice(None), T),
        "summed over the last L positions": (slice(-L, None), 1),
        "averaged over the last L positions of every sequence": (slice(-L, None), B * L),
        "averaged over each sequence's last L positions, summed": (slice(-L, None), L),
    }
    expected = {}
    for reading, (window, divisor) in windows.items():
        x = torch.from_numpy(outputs).requires_grad_()
        total = torch.nn.functional.cross_entropy(
            x[:, window].reshape(-1, C), torch.from_numpy(labels[:, window]).reshape(-1),
            reduction="sum",
        ) / divisor  # fmt: skip
        total.backward()
        expected[reading] = (total.item(), x.grad.numpy())
    return Probe({"L": L}, {"outputs": outputs, "labels": labels}, expected)


def judge_loss(check, probe, answer):
    """The loss and its gradient against every reading of the copy task's loss."""
    expected, found = probe.expected, answer.found
    loss, grad = found.get("loss"), found.get("grad")
    if loss is None or grad is None:
        return False, "the loss or its gradient did not come back"
    for reading, (value, reference) in expected.items():
        if max(relative_error(loss, value), relative_error(grad, reference)) <= Q2_TOLERANCE:
            return True, f"loss {float(loss):.6g} and its gradient match the reading: {reading}"
    listed = ", ".join(f"{value:.6g} ({reading})" for reading, (value, _) in expected.items())
    return False, f"loss {float(loss):.6g} (or its gradient) matches none of {listed}"


def _fractions(hits, what):
    return {what: hits, f"{what}, in percent": 100 * hits}


def draw_2e(rng, layout):
    L, T = int(rng.integers(3, 6)), 12
    outputs, labels = _copy_scores(rng, int(rng.integers(4, 8)), T, 10, L)
    right = outputs.argmax(-1) == labels
    N, batch_size = 23, 5
    x = np.eye(10)[rng.integers(10, size=(N, T))]
    y = rng.integers(10, size=(N, T))
    W, b = rng.standard_normal((10, 10)), rng.standard_normal(10)
    scores = x @ W.T + b
    # Right about half the time, so that every batch counts, the last one too.
    hit = rng.random((N, T)) < 0.5
    y[hit] = scores.argmax(-1)[hit]
    positions = cross_entropy(scores, y)
    test_right = (scores.argmax(-1) == y)[:, -L:]
    batches = [slice(k, k + batch_size) for k in range(0, N, batch_size)]
    inputs = {"outputs": outputs, "labels": labels, "x": x, "y": y, "W": W, "b": b}
    expected = {
        "accuracy": _fractions(right[:, -L:].mean(), f"over the last {L} positions")
        | _fractions(right[:, -L - 1 :].mean(), f"over the {L + 1} positions from the delimiter"),
        "test_loss": {
            "the summed loss per sequence": positions.sum() / N,
            "the mean loss per position": positions.mean(),
            "the mean over batches of each batch's loss": np.mean(
                [positions[s].sum() for s in batches]
            ),
        },
        "test_accuracy": _fractions(test_right.mean(), "over the whole set")
        | _fractions(np.mean([test_right[s].mean() for s in batches]), "the mean over batches"),
    }
    return Probe({"L": L, "batch_size": batch_size}, inputs, expected)


def judge_test_loop(check, probe, answer):
    """The test loop's loss and accuracy against every reading of their averages."""
    expected, found = probe.expected, answer.found
    ok_loss, loss_line = readings(found.get("loss"), expected["test_loss"], "the loss")
    ok_acc, acc_line = readings(found.get("accuracy"), expected["test_accuracy"], "the accuracy")
    return ok_loss and ok_acc, f"{loss_line}; {acc_line}"


DRAW = {
    "1a": draw_1a,
    "1b": draw_1b,
    "1d": draw_1d,
    "1e": draw_1e,
    "1f": draw_1f,
    "2a": draw_2a,
    "2b": draw_2b,
    "2c": draw_2c,
    "2d": draw_2d,
    "2e": draw_2e,
}


def judge_states(check, probe, answer):
    """h_t of the check's sequence against torch.nn.RNN."""
    hs = probe.expected[check.part]["hs"]
    return compare(answer.found.get("hs"), hs, "hs", "torch.nn.RNN", Q1_TOLERANCE)


def judge_bptt(check, probe, answer):
    """One gradient of ``bprop`` (the check's name) against torch autograd."""
    name = check.name
    return compare(
        answer.found.get(name), probe.expected[name], name, "torch autograd", Q1_TOLERANCE
    )


def judge_memory_test(check, probe, answer):
    """The accuracy of a network of known accuracy, against every reading of it."""
    return readings(answer.found.get("accuracy"), probe.expected[check.name], "the accuracy")


def judge_identity(check, probe, answer):
    identity = np.eye(probe.spec["H"])
    return compare(answer.found.get("W_hh"), identity, "W_hh", "the identity", 0.0)


def judge_copy_accuracy(check, probe, answer):
    """``memory_task_acc`` against a direct count, in every reading."""
    return readings(answer.found.get("accuracy"), probe.expected["accuracy"], "the accuracy")


@dataclass(frozen=True)
class Answer:
    """What the child sent back, as a judge reads it.

    found: the arrays of the check's part, keyed without the part's prefix;
    arrays and notes: all of the probe's, keyed ``part.key``.
    """

    found: dict
    arrays: dict
    notes: dict


def answer(check, arrays, notes):
    found = {k.partition(".")[2]: v for k, v in arrays.items() if k.startswith(check.part + ".")}
    return Answer(found, arrays, notes)


@dataclass(frozen=True)
class Check:
    """One check, declared once: its sub-question and name, its points, the child's part it
    reads (``parts.PARTS``; the sub-question's ``DRAW`` draws its probe), what it compares,
    the function it grades in each layout (``module.function``), and its judge
    ``(check, probe, Answer) -> (passed, one line)``."""

    label: str
    name: str
    points: float
    part: str
    what: str
    own: str
    course: str
    judge: Callable

    def where(self, layout):
        return self.own if layout == OWN else self.course


def _q1(function):
    return f"{Q1}/{function}"


def _q2(function):
    return f"{Q2}/{function}"


_FPROP, _BPROP, _LSTM = "BasicRNNCell.fprop", "BasicRNNCell.bprop", "MyLSTMCell.forward"
_CLIP, _MEMORY_TEST = "common.clip_gradients", "common.run_memory_test"
_TRAIN, _LOSS = "loops.train_loop", "memory_task.memory_task_loss"

CHECKS = [
    Check("1a", "hs", 1, "first", "h_t of one sequence against torch.nn.RNN (ReLU)",
          _FPROP, _q1(_FPROP), judge_states),
    Check("1a", "h_0", 1, "second", "a second sequence starts again from h_0 = 0",
          _FPROP, _q1(_FPROP), judge_states),
    Check("1b", "dW_hh", 1, "bptt", "dW_hh against torch autograd",
          _BPROP, _q1(_BPROP), judge_bptt),
    Check("1b", "dW_hx", 0.5, "bptt", "dW_hx against torch autograd",
          _BPROP, _q1(_BPROP), judge_bptt),
    Check("1b", "db_h", 0.5, "bptt", "the bias gradient against torch autograd",
          _BPROP, _q1(_BPROP), judge_bptt),
    Check("1b", "dxs", 1, "bptt", "dxs against torch autograd",
          _BPROP, _q1(_BPROP), judge_bptt),
    Check("1d", "above", 0.5, "above", "gradients above the threshold scaled in place",
          _CLIP, _q1("common.clip_gradient"), judge_clip),
    Check("1d", "below", 0.5, "below", "gradients within the threshold left unchanged",
          _CLIP, _q1("common.clip_gradient"), judge_clip),
    Check("1e", "case_a", 1, "case_a", "the accuracy of a network of known accuracy",
          _MEMORY_TEST, _q1("test.run_memory_test"), judge_memory_test),
    Check("1e", "case_b", 1, "case_b", "the same, another network and vocabulary layout",
          _MEMORY_TEST, _q1("test.run_memory_test"), judge_memory_test),
    Check("1f", "identity", 1, "identity", "W_hh is the identity",
          "BasicRNNCell.__init__", _q1("BasicRNNCell.__init__"), judge_identity),
    Check("2a", "params", 1, "params",
          "trainable parameters for four gates and a read-out, not constant",
          "MyLSTMCell.__init__", _q2("MyLSTMCell.__init__"), judge_params),
    Check("2b", "outputs", 1, "lstm", "outputs against torch.nn.LSTM with the same weights",
          _LSTM, _q2(_LSTM), judge_lstm),
    Check("2b", "dweight_ih", 1, "lstm", "input weights' gradients against torch autograd",
          _LSTM, _q2(_LSTM), judge_lstm),
    Check("2b", "dweight_hh", 1, "lstm", "hidden weights' gradients against torch autograd",
          _LSTM, _q2(_LSTM), judge_lstm),
    Check("2b", "dbias", 1, "lstm", "biases' and read-out's gradients against torch autograd",
          _LSTM, _q2(_LSTM), judge_lstm),
    Check("2b", "continue", 1, "lstm", "reset_hidden_state=False continues from the last state",
          _LSTM, _q2(_LSTM), judge_lstm),
    Check("2c", "steps", 1, "steps", "SGD epochs against the grader's own, no clipping needed",
          _TRAIN, _q2(_TRAIN), judge_train),
    Check("2c", "clipped", 1, "clipped", "SGD epochs with the gradient clipped to norm 5",
          _TRAIN, _q2(_TRAIN), judge_train),
    Check("2d", "loss", 1, "loss", "the loss and its gradient against cross_entropy",
          _LOSS, _q2(_LOSS), judge_loss),
    Check("2e", "accuracy", 0.5, "accuracy", "the accuracy against a direct count",
          "memory_task.memory_task_acc", _q2("memory_task.memory_task_acc"),
          judge_copy_accuracy),
    Check("2e", "test_loop", 0.5, "test_loop", "loss and accuracy of the whole test set",
          "loops.test_loop_mem_task", _q2("loops.test_loop_mem_task"), judge_test_loop),
]  # fmt: skip
