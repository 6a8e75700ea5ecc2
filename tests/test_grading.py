"""The grading kit: this package scores 19/19, the handout 0, planted bugs and hostile code
lose exactly the points of their own sub-questions, and the files follow Gradescope's format.

One run of ``python -m grading grade`` grades every submission below (``graded``).
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from conftest import ROOT

from grading import sandbox
from grading.points import CHECKS, GRADED_MODULES, SHEET, TOTAL
from grading.skeleton import blank_out, regions, write_handout

# Each planted bug: (module, the solution's text, the bug, {sub-question: points it loses});
# a tuple of texts makes several replacements.
PLANTED = {
    "h0_carried_over": (
        "BasicRNNCell",
        ("h = np.zeros((n_batch, self.n_hidden))", "hs[:, t] = h\n"),
        (
            "h = getattr(self, 'h_last', np.zeros((n_batch, self.n_hidden)))",
            "hs[:, t] = self.h_last = h\n",
        ),
        {"1a": 1},
    ),
    "mask_from_derivative": (
        "BasicRNNCell",
        "dh_hat = (dys[:, t] + dh_hat @ self.W_hh) * mask[:, t]",
        "dh_hat = np.maximum(dys[:, t] + dh_hat @ self.W_hh, 0.0)",
        {"1b": 3},
    ),
    "no_recurrent_term": (
        "BasicRNNCell",
        "dh_hat = (dys[:, t] + dh_hat @ self.W_hh) * mask[:, t]",
        "dh_hat = dys[:, t] * mask[:, t]",
        {"1b": 3},
    ),
    "no_identity": (
        "BasicRNNCell",
        "self.W_hh = np.eye(n_hidden)",
        "self.W_hh = 0.5 * np.eye(n_hidden)",
        {"1f": 1},
    ),
    "clip_each_array": (
        "common",
        "g *= threshold / norm",
        "g *= min(1.0, threshold / np.linalg.norm(g))",
        {"1d": 0.5},
    ),
    "accuracy_whole_sequence": (
        "common",
        "recall = slice(-to_remember_len, None)",
        "recall = slice(None)",
        {"1e": 2},
    ),
    "lstm_weights_zero": (
        "MyLSTMCell",
        "torch.nn.init.uniform_(weight, -bound, bound)",
        "torch.nn.init.zeros_(weight)",
        {"2a": 1},
    ),
    "gates_in_wrong_order": (
        "MyLSTMCell",
        "i, f, g, o = torch.addmm(x_t, h, W_hh_T).chunk(4, dim=1)",
        "i, f, o, g = torch.addmm(x_t, h, W_hh_T).chunk(4, dim=1)",
        {"2b": 5},
    ),
    "no_zero_grad": ("loops", "optimizer.zero_grad()", "pass", {"2c": 2}),
    "no_clipping": (
        "loops",
        'clip_grad_norm_(model.parameters(), clip or float("inf"))',
        'clip_grad_norm_(model.parameters(), float("inf"))',
        {"2c": 1},
    ),
    "loss_averaged": (
        "memory_task",
        "return -log_probs.gather(2, ground_truth.unsqueeze(2)).sum()",
        "return -log_probs.gather(2, ground_truth.unsqueeze(2)).mean()",
        {"2d": 1},
    ),
    "acc_whole_sequence": (
        "memory_task",
        "recall = slice(-to_remember_len, None)",
        "recall = slice(None)",
        {"2e": 0.5},
    ),
    "test_loop_batch_weights": (
        "loops",
        "memory_task_acc(outputs, y, to_remember_len) * len(y)",
        "memory_task_acc(outputs, y, to_remember_len) * batch_size",
        {"2e": 0.5},
    ),
}

# Each hostile submission: (module, code added at the top of it, {sub-question: points lost},
# words the reason of a lost check contains).
HOSTILE = {
    "patches_checks": (
        "BasicRNNCell",
        "import numpy, torch\n"
        "numpy.allclose = lambda *a, **k: True\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\n"
        "torch.testing.assert_close = lambda *a, **k: None\n"
        "torch.allclose = lambda *a, **k: True\n",
        {"1b": 3},
        "differs from torch autograd",
    ),
    "exits_at_import": (
        "BasicRNNCell",
        "import os\nos._exit(0)\n",
        {"1a": 2, "1b": 3, "1f": 1},
        "ended without writing its results",
    ),
    "fakes_results": (
        "memory_task",
        "import json, os\n"
        "fake = json.dumps({'score': 19, 'tests': []})\n"
        "grader = open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[1]\n"
        "argv = open(f'/proc/{grader}/cmdline').read().split('\\0')\n"
        "folders = ['.', '..', os.path.join(argv[argv.index('--out') + 1], 'fakes_results')]\n"
        "for d in folders:\n"
        "    try:\n"
        "        open(os.path.join(d, 'results.json'), 'w').write(fake)\n"
        "    except OSError:\n"
        "        pass\n"
        'print(json.dumps({"label": "2d", "exit": 0, "timed_out": False, "output": ""}))\n'
        'print(json.dumps({"score": 19, "tests": []}))\n',
        {"2d": 1},
        "matches none of",
    ),
    "sleeps_forever": (
        "MyLSTMCell",
        "import time\n_sleep = time.sleep\n",
        {"2b": 5},
        "ran past its",
    ),
    "allocates_without_end": (
        "common",
        "",
        {"1d": 1},
        "out of memory",
    ),
    "prints_megabytes": ("loops", "", {"2c": 2}, "differ from the grader's SGD"),
    "kills_its_parent": (
        "MyLSTMCell",
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
        {"2a": 1, "2b": 5},
        "stopped answering",
    ),
    "syntax_error": (
        "BasicRNNCell",
        "def broken(:\n",
        {"1a": 2, "1b": 3, "1f": 1},
        "SyntaxError line",
    ),
}

# Hostile code inside a graded function, where the function's own behaviour is the attack.
INSIDE = {
    "patches_checks": (
        "dh_hat = (dys[:, t] + dh_hat @ self.W_hh) * mask[:, t]",
        "dh_hat = dys[:, t] * mask[:, t]",
    ),
    "sleeps_forever": ("h, c = state\n", "h, c = state\n        _sleep(10**6)\n"),
    "allocates_without_end": (
        "grads = [grads] if",
        "hoard = []\n    while True:\n        hoard.append(np.ones(1 << 24))\n"
        "    grads = [grads] if",
    ),
    "prints_megabytes": (
        "    optimizer.zero_grad()\n",
        "    for _ in range(40):\n        print('x' * 1_000_000)\n",
    ),
    "fakes_results": (
        "return -log_probs.gather(2, ground_truth.unsqueeze(2)).sum()",
        "return -log_probs.gather(2, ground_truth.unsqueeze(2)).sum() / 1000",
    ),
}

TIMEOUT = 15


def solution(module):
    return (ROOT / f"{module}.py").read_text()


def write_folder(folder, sources):
    folder.mkdir(parents=True)
    for module, text in sources.items():
        (folder / f"{module}.py").write_text(text)


def planted(name):
    module, old, new, _ = PLANTED[name]
    text = solution(module)
    pairs = [(old, new)] if isinstance(old, str) else zip(old, new, strict=True)
    for before, after in pairs:
        assert text.count(before) == 1, f"{name}: {before!r} is not in the solution once"
        text = text.replace(before, after)
    return {m: solution(m) for m in GRADED_MODULES} | {module: text}


def hostile(name):
    module, header, _, _ = HOSTILE[name]
    text = solution(module)
    if name in INSIDE:
        old, new = INSIDE[name]
        assert text.count(old) == 1, name
        text = text.replace(old, new)
    return {m: solution(m) for m in GRADED_MODULES} | {module: header + text}


def user_flags():
    """As root, this Python is not readable by ``nobody`` here: children run as root."""
    return ["--user", "root"] if os.geteuid() == 0 else []


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("submissions")
    paths = []
    reference = base / "reference.zip"
    with zipfile.ZipFile(reference, "w") as archive:
        for module in GRADED_MODULES:
            archive.writestr(f"mn1_mn2/{module}.py", solution(module))
        archive.writestr("__MACOSX/mn1_mn2/._common.py", "garbage")
    paths.append(reference)
    handout = base / "handout_src"
    write_handout(handout)
    write_folder(base / "handout", {m: (handout / f"{m}.py").read_text() for m in GRADED_MODULES})
    paths.append(base / "handout")
    write_folder(base / "only_memory_task", {"memory_task": solution("memory_task")})
    paths.append(base / "only_memory_task")
    for name in PLANTED:
        write_folder(base / name, planted(name))
        paths.append(base / name)
    for name in HOSTILE:
        write_folder(base / name, hostile(name))
        paths.append(base / name)
    out = base / "out"
    command = [sys.executable, "-m", "grading", "grade", *map(str, paths), "--out", str(out)]
    command += ["--jobs", "2", "--timeout", str(TIMEOUT), "--memory", "1024", "--seed", "7"]
    done = subprocess.run(
        command + user_flags(), cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "grades.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    results = {name: json.loads((out / name / "results.json").read_text()) for name in rows}
    return {"rows": rows, "results": results, "stdout": done.stdout, "out": out}


def expected_row(lost):
    return {label: points - lost.get(label, 0) for label, (points, _) in SHEET.items()}


def scores(graded, name):
    row = graded["rows"][name]
    return {label: float(row[label]) for label in SHEET}


def test_points_table_matches_the_sheet():
    assert TOTAL == 19
    for label, (points, _) in SHEET.items():
        assert sum(c[2] for c in CHECKS if c[0] == label) == points, label
    assert len({(c[0], c[1]) for c in CHECKS}) == len(CHECKS)


def test_this_package_scores_full_marks(graded):
    assert scores(graded, "reference") == expected_row({})
    assert float(graded["rows"]["reference"]["total"]) == TOTAL


def test_the_handout_scores_zero(graded):
    assert scores(graded, "handout") == dict.fromkeys(SHEET, 0)
    for test in graded["results"]["handout"]["tests"]:
        if test["max_score"]:
            assert "NotImplementedError: Subtask" in test["output"], test


def test_missing_modules_are_missing_work_never_borrowed(graded):
    got = scores(graded, "only_memory_task")
    # memory_task.py alone: 2d, and 2e's accuracy; its test loop is in loops.py.
    assert got == dict.fromkeys(SHEET, 0) | {"2d": 1, "2e": 0.5}
    outputs = {t["name"][:2]: t["output"] for t in graded["results"]["only_memory_task"]["tests"]}
    assert "BasicRNNCell.py not in the submission" in outputs["1a"]


@pytest.mark.parametrize("name", PLANTED)
def test_a_planted_bug_costs_its_own_sub_question_only(graded, name):
    lost = PLANTED[name][3]
    assert scores(graded, name) == expected_row(lost)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_code_earns_nothing_it_did_not_do(graded, name):
    _, _, lost, reason = HOSTILE[name]
    assert scores(graded, name) == expected_row(lost)
    lost_tests = [t for t in graded["results"][name]["tests"] if t["score"] < t["max_score"]]
    assert all(reason in t["output"] for t in lost_tests), [t["output"] for t in lost_tests]


def test_printed_output_is_capped(graded):
    for result in graded["results"].values():
        for test in result["tests"]:
            assert len(test["output"]) <= 8200
    tests = graded["results"]["prints_megabytes"]["tests"]
    printed = [t["output"] for t in tests if t["name"].startswith("2c")]
    assert printed and all("left out" in text and "x" * 1000 in text for text in printed)


def test_results_json_follows_gradescope(graded):
    for name, result in graded["results"].items():
        assert set(result) >= {"score", "execution_time", "tests"}
        assert isinstance(result["score"], (int, float))
        assert isinstance(result["execution_time"], (int, float))
        labels = [t["name"].split(" ", 1)[0] for t in result["tests"]]
        assert set(labels) == set(SHEET), name
        for test in result["tests"]:
            assert set(test) >= {"name", "score", "max_score", "output", "visibility", "status"}
            assert isinstance(test["name"], str) and isinstance(test["output"], str)
            assert test["visibility"] == "visible"
            assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
            assert 0 <= test["score"] <= test["max_score"]
        assert sum(t["max_score"] for t in result["tests"]) == TOTAL
        assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))
        assert float(graded["rows"][name]["total"]) == pytest.approx(result["score"])


def test_a_lost_point_says_why(graded):
    tests = graded["results"]["gates_in_wrong_order"]["tests"]
    lines = [t["output"] for t in tests if t["name"].startswith("2b") and t["score"] == 0]
    assert any("differs from torch.nn.LSTM, relative error" in line for line in lines), lines
    assert "2b lost 1:" in graded["stdout"]
    tests = graded["results"]["syntax_error"]["tests"]
    assert any("BasicRNNCell.py failed to import: SyntaxError line 1" in t["output"] for t in tests)


def test_a_reading_the_sheet_allows_is_named(graded):
    tests = graded["results"]["reference"]["tests"]
    outputs = " ".join(t["output"] for t in tests)
    assert "match the reading: summed over positions and sequences" in outputs
    assert "positions after the delimiter" in outputs


def test_the_grader_refuses_a_user_it_cannot_run_as(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(ROOT), "--user", "no-such-user-x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "error: there is no user 'no-such-user-x'" in done.stderr
    assert "Traceback" not in done.stderr


def test_children_run_unprivileged_when_the_grader_is_root():
    """As root, the default user is nobody; this machine's Python may not be open to it."""
    limits = sandbox.Limits(user=sandbox.default_user())
    if os.geteuid() != 0:
        assert limits.user is None
        return
    assert limits.user == "nobody"
    try:
        sandbox.check_user(limits)
    except sandbox.SandboxError as err:
        assert "cannot run" in str(err) and "--user" in str(err)
        return
    with sandbox.Sandbox({}, limits) as box:
        box._start()
        assert os.stat(f"/proc/{box.process.pid}").st_uid not in (0, -1)
        assert os.stat(box.root / "results").st_uid != 0


def test_result_files_are_never_unpickled_or_followed(tmp_path):
    box = sandbox.Sandbox({}, sandbox.Limits())
    try:
        results = box.root / "results"
        np.savez(results / "1a.npz", bad=np.array([{"a": 1}], dtype=object), good=np.ones(2))
        (results / "1b.npz").symlink_to("/dev/zero")
        os.mkfifo(results / "1d.npz")
        (results / "1a.json").write_text('{"first.error": "x"}')
        arrays, notes = box._results("1a")
        assert set(arrays) == set()  # the whole file is refused: one object array in it
        assert notes == {"first.error": "x"}
        assert box._results("1b") == ({}, {})
        assert box._results("1d") == ({}, {})
    finally:
        box.close()
    assert not box.root.exists()


def test_skeleton_regions_and_markers():
    source = solution("BasicRNNCell")
    labels = [label for label, _, _ in regions(source)]
    assert labels == ["1f", "1a", "1b"]
    blank = blank_out(source, "BasicRNNCell")
    assert "#####Start Subtask 1b#####" in blank and "np.maximum" not in blank
    assert 'raise NotImplementedError("Subtask 1b: complete BasicRNNCell.bprop' in blank
    with pytest.raises(ValueError, match="never closed"):
        regions("#####Start Subtask 1a#####\nx = 1\n")


def test_the_handout_runs(tmp_path):
    write_handout(tmp_path / "handout")
    done = subprocess.run(
        [sys.executable, "main.py", "--help"],
        cwd=tmp_path / "handout",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "--task" in done.stdout
    done = subprocess.run(
        [
            sys.executable,
            "main.py",
            "--task",
            "2",
            "--RNN",
            "LSTM",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=tmp_path / "handout",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "Subtask 2a" in done.stderr + done.stdout
    assert not (tmp_path / "handout" / "experiments.py").exists()
    shutil.rmtree(tmp_path / "handout")


def test_the_grader_imports_no_graded_module():
    code = (
        "import sys, grading.__main__, grading.grade, grading.checks, grading.report\n"
        "from grading.points import GRADED_MODULES\n"
        "print(sorted(set(GRADED_MODULES) & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--timeout", "inf"], "--timeout: must be a finite number > 0"),
        (["--jobs", "0"], "--jobs: must be a finite number > 0"),
        (["--seed", "-3"], "--seed: must be an integer from 0 to 2^63 - 1"),
        (["--memory", "x"], "--memory: must be a finite number > 0"),
    ],
)
def test_bad_flags_are_refused(flags, words):
    done = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(ROOT), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_what_cannot_be_graded_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(tmp_path / "nothing.zip")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "not a folder or a .zip file" in done.stderr
    (tmp_path / "file").write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "grading", "skeleton", str(tmp_path / "file" / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "cannot write the handout" in done.stderr


def test_a_closed_stdout_does_not_stop_grading(tmp_path):
    """``python -m grading grade ... | head -1``: the results are still written, whole."""
    write_handout(tmp_path / "handout")
    command = [sys.executable, "-m", "grading", "grade", str(tmp_path / "handout"), str(ROOT)]
    command += ["--out", str(tmp_path / "out"), *user_flags()]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.stdout.close()
    assert process.wait(timeout=300) == 0, process.stderr.read()
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        rows = {row["submission"]: row["total"] for row in csv.DictReader(f)}
    assert rows == {"handout": "0", ROOT.name: "19"}
