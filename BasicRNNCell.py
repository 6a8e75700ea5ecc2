"""The basic ReLU RNN cell, once in numpy (Question 1) and once in torch (Question 2).

Both compute, for t = 1..T with h_0 = 0,

    h_t = ReLU(W_hh h_{t-1} + W_hx x_t + b_h)

and both initialise ``W_hx ~ N(0, 1/I)``, ``b_h = 0`` and either
``W_hh ~ N(0, 1/H)`` (``init="random"``) or ``W_hh = I`` (``init="identity"``,
Question 1f: active units carry their state forward unchanged, so the error
signal reaches far back instead of shrinking at every step; the states, and
with them the gradients, then grow with the sequence length, which is what
gradient clipping is for).
"""

import numpy as np
import torch

from AbstractRNNCell import AbstractRNNCell
from layer import Layer, as_batch, check_sizes

INITS = ("random", "identity")


def _check_init(init):
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")


class BasicRNNCell(Layer):
    """The numpy ReLU RNN cell with backpropagation through time.

    Parameters: ``W_hh`` ``(H, H)``, ``W_hx`` ``(H, I)``, ``b_h`` ``(H,)``;
    gradients ``dW_hh``, ``dW_hx``, ``db_h``, accumulated by ``bprop``.
    """

    def __init__(self, n_in, n_hidden, init="random", rng=None):
        check_sizes(n_in=n_in, n_hidden=n_hidden)
        _check_init(init)
        rng = np.random.default_rng() if rng is None else rng
        self.n_in, self.n_hidden = n_in, n_hidden
        self.W_hx = rng.standard_normal((n_hidden, n_in)) / np.sqrt(n_in)
        if init == "identity":
            #####Start Subtask 1f#####
            self.W_hh = np.eye(n_hidden)
            #####End Subtask#####
        else:
            self.W_hh = rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
        self.b_h = np.zeros(n_hidden)
        self.dW_hh = np.zeros_like(self.W_hh)
        self.dW_hx = np.zeros_like(self.W_hx)
        self.db_h = np.zeros_like(self.b_h)
        self.cache = None

    def get_params(self):
        yield self.W_hh, self.dW_hh, "W_hh"
        yield self.W_hx, self.dW_hx, "W_hx"
        yield self.b_h, self.db_h, "b_h"

    def fprop(self, xs):
        """Forward pass: ``h_t = ReLU(W_hh h_{t-1} + W_hx x_t + b_h)``, ``h_0 = 0``.

        xs: ``(T, I)`` or ``(B, T, I)``. Returns hs, ``(T, H)`` or ``(B, T, H)``.
        Stores the inputs and the hidden states; ``hs > 0`` is the ReLU mask
        that ``bprop`` applies.
        """
        #####Start Subtask 1a#####
        xs, single = as_batch(xs, self.n_in)
        n_batch, n_steps, _ = xs.shape
        # The input term of every step in one product; only W_hh h needs the loop.
        hs = xs @ self.W_hx.T + self.b_h
        W_hh_T = self.W_hh.T
        h = np.zeros((n_batch, self.n_hidden))
        for t in range(n_steps):
            h = np.maximum(hs[:, t] + h @ W_hh_T, 0.0)
            hs[:, t] = h
        self.cache = {
            "xs": xs,
            "hs": hs,
            "single": single,
            "out_shape": hs.shape[single:],
        }
        return hs[0] if single else hs
        #####End Subtask#####

    def bprop(self, dys):
        """Backpropagation through time.

        dys: ``(T, H)`` or ``(B, T, H)``, the derivative of the loss w.r.t. each
        h_t from the layer above (already multiplied by ``W_yh^T``). Going back
        from t = T with dĥ_{T+1} = 0:

            dh_t  = dys_t + W_hh^T dĥ_{t+1}
            dĥ_t  = dh_t * [h_t > 0]          (the forward pass's own ReLU mask)
            dW_hh += dĥ_t h_{t-1}^T,  dW_hx += dĥ_t x_t^T,  db_h += dĥ_t
            dx_t  = W_hx^T dĥ_t

        Returns dxs, ``(T, I)`` or ``(B, T, I)``. The three ``+=`` are summed
        over t (and the batch) after the loop, in one product each.
        """
        #####Start Subtask 1b#####
        cache = self._cached(dys)
        xs, hs = cache["xs"], cache["hs"]
        dys = np.asarray(dys).reshape(hs.shape)
        H, I = self.n_hidden, self.n_in
        mask = hs > 0
        dhs_hat = np.empty_like(hs)
        dh_hat = np.zeros((hs.shape[0], H))
        for t in reversed(range(hs.shape[1])):
            dh_hat = (dys[:, t] + dh_hat @ self.W_hh) * mask[:, t]
            dhs_hat[:, t] = dh_hat
        self.dW_hh += dhs_hat[:, 1:].reshape(-1, H).T @ hs[:, :-1].reshape(-1, H)
        self.dW_hx += dhs_hat.reshape(-1, H).T @ xs.reshape(-1, I)
        self.db_h += dhs_hat.sum(axis=(0, 1))
        dxs = dhs_hat @ self.W_hx
        return dxs[0] if cache["single"] else dxs
        #####End Subtask#####


class TorchBasicRNNCell(AbstractRNNCell):
    """The ReLU RNN cell in torch; autograd computes the backward.

    Weights in ``torch.nn.RNN``'s layout: ``weight_ih`` ``(H, I)`` (= W_hx),
    ``weight_hh`` ``(H, H)`` (= W_hh), ``bias`` ``(H,)`` (= b_h); the read-out
    ``readout`` is an ``nn.Linear(H, output_size)``.
    """

    def __init__(self, input_size, hidden_size, output_size, device=None, init="random"):
        _check_init(init)
        super().__init__(input_size, hidden_size, output_size, device)
        make = {"device": device, "dtype": self.readout.weight.dtype}
        self.weight_ih = torch.nn.Parameter(torch.randn(hidden_size, input_size, **make))
        self.weight_hh = torch.nn.Parameter(torch.randn(hidden_size, hidden_size, **make))
        self.bias = torch.nn.Parameter(torch.zeros(hidden_size, **make))
        with torch.no_grad():
            self.weight_ih /= input_size**0.5
            if init == "identity":
                self.weight_hh.copy_(torch.eye(hidden_size))
            else:
                self.weight_hh /= hidden_size**0.5

    def get_rnn_type(self):
        return "RNN"

    def initial_state(self, batch_size):
        return self.weight_hh.new_zeros(batch_size, self.hidden_size)

    def recur(self, x, h):
        """``h_t = ReLU(W_hh h_{t-1} + W_hx x_t + b_h)`` for every step of x ``(B, T, I)``.

        Returns the hidden states ``(B, T, H)`` and the last one ``(B, H)``.
        """
        # unbind, not x_proj[:, t]: indexing a tensor that requires grad T times
        # makes the backward allocate T full-size gradients, quadratic in T.
        x_proj = torch.addmm(self.bias, x.flatten(0, 1), self.weight_ih.T)
        W_hh_T = self.weight_hh.T
        hs = []
        for x_t in x_proj.view(*x.shape[:2], -1).unbind(1):
            h = torch.relu(torch.addmm(x_t, h, W_hh_T))
            hs.append(h)
        return torch.stack(hs, 1), h

    def to_torch(self):
        """An ``nn.RNN(nonlinearity="relu", batch_first=True)`` with this cell's weights."""
        rnn = self._new_like(torch.nn.RNN, nonlinearity="relu")
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(self.weight_ih)
            rnn.weight_hh_l0.copy_(self.weight_hh)
            rnn.bias_ih_l0.copy_(self.bias)
            rnn.bias_hh_l0.zero_()
        return rnn
