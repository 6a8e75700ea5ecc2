"""2b, ``MyLSTMCell.forward``: the LSTM's gate equations, step by step, with a read-out.

Run in float32, as the course's handout runs Question 2. The grader tries
every way the cell's parameters could hold ``torch.nn.LSTM``'s weights
(``lstm_layouts``), keeps the one whose outputs agree, and compares the
gradients in that layout. Two points need no reference: outputs of the right
shape from which a gradient reaches every parameter, and a state that
``reset_hidden_state=False`` carries on exactly as one call on the whole
sequence would.
"""

import numpy as np
import torch

from .base import Q2_TOLERANCE, Check, Probe, float32, known_mistake, relative_error
from .q2a import lstm_sizes

LABEL = "2b"
LAYOUT_LIMIT = 200  # layouts tried: 24 gate orders, two sides, two ways to pair two biases


def reference_lstm(weights, x, g, x2, forget=torch.sigmoid):
    """The LSTM's equations in float64 (``torch.nn.LSTM``'s gate order i, f, g, o).

    Returns the outputs for x ``(B, T, I)``, every weight's gradient of
    ``sum(y * g)`` and the outputs for x2 continued from x's last state.
    ``forget`` is the forget gate's activation (a known mistake uses tanh).
    """
    t = {k: torch.from_numpy(v).requires_grad_() for k, v in weights.items()}
    H = t["Wh"].shape[1]

    def run(xs, h, c):
        ys = []
        for x_t in xs.unbind(1):
            z = x_t @ t["Wx"].T + h @ t["Wh"].T + t["b"]
            i, f, gate, o = z.split(H, dim=1)
            c = forget(f) * c + torch.sigmoid(i) * torch.tanh(gate)
            h = torch.sigmoid(o) * torch.tanh(c)
            ys.append(h @ t["Wy"].T + t["by"])
        return torch.stack(ys, 1), h, c

    zeros = torch.zeros(x.shape[0], H, dtype=torch.float64)
    y, h, c = run(torch.from_numpy(x), zeros, zeros)
    (y * torch.from_numpy(g)).sum().backward()
    with torch.no_grad():
        y2 = run(torch.from_numpy(x2), h, c)[0]
    grads = {f"d{k}": v.grad.numpy() for k, v in t.items()}
    return {"y": y.detach().numpy(), "y2": y2.numpy(), **grads}


def torch_lstm(weights, x):
    """``torch.nn.LSTM`` and an ``nn.Linear`` read-out: the outputs, for the reference's check."""
    H4, I = weights["Wx"].shape
    lstm = torch.nn.LSTM(I, H4 // 4, batch_first=True, dtype=torch.float64)
    readout = torch.nn.Linear(H4 // 4, weights["Wy"].shape[0], dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(weights["Wx"]))
        lstm.weight_hh_l0.copy_(torch.from_numpy(weights["Wh"]))
        lstm.bias_ih_l0.copy_(torch.from_numpy(weights["b"]))
        lstm.bias_hh_l0.zero_()
        readout.weight.copy_(torch.from_numpy(weights["Wy"]))
        readout.bias.copy_(torch.from_numpy(weights["by"]))
        return readout(lstm(torch.from_numpy(x))[0]).numpy()


def draw(rng, layout):
    I, H, O = lstm_sizes(rng)
    B, T, T2 = int(rng.integers(2, 5)), int(rng.integers(5, 9)), int(rng.integers(2, 5))
    shapes = {"Wx": (4 * H, I), "Wh": (4 * H, H), "b": (4 * H,), "Wy": (O, H), "by": (O,)}
    weights = {name: float32(rng.uniform(-1, 1, shape)) for name, shape in shapes.items()}
    x, g = float32(rng.standard_normal((B, T, I))), float32(rng.standard_normal((B, T, O)))
    x2 = float32(rng.standard_normal((B, T2, I)))
    fill = float32(rng.uniform(-1, 1, 997))  # the cell's own parameters, whatever their layout
    inputs = {**weights, "x": x, "g": g, "x2": x2, "fill": fill}
    expected = reference_lstm(weights, x, g, x2)
    assert relative_error(torch_lstm(weights, x), expected["y"]) < 1e-12
    expected["mistakes"] = {
        "the forget gate with tanh": reference_lstm(weights, x, g, x2, torch.tanh)["y"]
    }
    return Probe({"I": I, "H": H, "O": O}, inputs, expected)


def _outputs(y, B, T, O):
    """The cell's outputs as ``(B, T, O)`` (the course's cells squeeze them)."""
    return y.reshape(B, T, O) if y.numel() == B * T * O else y


def every_layout(layout, spec, inputs):
    """Outputs, gradients and continuation for every layout the parameters could have."""
    from .lstm_layouts import gathered, lstm_layouts, place

    I, H, O = spec["I"], spec["H"], spec["O"]
    t = {name: torch.from_numpy(value) for name, value in inputs.items()}
    model = layout.new_lstm(I, H, O)
    params = dict(model.named_parameters())
    ref = {k: t[k] for k in ("Wx", "Wh", "b", "Wy", "by")}
    found = {"layouts": " | ".join(f"{name} {tuple(p.shape)}" for name, p in params.items())}
    for k, (description, placement) in enumerate(
        list(lstm_layouts(list(params.items()), I, H, O))[:LAYOUT_LIMIT]
    ):
        place(params, placement, ref, H)
        dtype = next(iter(params.values())).dtype
        x, g, x2 = (t[n].to(dtype) for n in ("x", "g", "x2"))
        model.zero_grad()
        y = _outputs(model(x), *x.shape[:2], O)
        (y * g).sum().backward()
        with torch.no_grad():
            model(x)
            y2 = _outputs(model(x2, reset_hidden_state=False), *x2.shape[:2], O)
        found[f"{k}.name"] = description
        found[f"{k}.y"] = y.detach()
        found[f"{k}.y2"] = y2
        for key, grad in gathered(params, placement, I, H, O).items():
            found[f"{k}.d{key}"] = grad
    return found


def own_terms(layout, spec, inputs):
    """What needs no reference, on the cell's parameters filled with values of the grader's.

    ``shape``: outputs ``(B, T, O)``; ``reached``: the parameters no gradient
    reached; ``continued``: outputs of x then x2 with the state kept, against
    one call on both; ``forgot``: x2 from a fresh state, which a cell that
    keeps a state must tell apart.
    """
    I, H, O = spec["I"], spec["H"], spec["O"]
    model = layout.new_lstm(I, H, O)
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    fill = torch.from_numpy(np.resize(inputs["fill"], total))
    with torch.no_grad():
        start = 0
        for p in params:
            p.copy_(fill[start : start + p.numel()].reshape(p.shape).to(p.dtype))
            start += p.numel()
    dtype = params[0].dtype if params else torch.float32
    x, x2 = (torch.from_numpy(inputs[n]).to(dtype) for n in ("x", "x2"))
    B, T, T2 = x.shape[0], x.shape[1], x2.shape[1]
    y = model(x)
    found = {"shape": np.array(_outputs(y, B, T, O).shape), "params": len(params)}
    y.sum().backward()
    found["reached"] = sum(
        p.grad is None or not bool(torch.isfinite(p.grad).all()) or not bool(p.grad.any())
        for p in params
    )
    with torch.no_grad():
        whole = _outputs(model(torch.cat([x, x2], 1)), B, T + T2, O)[:, T:]
        model(x)
        found["continued"] = _outputs(model(x2, reset_hidden_state=False), B, T2, O) - whole
        found["forgot"] = _outputs(model(x2), B, T2, O) - whole
    return found


PARTS = {"lstm": every_layout, "own": own_terms}


def matching_layout(expected, found, notes):
    """The first layout whose outputs agree with torch.nn.LSTM: ``(index, name)``, or None."""
    k = 0
    while f"{k}.y" in found or f"lstm.{k}.name" in notes:
        if relative_error(found.get(f"{k}.y", np.nan), expected["y"]) <= Q2_TOLERANCE:
            return k, notes.get(f"lstm.{k}.name", "?")
        k += 1
    return None


REFERENCE_CHECKS = {
    "dweights": (("dWx", "dWx"), ("dWh", "dWh")),
    "dbias": (("db", "db"), ("db2", "db"), ("dWy", "dWy"), ("dby", "dby")),
}


def judge_reference(check, probe, answer):
    """The check's arrays of the first layout whose outputs agree with torch.nn.LSTM."""
    expected, found, notes = probe.expected, answer.found, answer.notes
    match = matching_layout(expected, found, notes)
    if match is None:
        outputs = [v for key, v in found.items() if key.endswith(".y")]
        closest = min((relative_error(v, expected["y"]) for v in outputs), default=np.inf)
        mistake = next(
            (
                name
                for v in outputs
                if (name := known_mistake(v, expected["mistakes"], Q2_TOLERANCE))
            ),
            None,
        )
        params = notes.get("lstm.layouts") or "none"
        why = f": the outputs are what {mistake} gives" if mistake else ""
        return False, (
            "no layout of the parameters reproduces torch.nn.LSTM with the same weights "
            f"(closest outputs: relative error {closest:.2g}; parameters: {params}){why}"
        )
    k, name = match
    pairs = [("y", "y")] if check.name == "outputs" else REFERENCE_CHECKS[check.name]
    errors = [
        relative_error(found.get(f"{k}.{mine}", np.nan), expected[theirs])
        for mine, theirs in pairs
        if mine != "db2" or f"{k}.db2" in found
    ]
    error = max(errors)
    verdict = "agree with" if error <= Q2_TOLERANCE else "differ from"
    what = {"outputs": "the outputs", "dweights": "the weights' gradients"}.get(
        check.name, "the biases' and read-out's gradients"
    )
    return error <= Q2_TOLERANCE, (
        f"{what} {verdict} torch.nn.LSTM, relative error {error:.2g} (layout: {name})"
    )


def judge_shape(check, probe, answer):
    found, (B, T, O) = answer.found, probe.inputs["g"].shape
    shape = tuple(int(n) for n in found.get("shape", ()))
    if shape != (B, T, O):
        return False, f"the outputs have shape {shape or '?'}, expected {(B, T, O)}"
    if not found.get("params"):
        return False, "the cell has no trainable parameters"
    if found.get("reached", 1) > 0:
        return False, f"no gradient reaches {int(found['reached'])} of the parameters"
    return True, f"outputs {(B, T, O)}, and a gradient reaches every parameter"


def judge_state(check, probe, answer):
    found = answer.found
    continued, forgot = found.get("continued"), found.get("forgot")
    if continued is None or forgot is None:
        return False, "the continued outputs did not come back"
    scale = max(float(np.abs(forgot).max()), 1e-30)
    if float(np.abs(continued).max()) > Q2_TOLERANCE * max(scale, 1.0):
        return False, "reset_hidden_state=False does not continue where the first call ended"
    if float(np.abs(forgot).max()) <= Q2_TOLERANCE:
        return False, "the outputs do not depend on the state: no state is carried"
    return True, "reset_hidden_state=False continues exactly as one call on the whole sequence"


CHECKS = [
    Check(LABEL, "shape", 0.5, "own",
          "outputs of shape (B, T, O), and a gradient reaches every parameter", judge_shape),
    Check(LABEL, "state", 1.5, "own",
          "reset_hidden_state=False carries the state on, as one call on the whole sequence",
          judge_state),
    Check(LABEL, "outputs", 1, "lstm", "outputs against torch.nn.LSTM with the same weights",
          judge_reference),
    Check(LABEL, "dweights", 1, "lstm",
          "input and hidden weights' gradients against torch autograd", judge_reference),
    Check(LABEL, "dbias", 1, "lstm", "biases' and read-out's gradients against torch autograd",
          judge_reference),
]  # fmt: skip
