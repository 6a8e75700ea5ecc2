"""Question 1: the numpy RNN, its BPTT, clipping, data and memory test."""

from itertools import pairwise

import numpy as np
import pytest
import torch
from torch_reference import torch_reference

import common as cm
from BasicRNNCell import BasicRNNCell
from LinearLayer import LinearLayer

V, DELIM, BLANK = 10, 9, 8


def make_net(sizes, rng, init="random"):
    """Cells of the given sizes followed by a read-out to V classes, e.g. (V, 16, 12)."""
    cells = [BasicRNNCell(a, b, init=init, rng=rng) for a, b in pairwise(sizes)]
    return [*cells, LinearLayer(sizes[-1], V, rng=rng)]


def perturb_biases(net, rng):
    """Nonzero biases, so that the bias gradients are tested too."""
    for layer in net:
        for param, _, name in layer.get_params():
            if name.startswith("b"):
                param += 0.1 * rng.standard_normal(param.shape)


@pytest.mark.parametrize(
    ("sizes", "batch"),
    [((V, 16), None), ((V, 16), 3), ((V, 16, 12), 3)],
    ids=["single", "batch", "stacked"],
)
@pytest.mark.parametrize("init", ["random", "identity"])
def test_gradients_match_finite_differences(sizes, batch, init):
    rng = np.random.default_rng(1)
    net = make_net(sizes, rng, init)
    perturb_biases(net, rng)
    data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, batch, blank_len=2, rng=rng)
    assert cm.run_check_grads(net, data, labels, verbose=False) < 1e-6


def test_gradient_check_catches_a_wrong_gradient():
    rng = np.random.default_rng(2)
    net = make_net((V, 8), rng)
    data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, 2, rng=rng)
    bprop = BasicRNNCell.bprop

    def wrong_bprop(self, dys):
        dxs = bprop(self, dys)
        self.dW_hh *= 1.01
        return dxs

    BasicRNNCell.bprop = wrong_bprop
    try:
        assert cm.run_check_grads(net, data, labels, verbose=False) > 1e-3
    finally:
        BasicRNNCell.bprop = bprop


@pytest.mark.parametrize(("sizes", "batch"), [((V, 20), None), ((V, 20), 5), ((V, 16, 12), 4)])
def test_gradients_match_torch_autograd(sizes, batch):
    rng = np.random.default_rng(3)
    net = make_net(sizes, rng)
    perturb_biases(net, rng)
    data, labels = cm.generate_data_memory(4, V, DELIM, BLANK, batch, blank_len=3, rng=rng)
    loss, _ = cm.run_training(net, data, labels)
    ref_loss, ref_grads, _ = torch_reference(net, data, labels)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    ours = [grad for layer in net for _, grad, _ in layer.get_params()]
    for mine, ref in zip(ours, ref_grads, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10 * max(1.0, np.abs(ref).max()))


def test_bprop_returns_the_input_gradient():
    rng = np.random.default_rng(4)
    net = make_net((V, 12), rng)
    data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, 3, rng=rng)
    _, probs = cm.run_forward_pass(net, data, labels, clear_after=False)
    d = (probs - labels) / len(data)
    for layer in reversed(net):
        d = layer.bprop(d)
    _, _, ref_dx = torch_reference(net, data, labels)
    np.testing.assert_allclose(d, ref_dx, atol=1e-12)


def test_batch_equals_each_sequence_alone():
    rng = np.random.default_rng(5)
    cell = BasicRNNCell(V, 7, rng=rng)
    xs = rng.standard_normal((4, 6, V))
    batch = cell.fprop(xs)
    for b in range(4):
        np.testing.assert_allclose(cell.fprop(xs[b]), batch[b], atol=1e-14)


def test_identity_init_and_h0_is_zero():
    cell = BasicRNNCell(3, 5, init="identity", rng=np.random.default_rng(0))
    np.testing.assert_array_equal(cell.W_hh, np.eye(5))
    xs = np.zeros((4, 3))
    np.testing.assert_array_equal(cell.fprop(xs), 0.0)


def test_bprop_accumulates_until_cleared():
    rng = np.random.default_rng(6)
    cell = BasicRNNCell(V, 6, rng=rng)
    xs, dys = rng.standard_normal((5, V)), rng.standard_normal((5, 6))
    cell.fprop(xs)
    cell.bprop(dys)
    once = cell.dW_hh.copy()
    cell.fprop(xs)
    cell.bprop(dys)
    np.testing.assert_allclose(cell.dW_hh, 2 * once)
    cell.clear_stored_derivs()
    assert not cell.dW_hh.any()


def torch_clip(grads, threshold):
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    norm = torch.nn.utils.clip_grad_norm_(params, threshold).item()
    return norm, [p.grad.numpy() for p in params]


def assert_clipped_like_torch(grads, threshold):
    """clip_gradients against torch.nn.utils.clip_grad_norm_ on copies of the same arrays.

    torch scales by min(1, t / (norm + 1e-6)), the sheet by t / norm when norm > t:
    undo that one known difference, then the arrays must agree to rounding.
    """
    ref_norm, ref = torch_clip(grads, threshold)
    norm = cm.clip_gradients(grads, threshold)
    assert norm == pytest.approx(ref_norm, rel=1e-14, abs=0)
    ours_factor = min(1.0, threshold / norm) if norm > 0 else 1.0
    torch_factor = min(1.0, threshold / (norm + 1e-6))
    for mine, theirs in zip(grads, ref, strict=True):
        np.testing.assert_allclose(mine * torch_factor / ours_factor, theirs, rtol=1e-14, atol=0)
    return norm


@pytest.mark.parametrize("scale", [0.0, 0.1, 1.0, 10.0, 1e6])
def test_clip_gradients_matches_torch(scale):
    rng = np.random.default_rng(7)
    grads = [scale * rng.standard_normal(s) for s in [(4, 4), (4,), (3, 2)]]
    norm = assert_clipped_like_torch(grads, 5.0)
    total = np.sqrt(sum((g**2).sum() for g in grads))
    assert total <= 5.0 * (1 + 1e-12)
    if norm > 5.0:
        assert total == pytest.approx(5.0, rel=1e-12)


def test_run_training_clips_each_array_on_its_own_like_torch():
    """The course handout's reading: every array scaled by its own norm, as
    ``clip_grad_norm_`` scales one tensor; the returned norm is still the global one."""
    rng = np.random.default_rng(5)
    net = make_net((V, 12), rng, init="identity")
    data, labels = cm.generate_data_memory(4, V, DELIM, BLANK, 3, blank_len=2, rng=rng)
    cm.run_training(net, data, labels)
    raw = [grad.copy() for layer in net for _, grad, _ in layer.get_params()]
    threshold = 0.5 * min(np.linalg.norm(g) for g in raw)
    _, norm = cm.run_training(net, data, labels, threshold, clip_per_array=True)
    assert norm == pytest.approx(np.sqrt(sum((g**2).sum() for g in raw)), rel=1e-12)
    clipped = [grad for layer in net for _, grad, _ in layer.get_params()]
    for before, after in zip(raw, clipped, strict=True):
        tensor = torch.nn.Parameter(torch.zeros(before.shape, dtype=torch.float64))
        tensor.grad = torch.tensor(before)
        torch.nn.utils.clip_grad_norm_([tensor], threshold)
        # torch divides by norm + 1e-6: a relative difference of 1e-6 / norm.
        rtol = 2e-6 / np.linalg.norm(before)
        np.testing.assert_allclose(after, tensor.grad.numpy(), rtol=rtol)
        assert np.linalg.norm(after) == pytest.approx(threshold, rel=1e-12)


def test_clip_gradients_at_exactly_the_threshold_and_single_array():
    g = np.array([3.0, 4.0])
    assert assert_clipped_like_torch([g], 5.0) == 5.0
    np.testing.assert_array_equal(g, [3.0, 4.0])
    assert cm.clip_gradients(g, 5.0) == 5.0
    zeros = np.zeros(3)
    assert cm.clip_gradients(zeros, 1.0) == 0.0
    assert not zeros.any()


def test_clip_gradients_scales_in_place():
    g = np.array([6.0, 8.0])
    alias = g
    assert cm.clip_gradients([g], 1.0) == 10.0
    np.testing.assert_allclose(alias, [0.6, 0.8])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_clip_gradients_leaves_nonfinite_gradients_alone(bad):
    g = np.array([1.0, bad])
    norm = cm.clip_gradients(g, 1.0)
    assert not np.isfinite(norm)
    assert g[0] == 1.0


@pytest.mark.parametrize("threshold", [0, -1.0, np.nan, "5"])
def test_clip_gradients_refuses_a_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        cm.clip_gradients(np.ones(2), threshold)


@pytest.mark.parametrize("blank_len", [0, 4])
def test_generate_data_memory_layout(blank_len):
    L, B = 5, 50
    data, labels = cm.generate_data_memory(
        L, V, DELIM, BLANK, B, blank_len, np.random.default_rng(8)
    )
    T = 2 * L + blank_len + 1
    assert data.shape == labels.shape == (B, T, V)
    assert (data.sum(-1) == 1).all() and (labels.sum(-1) == 1).all()
    x, y = data.argmax(-1), labels.argmax(-1)
    symbols = x[:, :L]
    assert not np.isin(symbols, [DELIM, BLANK]).any()
    assert set(np.unique(symbols)) == set(range(8))
    assert (x[:, L : L + blank_len] == BLANK).all()
    assert (x[:, L + blank_len] == DELIM).all()
    assert (x[:, L + blank_len + 1 :] == BLANK).all()
    assert (y[:, : L + blank_len + 1] == BLANK).all()
    np.testing.assert_array_equal(y[:, -L:], symbols)
    single, _ = cm.generate_data_memory(L, V, DELIM, BLANK)
    assert single.shape == (2 * L + 1, V)


class Oracle:
    """A hand-made 'network' that outputs the right class only after the delimiter."""

    def __init__(self, to_remember_len):
        self.L = to_remember_len

    def fprop(self, xs):
        idx = xs.argmax(-1)
        out = np.zeros_like(xs)
        out[..., 0] = 1.0  # a wrong guess (class 0) before the delimiter
        for b in range(len(xs)):
            out[b, np.arange(self.L) + self.L + 1, idx[b, : self.L]] = 10.0
            out[b, -self.L :, 0] -= 1.0 * (idx[b, : self.L] != 0)
        return out

    def clear_stored_states(self):
        pass


def test_run_memory_test_counts_only_after_the_delimiter():
    L = 4
    assert cm.run_memory_test([Oracle(L)], L, V, DELIM, BLANK, 200) == 1.0


def test_run_memory_test_scores_a_constant_guess_at_chance():
    class Constant(Oracle):
        def fprop(self, xs):
            out = np.zeros_like(xs)
            out[..., 3] = 1.0
            return out

    acc = cm.run_memory_test([Constant(5)], 5, V, DELIM, BLANK, 2000, rng=np.random.default_rng(0))
    assert acc == pytest.approx(1 / 8, abs=0.02)


def test_adam_matches_torch():
    rng = np.random.default_rng(9)
    net = make_net((V, 6), rng)
    params = [
        torch.nn.Parameter(torch.tensor(p)) for layer in net for p, _, _ in layer.get_params()
    ]
    ours, theirs = cm.Adam(net, lr=0.01), torch.optim.Adam(params, lr=0.01)
    for _ in range(5):
        data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, 2, rng=rng)
        cm.run_training(net, data, labels, optimizer=None)
        for p, (_, g, _) in zip(
            params, [q for layer in net for q in layer.get_params()], strict=True
        ):
            p.grad = torch.tensor(g)
        ours.step()
        theirs.step()
        mine = [p for layer in net for p, _, _ in layer.get_params()]
        for a, b in zip(mine, params, strict=True):
            np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_training_step_with_sgd_lowers_the_loss():
    rng = np.random.default_rng(10)
    net = make_net((V, 16), rng)
    data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, 8, rng=rng)
    before, _ = cm.run_forward_pass(net, data, labels)
    for _ in range(5):
        cm.run_training(net, data, labels, clip_threshold=5.0, optimizer=cm.SGD(net, 0.05))
    after, _ = cm.run_forward_pass(net, data, labels)
    assert after < before


def test_run_training_stops_before_updating_on_nan():
    rng = np.random.default_rng(11)
    net = make_net((V, 4), rng)
    net[0].W_hx[0, 0] = np.nan
    weights = net[1].W.copy()
    data, labels = cm.generate_data_memory(2, V, DELIM, BLANK, 2, rng=rng)
    with pytest.raises(FloatingPointError, match="nan"):
        cm.run_training(net, data, labels, optimizer=cm.SGD(net, 0.1))
    np.testing.assert_array_equal(net[1].W, weights)


def test_exploding_grads_test_records_and_plots(tmp_path):
    rng = np.random.default_rng(12)
    net = make_net((V, 20), rng, init="identity")
    data = np.eye(V)[rng.integers(V, size=40)]
    out = tmp_path / "grads.png"
    result = cm.run_exploding_grads_test(net, data, data, 1.0, out)
    raw, clipped = np.array(result["mean_abs_grad"]), np.array(result["mean_abs_grad_clipped"])
    assert result["seq_len"] == list(range(1, 41))
    assert raw[-1] > 10 * raw[0]  # identity W_hh: the gradient grows with T
    assert (clipped <= raw * (1 + 1e-12)).all()
    n = sum(p.size for layer in net for p, _, _ in layer.get_params())
    assert (clipped <= 1.0 / np.sqrt(n) * (1 + 1e-9)).all()  # mean|g| <= ||g|| / sqrt(n)
    assert out.stat().st_size > 0
