"""1d, gradient clipping: ``grad <- threshold / ||grad|| * grad`` when ``||grad|| > threshold``.

The group's function clips the grader's arrays in place (the course's
``clip_gradient`` one array at a time, this package's ``clip_gradients`` a
list): above the threshold they must be scaled to it, below it unchanged.
"""

import numpy as np
import torch

from .base import Check, Probe, known_mistake, relative_error

LABEL = "1d"
EXACT = 1e-9  # float64 against float64 by the same operations: only rounding differs


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


def draw(rng, layout):
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
    threshold = spec["above_threshold"]
    inverse = [a * np.linalg.norm(a) / threshold for a in above]
    expected = {
        "above": torch_clip(above, threshold),
        "below": {"unchanged": below},
        "above_input": above,
        "mistakes": {"scaling by norm / threshold (the inverse factor)": inverse},
    }
    return Probe(spec, inputs, expected)


def _clip(case):
    def clip(layout, spec, inputs):
        grads = [inputs[f"{case}_{k}"].copy() for k in range(spec["n_arrays"])]
        layout.clip(grads, spec[f"{case}_threshold"])
        return {str(k): grad for k, grad in enumerate(grads)}

    return clip


PARTS = {"above": _clip("above"), "below": _clip("below")}


def _error(found, arrays):
    return max(relative_error(found.get(str(k), np.nan), a) for k, a in enumerate(arrays))


def judge_clip(check, probe, answer):
    """The arrays against every reading of the check's case (``above`` or ``below``).

    Within the threshold, unchanged arrays earn the point only from a function
    that does clip above it: a function that does nothing changes nothing.
    """
    expected, case, found = probe.expected, check.name, answer.found
    errors = {reading: _error(found, arrays) for reading, arrays in expected[case].items()}
    clipped_above = any(
        relative_error(answer.arrays.get(f"above.{k}"), a) > 0
        for k, a in enumerate(expected["above_input"])
    )
    for reading, error in errors.items():
        if error <= EXACT:
            if case == "below" and not clipped_above:
                return False, "the arrays are unchanged, but so are those above the threshold"
            return True, f"the arrays match {reading}, relative error {error:.2g}"
    what = "scaled to the threshold" if case == "above" else "unchanged"
    line = (
        f"the arrays (changed in place) are not {what}: relative error {min(errors.values()):.2g}"
    )
    mistakes = {
        name: np.concatenate([a.ravel() for a in arrays])
        for name, arrays in expected["mistakes"].items()
    }
    if case == "above" and all(str(k) in found for k in range(len(expected["above_input"]))):
        flat = np.concatenate([found[str(k)].ravel() for k in range(len(expected["above_input"]))])
        if name := known_mistake(flat, mistakes, EXACT):
            line += f": it is what {name} gives"
    return False, line


CHECKS = [
    Check(LABEL, "above", 0.5, "above", "gradients above the threshold scaled in place",
          judge_clip),
    Check(LABEL, "below", 0.5, "below", "gradients within the threshold left unchanged",
          judge_clip),
]  # fmt: skip
