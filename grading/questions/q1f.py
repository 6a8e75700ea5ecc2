"""1f, the identity initialisation: ``W_hh`` is the identity after ``__init__``."""

import numpy as np

from .base import Check, Probe, compare

LABEL = "1f"


def draw(rng, layout):
    return Probe({"I": int(rng.integers(2, 6)), "H": int(rng.integers(3, 9))}, {})


def identity(layout, spec, inputs):
    W_hh, reading = layout.identity_cell(spec["I"], spec["H"])
    return {"W_hh": W_hh} | ({"reading": reading} if reading else {})


PARTS = {"identity": identity}


def judge_identity(check, probe, answer):
    identity = np.eye(probe.spec["H"])
    return compare(answer.found.get("W_hh"), identity, "W_hh", "the identity", 0.0)


CHECKS = [Check(LABEL, "identity", 1, "identity", "W_hh is the identity", judge_identity)]
