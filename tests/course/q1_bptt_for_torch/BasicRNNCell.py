"""A ReLU RNN layer in numpy, in the course handout's interface (a test fixture)."""

import numpy as np

import common as cm


class BasicRNNCell:
    """h_{t+1} = ReLU(W_hh h_t + W_hx x_t + bh); one sequence at a time, states as columns."""

    def __init__(self, n_in, n_hidden=100):
        self.W_hh = np.random.normal(0, np.sqrt(1 / n_hidden), size=(n_hidden, n_hidden))
        self.W_hx = np.random.normal(0, np.sqrt(2 / (n_in + n_hidden)), size=(n_hidden, n_in))
        #####Start Subtask 1f#####
        self.W_hh = np.eye(n_hidden)
        #####End Subtask 1f#####
        self.dW_hh = np.zeros_like(self.W_hh)
        self.dW_hx = np.zeros_like(self.W_hx)
        self.bh = np.zeros(shape=(n_hidden, 1))
        self.dbh = np.zeros_like(self.bh)
        self.hs = [np.zeros(shape=(n_hidden, 1))]  # h_0
        self.xs, self.dxs, self.relu_idx = [], [], []

    def __str__(self):
        return "BasicRNNCell"

    def fprop(self, data):
        """data (T, I): one sequence; appends to hs, xs and relu_idx; returns the states (T, H)."""
        n_samples, n_in = data.shape
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
        """dys: T columns (H, 1), walked back in time; returns the input gradients, (I, 1) each."""
        dh = None
        for dy in reversed(dys):
            #####Start Subtask 1b#####
            x, mask = self.xs.pop(), self.relu_idx.pop()
            self.hs.pop()
            from_later = 0 if dh is None else self.W_hh.T @ dh
            dh = (dy + from_later) * mask
            self.dW_hh += dh @ self.hs[-1].T
            self.dW_hx += dh @ x.T
            self.dbh += dh
            self.dxs.insert(0, self.W_hx.T @ dh)
            #####End Subtask#####
        return self.dxs

    def clip_gradients(self):
        for grad in [self.dW_hx, self.dbh, self.dW_hh]:
            cm.clip_gradient(grad, 5)

    def update_weights(self, update_fun=None, eta=0.001):
        if update_fun is None:

            def update_fun(weight, derivative):
                return -eta * derivative

        for weight, derivative, _ in self.get_params():
            weight += update_fun(weight, derivative)
            derivative *= 0
        self.dxs = []

    def get_params(self):
        params, grads = [self.W_hh, self.W_hx, self.bh], [self.dW_hh, self.dW_hx, self.dbh]
        yield from zip(params, grads, ["W_hh", "W_hx", "bh"], strict=True)

    def clear_stored_states(self):
        # As the handout's: the ReLU masks are not cleared here.
        self.hs = [self.hs[0]]
        self.xs, self.dxs = [], []

    def clear_stored_derivs(self):
        for _, derivative, _ in self.get_params():
            derivative *= 0
