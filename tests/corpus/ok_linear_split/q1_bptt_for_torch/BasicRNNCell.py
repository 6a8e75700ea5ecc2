import numpy as np
import common as cm


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
        # 1f: start W_hh as the identity instead (random draw above is just overwritten)
        self.W_hh = np.eye(n_hidden)

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
            x_t = data[t].reshape(n_in, 1)
            self.xs.append(x_t)

            pre = self.W_hh @ self.hs[-1] + self.W_hx @ x_t + self.bh

            # save the indices of the units that stay alive, bprop needs them again
            kept = np.nonzero(pre > 0)
            self.relu_idx.append(kept)

            h_t = np.zeros_like(pre)
            h_t[kept] = pre[kept]
            self.hs.append(h_t)

        # h_0 is not part of the output
        return np.squeeze(np.array(self.hs[1:]))

    def bprop(self, dys):
        """
        BPTT through the stored time steps, accumulates dW_hh, dW_hx and dbh.

        :param dys: list of nSamples columns (nHidden, 1), gradient coming from the layer above
        :return: list of nSamples columns (nIn, 1), gradient w.r.t. the inputs
        """
        dh = None
        for dy in reversed(dys):
            #####Insert your code here for subtask 1b#####
            # dh = gradient before the relu of the step after this one (t+1)
            if dh is None:
                dh = np.zeros_like(dy)

            x_t = self.xs.pop()
            self.hs.pop()              # h_t itself is not needed anymore
            h_prev = self.hs[-1]       # h_{t-1}
            kept = self.relu_idx.pop()

            # gradient w.r.t. h_t: from the output and from the next time step
            dh_t = dy + self.W_hh.T @ dh

            # only the units that were active in the forward pass get a gradient
            dh_hat = np.zeros_like(dh_t)
            dh_hat[kept] = dh_t[kept]

            self.dW_hh += dh_hat @ h_prev.T
            self.dW_hx += dh_hat @ x_t.T
            self.dbh += dh_hat
            self.dxs.insert(0, self.W_hx.T @ dh_hat)

            dh = dh_hat

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
