"""2d, ``memory_task_loss``: the cross-entropy of the copy task, one scalar for the batch.

Right, by principle: the cross-entropy summed over the positions the group
chose (every position, or the last L, where the recall is), divided by a
count fixed by the batch's shape (the sequences B, the positions, or both)
or by nothing. Judged on two batches of different shapes, in float32 as the
course runs it, by its value and by its gradient.
"""

import itertools

import numpy as np
import torch

from .base import Q2_TOLERANCE, Check, Probe, float32, relative_error

LABEL = "2d"
C = 10  # classes of the copy task: eight symbols, the blank and the delimiter


def copy_scores(rng, B, T, L):
    """Class scores ``(B, T, C)`` and labels ``(B, T)``, right more often in the last L."""
    labels = rng.integers(C, size=(B, T))
    outputs = rng.standard_normal((B, T, C))
    right = rng.random((B, T)) < np.where(np.arange(T) >= T - L, 0.6, 0.2)
    b, t = np.nonzero(right)
    outputs[b, t, labels[b, t]] = outputs[b, t].max(axis=-1) + 1.0
    return float32(outputs), labels


def summed(outputs, labels, window, softmax_first=False):
    """The cross-entropy summed over ``window``'s positions: ``(value, gradient)``."""
    x = torch.from_numpy(outputs).requires_grad_()
    scores = torch.softmax(x, -1) if softmax_first else x
    total = torch.nn.functional.cross_entropy(
        scores[:, window].reshape(-1, C), torch.from_numpy(labels[:, window]).reshape(-1),
        reduction="sum",
    )  # fmt: skip
    total.backward()
    return total.item(), x.grad.numpy()


def readings(shape, L):
    """``{name: (window, divisor)}``: every accepted reading of the loss for a batch's shape."""
    B, T = shape
    found = {}
    for where, window, positions in (("every position", slice(None), T),
                                     (f"the last {L} positions", slice(-L, None), L)):  # fmt: skip
        counts = {"the sequences": B, "the positions": positions}
        for k in range(3):
            for chosen in itertools.combinations(counts, k):
                divisor = int(np.prod([counts[c] for c in chosen]))
                how = " and ".join(chosen)
                found[f"summed over {where}" + (f", divided by {how}" if how else "")] = (
                    window,
                    divisor,
                )
    return found


def draw(rng, layout):
    """Two batches whose counts (B, T, L and their products) are all different."""
    L = 4
    while True:
        shapes = [(int(rng.integers(2, 7)), int(rng.integers(7, 14))) for _ in range(2)]
        counts = [{1, B, T, L, B * T, B * L} for B, T in shapes]
        if all(len(c) == 6 for c in counts) and shapes[0] != shapes[1]:
            break
    inputs, expected = {}, {}
    for k, (B, T) in enumerate(shapes):
        outputs, labels = copy_scores(rng, B, T, L)
        inputs[f"outputs_{k}"], inputs[f"labels_{k}"] = outputs, labels
        for key, softmax_first in ((k, False), (f"{k}.mistakes", True)):
            windows = (slice(None), slice(-L, None))
            every, last = (summed(outputs, labels, w, softmax_first) for w in windows)
            expected[key] = {
                name: tuple(v / divisor for v in (last if window.start else every))
                for name, (window, divisor) in readings((B, T), L).items()
            }
        expected[f"{k}.mistakes"] = {
            f"softmax before cross_entropy, {name}": value
            for name, value in expected[f"{k}.mistakes"].items()
        }
    return Probe({"L": L, "batches": 2}, inputs, expected)


def takes_three(function):
    """Whether ``function`` needs a third argument (the course solution's ``to_remember_len``)."""
    import inspect

    try:
        needed = [
            p
            for p in inspect.signature(function).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return False
    return len(needed) >= 3


def loss(layout, spec, inputs):
    from .base import submission

    loss_func = submission("memory_task").memory_task_loss
    extra = (spec["L"],) if takes_three(loss_func) else ()
    found = {}
    for k in range(spec["batches"]):
        outputs = torch.from_numpy(inputs[f"outputs_{k}"]).float().requires_grad_()
        value = loss_func(outputs, torch.from_numpy(inputs[f"labels_{k}"]), *extra)
        value.backward()
        found[f"{k}.loss"], found[f"{k}.grad"] = float(value), outputs.grad
    return found


PARTS = {"loss": loss}


def _matching(found, k, candidates):
    value, grad = found.get(f"{k}.loss"), found.get(f"{k}.grad")
    for name, (reference, reference_grad) in candidates.items():
        error = max(relative_error(value, reference), relative_error(grad, reference_grad))
        if error <= Q2_TOLERANCE:
            return name
    return None


def judge_loss(check, probe, answer):
    """The same reading, by value and gradient, on both batches."""
    found, expected = answer.found, probe.expected
    if any(f"{k}.loss" not in found or f"{k}.grad" not in found for k in range(2)):
        return False, "the loss or its gradient did not come back"
    names = [_matching(found, k, expected[k]) for k in range(2)]
    if names[0] and names[0] == names[1]:
        return True, f"the loss and its gradient are the cross-entropy {names[0]}"
    values = ", ".join(f"{float(found[f'{k}.loss']):.6g}" for k in range(2))
    line = f"the losses {values} are no multiple of the summed cross-entropy fixed by the shape"
    mistakes = [_matching(found, k, expected[f"{k}.mistakes"]) for k in range(2)]
    if mistakes[0] and mistakes[0] == mistakes[1]:
        line += f": they are what {mistakes[0].partition(',')[0]} gives"
    return False, line


CHECKS = [
    Check(LABEL, "loss", 1, "loss", "the loss and its gradient against cross_entropy",
          judge_loss),
]  # fmt: skip
