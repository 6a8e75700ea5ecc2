"""Question 2a/b: the hand-written cells against torch.nn and the numpy cell."""

import numpy as np
import pytest
import torch

from BasicRNNCell import BasicRNNCell, TorchBasicRNNCell
from MyLSTMCell import MyLSTMCell

CELLS = [MyLSTMCell, TorchBasicRNNCell]
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}


def make_cell(cls, sizes, dtype, seed=0):
    torch.manual_seed(seed)
    cell = cls(*sizes).to(dtype)
    with torch.no_grad():  # nonzero biases, so that their gradients are tested too
        cell.bias.uniform_(-0.5, 0.5)
    return cell


def reference_module(cell):
    """The torch.nn module with the cell's weights, copied here (not by to_torch)."""
    kwargs = {"nonlinearity": "relu"} if isinstance(cell, TorchBasicRNNCell) else {}
    module_class = torch.nn.RNN if isinstance(cell, TorchBasicRNNCell) else torch.nn.LSTM
    ref = module_class(cell.input_size, cell.hidden_size, batch_first=True, **kwargs)
    ref = ref.to(cell.weight_hh.dtype)
    ref.load_state_dict(
        {
            "weight_ih_l0": cell.weight_ih.detach(),
            "weight_hh_l0": cell.weight_hh.detach(),
            "bias_ih_l0": cell.bias.detach(),
            "bias_hh_l0": torch.zeros_like(cell.bias),
        }
    )
    return ref


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(
    ("B", "T", "I", "H", "O"), [(1, 1, 1, 1, 1), (3, 7, 4, 5, 2), (8, 30, 10, 16, 10)]
)
def test_cell_matches_torch_nn(cls, dtype, B, T, I, H, O):
    cell = make_cell(cls, (I, H, O), dtype)
    ref = reference_module(cell)
    x = torch.randn(B, T, I, dtype=dtype)
    x_ref = x.clone().requires_grad_()
    x.requires_grad_()
    out = cell(x)
    hs, _ = ref(x_ref)
    out_ref = cell.readout(hs)
    tol = TOLERANCE[dtype]
    torch.testing.assert_close(out, out_ref, atol=tol, rtol=tol)
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    readout_grads = [p.grad.clone() for p in cell.readout.parameters()]
    cell.readout.zero_grad()
    (out_ref * weights).sum().backward()
    pairs = [
        (cell.weight_ih.grad, ref.weight_ih_l0.grad),
        (cell.weight_hh.grad, ref.weight_hh_l0.grad),
        (cell.bias.grad, ref.bias_ih_l0.grad),
        (cell.bias.grad, ref.bias_hh_l0.grad),
        (x.grad, x_ref.grad),
        *zip(readout_grads, [p.grad for p in cell.readout.parameters()], strict=True),
    ]
    for mine, theirs in pairs:
        torch.testing.assert_close(mine, theirs, atol=tol, rtol=tol)


@pytest.mark.parametrize("cls", CELLS)
def test_to_torch_loads_the_weights_unchanged(cls):
    cell = make_cell(cls, (3, 6, 2), torch.float64)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    hs, _ = cell.to_torch()(x)
    hs_ref, _ = reference_module(cell)(x)
    torch.testing.assert_close(hs, hs_ref, rtol=0, atol=0)


@pytest.mark.parametrize("cls", CELLS)
def test_gradcheck(cls):
    cell = make_cell(cls, (3, 4, 2), torch.float64)
    x = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    params = (cell.weight_ih, cell.weight_hh, cell.bias)
    assert torch.autograd.gradcheck(lambda x, *p: cell(x), (x, *params))


@pytest.mark.parametrize("cls", CELLS)
def test_step_by_step_equals_one_call(cls):
    cell = make_cell(cls, (2, 8, 2), torch.float64)
    x = torch.randn(4, 12, 2, dtype=torch.float64)
    whole = cell(x)
    parts = [cell(x[:, :5])] + [
        cell(x[:, t : t + 1], reset_hidden_state=False) for t in range(5, 12)
    ]
    torch.testing.assert_close(torch.cat(parts, dim=1), whole, rtol=0, atol=1e-15)
    again = cell(x)  # reset_hidden_state=True starts from zero again
    torch.testing.assert_close(again, whole, rtol=0, atol=0)


def test_torch_basic_cell_agrees_with_the_numpy_cell():
    rng = np.random.default_rng(0)
    numpy_cell = BasicRNNCell(5, 7, rng=rng)
    numpy_cell.b_h[:] = rng.standard_normal(7) * 0.3
    cell = TorchBasicRNNCell(5, 7, 7).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(numpy_cell.W_hx))
        cell.weight_hh.copy_(torch.tensor(numpy_cell.W_hh))
        cell.bias.copy_(torch.tensor(numpy_cell.b_h))
    xs = rng.standard_normal((3, 9, 5))
    hs = numpy_cell.fprop(xs)
    hs_torch, _ = cell.recur(torch.tensor(xs), cell.initial_state(3))
    np.testing.assert_allclose(hs_torch.detach().numpy(), hs, rtol=0, atol=1e-12)
    dys = rng.standard_normal(hs.shape)
    dxs = numpy_cell.bprop(dys)
    x = torch.tensor(xs, requires_grad=True)
    hs_torch, _ = cell.recur(x, cell.initial_state(3))
    hs_torch.backward(torch.tensor(dys))
    for mine, theirs in [
        (numpy_cell.dW_hh, cell.weight_hh.grad),
        (numpy_cell.dW_hx, cell.weight_ih.grad),
        (numpy_cell.db_h, cell.bias.grad),
        (dxs, x.grad),
    ]:
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=0, atol=1e-12)


def test_identity_init():
    cell = TorchBasicRNNCell(3, 4, 2, init="identity")
    torch.testing.assert_close(cell.weight_hh.detach(), torch.eye(4))


def test_rnn_types_and_layout():
    lstm, rnn = MyLSTMCell(3, 5, 2), TorchBasicRNNCell(3, 5, 2)
    assert (lstm.get_rnn_type(), rnn.get_rnn_type()) == ("LSTM", "RNN")
    assert (
        lstm.weight_ih.shape == (20, 3)
        and lstm.weight_hh.shape == (20, 5)
        and lstm.bias.shape == (20,)
    )
    assert (
        rnn.weight_ih.shape == (5, 3) and rnn.weight_hh.shape == (5, 5) and rnn.bias.shape == (5,)
    )
    assert isinstance(lstm.readout, torch.nn.Linear) and lstm.readout.out_features == 2
    assert lstm(torch.randn(2, 4, 3)).shape == (2, 4, 2)


@pytest.mark.parametrize("forget_bias", [1.0, 3.0])
def test_forget_gate_bias(forget_bias):
    H = 6
    bias = MyLSTMCell(3, H, 2, forget_bias=forget_bias).bias.detach()
    assert torch.equal(bias[H : 2 * H], torch.full((H,), forget_bias))
    others = torch.cat([bias[:H], bias[2 * H :]])
    assert others.abs().max() <= H**-0.5 and others.std() > 0
