"""What the grader writes: Gradescope's ``results.json`` per submission, ``grades.csv``, a table."""

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


def write_results(grade, folder):
    """``folder/results.json``, written whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results_json(grade), indent=2)
    atomic_write(folder / "results.json", lambda f: f.write(text.encode()))


def write_csv(grades, path):
    """One row per submission: its name, the points of every sub-question, the total, and the
    files nobody graded (written answers for a person to read)."""
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["submission", *SHEET, "total", "to read by hand"])
    for grade in grades:
        scores = grade.by_label()
        points = [_number(scores[k][0]) for k in SHEET]
        others = "; ".join(grade.others)
        writer.writerow([_cell(grade.name), *points, _number(grade.score), _cell(others)])
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
