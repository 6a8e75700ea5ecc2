"""The LSTM cell of Question 2, written out with torch tensor operations."""

import torch

from AbstractRNNCell import AbstractRNNCell


class MyLSTMCell(AbstractRNNCell):
    r"""A long short-term memory cell; autograd computes the backward.

    For t = 1..T, with h_0 = c_0 = 0:

    .. math::
        i_t &= \sigma(W_{ii} x_t + W_{hi} h_{t-1} + b_i) \\
        f_t &= \sigma(W_{if} x_t + W_{hf} h_{t-1} + b_f) \\
        g_t &= \tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g) \\
        o_t &= \sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t &= o_t \odot \tanh(c_t)

    and the output y_t = readout(h_t).

    Weights in ``torch.nn.LSTM``'s layout, so they load into it unchanged:
    ``weight_ih`` ``(4H, I)`` = [W_ii; W_if; W_ig; W_io], ``weight_hh`` ``(4H, H)``
    = [W_hi; W_hf; W_hg; W_ho], ``bias`` ``(4H,)`` = [b_i; b_f; b_g; b_o] (the
    sum of ``nn.LSTM``'s ``bias_ih`` and ``bias_hh``); ``readout`` is an
    ``nn.Linear(H, output_size)``. All are initialised as ``nn.LSTM`` does,
    from U(-1/sqrt(H), 1/sqrt(H)), except the forget gate's bias b_f =
    ``forget_bias``: the cell starts out keeping the fraction sigma(b_f) of
    its memory per step (0.73 for 1, 0.95 for 3), so that gradients reach far
    back from the first step on (Gers et al., 2000; Jozefowicz et al., 2015).
    """

    def __init__(self, input_size, hidden_size, output_size, device=None, forget_bias=1.0):
        super().__init__(input_size, hidden_size, output_size, device)
        #####Start Subtask 2a#####
        bound = hidden_size**-0.5
        make = {"device": device, "dtype": self.readout.weight.dtype}
        self.weight_ih = torch.nn.Parameter(torch.empty(4 * hidden_size, input_size, **make))
        self.weight_hh = torch.nn.Parameter(torch.empty(4 * hidden_size, hidden_size, **make))
        self.bias = torch.nn.Parameter(torch.empty(4 * hidden_size, **make))
        for weight in (self.weight_ih, self.weight_hh, self.bias):
            torch.nn.init.uniform_(weight, -bound, bound)
        with torch.no_grad():
            self.bias[hidden_size : 2 * hidden_size] = forget_bias
        #####End Subtask#####

    def get_rnn_type(self):
        return "LSTM"

    def initial_state(self, batch_size):
        """The zero state ``(h_0, c_0)``, each ``(batch_size, H)``."""
        #####Start Subtask 2b#####
        h = self.weight_hh.new_zeros(batch_size, self.hidden_size)
        return h, h.clone()
        #####End Subtask#####

    def recur(self, x, state):
        """The LSTM equations for every step of x ``(B, T, I)``.

        state: ``(h, c)``, each ``(B, H)``. Returns the hidden states
        ``(B, T, H)`` and the last ``(h, c)``.
        """
        #####Start Subtask 2b#####
        h, c = state
        # The input projection of all steps in one product; per step, one
        # product gives all four gates. unbind, not x_proj[:, t]: indexing a
        # tensor that requires grad T times makes the backward quadratic in T.
        x_proj = torch.addmm(self.bias, x.flatten(0, 1), self.weight_ih.T)
        W_hh_T = self.weight_hh.T
        hs = []
        for x_t in x_proj.view(*x.shape[:2], -1).unbind(1):
            i, f, g, o = torch.addmm(x_t, h, W_hh_T).chunk(4, dim=1)
            c = torch.addcmul(torch.sigmoid(f) * c, torch.sigmoid(i), torch.tanh(g))
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
        return torch.stack(hs, 1), (h, c)
        #####End Subtask#####

    def to_torch(self):
        """An ``nn.LSTM(batch_first=True)`` with this cell's weights (``bias_hh = 0``)."""
        lstm = self._new_like(torch.nn.LSTM)
        with torch.no_grad():
            lstm.weight_ih_l0.copy_(self.weight_ih)
            lstm.weight_hh_l0.copy_(self.weight_hh)
            lstm.bias_ih_l0.copy_(self.bias)
            lstm.bias_hh_l0.zero_()
        return lstm
