"""Grade one submission: its modules into a sandbox, one probe per sub-question, verdicts here.

A submission is a folder or a ``.zip`` holding any of the graded modules.
Those it lacks come from the handout, whose graded regions raise
``NotImplementedError``: missing work earns nothing, and the solution is
never lent. Every sub-question ends with all its checks scored, whatever the
child did.
"""

import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grading import checks
from grading.points import CHECKS, GRADED_MODULES, SHEET
from grading.sandbox import Sandbox, read_capped
from grading.skeleton import handout_files

MODULE_LIMIT = 1 << 20  # bytes; a graded module is a few kilobytes


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


def submission_name(path):
    path = Path(path).resolve()
    return path.stem if path.suffix.lower() == ".zip" else path.name


def read_submission(path):
    """The graded modules a submission holds: ``({module: bytes}, notes)``.

    Each module is found by its file name anywhere in the folder or zip (the
    shallowest if there are several); links, oversized files and anything
    else are ignored, and said so in the notes.
    """
    path = Path(path)
    wanted = {f"{m}.py": m for m in GRADED_MODULES}
    found, notes = {}, []
    if path.is_dir():
        candidates = sorted(path.rglob("*.py"), key=lambda p: (len(p.parts), str(p)))
        for file in candidates:
            module = wanted.get(file.name)
            if module is None or module in found or "__MACOSX" in file.parts:
                continue
            data = read_capped(file, MODULE_LIMIT)
            if data is None:
                notes.append(f"{file.relative_to(path)} was not read (a link or over 1 MB)")
            else:
                found[module] = data
        return found, notes
    with zipfile.ZipFile(path) as archive:
        members = sorted(archive.infolist(), key=lambda m: (m.filename.count("/"), m.filename))
        for member in members:
            module = wanted.get(Path(member.filename).name)
            if module is None or module in found or member.filename.startswith("__MACOSX"):
                continue
            if member.file_size > MODULE_LIMIT:
                notes.append(f"{member.filename} was not read (over 1 MB)")
                continue
            with archive.open(member) as f:
                found[module] = f.read(MODULE_LIMIT + 1)[:MODULE_LIMIT]
    return found, notes


def sandbox_modules(submitted):
    """The files the child sees: the handout, with the submission's graded modules on top."""
    files = {n: t.encode() for n, t in handout_files().items() if n.endswith(".py")}
    files.update({f"{module}.py": source for module, source in submitted.items()})
    return files


def grade(path, limits, seed=None):
    """Grade the submission at ``path``; return its ``Grade``, whatever the submission does."""
    started = time.monotonic()
    result = Grade(submission_name(path))
    try:
        submitted, notes = read_submission(path)
    except Exception as err:  # an unreadable zip (encrypted, corrupt) is still graded: as empty
        submitted, notes = {}, [f"the submission could not be read: {err}"]
    result.notes = notes
    seed = secrets.randbits(63) if seed is None else seed
    result.notes.append(f"inputs drawn from seed {seed}")
    rng = np.random.default_rng(seed)
    with Sandbox(sandbox_modules(submitted), limits) as sandbox:
        for label, (_, modules) in SHEET.items():
            result.tests += grade_label(label, modules, submitted, sandbox, rng)
    result.seconds = time.monotonic() - started
    return result


def grade_label(label, modules, submitted, sandbox, rng):
    """The tests of one sub-question: run its probe unless its modules are all missing."""
    label_checks = [c for c in CHECKS if c[0] == label]
    if not label_checks:
        return [Test(label, f"{label} nothing to grade", 0, 0, "run_exploding_grads_test is given")]
    missing = [m for m in modules if m not in submitted]
    if len(missing) == len(modules):
        reason = f"{' and '.join(m + '.py' for m in missing)} not in the submission"
        return [_test(c, False, reason) for c in label_checks]
    try:
        probe = checks.DRAW[label](rng)
        run = sandbox.run(label, probe.spec, probe.inputs)
    except Exception as err:  # the grader's own failure: say so, score nothing, go on
        failed = [
            _test(c, False, f"grader error, not the submission's: {err!r}") for c in label_checks
        ]
        for test in failed:
            test.grader_error = True
        return failed
    tests = []
    for check in label_checks:
        part = check[3]
        found = {k[len(part) + 1 :]: v for k, v in run.arrays.items() if k.startswith(part + ".")}
        passed, line = checks.judge(label, check[1], part, probe, found)
        if not passed:
            line = _why(run, part, line, sandbox.limits.timeout)
        else:
            reading = run.notes.get(f"{part}.reading")
            line += f" (read as: {reading})" if reading else ""
        tests.append(_test(check, passed, line, run))
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
        return (
            error.removeprefix("ImportError: ")
            if "failed to import" in error
            else f"raised {error}"
        )
    if not run.arrays and answer.get("exit") != 0:
        code = answer.get("exit")
        how = (
            f"was killed by signal {-code}"
            if isinstance(code, int) and code < 0
            else f"exited with code {code}"
        )
        return f"the child process {how} before writing its results"
    if not run.arrays:
        return "the child process ended without writing its results"
    return line


def _test(check, passed, line, run=None):
    label, _name, points, _, what = check
    output = f"{what}: {line}"
    if run is not None and run.answer and run.answer.get("output") and not passed:
        output += "\n--- what the code printed ---\n" + str(run.answer["output"])
    return Test(label, f"{label} {what}", points if passed else 0, points, output)
