"""What each probe asks of a submission and the grader's own answer to it.

For every sub-question, ``draw(rng)`` returns a ``Probe``: the sizes the
child needs (``spec``, plain JSON), the arrays it computes on (``inputs``) and
the grader's references, computed here with torch and numpy alone. ``judge``
then compares what the child sent back with those references, check by check.
None of this imports a submission's module.
"""

from dataclasses import dataclass, field

import numpy as np
import torch

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


def draw_1a(rng):
    I, H = int(rng.integers(3, 6)), int(rng.integers(4, 8))
    weights = _rnn_weights(rng, I, H)
    first = rng.standard_normal((int(rng.integers(6, 10)), I))
    second = rng.standard_normal((int(rng.integers(3, 6)), I))
    inputs = {**weights, "xs_first": first, "xs_second": second}
    expected = {"first": torch_rnn(weights, first), "second": torch_rnn(weights, second)}
    return Probe({"I": I, "H": H}, inputs, expected)


def draw_1b(rng):
    I, H, T = int(rng.integers(3, 6)), int(rng.integers(4, 8)), int(rng.integers(6, 10))
    weights = _rnn_weights(rng, I, H)
    xs, dhs = rng.standard_normal((T, I)), rng.standard_normal((T, H))
    return Probe({"I": I, "H": H}, {**weights, "xs": xs, "dhs": dhs}, torch_rnn(weights, xs, dhs))


def draw_1f(rng):
    return Probe({"I": int(rng.integers(2, 6)), "H": int(rng.integers(3, 9))}, {})


# --- 1d: gradient clipping ------------------------------------------------------


def torch_clip(arrays, threshold):
    """What ``clip_grad_norm_`` makes of the arrays, and the sheet's ``threshold / norm``.

    Returns ``{reading: arrays}``; torch divides by ``norm + 1e-6``.
    """
    params = [torch.zeros(a.shape, dtype=torch.float64, requires_grad=True) for a in arrays]
    for p, a in zip(params, arrays, strict=True):
        p.grad = torch.from_numpy(a.copy())
    norm = float(torch.nn.utils.clip_grad_norm_(params, threshold))
    scale = threshold / norm if norm > threshold else 1.0
    return {
        "clip_grad_norm_ (threshold / (norm + 1e-6))": [p.grad.numpy() for p in params],
        "the sheet's threshold / norm": [a * scale for a in arrays],
    }


def draw_1d(rng):
    shapes = [(int(rng.integers(2, 6)), int(rng.integers(2, 6))), (int(rng.integers(2, 6)),), (3,)]
    above = [rng.standard_normal(s) * 10 for s in shapes]
    below = [rng.standard_normal(s) for s in shapes]
    norm_above = np.sqrt(sum((a**2).sum() for a in above))
    norm_below = np.sqrt(sum((a**2).sum() for a in below))
    spec = {
        "n_arrays": len(shapes),
        "above_threshold": float(norm_above * rng.uniform(0.1, 0.5)),
        "below_threshold": float(norm_below * rng.uniform(1.0, 2.0)),
    }
    inputs = {
        f"{case}_{k}": a
        for case, arrays in (("above", above), ("below", below))
        for k, a in enumerate(arrays)
    }
    expected = {
        "above": torch_clip(above, spec["above_threshold"]),
        "below": {"unchanged": below},
    }
    return Probe(spec, inputs, expected)


def judge_clip(expected, found, case):
    errors = {
        reading: max(relative_error(found.get(str(k), np.nan), r) for k, r in enumerate(reference))
        for reading, reference in expected[case].items()
    }
    for reading, error in errors.items():
        if error <= EXACT:
            return True, f"the arrays match {reading}, relative error {error:.2g}"
    worst = min(errors.values())
    what = (
        "scaled like clip_grad_norm_ (one norm over all arrays)" if case == "above" else "unchanged"
    )
    return False, f"the arrays (changed in place) are not {what}: relative error {worst:.2g}"


# --- 1e: run_memory_test ------------------------------------------------------


def draw_1e(rng):
    spec, inputs, expected = {}, {}, {}
    for case, V, delim, blank in (("case_a", 10, 8, 9), ("case_b", 7, 0, 1)):
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


def draw_2a(rng):
    sizes = [
        [int(rng.integers(2, 6)), int(rng.integers(3, 8)), int(rng.integers(1, 5))]
        for _ in range(2)
    ]
    return Probe({"sizes": sizes}, {})


def judge_params(spec, found):
    for k, (I, H, _) in enumerate(spec["sizes"]):
        for name, shape in (
            ("weight_ih", (4 * H, I)),
            ("weight_hh", (4 * H, H)),
            ("bias", (4 * H,)),
        ):
            value = found.get(f"{k}.{name}")
            if value is None:
                return False, f"MyLSTMCell({I}, {H}, ...) has no parameter {name}"
            if value.shape != shape:
                return False, f"{name} has shape {value.shape}, expected {shape} for I={I}, H={H}"
            if not np.all(np.isfinite(value)):
                return False, f"{name} holds non-finite values after __init__"
            if name != "bias" and np.ptp(value) == 0:
                return False, f"{name} is constant after __init__: every unit would learn the same"
    return True, "weight_ih, weight_hh and bias are parameters of the expected shapes"


def torch_lstm(weights, x, g, x2):
    """``torch.nn.LSTM`` + ``nn.Linear`` read-out with the given weights (``bias_hh = 0``).

    Returns the outputs for x ``(B, T, I)``, the gradients of ``sum(y * g)``
    and the outputs for x2 continued from x's last state.
    """
    t = {k: torch.from_numpy(v) for k, v in weights.items()}
    H4, I = t["weight_ih"].shape
    lstm = torch.nn.LSTM(I, H4 // 4, batch_first=True, dtype=torch.float64)
    readout = torch.nn.Linear(H4 // 4, t["readout.weight"].shape[0], dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(t["weight_ih"])
        lstm.weight_hh_l0.copy_(t["weight_hh"])
        lstm.bias_ih_l0.copy_(t["bias"])
        lstm.bias_hh_l0.zero_()
        readout.weight.copy_(t["readout.weight"])
        readout.bias.copy_(t["readout.bias"])
    hs, state = lstm(torch.from_numpy(x))
    y = readout(hs)
    (y * torch.from_numpy(g)).sum().backward()
    with torch.no_grad():
        y2 = readout(lstm(torch.from_numpy(x2), state)[0])
    return {
        "lstm": {
            "y": y.detach().numpy(),
            "dweight_ih": lstm.weight_ih_l0.grad.numpy(),
            "dweight_hh": lstm.weight_hh_l0.grad.numpy(),
            "dbias": lstm.bias_ih_l0.grad.numpy(),
        },
        "continue": {"y": y2.numpy()},
    }


def draw_2b(rng):
    I, H, O = int(rng.integers(2, 6)), int(rng.integers(3, 8)), int(rng.integers(1, 5))
    B, T, T2 = int(rng.integers(2, 5)), int(rng.integers(5, 9)), int(rng.integers(2, 5))
    weights = {
        "weight_ih": rng.uniform(-1, 1, (4 * H, I)),
        "weight_hh": rng.uniform(-1, 1, (4 * H, H)),
        "bias": rng.uniform(-1, 1, 4 * H),
        "readout.weight": rng.uniform(-1, 1, (O, H)),
        "readout.bias": rng.uniform(-1, 1, O),
    }
    x, g = rng.standard_normal((B, T, I)), rng.standard_normal((B, T, O))
    x2 = rng.standard_normal((B, T2, I))
    inputs = {**weights, "x": x, "g": g, "x2": x2}
    return Probe({"I": I, "H": H, "O": O}, inputs, torch_lstm(weights, x, g, x2))


# --- 2c: train_loop --------------------------------------------------------------


def torch_sgd(W0, b0, x, y, lr, epochs, clip_readings):
    """Full-batch SGD on ``sum((x W^T + b - y)^2)`` with the gradient clipped to ``CLIP``.

    Returns ``{reading: {"W": W, "b": b}}`` for each clipping divisor of
    ``clip_readings`` (``{reading: eps}``, dividing by ``norm + eps``), and the
    gradient norm of every step.
    """
    results, norms = {}, []
    for reading, eps in clip_readings.items():
        W, b = torch.from_numpy(W0.copy()), torch.from_numpy(b0.copy())
        for _ in range(epochs):
            W.requires_grad_(), b.requires_grad_()
            loss = ((torch.from_numpy(x) @ W.T + b - torch.from_numpy(y)) ** 2).sum()
            dW, db = torch.autograd.grad(loss, (W, b))
            norm = float(torch.sqrt((dW**2).sum() + (db**2).sum()))
            norms.append(norm)
            scale = CLIP / (norm + eps) if norm > CLIP else 1.0
            W, b = (W - lr * scale * dW).detach(), (b - lr * scale * db).detach()
        results[reading] = {"W": W.numpy(), "b": b.numpy()}
    return results, norms


def draw_2c(rng):
    I, O, N, T, epochs = 3, 2, int(rng.integers(5, 9)), 4, 3
    W0, b0 = rng.standard_normal((O, I)) * 0.5, rng.standard_normal(O) * 0.5
    target_W = W0 + rng.standard_normal((O, I)) * 0.5
    inputs, expected = {"W0": W0, "b0": b0}, {}
    readings = {"clip_grad_norm_ (norm + 1e-6)": 1e-6, "the sheet's norm": 0.0}
    # Small inputs keep every gradient below the clipping norm, large ones far above it.
    scales, lrs = {"steps": 0.05, "clipped": 5.0}, {"steps": 0.05, "clipped": 0.01}
    for case, scale in scales.items():
        x = rng.standard_normal((N, T, I)) * scale
        y = x @ target_W.T + b0
        inputs[f"{case}_x"], inputs[f"{case}_y"] = x, y
        expected[case], norms = torch_sgd(W0, b0, x, y, lrs[case], epochs, readings)
        if any((norm > CLIP) != (case == "clipped") for norm in norms):
            raise AssertionError(f"2c {case}: gradient norms {norms} do not suit the case")
    return Probe({"epochs": epochs, "lr": lrs}, inputs, expected)


def judge_train(expected, found, case):
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


def draw_2d(rng):
    B, T, C = int(rng.integers(3, 7)), int(rng.integers(8, 14)), 10
    outputs, labels = _copy_scores(rng, B, T, C, 4)
    x = torch.from_numpy(outputs).requires_grad_()
    total = torch.nn.functional.cross_entropy(
        x.reshape(-1, C), torch.from_numpy(labels).reshape(-1), reduction="sum"
    )
    total.backward()
    total, grad = total.item(), x.grad.numpy()
    expected = {
        "summed over positions and sequences": (total, grad),
        "averaged over each sequence's positions, summed over sequences": (total / T, grad / T),
    }
    return Probe({}, {"outputs": outputs, "labels": labels}, expected)


def judge_loss(expected, found):
    loss, grad = found.get("loss"), found.get("grad")
    if loss is None or grad is None:
        return False, "the loss or its gradient did not come back"
    for reading, (value, reference) in expected.items():
        if max(relative_error(loss, value), relative_error(grad, reference)) <= Q2_TOLERANCE:
            return True, f"loss {float(loss):.6g} and its gradient match the reading: {reading}"
    listed = ", ".join(f"{value:.6g} ({reading})" for reading, (value, _) in expected.items())
    return False, f"loss {float(loss):.6g} (or its gradient) matches none of {listed}"


def draw_2e(rng):
    L, T = int(rng.integers(3, 6)), 12
    outputs, labels = _copy_scores(rng, int(rng.integers(4, 8)), T, 10, L)
    hits = (outputs.argmax(-1) == labels)[:, -L:].mean()
    N, batch_size = 23, 5
    x = np.eye(10)[rng.integers(10, size=(N, T))]
    y = rng.integers(10, size=(N, T))
    W, b = rng.standard_normal((10, 10)), rng.standard_normal(10)
    scores = x @ W.T + b
    # Right about half the time, so that every batch counts, the last one too.
    right = rng.random((N, T)) < 0.5
    y[right] = scores.argmax(-1)[right]
    positions = cross_entropy(scores, y)
    test_hits = (scores.argmax(-1) == y)[:, -L:].mean()
    inputs = {"outputs": outputs, "labels": labels, "x": x, "y": y, "W": W, "b": b}
    expected = {
        "accuracy": {"a fraction": hits, "in percent": 100 * hits},
        "test_loss": {
            "the summed loss per sequence": positions.sum() / N,
            "the mean loss per position": positions.mean(),
        },
        "test_accuracy": {"a fraction": test_hits, "in percent": 100 * test_hits},
    }
    return Probe({"L": L, "batch_size": batch_size}, inputs, expected)


def judge_test_loop(expected, found):
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


def judge(label, check, part, probe, found):
    """The verdict ``(passed, one line)`` of one check on what the child sent back.

    part: the child's computation the check reads (``points.CHECKS``); found:
    its arrays, keyed without the part's prefix.
    """
    e = probe.expected
    if label == "1a":
        return compare(found.get("hs"), e[part]["hs"], "hs", "torch.nn.RNN", Q1_TOLERANCE)
    if label == "1b":
        return compare(found.get(check), e[check], check, "torch autograd", Q1_TOLERANCE)
    if label == "1d":
        return judge_clip(e, found, check)
    if label == "1e":
        return readings(found.get("accuracy"), e[check], "the accuracy")
    if label == "1f":
        return compare(found.get("W_hh"), np.eye(probe.spec["H"]), "W_hh", "the identity", 0.0)
    if label == "2a":
        return judge_params(probe.spec, found)
    if label == "2b":
        key = "y" if check in ("outputs", "continue") else check
        against = "torch.nn.LSTM" if key == "y" else "torch autograd on torch.nn.LSTM"
        return compare(found.get(key), e[part][key], key, against, Q2_TOLERANCE)
    if label == "2c":
        return judge_train(e, found, check)
    if label == "2d":
        return judge_loss(e, found)
    if check == "accuracy":
        return readings(found.get("accuracy"), e["accuracy"], "the accuracy")
    return judge_test_loop(e, found)
