"""Moodle as every Moodle writes it: each form of "Download all submissions", worksheets in
English and German, read back as PHP's ``fgetcsv`` reads them, and names that are data only.
"""

import csv
import io
import os
import signal
import subprocess
import sys
import tarfile
import zipfile
from types import SimpleNamespace

import pytest
from conftest import ROOT
from course_fixture import blank, corpus, course_files, write
from test_course import grade, scores

from grading import moodle, submission
from grading.points import SHEET, TOTAL


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buffer.getvalue()


def fgetcsv(text):
    """PHP's ``fgetcsv`` with its defaults (``,``, ``"``, escape ``\\``), from its manual.

    Within an enclosed field, two enclosures are one, the escape character and
    the character after it are kept as they are (an enclosure after it does not
    close the field), and a field may span lines; text after the closing
    enclosure up to the delimiter is kept.
    """
    rows, row, value, i, state = [], [], "", 0, "start"
    while i < len(text):
        c = text[i]
        if state == "start":
            if c == '"':
                state = "enclosed"
            elif c in ",\r\n":
                row.append(value)
                value = ""
                if c != ",":
                    rows.append(row)
                    row = []
                    i += text.startswith("\r\n", i)
            else:
                value, state = value + c, "plain"
        elif state == "plain":
            if c in ",\r\n":
                state = "start"
                continue
            value += c
        elif state == "enclosed":
            if c == "\\" and i + 1 < len(text):
                value += text[i : i + 2]
                i += 1
            elif c == '"' and text[i + 1 : i + 2] == '"':
                value += '"'
                i += 1
            elif c == '"':
                state = "plain"
            else:
                value += c
        i += 1
    if state != "start" or value:
        row.append(value)
    if row:
        rows.append(row)
    return rows


# --- the download's forms -------------------------------------------------------------


def download(tmp_path):
    """One download holding every form of Moodle's names, and what it holds."""
    right, empty = course_files(), blank(course_files())
    d = tmp_path / "download"
    entries = {
        # Moodle 4.1 and later: no trailing underscore.
        "Jürgen Müller_101_assignsubmission_file/ex6.zip": zipped(right),
        # 3.1-4.0: a trailing underscore, the group's files loose.
        **{f"Anna Schmidt_102_assignsubmission_file_/{p}": t for p, t in empty.items()},
        # Folders off: flat files; a file named like another participant's stays its own.
        "Zoë Ñúñez_103_assignsubmission_file_mn1_mn2.zip": zipped(empty),
        "Eve Evil_104_assignsubmission_file_x_200_assignsubmission_file_common.py": "x = 1\n",
        # Blind marking.
        "Participant_105_assignsubmission_file/sub.zip": zipped(empty),
        # A team, 3.1-4.0: a folder per member who uploaded, the same files.
        "Gruppe 7-Eva Team_106_assignsubmission_file_/team.zip": zipped(empty),
        "Gruppe 7-Tim Team_107_assignsubmission_file_/team.zip": zipped(empty),
        # A team, 4.1 and later: one folder, the group's id.
        "Gruppe 8_3401_assignsubmission_file/team.zip": zipped(empty),
        # Two folders with one id; a PDF alone; two archives.
        "Kai Doppel_108_assignsubmission_file/a.zip": zipped(empty),
        "Kai Doppelt_108_assignsubmission_file_/b.zip": zipped(empty),
        "Pia Papier_109_assignsubmission_file/answers.pdf": "%PDF",
        "Max Zwei_110_assignsubmission_file/old.zip": zipped({"x.py": "old = 1\n"}),
        "Max Zwei_110_assignsubmission_file/new.zip": zipped({"x.py": "new = 1\n"}),
        # Names are data: a formula, an escape sequence.
        "=SUM(A1) Evil_120_assignsubmission_file/sub.zip": zipped({"x.py": "x = 1\n"}),
        "Esc \x1b[31mName_121_assignsubmission_file/sub.zip": zipped({"x.py": "x = 2\n"}),
        'Quote "Marks"_123_assignsubmission_file/sub.zip': zipped({"x.py": "x = 4\n"}),
        os.fsdecode(b"Odd \xff Name_124_assignsubmission_file/sub.zip"): zipped(
            {"x.py": "x = 5\n"}
        ),
    }
    for path, content in entries.items():
        (d / path).parent.mkdir(parents=True, exist_ok=True)
        (d / path).write_bytes(content if isinstance(content, bytes) else content.encode())
    os.utime(d / "Max Zwei_110_assignsubmission_file/old.zip", (1e9, 1e9))
    return d


def test_every_form_of_moodles_download_is_read(tmp_path):
    subs = {s.name: s for s in submission.collect(download(tmp_path))}
    assert set(subs) == {
        "Jürgen Müller_101", "Anna Schmidt_102", "Zoë Ñúñez_103", "Eve Evil_104",
        "Participant_105", "Gruppe 7-Eva Team_106", "Gruppe 8_3401", "Kai Doppel_108",
        "Pia Papier_109", "Max Zwei_110", "=SUM(A1) Evil_120", "Esc \ufffd[31mName_121",
        'Quote "Marks"_123', "Odd ? Name_124",
    }  # fmt: skip
    assert subs["Jürgen Müller_101"].files and subs["Anna Schmidt_102"].files
    assert subs["Zoë Ñúñez_103"].moodle_ids == ["103"]
    assert subs["Eve Evil_104"].moodle_ids == ["104"]
    assert list(subs["Eve Evil_104"].files) == ["x_200_assignsubmission_file_common.py"]
    assert subs["Participant_105"].moodle_ids == ["105"]
    assert subs["Gruppe 7-Eva Team_106"].moodle_ids == ["106", "107"]
    assert subs["Gruppe 8_3401"].moodle_name == "Gruppe 8"
    assert "2 folders carry the id 108" in subs["Kai Doppel_108"].refused
    assert subs["Pia Papier_109"].files == {} and subs["Pia Papier_109"].others == ["answers.pdf"]
    newest = subs["Max Zwei_110"]
    assert list(newest.files) == ["new.zip/x.py"] and "old.zip" in newest.others
    assert any("graded new.zip, the newest" in n for n in newest.notes)


def test_one_participants_upload_costs_no_classmate_anything(tmp_path, monkeypatch):
    monkeypatch.setattr(submission, "MEMBER_LIMIT", 50)
    d = tmp_path / "download"
    many = d / "Many Files_1_assignsubmission_file"
    many.mkdir(parents=True)
    for k in range(60):
        (many / f"f{k}.txt").write_text("")
    write(d / "Next One_2_assignsubmission_file", {"q1_bptt_for_torch/common.py": "x = 1\n"})
    subs = {s.name: s for s in submission.collect(d)}
    assert any("more than 50 files" in n for n in subs["Many Files_1"].notes)
    assert list(subs["Next One_2"].files) == ["q1_bptt_for_torch/common.py"]
    assert not any("more than" in n for n in subs["Next One_2"].notes)


# --- the worksheet ---------------------------------------------------------------------

GERMAN = (
    "\ufeffID,Vollständiger Name,E-Mail-Adresse,Status,Gruppe,Bewertung,Bestwertung,"
    '"Bewertung kann geändert werden","Zuletzt geändert (Abgabe)","Zuletzt geändert (Bewertung)",'
    '"Feedback als Kommentar"\r\n'
    '"Teilnehmer/in 101","Jürgen Müller",jm@example.org,Abgegeben,,,"19,00",Ja,-,-,\r\n'
    '"Teilnehmer/in 102","=HYPERLINK(""x"") C:\\",as@example.org,Abgegeben,,,"19,00",Ja,-,-,\r\n'
    '"Teilnehmer/in 103","Zoë \\"Z\\" Ñúñez",zn@example.org,Abgegeben,,,"19,00",Ja,-,-,\r\n'
    '"Teilnehmer/in 104","Eve \x1b[31mEvil",ee@example.org,Abgegeben,,"8,00","30,00",Ja,-,-,'
    '"Theorie 8/11"\r\n'
    '"Teilnehmer/in 106","Eva Team",et@example.org,Abgegeben,"Gruppe 7",,"19,00",Ja,-,-,\r\n'
    '"Teilnehmer/in 107","Tim Team",tt@example.org,Abgegeben,"Gruppe 7",,"19,00",Ja,-,-,\r\n'
    '"Teilnehmer/in 111","Ola Ohne",oo@example.org,"Keine Abgabe","Gruppe 7",,"19,00",Ja,-,-,\r\n'
    '"Teilnehmer/in 112","Uwe Acht",ua@example.org,"Keine Abgabe","Gruppe 8",,"19,00",Ja,-,-,\r\n'
)


def test_a_german_worksheet_is_read_as_moodle_reads_it():
    sheet = moodle.read(GERMAN.encode())
    assert sheet.column["grade"] == 5 and sheet.column["feedback"] == 10
    assert sorted(sheet.ids.values()) == ["101", "103", "104", "106", "107", "111", "112"]
    # A field that ends in \ does not end for PHP: that row is said and never filled; a \"
    # that Moodle wrote itself is read as Moodle reads it.
    assert len(sheet.problems) == 1 and "row 3" in sheet.problems[0]
    assert sheet.value(2, "identifier") == "Teilnehmer/in 103"
    with pytest.raises(moodle.Unusable, match="no Identifier or Grade column"):
        moodle.read(b"Name,Points\r\nA,1\r\n")


def fake_grade(score, lost=(), others=()):
    tests = [
        SimpleNamespace(label=label, score=0, max_score=points, output=f"{label}.py: what: why\\")
        for label, points in lost
    ]
    tests.append(SimpleNamespace(label="1a", score=score, max_score=score, output=""))
    return SimpleNamespace(score=score, tests=tests, others=list(others), refused=None)


def test_the_filled_worksheet_is_what_fgetcsv_reads_back():
    sheet = moodle.read(GERMAN.encode())
    sub = SimpleNamespace(name="G7", moodle_ids=["106"], moodle_name="Gruppe 7")
    rows, unmatched = moodle.match(sheet, [sub])
    assert rows[id(sub)] == {4, 5, 6} and not unmatched  # every member of the team
    grade = fake_grade(12.5, lost=[("2b", 3), ("2e", 0.5)], others=["answers.pdf"])
    text, _ = moodle.fill(sheet, [(sub, grade)], rows)
    read_back = fgetcsv(text.removeprefix("\ufeff"))
    before = fgetcsv(GERMAN.removeprefix("\ufeff"))
    assert all(len(row) == len(before[0]) for k, row in enumerate(read_back) if k != 2)
    for k in (5, 6, 7):
        assert read_back[k][5] == "12,50"
        feedback = read_back[k][10]
        assert feedback.startswith("<p><strong>12.5 / 19 points</strong>")
        assert "<li>2b lost 3: 2b.py: why&#92;</li>" in feedback and "answers.pdf" in feedback
        assert "\\" not in feedback
    untouched = [k for k in range(len(before)) if k not in (5, 6, 7)]
    assert [before[k] for k in untouched] == [read_back[k] for k in untouched]


def test_a_grade_a_person_entered_is_kept_unless_told():
    sheet = moodle.read(GERMAN.encode())
    sub = SimpleNamespace(name="Eve", moodle_ids=["104"], moodle_name="Eve Evil")
    rows, _ = moodle.match(sheet, [sub])
    grade = fake_grade(6)
    kept, messages = moodle.fill(sheet, [(sub, grade)], rows)
    assert kept == GERMAN and "already holds a grade" in messages[0]
    added, _ = moodle.fill(sheet, [(sub, grade)], rows, existing="add", scale=True)
    row = fgetcsv(added.removeprefix("\ufeff"))[4]
    assert row[5] == f"{8 + 6 * 30 / TOTAL:.2f}".replace(".", ",")
    assert row[10].startswith("Theorie 8/11<p><strong>6 / 19")
    replaced, _ = moodle.fill(sheet, [(sub, grade)], rows, existing="replace")
    assert fgetcsv(replaced.removeprefix("\ufeff"))[4][5] == "6,00"


# --- one class, start to end -----------------------------------------------------------


def test_a_class_graded_from_moodles_download_with_a_german_worksheet(tmp_path):
    folder = download(tmp_path)
    d = tmp_path / "download.zip"
    with zipfile.ZipFile(d, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = os.fsencode(path.relative_to(folder).as_posix()).decode(errors="replace")
                z.write(path, name)
        z.writestr("Ü" * 130 + "_122_assignsubmission_file/sub.zip", zipped({"x.py": "y = 3\n"}))
    sheet = tmp_path / "bewertungen.csv"
    sheet.write_bytes(GERMAN.encode())
    handout = tmp_path / "handout"
    write(handout, blank(course_files()))
    done, rows, results = grade(
        [d], tmp_path / "out", "--worksheet", sheet, "--handout", handout, expected=3
    )
    assert float(rows["Jürgen Müller_101"]["total"]) == TOTAL
    assert scores(rows["Pia Papier_109"]) == dict.fromkeys(SHEET, 0)
    assert rows["Pia Papier_109"]["to read by hand"] == "answers.pdf"
    assert "no Python file in the hand-in" in results["Pia Papier_109"]["output"]
    assert "not graded, for a person to look at: Kai Doppel_108" in done.stderr
    assert "row 3" in done.stderr  # the row PHP reads otherwise: said, not filled
    filled = fgetcsv((tmp_path / "out" / "worksheet.csv").read_text().removeprefix("\ufeff"))
    grades = {row[0]: row[5] for row in filled[1:]}
    assert grades["Teilnehmer/in 101"] == "19,00"
    assert grades["Teilnehmer/in 103"] == "0,00"
    assert grades["Teilnehmer/in 104"] == "8,00"  # entered by hand: kept
    assert grades["Teilnehmer/in 106"] == grades["Teilnehmer/in 111"] == "0,00"
    assert grades["Teilnehmer/in 112"] == "0,00"  # Gruppe 8's folder, Moodle 4.1
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][-1] == "total"  # where the rows' readers have always found it
    cells = [row[0] for row in table]
    assert "'=SUM(A1) Evil_120" in cells and "=SUM(A1) Evil_120" in rows
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert "\x1b" not in done.stdout + done.stderr
    long = [name for name in rows if name.startswith("ÜÜÜ")]
    assert len(long) == 1 and len(long[0]) == submission.NAME_LIMIT


# --- stop and go on --------------------------------------------------------------------

ENGLISH = (
    "\ufeffIdentifier,Full name,Email address,Status,Grade,Maximum Grade,"
    '"Grade can be changed","Last modified (submission)","Last modified (grade)",'
    '"Feedback comments"\r\n'
    + "".join(
        f'"Participant {k}","Student {k}",s{k}@example.org,"Submitted for grading",,"19.00",'
        "Yes,-,-,\r\n"
        for k in (201, 202, 203)
    )
)


def test_a_stopped_class_goes_on_where_it_stopped_and_ends_as_one_run(tmp_path):
    d = tmp_path / "download"
    hand_ins = {201: course_files(), 202: corpus("bug_clip_inverse"), 203: blank(course_files())}
    for k, files in hand_ins.items():
        write(d / f"Student {k}_{k}_assignsubmission_file", files)
    sheet = tmp_path / "worksheet.csv"
    sheet.write_bytes(ENGLISH.encode())
    flags = ["--worksheet", str(sheet), "--seed", "4", "--jobs", "1"]
    command = [sys.executable, "-m", "grading", "grade"]
    whole = subprocess.run(
        [*command, str(d), "--out", str(tmp_path / "whole"), *flags],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert whole.returncode == 0, whole.stderr
    stopped = subprocess.Popen(
        [*command, str(d), "--out", str(tmp_path / "stopped"), *flags],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for line in stopped.stdout:
        if line.startswith("[1/3]"):
            stopped.send_signal(signal.SIGINT)
            break
    _, err = stopped.communicate(timeout=120)
    assert stopped.returncode == 130 and "--resume" in err
    out = tmp_path / "stopped"
    assert (out / "grades.partial.csv").exists() and (out / "worksheet.partial.csv").exists()
    assert not (out / "grades.csv").exists() and not (out / "worksheet.csv").exists()
    resumed = subprocess.run(
        [*command, "--resume", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.count("] Student") == 2  # the two that were missing, no more
    for name in ("grades.csv", "worksheet.csv"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert not (out / "grades.partial.csv").exists()
    again = subprocess.run(
        [*command, "--resume", str(out), "--only", "Student 202_202"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0 and again.stdout.count("] Student 202_202:") == 1
    assert again.stdout.count("] Student") == 1
    assert (out / "worksheet.csv").read_bytes() == (
        tmp_path / "whole" / "worksheet.csv"
    ).read_bytes()


def test_a_compressed_tar_is_read_within_its_budget_skipped_members_too(tmp_path, monkeypatch):
    monkeypatch.setattr(submission, "TOTAL_LIMIT", 1 << 20)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2") as t:
        big = tarfile.TarInfo("video.bin")
        big.size = 8 << 20  # skipped, yet inflated to reach what follows it
        t.addfile(big, io.BytesIO(bytes(big.size)))
        code = tarfile.TarInfo("after.py")
        code.size = 6
        t.addfile(code, io.BytesIO(b"x = 1\n"))
    (tmp_path / "sub.tar.bz2").write_bytes(buffer.getvalue())
    files, notes, *_ = submission.read(tmp_path / "sub.tar.bz2")
    assert files == {} and any("MB to read" in n for n in notes)
