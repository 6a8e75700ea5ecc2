"""The LSTM cell in numpy with backpropagation through time written out by hand.

The numpy twin of ``MyLSTMCell``: the same equations, the same weight layout,
but the backward pass is ours instead of autograd's, as ``BasicRNNCell``'s is.
"""

import numpy as np

from layer import Layer, as_batch, check_sizes


def sigmoid(a):
    """``1 / (1 + exp(-a))``; exp overflows to inf below a = -709, giving the right 0."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


class NumpyLSTMCell(Layer):
    r"""A long short-term memory cell with hand-written BPTT.

    For t = 1..T, with h_0 = c_0 = 0 and a_t = W_hx x_t + W_hh h_{t-1} + b_h
    split into four blocks of H rows, a_t = [a_i; a_f; a_g; a_o]:

        i_t = sigmoid(a_i),  f_t = sigmoid(a_f),  g_t = tanh(a_g),  o_t = sigmoid(a_o)
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    Parameters in ``torch.nn.LSTM``'s layout (gate order i, f, g, o):
    ``W_hx`` ``(4H, I)`` (= ``weight_ih_l0``), ``W_hh`` ``(4H, H)``
    (= ``weight_hh_l0``), ``b_h`` ``(4H,)`` (= ``bias_ih_l0 + bias_hh_l0``);
    gradients ``dW_hx``, ``dW_hh``, ``db_h``, accumulated by ``bprop``.
    Initialised as ``MyLSTMCell``: U(-1/sqrt(H), 1/sqrt(H)), the forget gate's
    bias ``forget_bias`` (the cell keeps sigmoid(forget_bias) of its memory per
    step at first: 73% at 1).
    """

    def __init__(self, n_in, n_hidden, rng=None, forget_bias=1.0):
        check_sizes(n_in=n_in, n_hidden=n_hidden)
        rng = np.random.default_rng() if rng is None else rng
        self.n_in, self.n_hidden = n_in, n_hidden
        bound = n_hidden**-0.5
        self.W_hx = rng.uniform(-bound, bound, (4 * n_hidden, n_in))
        self.W_hh = rng.uniform(-bound, bound, (4 * n_hidden, n_hidden))
        self.b_h = rng.uniform(-bound, bound, 4 * n_hidden)
        self.b_h[n_hidden : 2 * n_hidden] = forget_bias
        self.dW_hx = np.zeros_like(self.W_hx)
        self.dW_hh = np.zeros_like(self.W_hh)
        self.db_h = np.zeros_like(self.b_h)
        self.cache = None

    def get_params(self):
        yield self.W_hh, self.dW_hh, "W_hh"
        yield self.W_hx, self.dW_hx, "W_hx"
        yield self.b_h, self.db_h, "b_h"

    def fprop(self, xs):
        """Forward pass of the equations above, from h_0 = c_0 = 0.

        xs: ``(T, I)`` or ``(B, T, I)``. Returns hs, ``(T, H)`` or ``(B, T, H)``.
        Stores the inputs, the gates ``(B, T, 4H)`` (after their nonlinearity),
        the cell states and tanh of them ``(B, T, H)`` for ``bprop``.
        """
        #####Start Subtask extra#####
        xs, single = as_batch(xs, self.n_in)
        n_batch, n_steps, _ = xs.shape
        H = self.n_hidden
        # The input term of every step in one product; only W_hh h needs the loop.
        gates = xs @ self.W_hx.T + self.b_h
        cs = np.empty((n_batch, n_steps, H))
        tanh_cs = np.empty_like(cs)
        hs = np.empty_like(cs)
        W_hh_T = self.W_hh.T
        h = np.zeros((n_batch, H))
        c = np.zeros((n_batch, H))
        for t in range(n_steps):
            a = gates[:, t]  # a view: the activated gates are stored in place
            a += h @ W_hh_T
            g = np.tanh(a[:, 2 * H : 3 * H])
            a[:] = sigmoid(a)
            a[:, 2 * H : 3 * H] = g
            i, f, o = a[:, :H], a[:, H : 2 * H], a[:, 3 * H :]
            c = f * c + i * g
            cs[:, t] = c
            tanh_cs[:, t] = np.tanh(c)
            h = hs[:, t] = o * tanh_cs[:, t]
        self.cache = {
            "xs": xs,
            "gates": gates,
            "cs": cs,
            "tanh_cs": tanh_cs,
            "hs": hs,
            "single": single,
            "out_shape": hs.shape[single:],
        }
        return hs[0] if single else hs
        #####End Subtask#####

    def bprop(self, dys):
        """Backpropagation through time.

        dys: ``(T, H)`` or ``(B, T, H)``, the derivative of the loss w.r.t. each
        h_t from the layer above. Going back from t = T with da_{T+1} = 0 and
        dc_{T+1} = 0:

            dh_t  = dys_t + W_hh^T da_{t+1}
            do_t  = dh_t * tanh(c_t)
            dc_t  = dh_t * o_t * (1 - tanh(c_t)^2) + dc_{t+1} * f_{t+1}
            di_t  = dc_t * g_t,   dg_t = dc_t * i_t,   df_t = dc_t * c_{t-1}
            da_t  = [di_t * i_t (1 - i_t);  df_t * f_t (1 - f_t);
                     dg_t * (1 - g_t^2);     do_t * o_t (1 - o_t)]
            dW_hh += da_t h_{t-1}^T,  dW_hx += da_t x_t^T,  db_h += da_t
            dx_t  = W_hx^T da_t

        The cell state passes its derivative back through f_{t+1} alone, with
        no weight matrix and no squashing: the path that carries memory.
        Returns dxs, ``(T, I)`` or ``(B, T, I)``. The three ``+=`` are summed
        over t (and the batch) after the loop, in one product each.
        """
        #####Start Subtask extra#####
        cache = self._cached(dys)
        xs, gates, hs = cache["xs"], cache["gates"], cache["hs"]
        cs, tanh_cs = cache["cs"], cache["tanh_cs"]
        dys = np.asarray(dys).reshape(hs.shape)
        n_batch, n_steps, H = hs.shape
        das = np.empty_like(gates)
        da = np.zeros((n_batch, 4 * H))
        dc = np.zeros((n_batch, H))
        f_next = np.zeros((n_batch, H))
        for t in reversed(range(n_steps)):
            i, f, g, o = np.split(gates[:, t], 4, axis=1)
            c_prev = cs[:, t - 1] if t > 0 else np.zeros((n_batch, H))
            dh = dys[:, t] + da @ self.W_hh
            dc = dh * o * (1.0 - tanh_cs[:, t] ** 2) + dc * f_next
            da = das[:, t]
            da[:, :H] = dc * g * i * (1.0 - i)
            da[:, H : 2 * H] = dc * c_prev * f * (1.0 - f)
            da[:, 2 * H : 3 * H] = dc * i * (1.0 - g**2)
            da[:, 3 * H :] = dh * tanh_cs[:, t] * o * (1.0 - o)
            f_next = f
        I = self.n_in
        self.dW_hh += das[:, 1:].reshape(-1, 4 * H).T @ hs[:, :-1].reshape(-1, H)
        self.dW_hx += das.reshape(-1, 4 * H).T @ xs.reshape(-1, I)
        self.db_h += das.sum(axis=(0, 1))
        dxs = das @ self.W_hx
        return dxs[0] if cache["single"] else dxs
        #####End Subtask#####
