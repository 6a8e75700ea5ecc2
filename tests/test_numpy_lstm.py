"""The numpy LSTM: forward and hand-written BPTT against torch.nn.LSTM and finite differences."""

import inspect
import textwrap
from itertools import pairwise

import numpy as np
import pytest
import torch
from torch_reference import torch_cell, torch_reference

import common as cm
import NumpyLSTMCell as module
from BasicRNNCell import BasicRNNCell
from LinearLayer import LinearLayer
from NumpyLSTMCell import NumpyLSTMCell

V, DELIM, BLANK = 10, 9, 8
NETS = {
    "single": ((NumpyLSTMCell,), None),
    "batch": ((NumpyLSTMCell,), 3),
    "stacked": ((NumpyLSTMCell, NumpyLSTMCell), 3),
    "on a basic cell": ((BasicRNNCell, NumpyLSTMCell), 2),
}


def make_net(cells, rng, hidden=9):
    """The given cell types stacked (V -> hidden -> ... -> hidden), then a read-out to V."""
    sizes = [V, *[hidden] * len(cells)]
    net = [cls(a, b, rng=rng) for cls, (a, b) in zip(cells, pairwise(sizes), strict=True)]
    net.append(LinearLayer(hidden, V, rng=rng))
    for layer in net:  # nonzero biases everywhere, so that their gradients are tested too
        for param, _, name in layer.get_params():
            if name.startswith("b"):
                param += 0.1 * rng.standard_normal(param.shape)
    return net


def relative_error(mine, ref):
    return np.linalg.norm(mine - ref) / max(np.linalg.norm(ref), 1e-300)


def gradients(net, data, labels):
    """Loss, every parameter's gradient (in ``get_params`` order) and d loss / d data."""
    loss, probs = cm.run_forward_pass(net, data, labels, clear_after=False)
    d = (probs - labels) / cm.sequence_count(labels)
    for layer in net:
        layer.clear_stored_derivs()
    for layer in reversed(net):
        d = layer.bprop(d)
    return loss, [grad for layer in net for _, grad, _ in layer.get_params()], d


def worst_error_against_torch(net, data, labels):
    loss, grads, dx = gradients(net, data, labels)
    ref_loss, ref_grads, ref_dx = torch_reference(net, data, labels)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    return max(
        relative_error(a, b) for a, b in zip([*grads, dx], [*ref_grads, ref_dx], strict=True)
    )


@pytest.mark.parametrize(("cells", "batch"), NETS.values(), ids=NETS.keys())
def test_gradients_match_torch_autograd(cells, batch):
    rng = np.random.default_rng(1)
    net = make_net(cells, rng)
    data, labels = cm.generate_data_memory(4, V, DELIM, BLANK, batch, blank_len=3, rng=rng)
    assert worst_error_against_torch(net, data, labels) < 1e-9


@pytest.mark.parametrize(("cells", "batch"), NETS.values(), ids=NETS.keys())
def test_gradients_match_finite_differences(cells, batch):
    rng = np.random.default_rng(2)
    net = make_net(cells, rng)
    data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, batch, blank_len=2, rng=rng)
    assert cm.run_check_grads(net, data, labels, verbose=False) < 1e-6


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    net = make_net((NumpyLSTMCell,), rng)
    data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, 2, blank_len=1, rng=rng)
    _, _, dx = gradients(net, data, labels)
    numerical = cm.numerical_gradient(
        lambda: cm.run_forward_pass(net, data, labels)[0], data, range(data.size)
    )
    assert relative_error(dx.ravel(), numerical) < 1e-6


def test_forward_matches_torch_lstm():
    rng = np.random.default_rng(4)
    cell = NumpyLSTMCell(5, 7, rng=rng)
    xs = rng.standard_normal((3, 11, 5))
    ref, (_, c_T) = torch_cell(cell)(torch.tensor(xs))
    np.testing.assert_allclose(cell.fprop(xs), ref.detach().numpy(), rtol=0, atol=1e-15)
    np.testing.assert_allclose(cell.cache["cs"][:, -1], c_T[0].detach().numpy(), atol=1e-15)


def mutant(old, new):
    """A subclass whose ``bprop`` is the real one with ``old`` replaced by ``new``."""
    source = textwrap.dedent(inspect.getsource(NumpyLSTMCell.bprop))
    assert source.count(old) == 1, f"{old!r} is not in bprop once"
    namespace = dict(vars(module))
    exec(compile(source.replace(old, new), "<mutant bprop>", "exec"), namespace)
    return type("Mutant", (NumpyLSTMCell,), {"bprop": namespace["bprop"]})


MUTANTS = {
    "cell path without the output gate": (
        "dh * o * (1.0 - tanh_cs[:, t] ** 2)",
        "dh * (1.0 - tanh_cs[:, t] ** 2)",
    ),
    "cell state not carried back": (" + dc * f_next", ""),
    "this step's forget gate on the carried cell state": ("dc * f_next", "dc * f"),
    "tanh's slope for the input gate": ("dc * g * i * (1.0 - i)", "dc * g * (1.0 - i**2)"),
}


@pytest.mark.parametrize(("old", "new"), MUTANTS.values(), ids=MUTANTS.keys())
def test_a_wrong_backward_fails_both_checks(old, new):
    rng = np.random.default_rng(5)
    net = make_net((NumpyLSTMCell,), rng)
    net[0].__class__ = mutant(old, new)
    data, labels = cm.generate_data_memory(3, V, DELIM, BLANK, 3, blank_len=2, rng=rng)
    assert worst_error_against_torch(net, data, labels) > 1e-3
    assert cm.run_check_grads(net, data, labels, verbose=False) > 1e-3


def test_initialisation_and_zero_initial_state():
    cell = NumpyLSTMCell(3, 4, rng=np.random.default_rng(6))
    assert (cell.W_hx.shape, cell.W_hh.shape, cell.b_h.shape) == ((16, 3), (16, 4), (16,))
    np.testing.assert_array_equal(cell.b_h[4:8], 1.0)
    for param in (cell.W_hx, cell.W_hh, cell.b_h[:4], cell.b_h[8:]):
        assert np.abs(param).max() <= 0.5
    cell.b_h[:] = 0.0
    # h_0 = c_0 = 0 and a zero input: every pre-activation is 0, so
    # c_1 = sigmoid(0) tanh(0) = 0 and h_1 = 0, and so on.
    np.testing.assert_array_equal(cell.fprop(np.zeros((5, 3))), 0.0)


def test_batch_equals_each_sequence_alone():
    rng = np.random.default_rng(7)
    cell = NumpyLSTMCell(V, 6, rng=rng)
    xs, dys = rng.standard_normal((4, 5, V)), rng.standard_normal((4, 5, 6))
    batch = cell.fprop(xs)
    dxs = cell.bprop(dys)
    summed = cell.dW_hh.copy()
    cell.clear_stored_derivs()
    for b in range(4):
        np.testing.assert_allclose(cell.fprop(xs[b]), batch[b], atol=1e-15)
        np.testing.assert_allclose(cell.bprop(dys[b]), dxs[b], atol=1e-15)
    np.testing.assert_allclose(cell.dW_hh, summed, atol=1e-14)


def test_bprop_accumulates_until_cleared_and_checks_its_input():
    rng = np.random.default_rng(8)
    cell = NumpyLSTMCell(V, 6, rng=rng)
    xs, dys = rng.standard_normal((5, V)), rng.standard_normal((5, 6))
    with pytest.raises(ValueError, match="before fprop"):
        cell.bprop(dys)
    cell.fprop(xs)
    cell.bprop(dys)
    once = cell.db_h.copy()
    cell.fprop(xs)
    with pytest.raises(ValueError, match=r"\(5, 6\)"):
        cell.bprop(dys[:4])
    cell.bprop(dys)
    np.testing.assert_allclose(cell.db_h, 2 * once)
    cell.clear_stored_derivs()
    assert not cell.db_h.any()


def test_sigmoid_saturates_without_a_warning():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(module.sigmoid(np.array([-1e4, 0.0, 1e4])), [0.0, 0.5, 1.0])
