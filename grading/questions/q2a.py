"""2a, ``MyLSTMCell.__init__``: trainable parameters for four gates and a read-out.

Any names and any layout: one matrix per gate or one stacked, on [x; h] or
input and hidden apart, one bias per gate or two, biases as ``(H,)``,
``(H, 1)`` or ``(1, H)``. A weight matrix that starts constant makes its units
learn alike, and is refused.
"""

from .base import Check, Probe

LABEL = "2a"


def lstm_sizes(rng):
    """``(I, H, O)`` such that no two of the LSTM's weights share a shape, transposed or not."""
    return int(rng.integers(2, 4)), int(rng.integers(5, 8)), 4


def draw(rng, layout):
    return Probe({"sizes": [lstm_sizes(rng) for _ in range(2)]}, {})


def params(layout, spec, inputs):
    """How many trainable entries the cell holds, and how many of its matrices are constant."""
    import torch

    found = {}
    for k, (I, H, O) in enumerate(spec["sizes"]):
        trainable = [p for p in layout.new_lstm(I, H, O).parameters() if p.requires_grad]
        found[f"{k}.entries"] = sum(p.numel() for p in trainable)
        found[f"{k}.constant"] = sum(
            sum(n > 1 for n in p.shape) >= 2 and bool(p.min() == p.max()) for p in trainable
        )
        found[f"{k}.finite"] = all(bool(torch.isfinite(p).all()) for p in trainable)
    return found


PARTS = {"params": params}


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


CHECKS = [
    Check(LABEL, "params", 1, "params",
          "trainable parameters for four gates and a read-out, not constant", judge_params),
]  # fmt: skip
