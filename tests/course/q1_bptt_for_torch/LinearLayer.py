"""A linear read-out in numpy, in the course handout's interface (a test fixture)."""

import numpy as np

import common


class LinearLayer:
    """y_t = W h_t + b, for each row h_t of a sequence."""

    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_out, n_in) * 0.1
        self.b = np.zeros((n_out, 1))
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.xs = []

    def fprop(self, data):
        self.xs = [x.reshape(-1, 1) for x in data]
        return np.squeeze(np.array([self.W @ x + self.b for x in self.xs]))

    def bprop(self, dys):
        dxs = []
        for x, dy in zip(self.xs, dys, strict=True):
            self.dW += dy @ x.T
            self.db += dy
            dxs.append(self.W.T @ dy)
        return dxs

    def clip_gradients(self):
        for grad in (self.dW, self.db):
            common.clip_gradient(grad, 5)

    def update_weights(self, update_fun=None, eta=0.001):
        for param, grad, _ in self.get_params():
            param -= eta * grad
        self.clear_stored_derivs()

    def get_params(self):
        yield self.W, self.dW, "W"
        yield self.b, self.db, "b"

    def clear_stored_states(self):
        self.xs = []

    def clear_stored_derivs(self):
        self.dW[...] = 0
        self.db[...] = 0
