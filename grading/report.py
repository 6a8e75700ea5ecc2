"""What the grader writes: Gradescope's ``results.json`` per submission, ``grades.csv``, a table
per submission and the class's summary."""

import csv
import io
import json

from atomic import atomic_write
from grading.points import SHEET, TOTAL
from grading.sandbox import clean

OUTPUT_LIMIT = 8000  # characters of a test's output; head and tail are kept


def capped(text, limit=OUTPUT_LIMIT):
    """``text`` without control characters, its head and tail kept when over ``limit``."""
    text = clean(text)
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters left out ...]\n{text[-half:]}"


def results_json(grade):
    """Gradescope's autograder format: ``score``, ``execution_time``, ``tests``."""
    return {
        "score": grade.score,
        "execution_time": round(grade.seconds, 1),
        "output": capped("\n".join(grade.notes)),
        "tests": [
            {
                "name": t.name,
                "score": t.score,
                "max_score": t.max_score,
                "status": "passed" if t.score == t.max_score else "failed",
                "output": capped(t.output),
                "visibility": "visible",
            }
            for t in grade.tests
        ],
    }


def from_results(results, sub):
    """The ``Grade`` that ``results_json`` wrote for ``sub`` (a stopped run's, read back)."""
    from grading.grade import Grade, Test

    tests = [
        Test(t["name"].split(" ", 1)[0], t["name"], float(t["score"]), float(t["max_score"]),
             t["output"])
        for t in results["tests"]
    ]  # fmt: skip
    notes = results.get("output", "").splitlines()
    return Grade(
        sub.name, tests, float(results.get("execution_time", 0)), notes, list(sub.moodle_ids),
        list(sub.others), sub.refused,
    )  # fmt: skip


def write_results(grade, folder):
    """``folder/results.json``, written whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results_json(grade), indent=2)
    atomic_write(folder / "results.json", lambda f: f.write(text.encode()))


def write_csv(grades, path):
    """One row per submission: its name, the points of every sub-question, the files nobody
    graded (written answers for a person to read), what needs a look, and the total."""
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")  # lines as shell tools read them
    # The total stays the last column, where the rows' readers have always found it.
    writer.writerow(["submission", *SHEET, "to read by hand", "needs a look", "total"])
    for grade in grades:
        scores = grade.by_label()
        points = [_number(scores[k][0]) for k in SHEET]
        others, look = "; ".join(grade.others), "; ".join(needs_a_look(grade))
        row = [_cell(grade.name), *points, _cell(others), _cell(look), _number(grade.score)]
        writer.writerow(row)
    atomic_write(path, lambda f: f.write(rows.getvalue().encode()))


def _cell(text):
    """A name as data in a spreadsheet: a leading ``= + - @`` would make it a formula."""
    text = clean(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _number(value):
    return f"{value:g}"


def table(grade):
    """The per-sub-question table of one submission, and a line per point lost."""
    rows = [f"{grade.name}: {_number(grade.score)} / {TOTAL} points ({grade.seconds:.0f} s)"]
    for label, (score, most) in grade.by_label().items():
        rows.append(f"  {label}  {_number(score):>4} / {_number(most)}")
    for t in grade.tests:
        if t.score < t.max_score:
            reason = t.output.split("\n", 1)[0]
            rows.append(f"  - {t.label} lost {_number(t.max_score - t.score)}: {reason}")
    return "\n".join(rows)


LOOKS = {  # what in a grade's lines asks for a person, and how to say it
    "no Python file": "no code",
    "failed to import": "an import error",
    "ran past its": "a time-out",
    "several archives": "several archives",
    "folders carry the id": "two folders with one id",
}


def needs_a_look(grade):
    """What a teaching assistant should look at in one grade, in a few words each."""
    lines = [*grade.notes, *(t.output.split("\n", 1)[0] for t in grade.tests)]
    found = [say for words, say in LOOKS.items() if any(words in line for line in lines)]
    return found + (["written answers"] if grade.others else [])


def summary(grades):
    """The class at a glance: graded, full marks, per sub-question the mean and how many
    scored all, part or none of it, and the submissions that need a look."""
    n = len(grades)
    full = sum(g.score == TOTAL for g in grades)
    mean = sum(g.score for g in grades) / n if n else 0.0
    rows = [f"{n} graded, {full} with full marks, mean {mean:.1f} / {TOTAL}"]
    for label, most in SHEET.items():
        if not most:
            continue
        got = [g.by_label()[label][0] for g in grades]
        counts = [
            sum(p == most for p in got),
            sum(0 < p < most for p in got),
            sum(p == 0 for p in got),
        ]
        bar = "#" * round(10 * counts[0] / n) if n else ""
        average = sum(got) / n if n else 0.0
        rows.append(
            f"  {label}  mean {average:4.2f} / {most:<3g} {bar:<10} "
            f"all {counts[0]}, part {counts[1]}, none {counts[2]}"
        )
    look = [(g.name, needs_a_look(g)) for g in grades if needs_a_look(g)]
    if look:
        rows.append("needs a look:")
        rows += [f"  {name}: {', '.join(what)}" for name, what in look]
    return "\n".join(rows)
