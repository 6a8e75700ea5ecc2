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
    """In the sandbox's fork: run every part of one probe; write their arrays and errors."""
    import numpy as np

    with open(os.path.join(workdir, "probes", f"{label}.json")) as f:
        spec = json.load(f)
    with np.load(os.path.join(workdir, "probes", f"{label}.npz"), allow_pickle=False) as data:
        inputs = {name: data[name] for name in data.files}
    layout = LAYOUTS[spec["layout"]]
    _same_randomness(label)
    folder = os.path.join(workdir, MODULES, layout.folder(label))
    set_modules_root(os.path.join(workdir, MODULES))
    sys.path.insert(0, folder)
    arrays, notes = {}, {}
    for name, compute in QUESTIONS[label].PARTS.items():
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
    np.savez(os.path.join(results, f"{label}.npz"), **arrays)
    with open(os.path.join(results, f"{label}.json"), "w") as f:
        json.dump(notes, f)
