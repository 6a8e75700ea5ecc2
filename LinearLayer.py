"""The numpy read-out layer of Question 1: ``y_t = W h_t + b`` at every step."""

import numpy as np

from layer import Layer, as_batch, check_sizes


class LinearLayer(Layer):
    """A linear map applied at every time step.

    Parameters: ``W`` ``(n_out, n_in)``, ``b`` ``(n_out,)``; gradients ``dW``, ``db``.
    Initialisation: ``W ~ N(0, 1 / n_in)``, ``b = 0``.
    """

    def __init__(self, n_in, n_out, rng=None):
        check_sizes(n_in=n_in, n_out=n_out)
        rng = np.random.default_rng() if rng is None else rng
        self.n_in, self.n_out = n_in, n_out
        self.W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        self.b = np.zeros(n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.cache = None

    def get_params(self):
        yield self.W, self.dW, "W"
        yield self.b, self.db, "b"

    def fprop(self, xs):
        """``ys[..., t, :] = W xs[..., t, :] + b``.

        xs: ``(T, n_in)`` or ``(B, T, n_in)``. Returns ys of the same layout with
        ``n_out`` features.
        """
        batch, single = as_batch(xs, self.n_in)
        ys = batch @ self.W.T + self.b
        self.cache = {"xs": batch, "out_shape": ys.shape[single:]}
        return ys[0] if single else ys

    def bprop(self, dys):
        """Gradients of ``y = W x + b``: ``dW += dy x^T``, ``db += dy``, ``dx = W^T dy``.

        dys: ``(T, n_out)`` or ``(B, T, n_out)``, as ``fprop`` returned. Returns dxs,
        ``(T, n_in)`` or ``(B, T, n_in)``. Sums over the batch and the time steps.
        """
        cache = self._cached(dys)
        xs = cache["xs"].reshape(-1, self.n_in)
        dys2 = np.asarray(dys).reshape(-1, self.n_out)
        self.dW += dys2.T @ xs
        self.db += dys2.sum(axis=0)
        dxs = np.asarray(dys) @ self.W
        return dxs
