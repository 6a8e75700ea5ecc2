"""The numpy networks rebuilt in torch: nn.RNN / nn.LSTM per cell, nn.Linear read-out."""

import numpy as np
import torch

from NumpyLSTMCell import NumpyLSTMCell


def torch_cell(cell):
    """``nn.RNN(relu)`` or ``nn.LSTM`` (batch-first, float64) loaded with a numpy cell's weights."""
    if isinstance(cell, NumpyLSTMCell):
        module = torch.nn.LSTM(cell.n_in, cell.n_hidden, batch_first=True)
    else:
        module = torch.nn.RNN(cell.n_in, cell.n_hidden, nonlinearity="relu", batch_first=True)
    module = module.double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(cell.W_hx))
        module.weight_hh_l0.copy_(torch.tensor(cell.W_hh))
        module.bias_ih_l0.copy_(torch.tensor(cell.b_h))
        module.bias_hh_l0.zero_()
    return module


def torch_reference(net, data, labels):
    """The network's loss, every parameter's gradient (in ``get_params`` order) and d loss / d data.

    The loss is ``run_forward_pass``'s: cross-entropy summed over the steps,
    averaged over the sequences of a batch.
    """
    *cells, readout = net
    x = torch.tensor(data, requires_grad=True)
    h = x if x.ndim == 3 else x[None]
    modules = []
    for cell in cells:
        module = torch_cell(cell)
        h, _ = module(h)
        modules.append(module)
    linear = torch.nn.Linear(readout.n_in, readout.n_out).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(readout.W))
        linear.bias.copy_(torch.tensor(readout.b))
    out = linear(h)
    n_classes = out.shape[-1]
    targets = torch.tensor(np.asarray(labels).argmax(-1)).reshape(-1)
    loss = torch.nn.functional.cross_entropy(out.reshape(-1, n_classes), targets, reduction="sum")
    loss = loss / h.shape[0]
    loss.backward()
    grads = [
        grad
        for m in modules
        for grad in (m.weight_hh_l0.grad, m.weight_ih_l0.grad, m.bias_ih_l0.grad)
    ]
    grads += [linear.weight.grad, linear.bias.grad]
    return loss.item(), [g.numpy() for g in grads], x.grad.numpy()
