"""Writing a run's outputs: the folder, atomic files, the metrics and the final record."""

import json
import os
import platform
import tempfile
import time
from pathlib import Path

import matplotlib
import numpy as np
import torch
from matplotlib.figure import Figure

from atomic import atomic_write, save_figure
from runner.stops import deferred


def prepare_out_dir(path):
    """Create the output folder, check that it takes files, and return it.

    Never reuses a folder that holds files: an ``OSError`` says it cannot be made or written.

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
    with tempfile.TemporaryFile(dir=chosen):  # a read-only mount fails here, not mid-run
        pass
    return chosen


def write_json(path, obj):
    atomic_write(path, lambda f: f.write(json.dumps(obj, indent=2).encode() + b"\n"))


def save_weights(path, weights):
    """Save a torch ``state_dict`` (``.pt``) or a dict of numpy arrays (``.npz``), atomically."""
    if str(path).endswith(".npz"):
        atomic_write(path, lambda f: np.savez(f, **weights))
    else:
        atomic_write(path, lambda f: torch.save(weights, f))


def versions():
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "matplotlib": matplotlib.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
    }


class CheckpointError(ValueError):
    """A folder holds no checkpoint, or one that cannot be read."""


CHECKPOINTS = ("checkpoint.npz", "checkpoint.pt")


def load_checkpoint(out_dir):
    """Read the checkpoint in ``out_dir``: ``(state, meta)``.

    state: the task's arrays (``.npz``, read without pickle) or its torch
    state (``.pt``, read with ``weights_only``: tensors and plain values only).
    meta: the run's ``metrics`` (with its ``config``), loss ``history`` and
    ``wall_seconds`` so far. Raises ``CheckpointError`` when there is none
    or it cannot be read.
    """
    found = [Path(out_dir) / name for name in CHECKPOINTS if (Path(out_dir) / name).is_file()]
    if not found:
        early = (Path(out_dir) / "metrics.json").exists()
        raise CheckpointError(
            f"{out_dir} holds no {' or '.join(CHECKPOINTS)}"
            + ("; the run stopped before its first one: start it again" if early else "")
        )
    path = found[0]
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as npz:
                state = {key: npz[key] for key in npz.files}
            meta = json.loads(str(state.pop("meta")))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
            meta = json.loads(state.pop("meta"))
        if "task" not in meta["metrics"]["config"]:
            raise ValueError("it records no task")
    except Exception as err:  # a truncated or foreign file fails in many ways
        raise CheckpointError(f"{path} cannot be read ({type(err).__name__}: {err})") from None
    return state, meta


class Run:
    """The record of one run: its folder, metrics, loss history, weights and checkpoint.

    A task fills ``metrics``, appends to ``history`` and sets ``weights`` (a
    function returning what to save) as it goes, and hands its training state
    to ``save_checkpoint`` at every checkpoint; ``resumed`` holds the state of
    the checkpoint this run continues (None for a new run). ``finish`` writes
    the loss curve, the weights and ``metrics.json`` however the run ended.
    """

    def __init__(self, out_dir, metrics, numpy_task, history_unit, resumed=None):
        self.out = out_dir
        self.metrics = metrics
        self.numpy_task = numpy_task
        self.history_unit = history_unit
        self.history = []
        self.weights = None
        self.resumed = None
        self.seconds_before = 0.0
        if resumed is not None:
            self.resumed, meta = resumed
            self.metrics, self.history = meta["metrics"], meta["history"]
            self.seconds_before = meta["wall_seconds"]
        self.started = time.perf_counter()

    def elapsed(self):
        """Seconds of work on this run, over every session that resumed it."""
        return round(self.seconds_before + time.perf_counter() - self.started, 2)

    def save_checkpoint(self, state):
        """Write the task's training ``state`` with the run's record, atomically.

        A numpy task's state is a dict of arrays (``checkpoint.npz``), a torch
        task's a dict of state dicts and tensors (``checkpoint.pt``).
        """
        meta = json.dumps(
            {"metrics": self.metrics, "history": self.history, "wall_seconds": self.elapsed()}
        )
        with deferred():
            if self.numpy_task:
                arrays = {**state, "meta": np.array(meta)}
                atomic_write(self.out / CHECKPOINTS[0], lambda f: np.savez(f, **arrays))
            else:
                state = {**state, "meta": meta}
                atomic_write(self.out / CHECKPOINTS[1], lambda f: torch.save(state, f))

    def finish(self, status, message=None):
        """Write everything that can be written; status is how the run ended.

        "complete", "interrupted", "terminated", "diverged", "out_of_memory",
        "write_failed" or "crashed". A file that cannot be written (a full disk, a folder
        that went away) does not keep the others from being written; the
        errors are returned, one line each.
        """
        self.metrics.update(
            status=status,
            wall_seconds=self.elapsed(),
            loss_history=self.history,
            versions=versions(),
        )
        if message:
            self.metrics["message"] = message
        writes = [(lambda: write_json(self.out / "metrics.json", self.metrics))]
        if self.history:
            writes.append(self._plot_history)
        if self.weights is not None:
            weights_file = "weights.npz" if self.numpy_task else "weights.pt"
            writes.append(lambda: save_weights(self.out / weights_file, self.weights()))
        errors = []
        for write in reversed(writes):  # metrics.json last: it says the rest is there
            try:
                write()
            except OSError as err:
                errors.append(f"{err.strerror or err}: {err.filename or self.out}")
        return errors

    def _plot_history(self):
        fig = Figure(figsize=(6, 3.5))
        ax = fig.subplots()
        ax.semilogy(np.arange(1, len(self.history) + 1), self.history)
        ax.set(xlabel=self.history_unit, ylabel="training loss", title="Training loss")
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        save_figure(fig, self.out / "training_loss.png", dpi=100)
