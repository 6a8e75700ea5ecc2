"""A linear read-out in numpy, in the course handout's interface (a test fixture)."""

import numpy as np

import common as cm


class LinearLayer:
    """y_t = W h_t + b for each row h_t of a sequence; the inputs kept as columns."""

    def __init__(self, n_in, n_out):
        self.n_in, self.n_out = n_in, n_out
        self.W = np.random.normal(0, np.sqrt(2 / (n_in + n_out)), size=(n_out, n_in))
        self.dW = np.zeros_like(self.W)
        self.b = np.zeros(shape=(n_out, 1))
        self.db = np.zeros_like(self.b)
        self.dxs, self.xs = [], []

    def __str__(self):
        return "LinearLayer"

    def fprop(self, data):
        outputs = []
        for row in data:
            self.xs.append(row.reshape(-1, 1))
            outputs.append(self.W @ self.xs[-1] + self.b)
        return np.squeeze(np.array(outputs))

    def bprop(self, dys):
        for dy in reversed(dys):
            self.dW += dy @ self.xs[-1].T
            self.db += dy
            self.dxs.insert(0, self.W.T @ dy)
            self.xs.pop()
        return self.dxs

    def clip_gradients(self):
        for grad in [self.dW, self.db]:
            cm.clip_gradient(grad, 5)

    def update_weights(self, update_fun=None, *, eta=0.001):
        if update_fun is None:

            def update_fun(weight, derivative):
                return -eta * derivative

        for weight, derivative, _ in self.get_params():
            weight += update_fun(weight, derivative)
            derivative *= 0
        self.dxs = []

    def get_params(self):
        yield from zip([self.W, self.b], [self.dW, self.db], ["Linear W", "Linear b"], strict=True)

    def clear_stored_states(self):
        self.xs, self.dxs = [], []

    def clear_stored_derivs(self):
        for _, derivative, _ in self.get_params():
            derivative *= 0
