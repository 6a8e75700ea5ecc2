"""Property-based checks over random shapes, lengths, batch sizes and stacks."""

from itertools import pairwise

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import common as cm
from BasicRNNCell import BasicRNNCell, TorchBasicRNNCell
from LinearLayer import LinearLayer
from MyLSTMCell import MyLSTMCell

V, DELIM, BLANK = 6, 5, 4


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    hidden=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    to_remember_len=st.integers(1, 4),
    blank_len=st.integers(0, 3),
    batch=st.one_of(st.none(), st.integers(1, 4)),
    seed=st.integers(0, 2**32 - 1),
)
def test_numpy_gradients_agree_with_finite_differences(
    hidden, to_remember_len, blank_len, batch, seed
):
    rng = np.random.default_rng(seed)
    sizes = [V, *hidden]
    net = [BasicRNNCell(a, b, rng=rng) for a, b in pairwise(sizes)]
    net.append(LinearLayer(sizes[-1], V, rng=rng))
    # b_h = 0 puts a unit whose inputs are all zero exactly on the ReLU's kink,
    # where no derivative exists and finite differences see half a slope.
    for layer in net:
        for param, _, name in layer.get_params():
            if name.startswith("b"):
                param += 0.1 * rng.standard_normal(param.shape)
    data, labels = cm.generate_data_memory(to_remember_len, V, DELIM, BLANK, batch, blank_len, rng)
    assert cm.run_check_grads(net, data, labels, num_checks=6, rng=rng, verbose=False) < 1e-6


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
