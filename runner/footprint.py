"""The memory a run's settings need, estimated before anything large is allocated.

The estimate counts what grows with the flags: the training set, the model
(parameters, gradients and Adam's two moments) and the activations that one
batch keeps through the whole sequence for the backward pass. It is a floor,
not a bound: settings near the machine's memory may still fail later, and
then end like a stopped run.
"""

import argparse

import psutil

from copy_task import copy_task_length
from memory_task import N_CLASSES
from runner.tasks import DEFAULTS, N_TEST, hidden_size, parameter_count, task_default
from sine_task import SEQ_LEN

SIZE_FLAGS = ("hidden", "blank_len", "to_remember_len", "train_size", "batch_size")


def readable(n_bytes):
    """``n_bytes`` in binary units: "512 KiB", "59.5 GiB", "3.7 TiB"."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024 or unit == "TiB":
            return f"{n_bytes:.3g} {unit}" if n_bytes < 1000 else f"{n_bytes:,.0f} {unit}"
        n_bytes /= 1024


def available_memory():
    """Bytes a new allocation can have, as the platform counts them (Linux, macOS, Windows)."""
    return psutil.virtual_memory().available


def estimate(args):
    """Bytes the run needs, by part: ``{"training set", "model", "activations"}``."""
    lstm = args.rnn == "LSTM"
    n_io = 1 if args.task == "sine" else N_CLASSES
    T = SEQ_LEN if args.task == "sine" else copy_task_length(args.to_remember_len, args.blank_len)
    H = hidden_size(args, n_io, n_io)
    params = parameter_count(args.rnn, n_io, H, n_io)
    if args.task == "memorize":  # numpy float64, fresh data each step, 1000 test sequences at once
        per_step = (12 if lstm else 4) * H + 6 * n_io
        batch = max(args.batch_size, N_TEST["memorize"])
        return {"training set": 0, "model": 4 * 8 * params, "activations": 8 * batch * T * per_step}
    per_sequence = 4 * SEQ_LEN if args.task == "sine" else T * (4 * n_io + 8)
    per_step = (24 if lstm else 4) * H + 4 * n_io  # what autograd keeps, float32
    return {
        "training set": (args.train_size + N_TEST[args.task]) * per_sequence,
        "model": 4 * 4 * params,
        "activations": 4 * min(args.batch_size, args.train_size) * T * per_step,
    }


def too_large(args):
    """None when the settings fit in the memory available, else a message naming the flag."""
    parts = estimate(args)
    need, have = sum(parts.values()), available_memory()
    if need <= have:
        return None

    def default(flag):
        return task_default(args.task, flag, args.rnn)

    raised = [f for f in SIZE_FLAGS if f in DEFAULTS[args.task] and getattr(args, f) > default(f)]

    def need_without(flag):
        return sum(estimate(argparse.Namespace(**{**vars(args), flag: default(flag)})).values())

    flag = min(raised, key=need_without)
    shown = ", ".join(f"{part} {readable(size)}" for part, size in parts.items() if size)
    name = "--" + flag.replace("_", "-")
    return (
        f"{name} {getattr(args, flag)}: these settings need about {readable(need)} "
        f"({shown}), but {readable(have)} are available; lower {name}"
    )
