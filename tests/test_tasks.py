"""Question 2c-e: copy-task data, loss and accuracy; sine data; the loops; how tasks run."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import ROOT

import loops
import main
from copy_task import copy_task_indices
from loops import FreeRunning, generate, train_loop
from memory_task import BLANK, DELIMITER, CharSequenceDataset, memory_task_acc, memory_task_loss
from MyLSTMCell import MyLSTMCell
from runner.curriculum import BlankCurriculum, HorizonCurriculum
from runner.tasks import DEFAULTS, build_model, matched_hidden_size
from sine_task import SAMPLE_STEP, SineDataset


def test_char_sequence_dataset_layout():
    L, B = 8, 5
    data = CharSequenceDataset(100, L, B, seed=0)
    x, y = data[0]
    T = 2 * L + B + 1
    assert x.shape == (T, 10) and x.dtype == torch.float32
    assert y.shape == (T,) and y.dtype == torch.long
    xs, ys = data[:]
    idx = xs.argmax(-1)
    assert (idx[:, :L] < 8).all()
    assert (idx[:, L : L + B] == BLANK).all() and (idx[:, L + B] == DELIMITER).all()
    assert (idx[:, L + B + 1 :] == BLANK).all()
    assert (ys[:, : L + B + 1] == BLANK).all()
    assert torch.equal(ys[:, -L:], idx[:, :L])
    assert torch.equal(CharSequenceDataset(100, L, B, seed=0)[:][1], ys)


def test_memory_task_loss_is_summed_cross_entropy():
    outputs = torch.randn(4, 9, 10, dtype=torch.float64)
    truth = torch.randint(10, (4, 9))
    expected = torch.nn.functional.cross_entropy(
        outputs.reshape(-1, 10), truth.reshape(-1), reduction="sum"
    )
    torch.testing.assert_close(memory_task_loss(outputs, truth), expected, rtol=1e-14, atol=0)


def one_hot_scores(classes):
    return torch.nn.functional.one_hot(classes, 10).float()


def test_memory_task_acc_on_hand_made_outputs():
    L = 4
    truth = torch.randint(8, (6, 11))
    wrong = (truth + 1) % 10
    assert memory_task_acc(one_hot_scores(truth), truth, L) == 1.0
    assert memory_task_acc(one_hot_scores(wrong), truth, L) == 0.0
    outside = wrong.clone()
    outside[:, :-L] = truth[:, :-L]
    assert memory_task_acc(one_hot_scores(outside), truth, L) == 0.0
    half = wrong.clone()
    half[:, -L : -L // 2] = truth[:, -L : -L // 2]
    assert memory_task_acc(one_hot_scores(half), truth, L) == 0.5


def test_sine_dataset():
    data = SineDataset(20, seed=3)
    x, y = data[:]
    assert x.shape == y.shape == (20, 129, 1)
    assert torch.equal(x[:, 1:], y[:, :-1])
    assert x.abs().max() <= 1.0
    assert torch.equal(SineDataset(20, seed=3).curves, data.curves)
    assert not torch.equal(SineDataset(20, seed=4).curves, data.curves)


def test_sine_curves_are_drawn_as_the_course_draws_them():
    """sin((x_0 + k 0.15) / T), T ~ U[1, 2]: each curve's angle per sample is w = 0.15 / T,
    read from s_{k-1} + s_{k+1} = 2 cos(w) s_k."""
    s = SineDataset(2000, seed=0).curves.double().numpy()
    cos_w = ((s[:, :-2] + s[:, 2:]) * s[:, 1:-1]).sum(1) / (2 * (s[:, 1:-1] ** 2).sum(1))
    scales = SAMPLE_STEP / np.arccos(cos_w)
    assert scales.min() > 0.999 and scales.max() < 2.001
    assert abs(scales.mean() - 1.5) < 0.02 and abs(scales.std() - 1 / np.sqrt(12)) < 0.02


def test_matched_hidden_size_matches_the_parameter_count():
    for I, O, H in [(1, 1, 32), (10, 10, 128), (10, 10, 64)]:
        lstm = 4 * H * (I + H + 1) + H * O + O
        h = matched_hidden_size(I, O, H)
        count = h * (I + h + 1) + h * O + O
        for other in (h - 1, h + 1):
            assert abs(count - lstm) <= abs(other * (I + other + 1) + other * O + O - lstm)


def test_train_loop_learns_and_clips():
    torch.manual_seed(0)
    data = CharSequenceDataset(200, 2, 0, seed=0)
    model = MyLSTMCell(10, 16, 10)
    before = loops.test_loop_mem_task(model, data, 50, 2)[0]
    history = []
    norms = []

    def init_optimizer(params):
        optimizer = torch.optim.SGD(params, lr=0.001)
        step = optimizer.step

        def checked_step():
            norms.append(torch.sqrt(sum((p.grad**2).sum() for p in model.parameters())).item())
            step()

        optimizer.step = checked_step
        return optimizer

    train_loop(
        3, model, init_optimizer, memory_task_loss, 20, data, clip=1.0, history=history, quiet=True
    )
    after = loops.test_loop_mem_task(model, data, 50, 2)[0]
    assert len(history) == 3 and after < before
    assert max(norms) <= 1.0 + 1e-5


def test_train_loop_is_reproducible():
    def once():
        torch.manual_seed(1)
        model = MyLSTMCell(10, 8, 10)
        data = CharSequenceDataset(60, 2, 1, seed=0)
        train_loop(
            2, model, lambda p: torch.optim.Adam(p, 1e-2), memory_task_loss, 16, data, quiet=True
        )
        return model.weight_hh.detach().clone()

    assert torch.equal(once(), once())


def test_blank_curriculum_grows_to_the_target_over_half_the_epochs():
    curriculum = BlankCurriculum(40, 3, 10, num_epochs=6, seed=4)
    lengths = []
    for epoch in range(1, 7):
        curriculum.set_epoch(epoch)
        x, y = curriculum[:]
        lengths.append(x.shape[1] - 2 * 3 - 1)
        assert len(curriculum) == 40 and curriculum.to_remember_len == 3
        assert torch.equal(y, CharSequenceDataset(40, 3, lengths[-1], seed=[4, lengths[-1]])[:][1])
    assert lengths == [0, 3, 7, 10, 10, 10]


def test_horizon_curriculum_cuts_the_curves_to_a_growing_length():
    sines = SineDataset(10, seed=0)
    curriculum = HorizonCurriculum(sines, num_epochs=4, start=40)
    lengths = []
    for epoch in range(1, 5):
        curriculum.set_epoch(epoch)
        x, y = curriculum[:]
        lengths.append(x.shape[1] + 1)
        assert torch.equal(x, sines[:][0][:, : x.shape[1]]) and torch.equal(y[:, :-1], x[:, 1:])
    assert lengths == [40, 85, 130, 130] and len(curriculum) == 10


def test_train_loop_tells_a_curriculum_each_epoch():
    class Recording(BlankCurriculum):
        def set_epoch(self, epoch):
            epochs.append(epoch)
            super().set_epoch(epoch)

    epochs = []
    data = Recording(20, 2, 4, num_epochs=3, seed=0)
    epochs.clear()
    model = MyLSTMCell(10, 4, 10)
    train_loop(3, model, lambda p: torch.optim.SGD(p, 0.1), memory_task_loss, 8, data, quiet=True)
    assert epochs == [1, 2, 3] and data[:][0].shape[1] == 2 * 2 + 4 + 1


def test_test_loop_mem_task_averages_over_sequences():
    class HalfRight(torch.nn.Module):
        """Recalls the symbols of sequences that start with an even symbol; blanks otherwise."""

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(()))

        def forward(self, x):
            classes = torch.full(x.shape[:2], BLANK)
            symbols = x[:, :3].argmax(-1)
            even = symbols[:, :1] % 2 == 0
            classes[:, -3:] = torch.where(even, symbols, classes[:, -3:])
            return 3 * one_hot_scores(classes) + 0.1 * x.sum(-1, keepdim=True)

    data = CharSequenceDataset(30, 3, 2, seed=0)
    model = HalfRight()
    loss, acc = loops.test_loop_mem_task(model, data, 7, 3)  # 30 = 4 * 7 + 2: uneven batches
    x, y = data[:]
    with torch.no_grad():
        outputs = model(x)
    assert 0.2 < acc < 0.8
    assert acc == pytest.approx(memory_task_acc(outputs, y, 3), rel=1e-6)
    assert loss == pytest.approx(memory_task_loss(outputs, y).item() / 30, rel=1e-6)


def test_free_running_matches_generation_and_test_loop_sines(tmp_path):
    torch.manual_seed(0)
    model = MyLSTMCell(1, 6, 1)
    data = SineDataset(7, seed=0)
    x, _ = data[:]
    with torch.no_grad():
        free = FreeRunning(model, n_context=30)(x)
    generated = generate(model, data.curves[:, :30, None], 100)
    torch.testing.assert_close(free[:, 29:], generated, rtol=0, atol=1e-6)
    mse = loops.test_loop_sines(model, data, tmp_path, num_plots=3)
    expected = torch.mean((generated[..., 0] - data.curves[:, 30:]) ** 2).item()
    assert mse == pytest.approx(expected, rel=1e-6)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["sine_test_0.png", "sine_test_1.png", "sine_test_2.png", "sine_test_all.png"]


def test_copy_task_shares_the_numpy_generator():
    inputs, targets = copy_task_indices(5, 3, 10, DELIMITER, BLANK, 2, np.random.default_rng(4))
    data = CharSequenceDataset(5, 3, 2, seed=4)
    assert torch.equal(data.y, torch.from_numpy(targets))
    assert torch.equal(data.x.argmax(-1), torch.from_numpy(inputs))


def test_forget_bias_and_curriculum_flags_and_their_defaults():
    args = main.parse_args(
        ["--task", "2", "--RNN", "LSTM", "--hidden", "4", "--forget-bias", "2.5", "--curriculum"]
    )
    assert args.curriculum and args.forget_bias == 2.5
    bias = build_model(args, 10, 10).bias.detach()
    assert torch.equal(bias[4:8], torch.full((4,), 2.5))
    sine = main.parse_args(["--task", "1", "--RNN", "LSTM"])
    assert sine.curriculum and sine.forget_bias == DEFAULTS["sine"]["forget_bias"]
    assert not main.parse_args(["--task", "1", "--RNN", "LSTM", "--no-curriculum"]).curriculum
    assert not main.parse_args(["--task", "2", "--RNN", "LSTM"]).curriculum
    assert main.parse_args(["--task", "2", "--RNN", "RNN"]).forget_bias is None


FAULTS_PER_STEP = """
import resource, sys
import numpy as np
from BasicRNNCell import BasicRNNCell
from common import generate_data_memory, run_training
from LinearLayer import LinearLayer
from runner.tasks import keep_freed_memory

rng = np.random.default_rng(0)
net = [BasicRNNCell(10, 100, "identity", rng), LinearLayer(100, 10, rng)]
data, labels = generate_data_memory(13, 10, 9, 8, 32, 0, rng)

def faults(steps):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        run_training(net, data, labels, 5.0)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps

faults(20)
print(faults(100))
keep_freed_memory()
faults(20)
print(faults(100))
"""


def test_task_0_keeps_freed_memory_instead_of_faulting_it_in_every_step():
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's allocator: Linux only")
    done = subprocess.run(
        [sys.executable, "-c", FAULTS_PER_STEP], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    default, kept = map(float, done.stdout.split())
    assert default > 100 and kept < default / 100, (default, kept)
