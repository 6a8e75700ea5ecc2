"""The grading kit: this package scores 19/19, the handout 0, planted bugs and hostile code
lose exactly the points of their own sub-questions, and the files follow Gradescope's format.

One run of ``python -m grading grade`` grades every submission below (``graded``).
"""

import contextlib
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile

import course_fixture
import numpy as np
import pytest
from conftest import ROOT

from grading import sandbox
from grading.__main__ import main as grading_main
from grading.__main__ import unique_names
from grading.points import SHEET, TOTAL
from grading.questions import CHECKS, QUESTIONS
from grading.questions.base import answer
from grading.questions.layouts import COURSE, OWN
from grading.skeleton import blank_out, handout_files, regions, write_handout

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
    "clip_not_in_place": (
        "common",
        "g *= threshold / norm",
        "g = g * (threshold / norm)",
        {"1d": 1},
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
    "forget_gate_tanh": (
        "MyLSTMCell",
        "torch.addcmul(torch.sigmoid(f) * c,",
        "torch.addcmul(torch.tanh(f) * c,",
        {"2b": 3},
    ),
    "no_zero_grad": ("loops", "optimizer.zero_grad()", "pass", {"2c": 2}),
    "no_clipping": (
        "loops",
        'clip_grad_norm_(model.parameters(), clip or float("inf"))',
        'clip_grad_norm_(model.parameters(), float("inf"))',
        {"2c": 1},
    ),
    "loss_largest": (
        "memory_task",
        "return -log_probs.gather(2, ground_truth.unsqueeze(2)).sum()",
        "return -log_probs.gather(2, ground_truth.unsqueeze(2)).max()",
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
        "try:\n"
        "    grader = open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[1]\n"
        "    argv = open(f'/proc/{grader}/cmdline').read().split('\\0')\n"
        "    out = [os.path.join(argv[argv.index('--out') + 1], 'fakes_results')]\n"
        "except (OSError, ValueError, IndexError):\n"
        "    out = []\n"
        "for d in ['.', '..', *out]:\n"
        "    try:\n"
        "        open(os.path.join(d, 'results.json'), 'w').write(fake)\n"
        "    except OSError:\n"
        "        pass\n"
        'print(json.dumps({"label": "2d", "exit": 0, "timed_out": False, "output": ""}))\n'
        'print(json.dumps({"score": 19, "tests": []}))\n',
        {"2d": 1},
        "are no multiple of the summed cross-entropy",
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
        "killed by signal 9",
    ),
    "claims_a_huge_array": (
        "memory_task",
        "import io as _io, zipfile as _zipfile, numpy as _np\n"
        "def _savez(path, **arrays):\n"
        "    header = _io.BytesIO()\n"
        "    _np.lib.format.write_array_header_1_0(\n"
        "        header, {'descr': '<f8', 'fortran_order': False, 'shape': (2**40,)})\n"
        "    with _zipfile.ZipFile(path, 'w') as z:\n"
        "        z.writestr('loss.loss.npy', header.getvalue() + bytes(64))\n"
        "_np.savez = _savez\n",
        {"2c": 2, "2d": 1, "2e": 1},
        "ended without writing its results",
    ),
    "empties_then_idles": (
        "common",
        "_CALLS = []\n",
        {"1d": 1},
        "not",
    ),
    "nests_its_notes": (
        "common",
        "import json as _json\n"
        "_json.dump = lambda notes, f, **kw: f.write('{\"a\": ' + '[' * 5000 + ']' * 5000 + '}')\n",
        {},
        "",
    ),
    "syntax_error": (
        "BasicRNNCell",
        "def broken(:\n",
        {"1a": 2, "1b": 3, "1f": 1},
        "SyntaxError: invalid syntax (BasicRNNCell.py line 1)",
    ),
}

# Hostile code inside a graded function, where the function's own behaviour is the attack.
INSIDE = {
    # Empties its arrays on its first call and does nothing after: with the probe's cases in
    # one process, the second case would find them unchanged.
    "empties_then_idles": (
        "    grads = [grads] if",
        "    _CALLS.append(1)\n"
        "    if len(_CALLS) > 1:\n"
        "        return 0.0\n"
        "    for g in [grads] if isinstance(grads, np.ndarray) else grads:\n"
        "        g *= 0\n"
        "    return 0.0\n"
        "    grads = [grads] if",
    ),
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

# Attacks on the sandbox, each at the top of one module of this package's solution:
# (module, code, {sub-question: points lost}). MARKER names what they leave behind, PORT is a
# listener the test opens on 127.0.0.1; None: what they compute themselves is not asserted.
MARKER = "escape-marker-5d1e"
ATTACKS = {
    "detaches": (
        "common",
        "import os, subprocess, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    subprocess.Popen([sys.executable, '-c', 'import os, time\\n"
        "for _ in range(50):\\n    time.sleep(0.1)\\n    os.kill(-1, 9)', 'MARKER'],\n"
        "                     start_new_session=True, stdin=subprocess.DEVNULL,\n"
        "                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "    os._exit(0)\n",
        None,
    ),
    "copies_classmates": (
        "BasicRNNCell",
        "import os\n"
        "for top, dirs, files in os.walk('/'):\n"
        "    dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev')]\n"
        "    for name in files:\n"
        "        path = os.path.join(top, name)\n"
        "        if name == 'points.py' and top.endswith('grading'):\n"
        "            raise SystemExit('found the solution at ' + path)\n"
        "        if name == 'BasicRNNCell.py' and path != __file__:\n"
        "            text = open(path).read()\n"
        "            if 'def fprop' in text and 'NotImplementedError' not in text:\n"
        "                exec(compile(text, path, 'exec'), globals())\n",
        dict(SHEET),  # built on the blank handout: whatever it finds, it scores what that does
    ),
    "phones_home": (
        "memory_task",
        "import socket\n"
        "for port in (PORT, 80, 443):\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', port), timeout=2).sendall(b'MARKER')\n"
        "    except OSError:\n"
        "        pass\n",
        {},
    ),
    "fills_the_disk": (
        "loops",
        "import os\n"
        "folders = ('.', '/tmp', '/dev/shm', os.path.expanduser('~'))\n"
        "written, files = 0, []\n"
        "for folder in folders:\n"
        "    for k in range(2000):\n"
        "        path = os.path.join(folder, f'MARKER-{len(files)}')\n"
        "        try:\n"
        "            with open(path, 'wb') as f:\n"
        "                files.append(path)\n"
        "                f.write(b'x' * (1 << 20))\n"
        "            written += 1 << 20\n"
        "        except OSError:\n"
        "            break\n"
        "for path in files:\n"
        "    os.remove(path)\n"
        "if written > 200 << 20:\n"
        "    raise SystemExit(f'wrote {written >> 20} MB')\n",
        {},
    ),
    "forks_without_end": (
        "MyLSTMCell",
        "import os, signal, time\n"
        "children = []\n"
        "try:\n"
        "    for _ in range(5000):\n"
        "        pid = os.fork()\n"
        "        if pid == 0:\n"
        "            time.sleep(600)\n"
        "            os._exit(0)\n"
        "        children.append(pid)\n"
        "except OSError:\n"
        "    pass\n"
        "for pid in children:\n"
        "    os.kill(pid, signal.SIGKILL)\n"
        "    os.waitpid(pid, 0)\n"
        "if len(children) > 200:\n"
        "    raise SystemExit(f'{len(children)} processes')\n",
        {},
    ),
    "sends_bombs": (
        "BasicRNNCell",
        "import numpy\n"
        "def _savez(path, **arrays):\n"
        "    if str(path).endswith('1a.npz'):  # a gigabyte of zeros in a megabyte\n"
        "        zeros = numpy.broadcast_to(numpy.zeros(1, numpy.uint8), (1 << 30,))\n"
        "        numpy.savez_compressed(path, **{k: zeros for k in arrays})\n"
        "    else:\n"
        "        numpy.savez(path, **{k: numpy.ones(1) for k in arrays})\n"
        "numpy.savez = _savez\n",
        {"1a": 2, "1b": 3, "1f": 1},
    ),
    "deep_tree": (
        "memory_task",
        "import os\n"
        "path = os.path.abspath('MARKER')\n"
        "for _ in range(3000):\n"
        "    try:\n"
        "        os.mkdir(path)\n"
        "        os.chdir(path)\n"
        "    except OSError:\n"
        "        break\n"
        "    path = 'd'\n",
        {},
    ),
    "escapes_the_terminal": (
        "loops",
        "raise RuntimeError('\\x1b]52;c;aGVsbG8=\\x07\\x1b[2J owned')\n",
        {"2c": 2, "2e": 0.5},
    ),
}

TIMEOUT = 5  # seconds per probe: ten times what the slowest honest probe takes here


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
    return {m: solution(m) for m in OWN.graded_modules} | {module: text}


def hostile(name):
    module, header, _, _ = HOSTILE[name]
    text = solution(module)
    if name in INSIDE:
        old, new = INSIDE[name]
        assert text.count(old) == 1, name
        text = text.replace(old, new)
    return {m: solution(m) for m in OWN.graded_modules} | {module: header + text}


def attack(name, port):
    module, code, _ = ATTACKS[name]
    sources = handout_sources() if name == "copies_classmates" else solution_sources()
    code = code.replace("MARKER", MARKER).replace("PORT", str(port))
    return sources | {module: code + sources[module]}


def solution_sources():
    return {m: solution(m) for m in OWN.graded_modules}


def handout_sources():
    return {m: blank_out(solution(m), m) for m in OWN.graded_modules}


GRADE_MEASURED = (
    "import resource, runpy, sys\n"
    "sys.argv = ['grading', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('grading', run_name='__main__')\n"
    "except SystemExit as done:\n"
    "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10\n"
    "    print(f'peak memory {peak} MB', file=sys.stderr)\n"
    "    sys.exit(done.code)\n"
)


def survivors():
    """Processes whose command line holds the attacks' marker."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if MARKER.encode() in f.read():
                    found.append(entry)
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: this package, its handout, planted bugs, hostile code, sandbox attacks and a
    course-layout submission, graded with --jobs 2 while a listener waits on 127.0.0.1."""
    base = tmp_path_factory.mktemp("submissions")
    paths = []
    reference = base / "reference.zip"
    with zipfile.ZipFile(reference, "w") as archive:
        for module in OWN.graded_modules:
            archive.writestr(f"mn1_mn2\\{module}.py", solution(module))  # Windows' separator
        archive.writestr("__MACOSX/mn1_mn2/._common.py", "garbage")
    paths.append(reference)
    shutil.copy(reference, base / "grades.csv.zip")
    paths.append(base / "grades.csv.zip")
    write_folder(base / "handout", handout_sources())
    paths.append(base / "handout")
    write_folder(base / "only_memory_task", {"memory_task": solution("memory_task")})
    paths.append(base / "only_memory_task")
    for name in PLANTED:
        write_folder(base / name, planted(name))
        paths.append(base / name)
    for name in HOSTILE:
        write_folder(base / name, hostile(name))
        paths.append(base / name)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0)
    port = listener.getsockname()[1]
    for name in ATTACKS:
        write_folder(base / name, attack(name, port))
        paths.append(base / name)
    course_fixture.write(base / "course_layout" / "group7", course_fixture.course_files())
    paths.append(base / "course_layout")
    out = base / "out"
    command = [sys.executable, "-c", GRADE_MEASURED, "grade", *map(str, paths), "--out", str(out)]
    command += ["--jobs", "2", "--timeout", str(TIMEOUT), "--memory", "1024", "--seed", "7"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=900)
    stdout, stderr = done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    assert done.returncode == 0, stderr[-3000:]
    connections = 0
    with contextlib.suppress(BlockingIOError):
        while listener.accept():
            connections += 1
    listener.close()
    with open(out / "grades.csv", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    results = {name: json.loads((out / name / "results.json").read_text()) for name in rows}
    return {
        "rows": rows,
        "results": results,
        "stdout": stdout,
        "raw_stdout": done.stdout,
        "stderr": stderr,
        "out": out,
        "connections": connections,
        "survivors": survivors(),
        "left_on_disk": left_on_disk(),
    }


def left_on_disk():
    """Markers an escaped attack would leave where it writes: the host's own /tmp, /dev/shm and
    home, looked at one level deep (no walk through other programs' folders)."""
    found = []
    for folder in (tempfile.gettempdir(), "/dev/shm", os.path.expanduser("~")):
        with contextlib.suppress(OSError):
            found += [f"{folder}/{n}" for n in os.listdir(folder) if n.startswith(MARKER)]
    return found


def expected_row(lost):
    return {label: points - lost.get(label, 0) for label, points in SHEET.items()}


def scores(graded, name):
    row = graded["rows"][name]
    return {label: float(row[label]) for label in SHEET}


def test_the_check_table_the_probes_and_the_judges_agree():
    """Every check names a probe that is drawn, a part the child runs in both layouts, and a
    judge that scores what comes back, nothing at all included, without raising."""
    rng = np.random.default_rng(0)
    for check in CHECKS:
        question = QUESTIONS[check.label]
        assert check.part in question.PARTS, check.name
        for layout in (OWN, COURSE):
            assert layout.locate(check.label, check.part), (check.name, layout.name)
            probe = question.draw(rng, layout)
            passed, line = check.judge(check, probe, answer(check, {}, {}))
            assert passed is False and isinstance(line, str) and line, check.name
    assert {c.label for c in CHECKS} == {label for label, points in SHEET.items() if points}


def test_the_probes_gradient_descent_steps_as_torch_optim_sgd():
    """2c hands the submission's loop ``PlainSGD``: the same weights as ``torch.optim.SGD``,
    bit for bit, at every step."""
    import torch

    from grading.questions.q2c import PlainSGD

    torch.manual_seed(0)
    models = [torch.nn.Linear(3, 2).double() for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    x, y = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    optimizers = (
        PlainSGD(models[0].parameters(), 0.1),
        torch.optim.SGD(models[1].parameters(), lr=0.1),
    )
    for _ in range(4):
        for model, optimizer in zip(models, optimizers, strict=True):
            optimizer.zero_grad()
            ((model(x) - y) ** 2).sum().backward()
            optimizer.step()
        for mine, theirs in zip(models[0].parameters(), models[1].parameters(), strict=True):
            assert torch.equal(mine, theirs)
    assert all(p.grad is not None for p in models[0].parameters())
    optimizers[0].zero_grad()
    assert all(p.grad is None for p in models[0].parameters())


def test_points_table_matches_the_sheet():
    assert TOTAL == 19
    for label, points in SHEET.items():
        assert sum(c.points for c in CHECKS if c.label == label) == points, label
    assert len({(c.label, c.name) for c in CHECKS}) == len(CHECKS)


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
    tests = graded["results"]["forget_gate_tanh"]["tests"]
    lines = [t["output"] for t in tests if t["name"].startswith("2b") and t["score"] == 0]
    assert all("no layout of the parameters reproduces torch.nn.LSTM" in line for line in lines)
    assert "2b lost 1:" in graded["stdout"]
    tests = graded["results"]["syntax_error"]["tests"]
    reason = "failed to import: SyntaxError: invalid syntax (BasicRNNCell.py line 1)"
    assert any(reason in t["output"] for t in tests)


def test_a_reading_the_sheet_allows_is_named(graded):
    tests = graded["results"]["reference"]["tests"]
    outputs = " ".join(t["output"] for t in tests)
    assert "are the cross-entropy summed over every position" in outputs
    assert "positions after the delimiter" in outputs


@pytest.mark.parametrize("name", [n for n, (_, _, lost) in ATTACKS.items() if lost is not None])
def test_an_attack_on_the_sandbox_gains_nothing(graded, name):
    assert scores(graded, name) == expected_row(ATTACKS[name][2])


def test_no_process_outlives_the_grader(graded):
    assert graded["survivors"] == []


def test_nothing_is_written_outside_the_sandbox(graded):
    assert graded["left_on_disk"] == []
    written = sorted(p.name for p in graded["out"].iterdir())
    assert written == sorted([*graded["rows"], "grades.csv", "run.json"])


def test_no_connection_leaves_the_sandbox(graded):
    assert graded["connections"] == 0


def test_the_graders_memory_stays_bounded(graded):
    peak = int(graded["stderr"].rsplit("peak memory ", 1)[1].split()[0])
    assert peak < 800, f"the grader grew to {peak} MB"  # it holds torch: about 350 MB


def test_control_characters_never_reach_the_terminal(graded):
    assert b"\x1b" not in graded["raw_stdout"]
    text = json.dumps(graded["results"]["escapes_the_terminal"])
    assert "\\u001b" not in text and "owned" in text


def test_names_are_unique_and_never_the_gradebooks(graded):
    assert graded["rows"]["grades.csv-2"]["total"] == "19"
    assert (graded["out"] / "grades.csv").is_file()
    assert unique_names(["s", "s", "s-2", "S", "grades.csv", ".."]) == [
        "s", "s-2", "s-2-2", "S-3", "grades.csv-2", "submission",
    ]  # fmt: skip


def test_a_course_layout_submission_in_the_same_batch(graded):
    assert scores(graded, "course_layout") == expected_row({})
    notes = graded["results"]["course_layout"]["output"]
    assert "graded as the course's WS 2023/24 handout" in notes
    assert "without --handout" in notes
    assert "graded as this package's handout" in graded["results"]["reference"]["output"]


def test_sandboxed_code_runs_as_a_user_of_its_own(tmp_path):
    """As root, the child has its own uid; as any user, it sees none of the grader's files."""
    code = f"import os, pathlib; print(os.getuid(), pathlib.Path({str(ROOT)!r}).exists())"
    box = sandbox.Sandbox({}, sandbox.Limits(timeout=30))
    try:
        command = sandbox._bwrap_command(box.root, box.limits, box.uid)
        done = subprocess.run(
            [*command, sandbox.sandbox_python(), "-I", "-c", code], capture_output=True, text=True
        )
    finally:
        box.close()
    uid, sees_project = done.stdout.split()
    assert sees_project == "False"
    assert int(uid) != 0 or os.geteuid() != 0
    assert not box.root.exists()


def test_results_are_never_unpickled_inflated_or_followed(tmp_path):
    buffer = io.BytesIO()
    np.savez(buffer, bad=np.array([{"a": 1}], dtype=object), good=np.ones(2))
    assert sandbox.load_arrays(buffer.getvalue()) == {}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, zeros=np.zeros(1 << 20))
    assert sandbox.load_arrays(buffer.getvalue()) == {}
    buffer = io.BytesIO()
    np.savez(buffer, good=np.arange(3.0))
    assert list(sandbox.load_arrays(buffer.getvalue())) == ["good"]
    (tmp_path / "link").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo")
    results = {"npz": "!!! not base64", "notes": {"first.error": "x\x1b[2J"}}
    arrays, notes = sandbox._results(results)
    assert arrays == {} and notes == {"first.error": "x\ufffd[2J"}
    sys.path.insert(0, str(ROOT / "grading"))
    import child

    for name in ("link", "fifo"):
        with pytest.raises(OSError):
            child.read_file(str(tmp_path / name))


def grade_here(*args):
    """``python -m grading args`` in this process: its exit status and what it printed."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = grading_main(list(args))
        except SystemExit as stop:
            code = stop.code
    return code, err.getvalue()


def test_the_grader_refuses_what_it_cannot_run(tmp_path, monkeypatch):
    code, err = grade_here("grade", str(ROOT), "--isolation", "user", "--user", "no-such-user-x")
    assert code == 2 and "error: there is no user 'no-such-user-x'" in err
    code, err = grade_here("grade", str(ROOT), "--memory", "100", "--out", str(tmp_path / "o"))
    assert code == 2 and "--memory must be at least 512 MB" in err
    (tmp_path / "x").write_text("")
    code, err = grade_here("grade", str(ROOT), "--out", str(tmp_path))
    assert code == 2 and "must be a new or empty folder" in err
    monkeypatch.setenv("PATH", str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(ROOT), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "install the package bubblewrap" in done.stderr
    assert "--isolation user" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_trusted_code_grades_without_a_sandbox(tmp_path):
    write_folder(tmp_path / "mine", solution_sources())
    command = [sys.executable, "-m", "grading", "grade", str(tmp_path / "mine")]
    done = subprocess.run(
        [*command, "--isolation", "none", "--out", str(tmp_path / "out"), "--seed", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "mine: 19 / 19 points" in done.stdout


def test_skeleton_regions_and_markers():
    source = solution("BasicRNNCell")
    labels = [label for label, _, _ in regions(source)]
    assert labels == ["1f", "1a", "1b"]
    blank = blank_out(source, "BasicRNNCell")
    assert "#####Start Subtask 1b#####" in blank and "np.maximum" not in blank
    assert 'raise NotImplementedError("Subtask 1b: complete BasicRNNCell.bprop' in blank
    with pytest.raises(ValueError, match="never closed"):
        regions("#####Start Subtask 1a#####\nx = 1\n")


def test_the_handout_gives_no_answer_away():
    """No line that only a solution region holds, the numpy LSTM's included, is in the handout."""
    inside, outside = set(), set()
    for path in [*ROOT.glob("*.py"), *ROOT.glob("runner/*.py")]:
        lines = [line.strip() for line in path.read_text().splitlines()]
        marked = {k for _, first, last in regions(path.read_text()) for k in range(first, last - 1)}
        for k, line in enumerate(lines):
            (inside if k in marked else outside).add(line)
    answers = {line for line in inside - outside if len(line) > 12}
    assert len(answers) > 60
    handout = "\n".join(handout_files().values())
    assert sorted(answers & {line.strip() for line in handout.splitlines()}) == []
    assert 'raise NotImplementedError("Subtask extra: complete NumpyLSTMCell.bprop' in handout


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
        "import sys, grading.__main__, grading.grade, grading.questions, grading.report\n"
        "from grading.questions.layouts import OWN\n"
        "print(sorted(set(OWN.graded_modules) & set(sys.modules)))"
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
    code, err = grade_here("grade", str(ROOT), *flags)
    assert code == 2 and words in err


def test_what_cannot_be_graded_is_refused(tmp_path):
    code, err = grade_here("grade", str(tmp_path / "nothing.zip"))
    assert code == 2 and "not a folder or a .zip, .tar.gz" in err
    (tmp_path / "file").write_text("x")
    code, err = grade_here("skeleton", str(tmp_path / "file" / "out"))
    assert code == 2 and "cannot write the handout" in err


def test_a_closed_stdout_does_not_stop_grading(tmp_path):
    """``python -m grading grade ... | head -1``: the results are still written, whole."""
    write_handout(tmp_path / "handout")
    command = [sys.executable, "-m", "grading", "grade", str(tmp_path / "handout"), str(ROOT)]
    command += ["--out", str(tmp_path / "out")]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.stdout.close()
    assert process.wait(timeout=300) == 0, process.stderr.read()
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        rows = {row["submission"]: row["total"] for row in csv.DictReader(f)}
    assert rows == {"handout": "0", ROOT.name: "19"}
