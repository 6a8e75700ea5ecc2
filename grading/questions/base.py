"""What every sub-question's module shares: probes, checks, comparisons, readings of numbers.

The grader side draws a ``Probe`` and judges each ``Check`` against it; the
sandbox side imports the submission's modules with ``submission`` and names
its errors with ``describe``. Nothing here imports a submission's module.
"""

import importlib
import math
import os
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Q1_TOLERANCE = 1e-6  # numpy float64 against torch float64: rounding is ~1e-15
Q2_TOLERANCE = 1e-4  # float32, as the course's handout runs Question 2: rounding is ~1e-6
MODULES = "modules"  # the sandbox folder that holds the submission's modules
_modules_root = [None]  # set by ``run_probe``: where the submission's files lie in the sandbox


@dataclass
class Probe:
    """What the sandbox gets (``spec``, plain JSON; ``inputs``, arrays) and what stays here."""

    spec: dict
    inputs: dict
    expected: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """One check of a sub-question: its points, the sandbox part it reads, what it compares,
    and its judge ``(check, probe, Answer) -> (passed, one line)``."""

    label: str
    name: str
    points: float
    part: str
    what: str
    judge: Callable


@dataclass(frozen=True)
class Answer:
    """What the sandbox sent back, as a judge reads it.

    found: the arrays of the check's part, keyed without the part's prefix;
    arrays and notes: all of the probe's, keyed ``part.key``.
    """

    found: dict
    arrays: dict
    notes: dict

    def note(self, part, key):
        return self.notes.get(f"{part}.{key}")


def answer(check, arrays, notes):
    found = {k.partition(".")[2]: v for k, v in arrays.items() if k.startswith(check.part + ".")}
    return Answer(found, arrays, notes)


def float32(array):
    """``array`` rounded to float32 and back: what a float32 computation really sees."""
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def relative_error(found, expected):
    """``||found - expected|| / ||expected||`` (inf for a wrong shape or non-finite values)."""
    try:
        found = np.asarray(found, dtype=np.float64)
    except (TypeError, ValueError):
        return np.inf
    if found.shape != np.shape(expected) or not np.all(np.isfinite(found)):
        return np.inf
    scale = np.linalg.norm(expected)
    return float(np.linalg.norm(found - expected) / (scale if scale > 0 else 1.0))


def known_mistake(found, mistakes, tolerance):
    """The name of the known mistake ``found`` equals (``{name: value}``), or None."""
    for name, value in mistakes.items():
        if relative_error(found, value) <= tolerance:
            return name
    return None


def compare(found, expected, what, against, tolerance, mistakes=None):
    """A check's verdict: ``(passed, one line)``; a known mistake's value is named."""
    if found is None:
        return False, f"{what}: nothing came back"
    found = np.asarray(found)
    if found.shape != np.shape(expected):
        return False, f"{what} has shape {found.shape}, expected {np.shape(expected)}"
    error = relative_error(found, expected)
    if error <= tolerance:
        return True, f"{what} agrees with {against}, relative error {error:.2g}"
    line = f"{what} differs from {against}, relative error {error:.2g}"
    mistake = known_mistake(found, mistakes or {}, tolerance)
    return False, line + (f": it is what {mistake} gives" if mistake else "")


def readings(found, candidates, what, mistakes=None, tolerance=1e-6):
    """Pass if ``found`` matches any reading ``{name: value}``; say which, or which mistake."""
    if found is None:
        return False, f"{what}: nothing came back"
    value = float(np.asarray(found).reshape(-1)[0]) if np.size(found) == 1 else math.nan
    for name, reference in candidates.items():
        if relative_error(value, reference) <= tolerance:
            return True, f"{what} {value:.6g} matches the reading: {name}"
    mistake = known_mistake(value, mistakes or {}, tolerance)
    if mistake:
        return False, f"{what} is {value:.6g}, which is what {mistake} gives"
    listed = ", ".join(f"{v:.6g} ({n})" for n, v in candidates.items())
    return False, f"{what} is {value:.6g}; expected one of {listed}"


# --- numbers as printed ------------------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?")


@dataclass(frozen=True)
class Printed:
    """A number as printed: its value and half a unit of its last printed digit."""

    value: float
    resolution: float
    digits: int  # significant digits printed


def printed_numbers(text):
    """Every number in ``text``, with the precision it was printed with."""
    found = []
    for token in NUMBER.findall(text):
        token = token.rstrip("%")
        mantissa, _, exponent = token.lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        digits = len(mantissa.lstrip("+-").replace(".", "").lstrip("0")) or 1
        try:
            value = float(token)
        except ValueError:
            continue
        scale = 10.0 ** (int(exponent) if exponent else 0)
        found.append(Printed(value, 0.5 * 10.0**-decimals * scale, digits))
    return found


def matches(number, value, tolerance=1e-4):
    """Whether the printed ``number`` is ``value`` shown to the precision it was printed with.

    A number printed with a single significant digit (``1``, ``0.5``) counts
    only where it is the value exactly: rounded, it says too little.
    """
    if number.digits < 2:  # only exactly: "1" is not 0.93
        return abs(number.value - value) <= tolerance * abs(value)
    return abs(number.value - value) <= number.resolution * (1 + 1e-9) + tolerance * abs(value)


def find_printed(numbers, candidates, taken=()):
    """The first ``(name, Printed)`` of ``numbers`` (not in ``taken``) that shows a candidate."""
    for name, value in candidates.items():
        for number in numbers:
            if number not in taken and matches(number, value):
                return name, number
    return None


# --- the sandbox side -----------------------------------------------------------------


def describe(err):
    """One line naming an exception and where in the submission's own files it was raised."""
    if isinstance(err, SyntaxError):
        where = f" ({os.path.basename(err.filename or '?')} line {err.lineno})"
        return f"SyntaxError: {err.msg}{where}"
    if isinstance(err, MemoryError):
        return "MemoryError (out of memory within the sandbox's limit)"
    where, root = "", _modules_root[0]
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if root and os.path.abspath(frame.filename).startswith(root + os.sep):
            where = f" ({os.path.relpath(frame.filename, root)} line {frame.lineno})"
            break
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}{where}" if text else f"{type(err).__name__}{where}"


def submission(name):
    """Import a module of the submission; a failure names the module."""
    try:
        return importlib.import_module(name)
    except BaseException as err:
        raise ImportError(f"{name}.py failed to import: {describe(err)}") from None


def set_modules_root(path):
    _modules_root[0] = os.path.abspath(path)
