"""Grade one submission: its modules into a sandbox, one probe per sub-question, verdicts here.

Graded files the submission lacks come from the handout, whose graded
regions do nothing or raise: missing work earns nothing, and the solution is
never lent. Every sub-question ends with all its checks scored, whatever the
child did.
"""

import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from grading import checks, submission
from grading.checks import CHECKS
from grading.points import LAYOUTS, OWN, Q1, Q2, SHEET
from grading.sandbox import Sandbox
from grading.skeleton import handout_files


@dataclass
class Test:
    """One check's outcome, as Gradescope lists it."""

    label: str
    name: str
    score: float
    max_score: float
    output: str
    grader_error: bool = False


@dataclass
class Grade:
    name: str
    tests: list = field(default_factory=list)
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    moodle_id: str | None = None

    @property
    def score(self):
        return sum(t.score for t in self.tests)

    def by_label(self):
        """``{sub-question: (score, max score)}`` in the sheet's order."""
        return {
            label: (
                sum(t.score for t in self.tests if t.label == label),
                sum(t.max_score for t in self.tests if t.label == label),
            )
            for label in SHEET
        }


def own_modules(found):
    """The files the child sees: this package's handout, the submission's graded modules on top."""
    files = {n: t.encode() for n, t in handout_files().items() if n.endswith(".py")}
    return files | found


def course_modules(found, handout):
    """The files the child sees for the course's layout, and what it notes.

    Given modules come from the instructor's handout, never from the
    submission; without a handout, from the submission. Graded files come
    from the submission; where they share a file with given code, only their
    functions do.
    """
    notes = [] if handout else ["graded without --handout: the submission's own given modules"]
    files = {}
    for path in sorted(set(found) | set(handout or {})):
        mine, given = found.get(path), (handout or {}).get(path)
        if path not in submission.COURSE_GRADED:
            files[path] = given if handout else mine
        elif mine is None or given is None:
            files[path] = mine if mine is not None else given
        elif functions := submission.COURSE_GRADED[path]:
            files[path] = submission.splice(given, mine, functions)
        else:
            files[path] = mine
    return {p: data for p, data in files.items() if data is not None}, notes


def graded_file(check, layout):
    """The file ``check`` grades in ``layout`` (``common.py``, ``q1_bptt_for_torch/test.py``)."""
    return check.where(layout).rsplit(".", 1)[0] + ".py"


def grade(sub, limits, seed=None, handout=None):
    """Grade the ``submission.Submission`` ``sub``; its ``Grade``, whatever the submission does.

    handout: the course's handout, ``{path: bytes}`` as ``submission.course_files`` gives it.
    """
    started = time.monotonic()
    result = Grade(sub.name, notes=list(sub.notes), moodle_id=sub.moodle_id)
    seed = secrets.randbits(63) if seed is None else seed
    rng = np.random.default_rng(seed)
    found = submission.Layout(OWN, {})
    try:
        found = submission.layout(sub.files)
        result.notes.append(f"graded as {LAYOUTS[found.kind]}")
        if found.kind == OWN:
            files = own_modules(found.files)
        else:
            files, notes = course_modules(found.files, handout)
            result.notes += notes
        result.notes.append(f"inputs drawn from seed {seed}")
        with Sandbox(files, limits) as sandbox:
            for label in SHEET:
                result.tests += grade_label(label, found, sandbox, rng)
    except Exception as err:  # the grader's own failure: its checks say so, score nothing
        graded = {t.label for t in result.tests}
        result.tests += [
            _test(c, False, f"grader error, not the submission's: {err!r}", found.kind, error=True)
            for c in CHECKS
            if c.label not in graded
        ]
    result.seconds = time.monotonic() - started
    return result


def grade_label(label, found, sandbox, rng):
    """The tests of one sub-question: run its probe unless its graded files are all missing."""
    label_checks = [c for c in CHECKS if c.label == label]
    if not label_checks:
        return [Test(label, f"{label} nothing to grade", 0, 0, "run_exploding_grads_test is given")]
    needed = {graded_file(c, found.kind) for c in label_checks}
    if not needed & set(found.files):
        shown = " and ".join(sorted(PurePosixPath(p).name for p in needed))
        return [_test(c, False, f"{shown} not in the submission", found.kind) for c in label_checks]
    try:
        probe = checks.DRAW[label](rng, found.kind)
        path = "" if found.kind == OWN else (Q1 if label.startswith("1") else Q2)
        spec = {**probe.spec, "interface": found.kind, "path": path}
        run = sandbox.run(label, spec, probe.inputs)
    except Exception as err:  # the grader's own failure: say so, score nothing, go on
        return [
            _test(c, False, f"grader error, not the submission's: {err!r}", found.kind, error=True)
            for c in label_checks
        ]
    tests = []
    for check in label_checks:
        try:
            passed, line = check.judge(check, probe, checks.answer(check, run.arrays, run.notes))
        except Exception as err:  # what came back has a shape or type no reading has
            passed, line = False, f"what came back cannot be read as an answer ({err!r:.200})"
        if not passed:
            line = _why(run, check.part, line, sandbox.limits.timeout)
        elif reading := run.notes.get(f"{check.part}.reading"):
            line += f" (read as: {reading})"
        tests.append(_test(check, passed, line, found.kind, run))
    return tests


def _why(run, part, line, timeout):
    """The reason a check failed: the child's fate or error, else the comparison itself."""
    if run.lost:
        return run.lost
    answer = run.answer
    if answer.get("timed_out"):
        return f"ran past its {timeout:g} s limit and was stopped"
    error = run.notes.get(f"{part}.error")
    if error:
        missing = re.search(r"No module named '(\w+)'", error)
        given = {name for names in submission.COURSE_FILES.values() for name in names}
        if missing and f"{missing[1]}.py" in given:
            error += " (a given module of the course: grade with its handout, --handout PATH)"
        return (
            error.removeprefix("ImportError: ")
            if "failed to import" in error
            else f"raised {error}"
        )
    if run.arrays or any(key.startswith(part + ".") for key in run.notes):
        return line  # the part sent its answer back: the comparison says what is wrong
    if answer.get("exit") != 0:
        code = answer.get("exit")
        how = (
            f"was killed by signal {-code}"
            if isinstance(code, int) and code < 0
            else f"exited with code {code}"
        )
        return f"the child process {how} before writing its results"
    return "the child process ended without writing its results"


def _test(check, passed, line, layout, run=None, error=False):
    output = f"{check.where(layout)}: {check.what}: {line}"
    if run is not None and run.answer and run.answer.get("output") and not passed:
        output += "\n--- what the code printed ---\n" + str(run.answer["output"])
    points = check.points if passed else 0
    name = f"{check.label} {check.what}"
    return Test(check.label, name, points, check.points, output, grader_error=error)


def read_handout(path):
    """The course's handout at ``path`` (folder or archive) as ``{q?/NAME.py: bytes}``."""
    files, notes = submission.read(path)
    found = submission.course_files(files)
    if not found:
        raise submission.Refused(
            f"--handout {path} holds none of the course's files ({Q1}/, {Q2}/)"
            + (f": {notes[0]}" if notes else "")
        )
    return found
