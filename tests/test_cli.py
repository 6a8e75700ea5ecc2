"""The command line: tiny runs of each task, refusals, divergence and interruption."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from conftest import ROOT, read_metrics, run_here, run_main

import main

TINY = {
    "0": ["--steps", "30", "--hidden", "12", "--batch-size", "4"],
    "1": ["--epochs", "1", "--hidden", "6", "--train-size", "64"],
    "2": ["--epochs", "1", "--hidden", "12", "--to-remember-len", "2", "--blank-len", "1"],
}


@pytest.mark.parametrize(
    ("task", "rnn", "figure"),
    [
        ("0", "RNN", "test_accuracy"),
        ("0", "LSTM", "test_accuracy"),
        ("1", "LSTM", "test_mse"),
        ("1", "RNN", "test_mse"),
        ("2", "LSTM", "test_accuracy"),
    ],
)
def test_each_task_runs_and_writes_its_outputs(tmp_path, task, rnn, figure):
    out = tmp_path / "run"
    result = run_here("--task", task, "--RNN", rnn, *TINY[task], "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    metrics = read_metrics(out)
    assert metrics["status"] == "complete"
    for key in ("task", "rnn", "config", "num_parameters", "wall_seconds", "versions", figure):
        assert key in metrics
    assert metrics["config"]["seed"] == 0 and metrics["rnn"] == rnn
    if figure == "test_accuracy":
        assert 0 <= metrics[figure] <= 1
    files = {p.name for p in out.iterdir()}
    assert {"metrics.json", "training_loss.png"} <= files
    if task == "0":
        assert (
            "exploding_gradients.png" in files and metrics["grad_check_max_relative_error"] < 1e-6
        )
        weights = np.load(out / "weights.npz")
        assert set(weights) == {"0.W_hh", "0.W_hx", "0.b_h", "1.W", "1.b"}
        gates = 4 if rnn == "LSTM" else 1
        assert weights["0.W_hh"].shape == (gates * 12, 12)
        assert metrics["num_parameters"] == sum(w.size for w in weights.values())
    else:
        state = torch.load(out / "weights.pt")
        assert metrics["num_parameters"] == sum(v.numel() for v in state.values())
    if task == "1":
        assert {"sine_test_0.png", "sine_test_4.png", "sine_test_all.png"} <= files


def test_same_seed_same_numbers(tmp_path):
    runs = [tmp_path / "a", tmp_path / "b"]
    for out in runs:
        assert run_here("--task", "2", *TINY["2"], "--out", str(out), "--quiet").returncode == 0
    a, b = (read_metrics(out) for out in runs)
    assert (a["test_accuracy"], a["test_loss"], a["loss_history"]) == (
        b["test_accuracy"],
        b["test_loss"],
        b["loss_history"],
    )


def test_match_params_sizes_the_rnn_like_the_lstm(tmp_path):
    counts = {}
    for rnn, extra in (("LSTM", []), ("RNN", ["--match-params"])):
        out = tmp_path / rnn
        args = [
            "--task",
            "2",
            "--RNN",
            rnn,
            *TINY["2"],
            "--hidden",
            "20",
            *extra,
            "--out",
            str(out),
        ]
        assert run_here(*args, "--quiet").returncode == 0
        counts[rnn] = read_metrics(out)["num_parameters"]
    assert abs(counts["RNN"] - counts["LSTM"]) / counts["LSTM"] < 0.03


def test_skeleton_aliases(tmp_path):
    out = tmp_path / "run"
    args = ["--task", "2", "--rnn_type", "BasicRNN", "--num_epochs", "1", "--batch_sz", "100"]
    args += ["--rnn_sz", "8", "--to-remember-len", "1", "--blank-len", "0", "--out", str(out)]
    assert run_here(*args, "--quiet").returncode == 0
    config = read_metrics(out)["config"]
    assert (config["rnn"], config["epochs"], config["batch_size"], config["hidden"]) == (
        "RNN",
        1,
        100,
        8,
    )


REFUSALS = [
    (["--task", "7"], "--task"),
    (["--task", "sine", "--RNN", "GRU"], "--RNN"),
    (["--task", "1", "--hidden", "0"], "--hidden"),
    (["--task", "1", "--epochs", "-3"], "--epochs"),
    (["--task", "0", "--steps", "0"], "--steps"),
    (["--task", "1", "--batch-size", "0"], "--batch-size"),
    (["--task", "1", "--lr", "nan"], "--lr"),
    (["--task", "1", "--lr", "inf"], "--lr"),
    (["--task", "1", "--lr", "0"], "--lr"),
    (["--task", "1", "--lr", "1e300"], "--lr"),
    (["--task", "1", "--lr", "fast"], "--lr"),
    (["--task", "1", "--clip", "-1"], "--clip"),
    (["--task", "1", "--clip", "nan"], "--clip"),
    (["--task", "2", "--blank-len", "-1"], "--blank-len"),
    (["--task", "2", "--to-remember-len", "0"], "--to-remember-len"),
    (["--task", "1", "--RNN", "LSTM", "--match-params"], "--match-params"),
    (["--task", "0", "--RNN", "LSTM", "--init", "random"], "--init"),
    (["--task", "2", "--RNN", "LSTM", "--init", "identity"], "--init"),
    (["--task", "1", "--steps", "5"], "--steps"),
    (["--task", "1", "--init", "zeros"], "--init"),
    (["--task", "1", "--seed", "-1"], "--seed"),
    (["--task", "2", "--forget-bias", "2"], "--forget-bias"),
    (["--task", "0", "--forget-bias", "2"], "--forget-bias"),
    (["--task", "1", "--optimizer", "sgd"], "--optimizer"),
    (["--task", "0", "--optimizer", "rmsprop"], "--optimizer"),
    (["--task", "2", "--clip-per-array"], "--clip-per-array"),
    (["--task", "2", "--final-lr-fraction", "0.5"], "--final-lr-fraction"),
    (["--task", "0", "--final-lr-fraction", "0"], "--final-lr-fraction"),
    (["--task", "1", "--final-lr-fraction", "1.5"], "--final-lr-fraction"),
    (["--task", "1", "--RNN", "LSTM", "--forget-bias", "nan"], "--forget-bias"),
    (["--task", "1", "--RNN", "LSTM", "--forget-bias", "25"], "--forget-bias"),
    (["--task", "0", "--curriculum"], "--curriculum"),
]


@pytest.mark.parametrize(("args", "flag"), REFUSALS, ids=[" ".join(a) for a, _ in REFUSALS])
def test_bad_flags_are_refused(args, flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:
        main.parse_args([*args, "--out", str(tmp_path / "never")])
    assert refused.value.code == 2 and flag in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_a_bad_flag_exits_2_in_one_line_without_a_traceback(tmp_path):
    result = run_main("--task", "1", "--lr", "nan", "--out", str(tmp_path / "never"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("main.py: error: argument --lr")
    assert not (tmp_path / "never").exists()


def test_device_cuda_without_cuda_is_refused(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = run_here("--task", "1", "--device", "cuda", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "CUDA is not available" in result.stderr


def test_out_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("keep me")
    result = run_here("--task", "1", "--out", str(target))
    assert result.returncode == 2 and "--out" in result.stderr and "is a file" in result.stderr
    assert target.read_text() == "keep me"


def test_out_path_below_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("keep me")
    result = run_here("--task", "1", "--out", str(target / "run"))
    assert result.returncode == 2 and "--out" in result.stderr and "cannot write" in result.stderr
    assert target.read_text() == "keep me"


def test_existing_outputs_are_never_overwritten(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.json").write_text("earlier run")
    result = run_here("--task", "2", *TINY["2"], "--out", str(out), "--quiet")
    assert result.returncode == 0
    assert (out / "metrics.json").read_text() == "earlier run"
    metrics = read_metrics(tmp_path / "run-2")
    assert metrics["status"] == "complete" and metrics["out_dir"] == str(tmp_path / "run-2")
    assert "run-2" in result.stdout


def poison_after(function, calls):
    """Wrap ``function`` so that from call number ``calls`` on its loss is NaN.

    A torch loss function's result is multiplied by NaN; a numpy training
    step (task 0) gets NaN data, so its own check must catch it.
    """
    count = 0

    def poisoned(*args, **kwargs):
        nonlocal count
        count += 1
        if count < calls:
            return function(*args, **kwargs)
        if isinstance(args[0], torch.Tensor):
            return function(*args, **kwargs) * float("nan")
        return function(args[0], args[1] * np.nan, *args[2:], **kwargs)

    return poisoned


@pytest.mark.parametrize(("task", "target"), [("0", "run_training"), ("2", "memory_task_loss")])
def test_divergence_stops_with_a_message_and_keeps_readable_outputs(
    tmp_path, task, target, monkeypatch, capsys
):
    import main
    from runner import tasks

    monkeypatch.setattr(tasks, target, poison_after(getattr(tasks, target), 5))
    out = tmp_path / "run"
    assert main.main(["--task", task, *TINY[task], "--out", str(out), "--quiet"]) == 1
    assert "step 5" in capsys.readouterr().err
    metrics = read_metrics(out)
    assert metrics["status"] == "diverged" and "step 5" in metrics["message"]
    if task == "0":
        weights = np.load(out / "weights.npz")
        assert all(np.isfinite(weights[k]).all() for k in weights)
    else:
        assert all(torch.isfinite(v).all() for v in torch.load(out / "weights.pt").values())


@pytest.mark.parametrize(
    ("task", "args"), [("2", ["--epochs", "200", "--hidden", "16"]), ("0", ["--steps", "100000"])]
)
def test_ctrl_c_stops_cleanly_and_keeps_the_outputs(tmp_path, task, args):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "main.py", "--task", task, *args, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    checkpoint = out / ("checkpoint.npz" if task == "0" else "checkpoint.pt")
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # into training: its first checkpoint is written
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    metrics = read_metrics(out)
    assert metrics["status"] == "interrupted" and metrics["wall_seconds"] > 0
    weights = out / ("weights.npz" if task == "0" else "weights.pt")
    assert weights.exists() and not list(out.glob(".*tmp"))
    if task == "0":
        assert metrics["loss_history"] and (out / "training_loss.png").exists()


def test_the_course_question_1_spellings():
    args = main.parse_args(["--task", "0", "--nbr_iters", "70000", "--sz_rnn", "50"])
    assert (args.steps, args.hidden) == (70000, 50)
