import numpy as np
import common as cm


def _relu(x):
    """ReLU on an array, also returns a boolean mask of where it was > 0"""
    active = x > 0
    return np.where(active, x, 0.0), active


class BasicRNNCell:
    """Vanilla RNN layer with a ReLU, numpy only (forward + BPTT)."""

    def __init__(self, n_in, n_hidden=100):
        """
        Sets up weights, bias, their gradients and the lists we need for BPTT.

        :param n_in: size of one input vector
        :param n_hidden: number of hidden units (default 100)
        """
        # standard deviations for the random init of the two weight matrices
        std_hx = np.sqrt(2 / (n_in + n_hidden))
        std_hh = np.sqrt(2 / (n_hidden + n_hidden))

        # recurrent weights (hidden -> hidden)
        self.W_hh = np.random.normal(0, std_hh, size=(n_hidden, n_hidden))
        #####Insert your code here for subtask 1f#####
        # identity for W_hh (task 1f)
        self.W_hh = np.eye(n_hidden, dtype=float)

        # input weights (input -> hidden)
        self.W_hx = np.random.normal(0, std_hx, size=(n_hidden, n_in))

        self.dW_hh = np.zeros_like(self.W_hh)
        self.dW_hx = np.zeros_like(self.W_hx)

        # bias is a column vector, same for its gradient
        self.bh = np.zeros(shape=(n_hidden, 1))
        self.dbh = np.zeros_like(self.bh)

        # hs[0] is h_0 (all zeros), the others get appended in fprop
        self.hs = [np.zeros(shape=(n_hidden, 1))]

        # inputs seen in fprop and the input gradients computed in bprop
        self.xs = []
        self.dxs = []

        # one entry per time step: where the relu let the value through
        self.relu_idx = []

    def __str__(self):
        return "BasicRNNCell"

    def fprop(self, data):
        """
        Runs the cell over one sequence.

        :param data: array (nSamples, nIn), one row per time step
        :return: array (nSamples, nHidden) with the hidden states
        """
        n_samples, n_in = data.shape
        #####Insert your code here for subtask 1a#####
        for t in range(n_samples):
            x_t = data[t, :, None]                  # (nIn, 1)
            h_prev = self.hs[-1]
            h_t, active = _relu(self.W_hh.dot(h_prev) + self.W_hx.dot(x_t) + self.bh)

            self.xs.append(x_t)
            self.hs.append(h_t)
            self.relu_idx.append(active)            # bool mask, True = unit was on

        # h_0 is not part of the output
        return np.squeeze(np.array(self.hs[1:]))

    def bprop(self, dys):
        """
        BPTT through the stored time steps, accumulates dW_hh, dW_hx and dbh.

        :param dys: list of nSamples columns (nHidden, 1), gradient coming from the layer above
        :return: list of nSamples columns (nIn, 1), gradient w.r.t. the inputs
        """
        dh = None
        T = len(dys)
        # the stored values of the last T steps belong to these dys
        # (hs has one more entry, hs_used[t] is the state before step t)
        xs_used = self.xs[-T:]
        hs_used = self.hs[-(T + 1):]
        masks = self.relu_idx[-T:]
        for t in reversed(range(T)):
            dy = dys[t]
            #####Insert your code here for subtask 1b#####
            # dh is the gradient after the relu-mask of step t+1, nothing at the end
            if dh is None:
                dh = np.zeros_like(dy)
            dh = (dy + self.W_hh.T.dot(dh)) * masks[t]

            self.dW_hh += dh.dot(hs_used[t].T)
            self.dW_hx += dh.dot(xs_used[t].T)
            self.dbh += dh
            self.dxs.insert(0, self.W_hx.T.dot(dh))

        # remove what we used, like LinearLayer.bprop pops its inputs
        del self.xs[-T:]
        del self.hs[-T:]
        del self.relu_idx[-T:]

        return self.dxs

    def clip_gradients(self):
        """Clips each of the three gradients to norm 5 (one after the other)."""
        max_norm = 5
        for g in [self.dW_hx, self.dbh, self.dW_hh]:
            cm.clip_gradient(g, max_norm)

    def update_weights(self, update_fun=None, eta=0.001):
        """
        Applies one update step and resets the gradients afterwards.

        :param update_fun: f(weight, grad) -> step that gets added to the weight,
                           plain gradient descent if None
        :param eta: learning rate for the default update
        """
        if update_fun is None:
            def update_fun(w, g):
                return -eta * g

        params = [self.W_hh, self.W_hx, self.bh]
        grads = [self.dW_hh, self.dW_hx, self.dbh]
        for w, g in zip(params, grads):
            w += update_fun(w, g)
            g *= 0

        self.dxs = []

    def get_params(self):
        """Yields (parameter, gradient, name) for every parameter of the cell."""
        params = [self.W_hh, self.W_hx, self.bh]
        grads = [self.dW_hh, self.dW_hx, self.dbh]
        names = ["W_hh", "W_hx", "bh"]
        for w, g, name in zip(params, grads, names):
            yield (w, g, name)

    def clear_stored_states(self):
        """Forgets stored hidden states (except h_0), inputs and input gradients."""
        self.hs = [self.hs[0]]
        self.xs = []
        self.dxs = []

    def clear_stored_derivs(self):
        """Sets all parameter gradients back to zero."""
        for _, g, _ in self.get_params():
            g *= 0
