"""A ReLU RNN layer in numpy, in the course handout's interface (a test fixture)."""

import numpy as np

import common


class BasicRNNCell:
    """h_{t+1} = ReLU(W_hh h_t + W_hx x_t + bh); states kept as columns."""

    def __init__(self, n_in, n_hidden=100):
        self.n_in, self.n_hidden = n_in, n_hidden
        self.W_hh = np.random.randn(n_hidden, n_hidden) * 0.01
        #####Start Subtask 1f#####
        self.W_hh = np.eye(n_hidden)
        #####End Subtask 1f#####
        self.W_hx = np.random.randn(n_hidden, n_in) * 0.01
        self.bh = np.zeros((n_hidden, 1))
        self.dW_hh = np.zeros_like(self.W_hh)
        self.dW_hx = np.zeros_like(self.W_hx)
        self.dbh = np.zeros_like(self.bh)
        self.h_0 = np.zeros((n_hidden, 1))
        self.hs, self.xs, self.dxs, self.relu_idx = [self.h_0], [], [], []

    def fprop(self, data):
        """data (T, I): one sequence; returns the hidden states (T, H)."""
        #####Start Subtask 1a#####
        for x in data:
            x = x.reshape(-1, 1)
            a = self.W_hh @ self.hs[-1] + self.W_hx @ x + self.bh
            mask = a > 0
            self.xs.append(x)
            self.relu_idx.append(mask)
            self.hs.append(a * mask)
        #####End Subtask#####
        return np.squeeze(np.array(self.hs[1:]))

    def bprop(self, dys):
        """dys: a list of T columns (H, 1); returns the list of (I, 1) input gradients."""
        #####Start Subtask 1b#####
        dh_hat = np.zeros((self.n_hidden, 1))
        for dy in reversed(dys):
            mask, x = self.relu_idx.pop(), self.xs.pop()
            self.hs.pop()
            dh_hat = (dy + self.W_hh.T @ dh_hat) * mask
            self.dW_hh += dh_hat @ self.hs[-1].T
            self.dW_hx += dh_hat @ x.T
            self.dbh += dh_hat
            self.dxs.insert(0, self.W_hx.T @ dh_hat)
        #####End Subtask#####
        return self.dxs

    def clip_gradients(self):
        for grad in (self.dW_hx, self.dbh, self.dW_hh):
            common.clip_gradient(grad, 5)

    def update_weights(self, update_fun=None, eta=0.001):
        for param, grad, _ in self.get_params():
            param -= eta * grad
        self.clear_stored_derivs()

    def get_params(self):
        yield self.W_hh, self.dW_hh, "W_hh"
        yield self.W_hx, self.dW_hx, "W_hx"
        yield self.bh, self.dbh, "bh"

    def clear_stored_states(self):
        self.hs, self.xs, self.dxs, self.relu_idx = [self.h_0], [], [], []

    def clear_stored_derivs(self):
        for grad in (self.dW_hh, self.dW_hx, self.dbh):
            grad[...] = 0
        self.dxs = []
