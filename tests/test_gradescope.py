"""Gradescope's autograder from one command: its zip, laid out as Gradescope lays it out, graded
by its own ``run_autograder``; a submission that reads the grader's files, and a grader that
runs out of time, still leave a valid ``results.json``."""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from course_fixture import blank, course_files, write

from grading.__main__ import main as grading_main


@pytest.fixture
def autograder(tmp_path):
    """``/autograder`` as Gradescope lays it out, in a folder of the test's own."""
    write(tmp_path / "handout", blank(course_files()))
    archive = tmp_path / "autograder.zip"
    assert grading_main(["gradescope", str(archive), "--handout", str(tmp_path / "handout")]) == 0
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    os.chmod(root, 0o755)  # the submission's user could look in, were it not for the lock
    with zipfile.ZipFile(archive) as z:
        z.extractall(root / "source")
        assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(z.namelist())
    os.chmod(root / "source" / "run_autograder", 0o755)
    yield root
    shutil.rmtree(root)


def run_autograder(root, files, budget=300):
    write(root / "submission", files)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADING_BUDGET": str(budget)}
    env |= {"GRADING_ISOLATION": "bwrap", "GRADING_PYTHON": sys.executable}
    subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, timeout=600, check=True
    )
    return json.loads((root / "results" / "results.json").read_text())


def test_a_submission_is_graded_and_the_graders_files_are_locked_away(autograder):
    results = run_autograder(autograder, course_files())
    assert results["score"] == 19 and len(results["tests"]) > 10
    mode = (autograder / "source").stat().st_mode
    assert not mode & (stat.S_IRWXG | stat.S_IRWXO)


def test_a_submission_that_reads_the_solution_gains_nothing(autograder):
    files = course_files()
    cell = "q1_bptt_for_torch/BasicRNNCell.py"
    files[cell] = f"exec(open({str(autograder / 'source' / 'BasicRNNCell.py')!r}).read())\n"
    results = run_autograder(autograder, files)
    lost = {t["name"][:2] for t in results["tests"] if t["score"] < t["max_score"]}
    assert {"1a", "1b", "1f"} <= lost
    assert any("No such file" in t["output"] for t in results["tests"])


def test_a_grader_out_of_time_still_leaves_a_valid_results_json(autograder):
    results = run_autograder(autograder, course_files(), budget=1)
    assert results["score"] == 0
    assert "time budget" in results["output"] and results["tests"][0]["status"] == "failed"


def test_the_autograder_command_refuses_what_it_cannot_use(tmp_path, capsys):
    code = grading_main(["gradescope", str(tmp_path / "a.zip"), "--handout", str(tmp_path)])
    assert code == 2 and "none of the course's files" in capsys.readouterr().err


def test_user_isolation_grades_one_submission_only(tmp_path, capsys):
    for name in ("a", "b"):
        write(tmp_path / name, course_files())
    code = grading_main(
        ["grade", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "out"),
         "--isolation", "user", "--user", "root"]
    )  # fmt: skip
    assert code == 2 and "--isolation bwrap" in capsys.readouterr().err
