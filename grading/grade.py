"""Grade one submission: its modules into a sandbox, one probe per sub-question, verdicts here.

Graded files the submission lacks come from the handout, whose graded
regions do nothing or raise: missing work earns nothing, and the solution is
never lent. Every sub-question ends with all its checks scored, whatever the
child did. Every submission of a batch gets the same probes: each
sub-question's inputs are drawn from the batch's seed and its label alone.
"""

import re
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from grading import submission
from grading.questions import CHECKS, QUESTIONS
from grading.questions.base import answer
from grading.questions.layouts import COURSE, OWN
from grading.sandbox import Sandbox

NOTES = ("substituted", "loss_stood_in", "acc_stood_in")  # the grader's stand-ins, said


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
    moodle_ids: list = field(default_factory=list)  # Moodle's ids whose rows take this grade
    others: list = field(default_factory=list)  # files nobody graded: a person reads them
    refused: str | None = None  # why it was not graded: a person looks at it

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
            for label in QUESTIONS
        }


def rng_for(seed, label):
    """The generator of one sub-question's inputs: the batch's seed and the label alone."""
    return np.random.default_rng([seed, *label.encode()])


def grade(sub, limits, seed, handout=None):
    """Grade the ``submission.Submission`` ``sub``; its ``Grade``, whatever the submission does.

    handout: the course's handout, ``{path: bytes}`` as ``submission.course_files`` gives it.
    """
    started = time.monotonic()
    result = Grade(sub.name, notes=list(sub.notes), moodle_ids=sub.moodle_ids, others=sub.others)
    if sub.others:
        result.notes.append("not graded, for a person to read: " + ", ".join(sub.others))
    if sub.refused or not sub.files:
        why = sub.refused or "no Python file in the hand-in"
        result.refused = sub.refused
        result.tests = [_test(c, False, why, OWN) for c in CHECKS]
        result.notes.append(why)
        return result
    found = submission.Found(OWN, {})
    try:
        found = submission.layout(sub.files)
        result.notes.append(f"graded as {found.layout.title}")
        files, notes = submission.modules(found, handout)
        result.notes += notes
        result.notes.append(f"inputs drawn from seed {seed}")
        with Sandbox(files, limits) as sandbox:
            for label in QUESTIONS:
                result.tests += grade_label(label, found, sandbox, rng_for(seed, label))
    except Exception as err:  # the grader's own failure: its checks say so, score nothing
        graded = {t.label for t in result.tests}
        result.tests += [
            _test(
                c, False, f"grader error, not the submission's: {err!r}", found.layout, error=True
            )
            for c in CHECKS
            if c.label not in graded
        ]
    result.seconds = time.monotonic() - started
    return result


def grade_label(label, found, sandbox, rng):
    """The tests of one sub-question: run its probe unless its graded files are all missing."""
    question, layout = QUESTIONS[label], found.layout
    if not question.CHECKS:
        return [Test(label, f"{label} nothing to grade", 0, 0, question.NOTE)]
    needed = layout.graded_files(label)
    if not needed & set(found.files):
        shown = " and ".join(sorted(PurePosixPath(p).name for p in needed))
        return [_test(c, False, f"{shown} not in the submission", layout) for c in question.CHECKS]
    try:
        probe = question.draw(rng, layout)
        run = sandbox.run(label, {**probe.spec, "layout": layout.name}, probe.inputs)
    except Exception as err:  # the grader's own failure: say so, score nothing, go on
        return [
            _test(c, False, f"grader error, not the submission's: {err!r}", layout, error=True)
            for c in question.CHECKS
        ]
    tests = []
    for check in question.CHECKS:
        try:
            passed, line = check.judge(check, probe, answer(check, run.arrays, run.notes))
        except Exception as err:  # what came back has a shape or type no reading has
            passed, line = False, f"what came back cannot be read as an answer ({err!r:.200})"
        if not passed:
            line = _why(run, check.part, line, sandbox.limits.timeout)
        elif reading := run.notes.get(f"{check.part}.reading"):
            line += f" (read as: {reading})"
        said = [
            run.notes[f"{check.part}.{key}"] for key in NOTES if f"{check.part}.{key}" in run.notes
        ]
        line += "".join(f" ({note})" for note in said)
        tests.append(_test(check, passed, line, layout, run))
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
        given = {name for names in COURSE.files.values() for name in names}
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
    output = f"{layout.locate(check.label, check.part)}: {check.what}: {line}"
    if run is not None and run.answer and run.answer.get("output") and not passed:
        output += "\n--- what the code printed ---\n" + str(run.answer["output"])
    points = check.points if passed else 0
    name = f"{check.label} {check.what}"
    return Test(check.label, name, points, check.points, output, grader_error=error)


def read_handout(path):
    """The course's handout at ``path`` (folder or archive) as ``{q?/NAME.py: bytes}``."""
    files, notes, *_ = submission.read(path)
    found = submission.course_files(files)
    if not found:
        raise submission.Refused(
            f"--handout {path} holds none of the course's files ({', '.join(COURSE.files)})"
            + (f": {notes[0]}" if notes else "")
        )
    return found
