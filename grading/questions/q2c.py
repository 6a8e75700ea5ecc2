"""2c, ``train_loop``: per batch, zero the gradients, forward, loss, backward, clip, step.

The group's loop trains the grader's linear model, in float32 as the course
runs Question 2, with the grader's loss and plain SGD; the weights after a
few epochs must be those of the grader's own SGD, once where no gradient
needs clipping and once where every one does (by the norm of all gradients
or of each parameter, as the sheet's hint or ``clip_grad_norm_``).
"""

import torch

from .base import Q2_TOLERANCE, Check, Probe, float32, relative_error

LABEL = "2c"
CLIP = 5.0  # the clipping norm of the sheet's hint
DRAWS = 1000  # a case's draws before the grader gives up (a few are needed)


def torch_sgd(W0, b0, x, y, lr, epochs, eps=0.0, each=False, clip=True, accumulate=False):
    """Full-batch SGD on ``sum((x W^T + b - y)^2)`` with the gradient clipped to ``CLIP``.

    Divides by ``norm + eps``, the norm of all gradients or, with ``each``, of
    each on its own. Returns ``({"W", "b"}, the norm of all gradients at every
    step)``. ``clip=False`` and ``accumulate=True`` are known mistakes.
    """
    W, b = torch.from_numpy(W0.copy()), torch.from_numpy(b0.copy())
    norms, total = [], None
    for _ in range(epochs):
        W.requires_grad_(), b.requires_grad_()
        loss = ((torch.from_numpy(x) @ W.T + b - torch.from_numpy(y)) ** 2).sum()
        grads = torch.autograd.grad(loss, (W, b))
        if accumulate and total is not None:  # .grad keeps what the last step left in it
            grads = tuple(t + d for t, d in zip(total, grads, strict=True))
        norm = float(torch.sqrt(sum((d**2).sum() for d in grads)))
        norms.append(norm)
        own = [float(d.norm()) for d in grads] if each else [norm, norm]
        scales = [CLIP / (n + eps) if clip and n > CLIP else 1.0 for n in own]
        total = tuple(s * d for s, d in zip(scales, grads, strict=True))  # clipped in place
        W, b = ((p - lr * d).detach() for p, d in zip((W, b), total, strict=True))
    return {"W": W.numpy(), "b": b.numpy()}, norms


CLIP_READINGS = {
    "clip_grad_norm_ (norm + 1e-6)": {"eps": 1e-6},
    "the sheet's norm": {},
    "each parameter by its own norm": {"each": True},
}


def draw(rng, layout):
    """Two regressions: every step's gradient below the clipping norm, and every one above it.

    A draw whose gradients do not all lie on their side of the norm, or whose
    known mistakes end near a right reading, is drawn again, so that each case
    tests what it names whatever the seed.
    """
    I, O, N, T, epochs = 3, 2, int(rng.integers(5, 9)), 4, 3
    inputs, expected = {}, {}
    # Small inputs keep the gradients below the clipping norm, large ones far above it.
    scales, lrs = {"steps": 0.05, "clipped": 5.0}, {"steps": 0.05, "clipped": 0.2}
    for case, scale in scales.items():
        for _ in range(DRAWS):
            W0 = float32(rng.standard_normal((O, I)) * 0.5)
            b0 = float32(rng.standard_normal(O) * 0.5)
            x = float32(rng.standard_normal((N, T, I)) * scale)
            y = float32(x @ (W0 + rng.standard_normal((O, I)) * 0.5).T + b0)
            args = (W0, b0, x, y, lrs[case], epochs)
            readings = {name: torch_sgd(*args, **kw)[0] for name, kw in CLIP_READINGS.items()}
            mistakes = {
                "no optimizer.zero_grad()": torch_sgd(*args, accumulate=True)[0],
                "no gradient clipping": torch_sgd(*args, clip=False)[0],
            }
            if _separated(torch_sgd(*args)[1], case, readings, mistakes):
                break
        else:
            raise RuntimeError(f"no {case} regression in {DRAWS} draws")
        inputs |= {f"{case}_W0": W0, f"{case}_b0": b0, f"{case}_x": x, f"{case}_y": y}
        expected[case] = {"readings": readings, "mistakes": mistakes}
    return Probe({"epochs": epochs, "lr": lrs}, inputs, expected)


def _separated(norms, case, readings, mistakes):
    """Every step on its side of the clipping norm; every mistake far from every reading."""
    if any((norm > CLIP) != (case == "clipped") or abs(norm - CLIP) < 0.1 for norm in norms):
        return False
    return all(
        max(relative_error(mistake[k], reading[k]) for k in ("W", "b")) > 10 * Q2_TOLERANCE
        for mistake in mistakes.values()
        for reading in readings.values()
        if mistake is not mistakes["no gradient clipping"] or case == "clipped"
    )


class Linear(torch.nn.Linear):
    """The grader's model: takes the cells' ``reset_hidden_state`` and any input dtype."""

    def forward(self, x, reset_hidden_state=True):
        return super().forward(x.to(self.weight.dtype))


def linear(weight, bias):
    model = Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(weight))
        model.bias.copy_(torch.from_numpy(bias))
    return model


class PlainSGD:
    """``torch.optim.SGD(params, lr)``'s update, ``p -= lr * p.grad``, without ``torch.optim``.

    A first ``torch.optim`` step imports torch's compiler: a second and a half of
    CPU in every sandbox, for a probe that needs none of it.
    """

    def __init__(self, params, lr):
        self.param_groups = [{"params": list(params), "lr": lr}]

    def zero_grad(self, set_to_none=True):
        for p in self.param_groups[0]["params"]:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
        return loss


def _train(case):
    def train(layout, spec, inputs):
        from .base import submission

        model = linear(inputs[f"{case}_W0"], inputs[f"{case}_b0"])
        x, y = (torch.from_numpy(inputs[f"{case}_{n}"]).float() for n in ("x", "y"))
        dataset = torch.utils.data.TensorDataset(x, y)
        submission("loops").train_loop(
            spec["epochs"],
            model,
            lambda params: PlainSGD(params, spec["lr"][case]),
            lambda outputs, targets: ((outputs - targets) ** 2).sum(),
            len(dataset),
            dataset,
        )
        return {"W": model.weight.detach(), "b": model.bias.detach()}

    return train


PARTS = {"steps": _train("steps"), "clipped": _train("clipped")}


def judge_train(check, probe, answer):
    """The weights after ``train_loop`` against the grader's SGD under every clipping reading."""
    expected, found, case = probe.expected[check.name], answer.found, check.name
    if found.get("W") is None or found.get("b") is None:
        return False, "the model's weights did not come back"

    def error(reference):
        return max(relative_error(found[k], reference[k]) for k in ("W", "b"))

    errors = {reading: error(reference) for reading, reference in expected["readings"].items()}
    for reading, value in errors.items():
        if value <= Q2_TOLERANCE:
            what = "clipped with " + reading if case == "clipped" else "plain SGD steps"
            return True, f"the weights after training match {what}, relative error {value:.2g}"
    line = "the weights after training differ from the grader's SGD, relative error "
    line += f"{min(errors.values()):.2g}"
    for mistake, reference in expected["mistakes"].items():
        if error(reference) <= Q2_TOLERANCE and (case == "clipped" or "clipping" not in mistake):
            return False, f"{line}: they are what {mistake} gives"
    return False, line


CHECKS = [
    Check(LABEL, "steps", 1, "steps", "SGD epochs against the grader's own, no clipping needed",
          judge_train),
    Check(LABEL, "clipped", 1, "clipped", "SGD epochs with the gradient clipped to norm 5",
          judge_train),
]  # fmt: skip
