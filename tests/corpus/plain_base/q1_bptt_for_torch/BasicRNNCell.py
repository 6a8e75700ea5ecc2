import numpy as np
import common as cm


class BasicRNNCell:
    """Vanilla RNN cell with ReLU, forward and backward pass in numpy."""

    def __init__(self, n_in, n_hidden=100):
        # std of the normal init
        std_hx = np.sqrt(2 / (n_in + n_hidden))
        std_hh = np.sqrt(2 / (n_hidden + n_hidden))

        # weights
        self.W_hh = np.random.normal(0, std_hh, size=(n_hidden, n_hidden))
        #####Insert your code here for subtask 1f#####
        self.W_hh = np.eye(n_hidden)

        self.W_hx = np.random.normal(0, std_hx, size=(n_hidden, n_in))

        # gradients of the weights
        self.dW_hh = np.zeros_like(self.W_hh)
        self.dW_hx = np.zeros_like(self.W_hx)

        # bias + gradient
        self.bh = np.zeros(shape=(n_hidden, 1))
        self.dbh = np.zeros_like(self.bh)

        # hs[0] is h_0 = 0
        self.hs = [np.zeros(shape=(n_hidden, 1))]

        # inputs and input gradients
        self.xs = []
        self.dxs = []

        # where the relu let something through
        self.relu_idx = []

    def __str__(self):
        return "BasicRNNCell"

    def fprop(self, data):
        """data: (T, n_in), returns the hidden states (T, n_hidden)"""
        n_samples, n_in = data.shape
        #####Insert your code here for subtask 1a#####
        for t in range(n_samples):
            x = data[t].reshape(n_in, 1)
            self.xs.append(x)
            a = np.dot(self.W_hh, self.hs[-1]) + np.dot(self.W_hx, x) + self.bh
            mask = a > 0
            self.relu_idx.append(mask)
            h = np.maximum(a, 0)
            self.hs.append(h)

        # h_0 is not part of the output
        return np.squeeze(np.array(self.hs[1:]))

    def bprop(self, dys):
        """dys: list of (n_hidden, 1) gradients, returns list of (n_in, 1) gradients"""
        dh = None
        for dy in reversed(dys):
            #####Insert your code here for subtask 1b#####
            if dh is None:
                dh_hat_next = np.zeros_like(self.bh)
            dh = dy + np.dot(self.W_hh.T, dh_hat_next)
            mask = self.relu_idx.pop()
            dh_hat = dh * mask

            x = self.xs.pop()
            self.hs.pop()
            h_prev = self.hs[-1]

            self.dW_hh += np.dot(dh_hat, h_prev.T)
            self.dW_hx += np.dot(dh_hat, x.T)
            self.dbh += dh_hat
            self.dxs.insert(0, np.dot(self.W_hx.T, dh_hat))

            dh_hat_next = dh_hat

        return self.dxs

    def clip_gradients(self):
        """clip every gradient array to norm 5"""
        for grad in [self.dW_hx, self.dbh, self.dW_hh]:
            threshhold = 5
            cm.clip_gradient(grad, threshhold)

    def update_weights(self, update_fun=None, eta=0.001):
        """apply update_fun(weight, grad) to all weights (default: plain SGD), then zero the grads"""
        if update_fun is None:
            def update_fun(x, y):
                return -eta * y
        params = [self.W_hh, self.W_hx, self.bh]
        grads = [self.dW_hh, self.dW_hx, self.dbh]
        for weight, der in zip(params, grads):
            weight += update_fun(weight, der)
            der *= 0

        self.dxs = []

    def get_params(self):
        """yields (weight, gradient, name)"""
        params = [self.W_hh, self.W_hx, self.bh]
        grads = [self.dW_hh, self.dW_hx, self.dbh]
        names = ["W_hh", "W_hx", "bh"]
        for weight, der, name in zip(params, grads, names):
            yield (weight, der, name)

    def clear_stored_states(self):
        """back to h_0, forget inputs and input gradients"""
        self.hs = [self.hs[0]]
        self.xs = []
        self.dxs = []

    def clear_stored_derivs(self):
        """set all weight gradients to zero"""
        for _, der, _ in self.get_params():
            der *= 0
