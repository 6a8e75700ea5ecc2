"""Runs end safely however they end: signals, settings too large, failed writes, and resuming."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from conftest import ROOT, read_metrics, run_here, run_main

import common as cm
import main
from runner import tasks
from runner.footprint import estimate
from runner.stops import SignalGuard, Stopped, deferred

# Small runs whose training lasts a few seconds, so that a signal lands mid-training.
LONG_TINY = {
    "0": "--steps 6000 --hidden 8 --batch-size 4",
    "1": "--RNN LSTM --epochs 12 --hidden 6 --train-size 16 --batch-size 8",
    "2": "--epochs 60 --hidden 12 --to-remember-len 2 --blank-len 3 --curriculum --train-size 100",
}
CHECKPOINT = {"0": "checkpoint.npz", "1": "checkpoint.pt", "2": "checkpoint.pt"}


def run_quiet(*args):
    return run_main(*args, "--quiet")


def stop_mid_training(task, out, signum):
    """Start task, send ``signum`` as soon as its first checkpoint is written; return the result."""
    process = subprocess.Popen(
        [
            sys.executable,
            "main.py",
            "--task",
            task,
            *LONG_TINY[task].split(),
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / CHECKPOINT[task]).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


def final_weights(out, task):
    if task == "0":
        with np.load(out / "weights.npz") as npz:
            return {k: npz[k] for k in npz.files}
    return {k: v.numpy() for k, v in torch.load(out / "weights.pt").items()}


@pytest.mark.parametrize("task", ["0", "1", "2"])
def test_sigterm_keeps_the_finished_part_and_resume_ends_as_if_never_stopped(tmp_path, task):
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    args = ["--task", task, *LONG_TINY[task].split(), "--out", str(whole), "--quiet"]
    assert run_here(*args).returncode == 0

    code, stderr = stop_mid_training(task, stopped, signal.SIGTERM)
    assert code == 143, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    metrics = read_metrics(stopped)
    assert metrics["status"] == "terminated" and "SIGTERM" in metrics["message"]
    assert 0 < len(metrics["loss_history"]) < len(read_metrics(whole)["loss_history"])
    assert final_weights(stopped, task) and not list(stopped.glob(".*tmp"))

    result = run_here("--resume", str(stopped), "--quiet")
    assert result.returncode == 0, result.stderr
    a, b = read_metrics(whole), read_metrics(stopped)
    assert b["status"] == "complete" and b["out_dir"] == str(stopped)
    figure = "test_mse" if task == "1" else "test_accuracy"
    assert (a[figure], a["loss_history"]) == (b[figure], b["loss_history"])
    assert {**a["config"], "out": None} == {**b["config"], "out": None}
    if task == "0":
        assert a["grad_check_max_relative_error"] == b["grad_check_max_relative_error"]
    theirs = final_weights(stopped, task)
    for name, weight in final_weights(whole, task).items():
        np.testing.assert_array_equal(weight, theirs[name])

    again = run_here("--resume", str(stopped), "--quiet")
    assert again.returncode == 0 and "complete" in again.stdout


def test_sighup_ends_like_sigterm(tmp_path):
    code, stderr = stop_mid_training("2", tmp_path / "run", signal.SIGHUP)
    assert code == 128 + signal.SIGHUP and "Traceback" not in stderr
    assert read_metrics(tmp_path / "run")["status"] == "terminated"


def test_after_the_first_signal_the_rest_are_ignored():
    with SignalGuard() as guard:
        with pytest.raises(Stopped):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs in this thread between two bytecodes
        os.kill(os.getpid(), signal.SIGTERM)  # the run is ending: ignored
        time.sleep(0.2)
    with SignalGuard() as guard:
        guard.hold()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored on the way out


def test_a_signal_while_a_checkpoint_is_written_stops_the_run_once_it_is_written():
    written = []
    with SignalGuard():
        with pytest.raises(Stopped, match="SIGTERM"), deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # the handler has run: it waits
            written.append("checkpoint")
        assert written == ["checkpoint"]


WITHOUT_LINUX = """
import builtins, os, signal, sys, time
import psutil

del signal.SIGHUP, os.sysconf  # Windows has neither; macOS has no /proc
real_open = builtins.open


def no_proc(path, *args, **kwargs):
    if str(path).startswith("/proc"):
        raise FileNotFoundError(path)
    return real_open(path, *args, **kwargs)


builtins.open = no_proc
psutil.virtual_memory = lambda: type("Memory", (), {"available": 1 << 30})
from runner.stops import STOP_SIGNALS, SignalGuard, Stopped
import main

assert STOP_SIGNALS == {signal.SIGINT, signal.SIGTERM}, STOP_SIGNALS
try:
    with SignalGuard():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
except Stopped as stop:
    print("stopped by", stop)
main.parse_args(["--task", "2", "--train-size", "1000000000", "--out", sys.argv[1]])
"""


def test_a_platform_without_sighup_proc_or_sysconf_starts_and_stops_as_linux_does(tmp_path):
    """The stop signals and the memory estimate need neither SIGHUP, ``os.sysconf`` nor
    ``/proc``: with all three taken away, a stop is a stop and oversized settings are refused
    against what the platform says is available."""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_LINUX, str(tmp_path / "never")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "stopped by SIGINT" in done.stdout, done.stderr
    assert done.returncode == 2 and "1 GiB are available" in done.stderr
    assert "Traceback" not in done.stderr


OVERSIZED = [
    ("--hidden", ["--task", "1", "--hidden", "100000"]),
    ("--hidden", ["--task", "0", "--RNN", "LSTM", "--hidden", "200000"]),
    ("--blank-len", ["--task", "2", "--blank-len", "100000"]),
    ("--to-remember-len", ["--task", "0", "--to-remember-len", "10000000"]),
    ("--train-size", ["--task", "2", "--train-size", "1000000000"]),
    ("--batch-size", ["--task", "0", "--batch-size", "100000000"]),
]


@pytest.mark.parametrize(("flag", "args"), OVERSIZED, ids=[" ".join(a) for _, a in OVERSIZED])
def test_settings_too_large_for_the_machine_are_refused_before_allocating(
    tmp_path, flag, args, capsys
):
    with pytest.raises(SystemExit) as refused:
        main.parse_args([*args, "--out", str(tmp_path / "never")])
    error = capsys.readouterr().err
    assert refused.value.code == 2 and f"error: {flag} " in error and "are available" in error
    assert not (tmp_path / "never").exists()


def test_settings_too_large_exit_2_in_one_line_without_a_traceback(tmp_path):
    started = time.monotonic()
    result = run_quiet("--task", "2", "--blank-len", "100000", "--out", str(tmp_path / "never"))
    assert time.monotonic() - started < 30
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: --blank-len " in result.stderr and "are available" in result.stderr


def test_the_estimate_grows_with_every_size_flag():
    base = main.parse_args(["--task", "2", "--RNN", "LSTM"])
    need = sum(estimate(base).values())
    for flag in ("hidden", "blank_len", "to_remember_len", "train_size"):
        doubled = main.parse_args(
            [
                "--task",
                "2",
                "--RNN",
                "LSTM",
                f"--{flag.replace('_', '-')}",
                str(2 * vars(base)[flag]),
            ]
        )
        assert sum(estimate(doubled).values()) > need, flag


@pytest.mark.parametrize("task", ["0", "1", "2"])
def test_every_task_takes_the_whole_seed_range(tmp_path, task):
    tiny = {
        "0": ["--steps", "2", "--hidden", "4"],
        "1": ["--epochs", "1", "--hidden", "3", "--train-size", "8"],
    }
    args = tiny.get(task, ["--epochs", "1", "--hidden", "4", "--train-size", "20"])
    for seed in (2**64 - 1, 0):
        out = tmp_path / str(seed)
        result = run_here("--quiet", "--task", task, *args, "--seed", str(seed), "--out", str(out))
        assert result.returncode == 0, result.stderr
    refused = run_here(
        "--quiet", "--task", task, "--seed", str(2**64), "--out", str(tmp_path / "no")
    )
    assert refused.returncode == 2 and "--seed" in refused.stderr


def test_an_output_folder_that_cannot_be_created_is_one_line(tmp_path):
    if not os.path.isdir("/proc"):
        pytest.skip("needs /proc, where no folder can be created")
    result = run_quiet("--task", "2", "--epochs", "1", "--out", "/proc/no-such-run")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: --out /proc/no-such-run")


def test_resume_refuses_a_folder_without_or_with_a_broken_checkpoint(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_here("--quiet", "--resume", str(empty))
    assert result.returncode == 2 and "holds no checkpoint" in result.stderr
    for name, content in (("checkpoint.pt", b"garbage"), ("checkpoint.npz", b"PK\x03\x04trunc")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / name).write_bytes(content)
        result = run_here("--quiet", "--resume", str(folder))
        assert result.returncode == 2 and "cannot be read" in result.stderr
    result = run_here("--quiet", "--resume", str(tmp_path / "missing"))
    assert result.returncode == 2 and "no such folder" in result.stderr


def test_resume_refuses_a_truncated_checkpoint_without_a_traceback(tmp_path):
    out = tmp_path / "run"
    args = ["--task", "2", *LONG_TINY["2"].split(), "--epochs", "2", "--out", str(out)]
    assert run_here("--quiet", *args).returncode == 0
    (out / "metrics.json").unlink()  # as if the run had been killed hard
    data = (out / "checkpoint.pt").read_bytes()
    (out / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    result = run_quiet("--resume", str(out))
    assert result.returncode == 2 and "cannot be read" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("main.py: error: --resume")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (MemoryError("Unable to allocate 7.45 GiB"), "out_of_memory"),
        (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried"), "out_of_memory"),
        (OSError(28, "No space left on device", "weights.npz"), "write_failed"),
    ],
)
def test_a_failure_mid_run_is_one_line_and_keeps_the_finished_part(
    tmp_path, monkeypatch, capsys, error, status
):
    calls = 0
    run_training = tasks.run_training

    def failing(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 250:
            raise error
        return run_training(*args, **kwargs)

    monkeypatch.setattr(tasks, "run_training", failing)
    out = tmp_path / "run"
    assert (
        main.main(["--task", "0", "--steps", "400", "--hidden", "6", "--out", str(out), "--quiet"])
        == 1
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(status)
    metrics = read_metrics(out)
    assert metrics["status"] == status and len(metrics["loss_history"]) == 2
    assert (out / "weights.npz").exists() and (out / "training_loss.png").exists()


def test_a_bug_mid_run_still_writes_the_finished_part(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(tasks, "run_memory_test", broken)
    out = tmp_path / "run"
    with pytest.raises(ZeroDivisionError):
        main.main(["--task", "0", "--steps", "200", "--hidden", "6", "--out", str(out), "--quiet"])
    metrics = read_metrics(out)
    assert metrics["status"] == "crashed" and "ZeroDivisionError" in metrics["message"]
    assert len(metrics["loss_history"]) == 2 and (out / "weights.npz").exists()


@pytest.mark.parametrize("optimizer", sorted(tasks.OPTIMIZERS))
def test_task_0_state_restores_every_optimizer_exactly(optimizer):
    """Continuing from ``_numpy_state`` gives the weights of the run never stopped."""
    args = main.parse_args(["--task", "0", "--hidden", "6", "--optimizer", optimizer])

    def start():
        rng = np.random.default_rng(1)
        net = tasks.build_numpy_net(args, rng)
        return net, tasks.OPTIMIZERS[optimizer](net, 0.01), rng

    def train(net, opt, rng, steps):
        for _ in range(steps):
            data, labels = cm.generate_data_memory(3, 10, 9, 8, 4, 0, rng)
            cm.run_training(net, data, labels, 1.0, opt, clip_per_array=True)

    net, opt, rng = start()
    train(net, opt, rng, 3)
    saved = {k: np.array(v) for k, v in tasks._numpy_state(opt, rng, 3).items()}
    train(net, opt, rng, 2)
    again, opt_again, rng_again = start()
    assert tasks._restore_numpy(saved, opt_again, rng_again) == 4
    train(again, opt_again, rng_again, 2)
    for (mine, _), (theirs, _) in zip(opt.params, opt_again.params, strict=True):
        np.testing.assert_array_equal(mine, theirs)
