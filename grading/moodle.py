"""Moodle's offline grading worksheet, filled: its own bytes but `Grade` and `Feedback comments`.

Moodle's "Download grading worksheet" gives a CSV whose import ("Upload
grading worksheet") finds its columns by header: ``Identifier`` (``Participant
<id>``), ``Grade``, ``Last modified (grade)`` and ``Feedback comments``; the
other columns vary by site and pass through untouched. A row is filled when
its participant id is a submission's id in Moodle's download, or, for team
submissions, when its ``Group`` is that submission's group.
"""

import re
from dataclasses import dataclass

from grading.points import TOTAL

FEEDBACK_LIMIT = 4000  # characters; Moodle's feedback field takes far more, a reader less
LINE_LIMIT = 300


@dataclass
class Field:
    start: int  # where the field's raw text begins in the file, and ends
    end: int
    value: str
    quoted: bool


def records(text, delimiter):
    """The CSV ``text`` as records of ``Field``s, each knowing its place in the text."""
    rows, row, i, n = [], [], 0, len(text)
    while i <= n:
        start = i
        if i < n and text[i] == '"':
            i += 1
            chars = []
            while i < n:
                if text[i] == '"' and i + 1 < n and text[i + 1] == '"':
                    chars.append('"')
                    i += 2
                elif text[i] == '"':
                    i += 1
                    break
                else:
                    chars.append(text[i])
                    i += 1
            row.append(Field(start, i, "".join(chars), True))
        else:
            while i < n and text[i] not in (delimiter, "\r", "\n"):
                i += 1
            row.append(Field(start, i, text[start:i], False))
        if i < n and text[i] == delimiter:
            i += 1
            continue
        rows.append(row)
        row = []
        if i >= n:
            break
        i += 2 if text.startswith("\r\n", i) else 1
        if i >= n:
            break
    return [r for r in rows if not (len(r) == 1 and r[0].value == "" and not r[0].quoted)]


def _quoted(value, quote, delimiter):
    if quote or any(c in value for c in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def number(value, like):
    """``value`` written as the worksheet writes its grades (``like``: one of them, or '')."""
    match = re.fullmatch(r"\s*-?\d+(?:([.,])(\d+))?\s*", like or "")
    if match is None or match[1] is None:
        return f"{value:.2f}"
    return f"{value:.{len(match[2])}f}".replace(".", match[1])


def feedback(grade):
    """The feedback comment of one grade: the total, then each lost point on a line."""
    lines = [f"{grade.score:g} / {TOTAL} points (automatic grading)"]
    for t in grade.tests:
        if t.score < t.max_score:
            reason = " ".join(t.output.split("\n", 1)[0].split())
            line = f"{t.label} lost {t.max_score - t.score:g}: {reason}"
            lines.append(line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 3] + "...")
    text = "\n".join(lines)
    return text if len(text) <= FEEDBACK_LIMIT else text[: FEEDBACK_LIMIT - 3] + "..."


def fill(text, grades):
    """``(filled text, messages)``: the worksheet ``text`` with the ``grades`` written in.

    grades: ``Grade``s with ``moodle_id`` (the participant's or group's id)
    and ``name`` (``NAME_ID``, the group's name for team submissions). With
    no ``Identifier`` or ``Grade`` column, the text comes back as it was.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    first = body.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = records(body, delimiter)
    header = [f.value.strip() for f in rows[0]] if rows else []
    missing = [c for c in ("Identifier", "Grade") if c not in header]
    if missing:
        return text, [f"the worksheet has no {' or '.join(missing)} column: not filled"]
    column = {name: k for k, name in enumerate(header)}
    by_id = {g.moodle_id: g for g in grades if g.moodle_id}
    by_group = {g.name.rsplit("_", 1)[0]: g for g in grades if g.moodle_id}
    like = next(
        (row[column[c]].value for c in ("Grade", "Maximum Grade") if c in column
         for row in rows[1:] if len(row) > column[c] and row[column[c]].value.strip()),
        "",
    )  # fmt: skip
    data = [row for row in rows[1:] if len(row) > column["Grade"]]
    chosen = {k: g for k, row in enumerate(data) if (g := _by_group(row, column, by_group))}
    teams = {id(g) for g in chosen.values()}
    for k, row in enumerate(data):
        ident = re.search(r"(\d+)\s*$", row[column["Identifier"]].value)
        grade = by_id.get(ident[1]) if ident else None
        if k not in chosen and grade is not None and id(grade) not in teams:
            chosen[k] = grade
    edits = []
    for k, grade in chosen.items():
        row = data[k]
        edits.append((row[column["Grade"]], number(grade.score, like)))
        if "Feedback comments" in column and len(row) > column["Feedback comments"]:
            edits.append((row[column["Feedback comments"]], feedback(grade)))
    used = {id(g) for g in chosen.values()}
    for field, value in sorted(edits, key=lambda e: e[0].start, reverse=True):
        body = body[: field.start] + _quoted(value, field.quoted, delimiter) + body[field.end :]
    messages = [
        f"{g.name}: its id {g.moodle_id} matches no row of the worksheet"
        for g in grades
        if g.moodle_id and id(g) not in used
    ]
    return bom + body, messages


def _by_group(row, column, by_group):
    """The team submission of the row's group, if the worksheet has groups."""
    if "Group" in column and len(row) > column["Group"]:
        return by_group.get(row[column["Group"]].value.strip())
    return None
