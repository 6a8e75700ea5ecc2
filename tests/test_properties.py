"""Property-based checks over random shapes, lengths, batch sizes and stacks."""

from itertools import pairwise

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import torch_cell, torch_reference

import common as cm
from BasicRNNCell import BasicRNNCell, TorchBasicRNNCell
from LinearLayer import LinearLayer
from MyLSTMCell import MyLSTMCell
from NumpyLSTMCell import NumpyLSTMCell

V, DELIM, BLANK = 6, 5, 4
DELTA = 1e-6
FD_ENTRIES = 8  # entries of each parameter checked by finite differences


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    hidden=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    cells=st.lists(st.sampled_from([BasicRNNCell, NumpyLSTMCell]), min_size=3, max_size=3),
    to_remember_len=st.integers(1, 4),
    blank_len=st.integers(0, 3),
    batch=st.one_of(st.none(), st.integers(1, 4)),
    seed=st.integers(0, 2**32 - 1),
)
def test_numpy_gradients_agree_with_autograd_and_finite_differences(
    hidden, cells, to_remember_len, blank_len, batch, seed
):
    """Every entry against torch autograd on the same weights; a sample of them, drawn
    afresh for each example, against central differences, which need no torch at all."""
    rng = np.random.default_rng(seed)
    sizes = [V, *hidden]
    net = [cls(a, b, rng=rng) for cls, (a, b) in zip(cells, pairwise(sizes), strict=False)]
    net.append(LinearLayer(sizes[-1], V, rng=rng))
    # b_h = 0 puts a unit whose inputs are all zero exactly on the ReLU's kink,
    # where no derivative exists and finite differences see half a slope.
    for layer in net:
        for param, _, name in layer.get_params():
            if name.startswith("b"):
                param += 0.1 * rng.standard_normal(param.shape)
    data, labels = cm.generate_data_memory(to_remember_len, V, DELIM, BLANK, batch, blank_len, rng)
    loss, _ = cm.run_training(net, data, labels)
    ref_loss, ref_grads, _ = torch_reference(net, data, labels)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    # Each sampled entry agrees to 1e-6 of the largest one, or to what a
    # difference quotient can resolve at all: a tiny gradient (small stacked
    # cells give some of 1e-5) is otherwise judged by the loss's rounding noise.
    resolution = 10 * np.finfo(float).eps * abs(loss) / DELTA
    params = [(param, grad, name) for layer in net for param, grad, name in layer.get_params()]
    for (param, grad, name), ref in zip(params, ref_grads, strict=True):
        np.testing.assert_allclose(grad, ref, rtol=0, atol=1e-10 * max(1.0, np.abs(ref).max()))
        picks = rng.choice(param.size, min(FD_ENTRIES, param.size), replace=False)
        numerical = cm.numerical_gradient(
            lambda: cm.run_forward_pass(net, data, labels)[0], param, picks, DELTA
        )
        tolerance = 1e-6 * np.abs(ref).max() + resolution
        assert np.abs(grad.flat[picks] - numerical).max() <= tolerance, name


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    cls=st.sampled_from([MyLSTMCell, TorchBasicRNNCell]),
    B=st.integers(1, 5),
    T=st.integers(1, 12),
    I=st.integers(1, 6),
    H=st.integers(1, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_torch_cells_agree_with_torch_nn(cls, B, T, I, H, seed):
    torch.manual_seed(seed)
    cell = cls(I, H, 2).double()
    ref = cell.to_torch()
    x = torch.randn(B, T, I, dtype=torch.float64)
    hs, _ = cell.recur(x, cell.initial_state(B))
    hs_ref, _ = ref(x)
    torch.testing.assert_close(hs, hs_ref, rtol=1e-10, atol=1e-10)
    dy = torch.randn_like(hs)
    hs.backward(dy)
    hs_ref.backward(dy)
    torch.testing.assert_close(cell.weight_hh.grad, ref.weight_hh_l0.grad, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(cell.weight_ih.grad, ref.weight_ih_l0.grad, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(cell.bias.grad, ref.bias_ih_l0.grad, rtol=1e-10, atol=1e-10)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    B=st.integers(1, 5),
    T=st.integers(1, 12),
    I=st.integers(1, 6),
    H=st.integers(1, 10),
    single=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_numpy_lstm_agrees_with_torch_lstm(B, T, I, H, single, seed):
    rng = np.random.default_rng(seed)
    cell = NumpyLSTMCell(I, H, rng=rng)
    ref = torch_cell(cell)
    shape = (T, I) if single else (B, T, I)
    xs, dys = rng.standard_normal(shape), rng.standard_normal((*shape[:-1], H))
    hs = cell.fprop(xs)
    dxs = cell.bprop(dys)
    x = torch.tensor(xs, requires_grad=True)
    hs_ref, _ = ref(x)
    hs_ref.backward(torch.tensor(dys))
    pairs = [
        (hs, hs_ref),
        (dxs, x.grad),
        (cell.dW_hh, ref.weight_hh_l0.grad),
        (cell.dW_hx, ref.weight_ih_l0.grad),
        (cell.db_h, ref.bias_ih_l0.grad),
    ]
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
