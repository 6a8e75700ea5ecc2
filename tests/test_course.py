"""Grading what the course's students hand in: the course handout's layout and interface, with
and without the instructor's handout, as Moodle's "Download all submissions" gives it, and the
grading worksheet Moodle takes back.
"""

import csv
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile

import pytest
from conftest import ROOT
from course_fixture import (
    CORRECT,
    MISTAKES,
    PLANTED,
    READINGS,
    blank,
    corpus,
    course_files,
    reading,
    replaced,
    write,
)

from grading import moodle, submission
from grading.points import SHEET
from grading.questions.layouts import COURSE, OWN

SEED = "11"
WRITTEN = ["answers 1c 1f.pdf", "photos/2e.jpg", "notes.txt", "old_version.rar"]


def grade(paths, out, *flags, expected=0):
    """``python -m grading grade``; the finished process, its rows and results."""
    command = [sys.executable, "-m", "grading", "grade", *map(str, paths), "--out", str(out)]
    seed = [] if "--seed" in flags else ["--seed", SEED]
    done = subprocess.run(
        [*command, "--jobs", "2", *seed, *map(str, flags)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == expected, done.stderr[-3000:]
    with open(out / "grades.csv", newline="") as f:
        rows = {unformula(row["submission"]): row for row in csv.DictReader(f)}
    results = {name: json.loads((out / name / "results.json").read_text()) for name in rows}
    return done, rows, results


def unformula(cell):
    """A name as written, without the quote that keeps it from being a formula."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell


def scores(row):
    return {label: float(row[label]) for label in SHEET}


def full(lost=None):
    return {label: points - (lost or {}).get(label, 0) for label, points in SHEET.items()}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The correct submission, its blank handout, planted bugs, every reading and the corpus of
    students' styles and mistakes, graded in one batch with the blank handout as
    ``--handout``; a few graded without it."""
    base = tmp_path_factory.mktemp("course")
    write(base / "handout", blank(course_files()))
    submissions = {"correct": course_files(), "blank": blank(course_files())}
    submissions |= {name: replaced(changes) for name, (changes, _) in PLANTED.items()}
    submissions |= {name: reading(name) for name in READINGS}
    submissions |= {name: corpus(name) for name in [*CORRECT, *MISTAKES]}
    submissions["same_code_again"] = submissions["bug_acc_whole_seq"]
    for name, files in submissions.items():
        write(base / name, files)
    for written in WRITTEN:
        (base / "ok_loops_bool" / written).parent.mkdir(exist_ok=True)
        (base / "ok_loops_bool" / written).write_bytes(b"%PDF-1.4 or a photo or a .rar")
    with_handout = grade(
        [base / n for n in submissions], base / "out", "--handout", base / "handout"
    )
    alone = ["correct", "blank", "r_lstm_split_two_biases_linear"]
    without = grade([base / n for n in alone], base / "out-alone")
    return {"with": with_handout, "without": without, "handout": base / "handout"}


@pytest.mark.parametrize("handout", ["with", "without"])
def test_the_correct_submission_scores_full_marks_and_the_blank_handout_zero(course, handout):
    _, rows, results = course[handout]
    assert scores(rows["correct"]) == full()
    assert scores(rows["blank"]) == dict.fromkeys(SHEET, 0)
    notes = results["correct"]["output"]
    assert "graded as the course's WS 2023/24 handout" in notes
    assert ("without --handout" in notes) == (handout == "without")


@pytest.mark.parametrize("name", PLANTED)
def test_a_planted_bug_costs_its_own_sub_question_only(course, name):
    _, rows, _ = course["with"]
    assert scores(rows[name]) == full(PLANTED[name][1])


@pytest.mark.parametrize("name", READINGS)
def test_every_reading_the_course_accepts_earns_full_marks(course, name):
    _, rows, results = course["with"]
    assert scores(rows[name]) == full()
    if name.startswith("r_lstm"):
        passed = [
            t["output"]
            for t in results[name]["tests"]
            if t["name"].startswith("2b") and "torch" in t["name"]
        ]
        assert len(passed) == 3 and all("(layout: " in line for line in passed)


@pytest.mark.parametrize("name", CORRECT)
def test_every_style_students_write_right_earns_full_marks(course, name):
    _, rows, results = course["with"]
    lost = [t["output"] for t in results[name]["tests"] if t["score"] < t["max_score"]]
    assert scores(rows[name]) == full(), lost


def test_the_same_code_gets_the_same_grade_for_the_same_reason(course):
    """Two copies in one batch meet the same inputs; only float32 rounding may differ (the
    loader shuffles the order in which a batch's losses are summed)."""
    _, rows, results = course["with"]
    assert scores(rows["same_code_again"]) == scores(rows["bug_acc_whole_seq"])

    def said(name):
        return [re.sub(r"relative error \S+", "", t["output"]) for t in results[name]["tests"]]

    assert said("same_code_again") == said("bug_acc_whole_seq")


def test_files_nobody_graded_are_named_for_a_person(course):
    _, rows, results = course["with"]
    assert rows["ok_loops_bool"]["to read by hand"].split("; ") == sorted(WRITTEN)
    assert all(w in results["ok_loops_bool"]["output"] for w in WRITTEN)
    assert rows["correct"]["to read by hand"] == ""


@pytest.mark.parametrize("name", MISTAKES)
def test_a_students_mistake_costs_its_own_sub_question_for_its_own_reason(course, name):
    _, rows, results = course["with"]
    lost, words = MISTAKES[name]
    assert scores(rows[name]) == full(lost)
    reasons = [t["output"] for t in results[name]["tests"] if t["score"] < t["max_score"]]
    assert reasons and all(words in reason for reason in reasons), reasons


def test_lost_points_name_the_courses_file_and_function(course):
    done, _, results = course["with"]
    assert "1d lost 0.5: q1_bptt_for_torch/common.clip_gradient:" in done.stdout
    assert "1e lost 1: q1_bptt_for_torch/test.run_memory_test:" in done.stdout

    def against_torch(name):
        tests = results[name]["tests"]
        return [t["output"] for t in tests if t["name"].startswith("2b") and "torch" in t["name"]]

    lines = against_torch("blank")
    assert all("no layout of the parameters reproduces torch.nn.LSTM" in line for line in lines)
    layouts = against_torch("correct")
    assert all("one matrix per gate on [x; h], gates in the order ifog" in x for x in layouts)


def test_given_modules_come_from_the_handout_graded_functions_from_the_submission():
    handout = {p: t.encode() for p, t in blank(course_files()).items()}
    mine = {p: t.encode() for p, t in course_files().items()}
    mine["q1_bptt_for_torch/train.py"] = b"raise SystemExit('edited')\n"
    mine["q1_bptt_for_torch/common.py"] = mine["q1_bptt_for_torch/common.py"].replace(
        b"def softmax(data):",
        b"import math\n\n\ndef softmax(data):\n    return 1.0\n\n\ndef old(data):",
    )
    mine["q1_bptt_for_torch/test.py"] = mine["q1_bptt_for_torch/test.py"].replace(
        b"def run_forward_pass", b"import math\n\n\ndef run_forward_pass"
    )
    files, _ = submission.modules(submission.Found(COURSE, mine), handout)
    assert files["q1_bptt_for_torch/train.py"] == handout["q1_bptt_for_torch/train.py"]
    test = files["q1_bptt_for_torch/test.py"].decode()
    assert "acc += np.mean(" in test  # the submission's run_memory_test
    assert test.count("def run_forward_pass") == 1 and "import math" in test
    common = files["q1_bptt_for_torch/common.py"].decode()
    assert "grad *= threshold / norm" in common and "return 1.0" not in common
    assert common.startswith('"""Softmax') and "import math\n" in common
    assert "def old(data):" in common  # the group's own definitions stay


def test_the_layout_is_told_by_folders_names_and_content():
    own = {f"x/{m}.py": b"" for m in ("BasicRNNCell", "MyLSTMCell")}
    own["x/common.py"] = b"def clip_gradients(grads, threshold): ..."
    assert submission.detect(own) is OWN
    assert submission.detect({"a/q2_rnn_torch/MyLSTMCell.py": b""}) is COURSE
    side_by_side = {
        "a/BasicRNNCell.py": b"import torch\nclass BasicRNNCell(torch.nn.Module): ...",
        "b/BasicRNNCell.py": b"import numpy as np\nclass BasicRNNCell: ...",
        "b/test.py": b"def run_memory_test(): ...",
    }
    assert submission.detect(side_by_side) is COURSE
    found = submission.course_files(side_by_side)
    assert found["q1_bptt_for_torch/BasicRNNCell.py"].startswith(b"import numpy")
    assert found["q2_rnn_torch/BasicRNNCell.py"].startswith(b"import torch")


# --- archives and Moodle ------------------------------------------------------


def zipped(files, prefix=""):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(prefix + path, text)
    return buffer.getvalue()


def tarred(files, prefix=""):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(prefix + path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


WORKSHEET = (
    'Identifier,"Full name","Email address",Status,Group,Grade,"Maximum Grade",'
    '"Grade can be changed","Last modified (submission)","Last modified (grade)",'
    '"Feedback comments"\r\n'
    '"Participant 101","Jürgen Müller",jm@example.org,"Submitted for grading",,,"19,00",Yes,'
    '"Monday, 15 January 2024, 10:00 AM",-,\r\n'
    '"Participant 102","Anna Schmidt",as@example.org,"Submitted for grading",,,"19,00",Yes,'
    '"Monday, 15 January 2024, 11:00 AM",-,\r\n'
    '"Participant 103","Zoë Ñúñez",zn@example.org,"Submitted for grading",,,"19,00",Yes,'
    '"Monday, 15 January 2024, 12:00 AM",-,\r\n'
    '"Participant 104","Kai Ohne",ko@example.org,"No submission",,,"19,00",Yes,-,-,\r\n'
    '"Participant 105","Eva Team",et@example.org,"Submitted for grading","Gruppe 7",,"19,00",'
    'Yes,"Monday, 15 January 2024, 9:00 AM",-,\r\n'
    '"Participant 106","Tim Team",tt@example.org,"Submitted for grading","Gruppe 7",,"19,00",'
    'Yes,"Monday, 15 January 2024, 9:00 AM",-,\r\n'
)


# Moodle's name of each hand-in, the archive it came in, and its name in the course batch
# (graded there on its own, as a folder, with the same seed and handout).
HAND_INS = {
    "Jürgen Müller_101": ("111_222_333.zip", "correct"),
    "Anna Schmidt_102": ("444_555.tar.gz", "blank"),
    "Zoë Ñúñez_103": (None, "c_loss_doubled"),
    "Gruppe 7_7": ("777_888.zip", "r_clip_each_parameter"),
}


@pytest.fixture(scope="module")
def moodle_round_trip(tmp_path_factory, course):
    """Moodle's download: a zip, a tar.gz, loose files and a team's zip, graded as one download
    with the worksheet and the course's handout."""
    base = tmp_path_factory.mktemp("moodle")
    contents = {
        "correct": zipped(course_files(), "ex6/"),
        "blank": tarred(blank(course_files())),
        "c_loss_doubled": replaced(PLANTED["c_loss_doubled"][0]),
        "r_clip_each_parameter": zipped(reading("r_clip_each_parameter")),
    }
    download = base / "download"
    for prefix, (name, graded_as) in HAND_INS.items():
        folder = download / f"{prefix}_assignsubmission_file_"
        if name is None:
            write(folder, contents[graded_as])
        else:
            folder.mkdir(parents=True)
            (folder / name).write_bytes(contents[graded_as])
    archive = base / "download.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(download.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(download).as_posix())
    worksheet = base / "worksheet.csv"
    worksheet.write_bytes(WORKSHEET.encode())
    flags = ("--worksheet", worksheet, "--handout", course["handout"])
    together = grade([archive], base / "out", *flags)
    return {"together": together, "worksheet": worksheet, "base": base}


def test_each_moodle_hand_in_grades_as_it_does_alone(moodle_round_trip, course):
    _, rows, _ = moodle_round_trip["together"]
    _, alone, _ = course["with"]
    assert set(rows) == set(HAND_INS)
    for name, row in rows.items():
        assert scores(row) == scores(alone[HAND_INS[name][1]]), name
    assert float(rows["Jürgen Müller_101"]["total"]) == 19
    assert float(rows["Anna Schmidt_102"]["total"]) == 0
    assert float(rows["Zoë Ñúñez_103"]["total"]) == 18


def test_the_worksheet_changes_only_grade_and_feedback(moodle_round_trip):
    before = moodle_round_trip["worksheet"].read_bytes()
    after = (moodle_round_trip["base"] / "out" / "worksheet.csv").read_bytes()
    old = list(csv.reader(io.StringIO(before.decode(), newline="")))
    new = list(csv.reader(io.StringIO(after.decode(), newline="")))
    assert old[0] == new[0] and len(old) == len(new)
    grade_at, feedback_at = old[0].index("Grade"), old[0].index("Feedback comments")
    expected = {
        "Participant 101": "19,00",
        "Participant 102": "0,00",
        "Participant 103": "18,00",
        "Participant 104": "",
        "Participant 105": "19,00",
        "Participant 106": "19,00",
    }
    for was, now in zip(old[1:], new[1:], strict=True):
        untouched = [k for k in range(len(was)) if k not in (grade_at, feedback_at)]
        assert [was[k] for k in untouched] == [now[k] for k in untouched]
        assert now[grade_at] == expected[was[0]]
    feedback = {row[0]: row[feedback_at] for row in new}
    assert feedback["Participant 104"] == ""
    assert feedback["Participant 101"].startswith("<p><strong>19 / 19 points</strong>")
    assert "2d lost 1: q2_rnn_torch/memory_task.memory_task_loss" in feedback["Participant 103"]
    assert all(len(text) <= moodle.FEEDBACK_LIMIT for text in feedback.values())
    # Every byte outside the filled fields is the worksheet's own.
    lines_before, lines_after = before.split(b"\r\n"), after.split(b"\r\n")
    assert lines_before[0] == lines_after[0] and lines_before[4] == lines_after[4]


def test_a_worksheet_that_cannot_be_filled_is_refused_before_any_grading(tmp_path):
    (tmp_path / "sheet.csv").write_text("Name,Points\r\nA,1\r\n")
    write(tmp_path / "sub", course_files())
    command = [sys.executable, "-m", "grading", "grade", str(tmp_path / "sub")]
    command += ["--worksheet", str(tmp_path / "sheet.csv"), "--out", str(tmp_path / "out")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no Identifier or Grade column" in done.stderr and done.stdout == ""
    assert not (tmp_path / "out").exists()


def test_hostile_archives_are_refused_without_writing_or_inflating(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../escape.py", "x = 1")
        z.writestr("/abs/path.py", "x = 1")
        z.writestr("C:\\win.py", "x = 1")
        z.writestr("bomb.py", b"\0" * (64 << 20))
        info = zipfile.ZipInfo("link.py")
        info.external_attr = 0o120777 << 16
        z.writestr(info, "/etc/passwd")
        z.writestr("ok/common.py", "def clip_gradient(g, t): ...")
    (tmp_path / "sub.zip").write_bytes(buffer.getvalue())
    files, notes, *_ = submission.read(tmp_path / "sub.zip")
    assert list(files) == ["ok/common.py"]
    assert sum("outside the submission" in n for n in notes) == 3
    assert any("bomb.py was not read" in n for n in notes)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as t:
        for kind, name in ((tarfile.SYMTYPE, "s.py"), (tarfile.LNKTYPE, "h.py")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "/etc/passwd"
            t.addfile(info)
        info = tarfile.TarInfo("dev.py")
        info.type = tarfile.CHRTYPE
        t.addfile(info)
    (tmp_path / "links.tar").write_bytes(buffer.getvalue())
    assert submission.read(tmp_path / "links.tar")[0] == {}
    many = zipped({f"f{k}.txt": "" for k in range(submission.MEMBER_LIMIT + 1)})
    (tmp_path / "many.zip").write_bytes(many)
    assert "more than" in submission.read(tmp_path / "many.zip")[1][0]
    nested = zipped({"a.py": "x = 1"})
    for _ in range(submission.DEPTH_LIMIT + 1):
        nested = zipped({"inner.zip": nested})
    (tmp_path / "deep.zip").write_bytes(nested)
    files, notes, *_ = submission.read(tmp_path / "deep.zip")
    assert files == {} and any("nested deeper" in n for n in notes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as z:
        z.writestr("a.py", "x = 1")
    odd = bytearray(buffer.getvalue())
    central = odd.find(b"PK\x01\x02")
    for at in (8, central + 10):  # the compression method, in both headers: one no one knows
        odd[at : at + 2] = (99).to_bytes(2, "little")
    (tmp_path / "odd.zip").write_bytes(bytes(odd))
    files, notes, *_ = submission.read(tmp_path / "odd.zip")
    assert files == {} and "could not be read" in notes[0]
    assert sorted(os.listdir(tmp_path)) == [
        "deep.zip", "links.tar", "many.zip", "odd.zip", "sub.zip",
    ]  # fmt: skip


def test_sources_that_break_the_parser_are_taken_whole():
    nested = b"x = " + b"(" * 100_000 + b")" * 100_000 + b"\n"
    assert submission.splice(b"def clip_gradient(g, t): pass\n", nested, ("clip_gradient",)) == (
        nested
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", ["1", "2", "3"])
@pytest.mark.parametrize("handout", ["with", "without"])
def test_the_corpus_grades_alike_at_every_seed(tmp_path, seed, handout):
    """Every right style full marks, every mistake its own points, whatever the seed."""
    names = [*CORRECT, *MISTAKES]
    for name in names:
        write(tmp_path / name, corpus(name))
    write(tmp_path / "handout", blank(course_files()))
    flags = ["--handout", tmp_path / "handout"] if handout == "with" else []
    _, rows, _ = grade([tmp_path / n for n in names], tmp_path / "out", "--seed", seed, *flags)
    for name in CORRECT:
        assert scores(rows[name]) == full(), name
    for name, (lost, _) in MISTAKES.items():
        assert scores(rows[name]) == full(lost), name
