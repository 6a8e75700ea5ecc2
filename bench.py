"""Forward + backward time of the hand-written cells against the torch.nn built-ins.

    python bench.py

Each row runs both implementations on the same shapes (B, T, I, H) in this
process, alternating, and prints the median time of each and the median of
the per-repeat ratios (hand-written / built-in; below 1 is faster). The numpy
cells are compared in float64, the torch cells in float32 (as the tasks train).
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch

from BasicRNNCell import BasicRNNCell, TorchBasicRNNCell
from MyLSTMCell import MyLSTMCell
from NumpyLSTMCell import NumpyLSTMCell

NUMPY_SHAPES = [(1, 20, 10, 100), (32, 20, 10, 100), (500, 23, 10, 64)]
# (100, 22, 10, 128) is one training batch of task 2's defaults; the first and
# the last shapes differ only in T, for the per-step ratio printed at the end.
TORCH_SHAPES = [
    (500, 100, 1, 32),
    (500, 23, 10, 32),
    (500, 110, 10, 64),
    (100, 22, 10, 128),
    (500, 400, 1, 32),
]


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def compare(ours, theirs, repeats):
    """Median seconds of each and the median per-repeat ratio, after one warm-up call each."""
    ours(), theirs()
    pairs = [(timed(ours), timed(theirs)) for _ in range(repeats)]
    return (
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(a / b for a, b in pairs),
    )


def numpy_row(cls, B, T, I, H):
    rng = np.random.default_rng(0)
    cell = cls(I, H, rng=rng)
    xs, dys = rng.standard_normal((B, T, I)), rng.standard_normal((B, T, H))
    if cls is NumpyLSTMCell:
        ref = torch.nn.LSTM(I, H, batch_first=True).double()
    else:
        ref = torch.nn.RNN(I, H, nonlinearity="relu", batch_first=True).double()
    x, dy = torch.tensor(xs, requires_grad=True), torch.tensor(dys)

    def ours():
        cell.fprop(xs)
        cell.bprop(dys)

    def theirs():
        ref(x)[0].backward(dy)

    return compare(ours, theirs, repeats_for(B, T))


def torch_row(cls, B, T, I, H):
    torch.manual_seed(0)
    cell = cls(I, H, 1)
    ref = cell.to_torch()
    x = torch.randn(B, T, I, requires_grad=True)
    dy = torch.randn(B, T, H)

    def ours():
        cell.recur(x, cell.initial_state(B))[0].backward(dy)

    def theirs():
        ref(x)[0].backward(dy)

    return compare(ours, theirs, repeats_for(B, T))


def repeats_for(B, T):
    return max(5, min(50, int(2e5 / (B * T))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; numpy "
        f"{np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)"
    )
    print(
        f"{'implementation':<40} {'(B, T, I, H)':<20} {'ours ms':>9} {'torch ms':>9} {'ratio':>6}"
    )
    rows = [
        (f"numpy {cls.__name__} vs {name} f64", lambda *s, c=cls: numpy_row(c, *s), shape)
        for cls, name in ((BasicRNNCell, "nn.RNN"), (NumpyLSTMCell, "nn.LSTM"))
        for shape in NUMPY_SHAPES
    ]
    for cls, name in ((MyLSTMCell, "nn.LSTM"), (TorchBasicRNNCell, "nn.RNN")):
        rows += [
            (f"{cls.__name__} vs {name} f32", lambda *s, c=cls: torch_row(c, *s), shape)
            for shape in TORCH_SHAPES
        ]
    per_step = {}
    for label, row, shape in rows:
        ours, theirs, ratio = row(*shape)
        per_step[label, shape] = ours / shape[1]
        print(f"{label:<40} {shape!s:<20} {1e3 * ours:9.2f} {1e3 * theirs:9.2f} {ratio:6.2f}")
    for cls in (MyLSTMCell, TorchBasicRNNCell):
        label = next(lab for lab, _, _ in rows if lab.startswith(cls.__name__))
        short, long = per_step[label, TORCH_SHAPES[0]], per_step[label, TORCH_SHAPES[-1]]
        print(
            f"{cls.__name__}: time per step at T = 400 / at T = 100: {long / short:.2f} "
            "(1 = linear in T)"
        )


if __name__ == "__main__":
    main()
