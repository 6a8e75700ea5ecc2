"""The sheet's sub-questions, one module each: everything the grader knows about one of them.

Each module ``qNX`` holds its ``LABEL``; ``draw(rng, layout)``, the ``Probe``
drawn at grading time (``spec`` and ``inputs`` go to the sandbox, the
references stay with the grader); ``PARTS``, what the sandbox computes from
the submission's code, ``{name: f(layout, spec, inputs) -> {key: value}}``;
and ``CHECKS``, each check's points, the part it reads and its judge, with
the readings it accepts and the known mistakes it names. Where a
sub-question lives and how the submission's code is called in each handout
is the ``Layout``'s (``layouts.py``): a new check is one module's business,
a new handout one ``Layout``'s.

This package also runs inside the sandbox (``run_probe``), where it imports
the submission's modules; the grader's side never calls a part.
"""

import json
import os
import sys

from . import q1a, q1b, q1c, q1d, q1e, q1f, q2a, q2b, q2c, q2d, q2e
from .base import MODULES, describe, set_modules_root
from .layouts import LAYOUTS

PR_SET_PDEATHSIG = 1  # prctl's option, from <linux/prctl.h>
QUESTIONS = {q.LABEL: q for q in (q1a, q1b, q1c, q1d, q1e, q1f, q2a, q2b, q2c, q2d, q2e)}
CHECKS = [check for question in QUESTIONS.values() for check in question.CHECKS]


def _same_randomness(label):
    """The libraries' global generators seeded alike for every run: a group's own random draws
    (an ``__init__`` that draws its weights) come out the same each time it is graded."""
    import random
    import zlib

    import numpy as np
    import torch

    seed = zlib.crc32(label.encode())
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_probe(workdir, results, label):
    """In the sandbox's fork: run every part of one probe, each in a fork of its own, so that
    nothing one part leaves (a patched module, a function's state) reaches the next; then
    write their arrays and errors, read back as plain numbers."""
    import numpy as np

    with open(os.path.join(workdir, "probes", f"{label}.json")) as f:
        spec = json.load(f)
    with np.load(os.path.join(workdir, "probes", f"{label}.npz"), allow_pickle=False) as data:
        inputs = {name: data[name] for name in data.files}
    layout = LAYOUTS[spec["layout"]]
    set_modules_root(os.path.join(workdir, MODULES))
    sys.path.insert(0, os.path.join(workdir, MODULES, layout.folder(label)))
    arrays, notes = {}, {}
    for name, compute in QUESTIONS[label].PARTS.items():
        stem = os.path.join(results, f"{label}.{name}")
        pid = os.fork()
        if pid == 0:
            _run_part(name, compute, layout, spec, inputs, stem, label)
        os.waitpid(pid, 0)
        try:
            with np.load(f"{stem}.npz", allow_pickle=False) as data:
                arrays |= {key: np.array(data[key], dtype=np.float64) for key in data.files}
            with open(f"{stem}.json") as f:
                notes |= {k: v for k, v in json.load(f).items() if isinstance(v, str)}
        except BaseException:  # what the part left is no answer; the check says so
            pass
    np.savez(os.path.join(results, f"{label}.npz"), **arrays)
    with open(os.path.join(results, f"{label}.json"), "w") as f:
        json.dump(notes, f)


def _run_part(name, compute, layout, spec, inputs, stem, label):
    """In the part's own fork: compute, write ``stem.npz`` and ``stem.json``, and exit."""
    import numpy as np

    _die_with_parent()
    _same_randomness(label)
    arrays, notes = {}, {}
    try:
        for key, value in compute(layout, spec, inputs).items():
            if isinstance(value, str):
                notes[f"{name}.{key}"] = value
            else:
                if hasattr(value, "detach"):  # a torch tensor
                    value = value.detach().cpu().double().numpy()
                arrays[f"{name}.{key}"] = np.array(value, dtype=np.float64)
    except BaseException as err:
        notes[f"{name}.error"] = describe(err)
    try:
        np.savez(f"{stem}.npz", **arrays)
        with open(f"{stem}.json", "w") as f:
            json.dump(notes, f)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _die_with_parent():
    """A part's process ends with the probe's, which the sandbox kills at its time limit."""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
