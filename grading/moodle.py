"""Moodle's offline grading worksheet: read and matched before grading, filled after.

Moodle's "Download grading worksheet" gives a CSV in the teacher's language
(English and German headers are known here; the identifier column is also
found by its values, ``Participant 12345``, ``Teilnehmer/in 12345``). Its
import ("Upload grading worksheet") reads it with PHP's ``fgetcsv``, whose
escape character is the backslash, so this module reads it the same way and
writes only fields that ``fgetcsv`` reads back exactly: the grade, and the
feedback as HTML, every other byte as it was. A row that already holds a
grade or feedback is kept unless told otherwise (``existing``).
"""

import html
import re
from dataclasses import dataclass, field

from grading.points import SHEET, TOTAL

FEEDBACK_LIMIT = 4000  # characters; Moodle's feedback field takes far more, a reader less
REASON_LIMIT = 240  # characters of one sub-question's line
# Each column's header in Moodle's language packs (lang/en/assign.php, lang/de/assign.php).
HEADERS = {
    "identifier": ("Identifier", "ID"),
    "group": ("Group", "Gruppe"),
    "grade": ("Grade", "Bewertung"),
    "maximum": ("Maximum Grade", "Bestwertung"),
    "feedback": ("Feedback comments", "Feedback als Kommentar"),
}
IDENTIFIER = re.compile(r"^\s*\D*?\s(\d+)\s*$")  # "Participant 12345", "Teilnehmer/in 12345"
EXISTING = ("keep", "replace", "add")


class Unusable(Exception):
    """A worksheet that cannot be filled; the message says why in one line."""


@dataclass
class Field:
    start: int  # where the field's raw text begins in the file, and ends
    end: int
    value: str
    quoted: bool


def records(text, delimiter):
    """The CSV ``text`` as PHP's ``fgetcsv`` reads it: records of ``Field``s, placed in the text.

    Within quotes, ``""`` is one quote, and the escape character ``\\`` keeps
    the character after it (a quote too) inside the field, both kept as they
    are; after the closing quote, everything up to the delimiter belongs to
    the field.
    """
    rows, row, i, n = [], [], 0, len(text)
    while i <= n:
        start = i
        if i < n and text[i] == '"':
            i, chars = i + 1, []
            while i < n:
                if text[i] == "\\" and i + 1 < n:
                    chars.append(text[i : i + 2])
                    i += 2
                elif text[i] == '"' and text[i + 1 : i + 2] == '"':
                    chars.append('"')
                    i += 2
                elif text[i] == '"':
                    i += 1
                    break
                else:
                    chars.append(text[i])
                    i += 1
            rest = i
            while i < n and text[i] not in (delimiter, "\r", "\n"):
                i += 1
            row.append(Field(start, i, "".join(chars) + text[rest:i], True))
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


def written(value, delimiter):
    """``value`` as a field that ``fgetcsv`` reads back exactly (no ``\\`` in it, quoted)."""
    if "\\" in value:
        raise ValueError("a written field holds no backslash")
    if any(c in value for c in (delimiter, '"', "\n", "\r", " ")) or not value:
        return '"' + value.replace('"', '""') + '"'
    return value


@dataclass
class Worksheet:
    bom: str
    text: str
    delimiter: str
    rows: list  # the data rows, each a list of ``Field``
    column: dict  # role -> index
    ids: dict = field(default_factory=dict)  # row index -> participant id
    problems: list = field(default_factory=list)  # rows that cannot be filled, and why

    def value(self, k, role):
        row, at = self.rows[k], self.column.get(role)
        return row[at].value.strip() if at is not None and at < len(row) else ""


def read(raw):
    """The worksheet in ``raw`` (bytes), or ``Unusable`` with the reason."""
    text = raw.decode("utf-8", errors="surrogateescape")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    first = body.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = records(body, delimiter)
    if len(rows) < 1:
        raise Unusable("the worksheet is empty")
    header = [f.value.strip() for f in rows[0]]
    column = {
        role: header.index(name)
        for role, names in HEADERS.items()
        for name in names
        if name in header
    }
    data = rows[1:]
    if "identifier" not in column:
        column |= _identifier_by_values(data)
    missing = [HEADERS[r][0] for r in ("identifier", "grade") if r not in column]
    if missing:
        raise Unusable(
            f"the worksheet has no {' or '.join(missing)} column (English or German headers, "
            "as Moodle writes them)"
        )
    sheet = Worksheet(bom, body, delimiter, data, column)
    for k, row in enumerate(data):
        where = f"row {k + 2}"
        if len(row) != len(header):
            sheet.problems.append(
                f"{where}: {len(row)} fields where the header has {len(header)}, as Moodle reads "
                "it (a backslash before a quote): not filled"
            )
            continue
        ident = IDENTIFIER.match(sheet.value(k, "identifier"))
        if ident:
            sheet.ids[k] = ident[1]
    return sheet


def _identifier_by_values(rows):
    """The column whose values are ``Word 12345`` in most rows, if one is."""
    counts = {}
    for row in rows:
        for at, f in enumerate(row):
            counts[at] = counts.get(at, 0) + bool(IDENTIFIER.match(f.value))
    best = max(counts, key=counts.get, default=None)
    return {"identifier": best} if best is not None and counts[best] > len(rows) / 2 else {}


def rows_of(sheet, sub):
    """The rows that take ``sub``'s grade: its ids' rows and their teams' (by group name)."""
    by_id = {ident: k for k, ident in sheet.ids.items()}
    rows = {by_id[i] for i in sub.moodle_ids if i in by_id}
    groups = {sheet.value(k, "group") for k in rows} - {""}
    if not rows and sub.moodle_name:  # a team's folder (Moodle 4.1+): the group's name
        groups = {sub.moodle_name}
    rows |= {k for k in sheet.ids if groups and sheet.value(k, "group") in groups}
    return rows


def match(sheet, subs):
    """``{id(sub): rows}``, and a line for each submission without a row."""
    found, messages = {}, []
    for sub in subs:
        if not (sub.moodle_ids or sub.moodle_name):
            continue
        rows = rows_of(sheet, sub)
        found[id(sub)] = rows
        if not rows:
            messages.append(f"{sub.name}: no row of the worksheet has its id or group")
    return found, messages


def number(value, like):
    """``value`` written as the worksheet writes its grades (``like``: one of them, or '')."""
    match_ = re.fullmatch(r"\s*-?\d+(?:([.,])(\d+))?\s*", like or "")
    if match_ is None or match_[1] is None:
        return f"{value:.2f}"
    return f"{value:.{len(match_[2])}f}".replace(".", match_[1])


def parse_number(text):
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _plain(text):
    """``text`` as HTML, without a backslash (``fgetcsv``'s escape character)."""
    return html.escape(" ".join(text.split())).replace("\\", "&#92;")


def feedback(grade):
    """The feedback as Moodle shows it (HTML): the total, a line per sub-question that lost
    points (its causes merged), and the files a person is to read."""
    lines = [f"<p><strong>{grade.score:g} / {TOTAL} points</strong> (automatic grading)</p>"]
    lost = []
    for label in SHEET:
        tests = [t for t in grade.tests if t.label == label and t.score < t.max_score]
        if not tests:
            continue
        points = sum(t.max_score - t.score for t in tests)
        where = tests[0].output.split(": ", 1)[0]
        causes = []
        for t in tests:
            cause = t.output.split("\n", 1)[0].split(": ", 2)[-1]
            if cause not in causes:
                causes.append(cause)
        line = f"{label} lost {points:g}: {where}: {'; '.join(causes)}"
        if len(line) > REASON_LIMIT:
            line = line[: REASON_LIMIT - 1].rsplit(" ", 1)[0] + " …"
        lost.append(f"<li>{_plain(line)}</li>")
    if lost:
        lines.append("<ul>" + "".join(lost) + "</ul>")
    if grade.others:
        lines.append(f"<p>To read by hand: {_plain(', '.join(grade.others))}</p>")
    text = "".join(lines)
    while len(text) > FEEDBACK_LIMIT and lost:  # whole lines go, never half a word
        lost.pop()
        lines[1] = "<ul>" + "".join(lost) + "<li>…</li></ul>"
        text = "".join(lines)
    return text


def fill(sheet, grades, rows, existing="keep", scale=False):
    """``(filled text, messages)``: the worksheet with the grades written in.

    rows: ``{id(grade's submission): row indices}`` from ``match``; grades:
    ``(sub, Grade)`` pairs. A row that holds a grade or feedback already is
    kept (``keep``), overwritten (``replace``) or added to (``add``).
    """
    like = next(
        (sheet.value(k, r) for r in ("grade", "maximum") for k in range(len(sheet.rows))
         if sheet.value(k, r) and sheet.value(k, r) != "-"),
        "",
    )  # fmt: skip
    edits, messages = [], []
    for sub, grade in grades:
        if grade.refused:
            continue
        for k in sorted(rows.get(id(sub), ())):
            old_grade = parse_number(sheet.value(k, "grade"))
            old_feedback = sheet.value(k, "feedback")
            points = grade.score
            if scale and (maximum := parse_number(sheet.value(k, "maximum"))):
                points *= maximum / TOTAL
            text = feedback(grade)
            if old_grade is not None or old_feedback:
                if existing == "keep":
                    messages.append(f"row {k + 2} already holds a grade or feedback: kept")
                    continue
                if existing == "add":
                    points += old_grade or 0
                    text = old_feedback.replace("\\", "&#92;") + text
            row = sheet.rows[k]
            edits.append((row[sheet.column["grade"]], number(points, like)))
            if "feedback" in sheet.column:
                edits.append((row[sheet.column["feedback"]], text))
    body = sheet.text
    for f, value in sorted(edits, key=lambda e: e[0].start, reverse=True):
        body = body[: f.start] + written(value, sheet.delimiter) + body[f.end :]
    return sheet.bom + body, messages
