"""Writing a run's outputs: the folder, atomic files, the metrics and the final record."""

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import matplotlib
import numpy as np
import torch
from matplotlib.figure import Figure


def prepare_out_dir(path):
    """Create the output folder and return it; never reuse one that holds files.

    A folder that exists and is not empty is left alone: the run goes to the
    first free ``path-2``, ``path-3``, ... instead, and says so.
    """
    path = Path(path)
    chosen, n = path, 1
    while chosen.exists() and any(chosen.iterdir()):
        n += 1
        chosen = path.with_name(f"{path.name}-{n}")
    if chosen != path:
        print(f"{path} already holds outputs; writing to {chosen} instead")
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def _atomic(path, write):
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, obj):
    _atomic(path, lambda f: f.write(json.dumps(obj, indent=2).encode() + b"\n"))


def save_weights(path, weights):
    """Save a torch ``state_dict`` (``.pt``) or a dict of numpy arrays (``.npz``), atomically."""
    if str(path).endswith(".npz"):
        _atomic(path, lambda f: np.savez(f, **weights))
    else:
        _atomic(path, lambda f: torch.save(weights, f))


def versions():
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "matplotlib": matplotlib.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
    }


class Run:
    """The record of one run: its folder, metrics, loss history and weights.

    A task fills ``metrics``, appends to ``history`` and sets ``weights`` (a
    function returning what to save) as it goes; ``finish`` writes the loss
    curve, the weights and ``metrics.json`` however the run ended.
    """

    def __init__(self, out_dir, metrics, weights_file, history_unit):
        self.out = out_dir
        self.metrics = metrics
        self.weights_file = weights_file
        self.history_unit = history_unit
        self.history = []
        self.weights = None
        self.started = time.perf_counter()

    def finish(self, status, message=None):
        """Write everything; status is "complete", "interrupted" or "diverged"."""
        self.metrics.update(
            status=status,
            wall_seconds=round(time.perf_counter() - self.started, 2),
            loss_history=self.history,
            versions=versions(),
        )
        if message:
            self.metrics["message"] = message
        if self.history:
            self._plot_history()
        if self.weights is not None:
            save_weights(self.out / self.weights_file, self.weights())
        write_json(self.out / "metrics.json", self.metrics)
        print(f"outputs written to {self.out}", file=sys.stderr if status != "complete" else None)

    def _plot_history(self):
        fig = Figure(figsize=(6, 3.5))
        ax = fig.subplots()
        ax.semilogy(np.arange(1, len(self.history) + 1), self.history)
        ax.set(xlabel=self.history_unit, ylabel="training loss", title="Training loss")
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(self.out / "training_loss.png", dpi=100)
