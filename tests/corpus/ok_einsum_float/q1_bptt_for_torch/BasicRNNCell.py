import numpy as np
import common as cm


class BasicRNNCell:
    """Plain RNN cell with a ReLU, forward pass and BPTT done by hand in numpy."""

    def __init__(self, n_in, n_hidden=100):
        """
        Sets up weights, biases, their gradients and the lists we need for BPTT.

        :param n_in: size of one input vector
        :param n_hidden: number of hidden units (100 if not given)
        """
        # standard deviations for the random init of the two weight matrices
        std_hx = np.sqrt(2 / (n_in + n_hidden))
        std_hh = np.sqrt(2 / (n_hidden + n_hidden))

        # recurrent weights h -> h
        self.W_hh = np.random.normal(0, std_hh, size=(n_hidden, n_hidden))
        #####Insert your code here for subtask 1f#####
        self.W_hh = np.identity(n_hidden)  # 1f) identity init

        # input weights x -> h
        self.W_hx = np.random.normal(0, std_hx, size=(n_hidden, n_in))

        # gradients, same shapes as the weights
        self.dW_hh = np.zeros_like(self.W_hh)
        self.dW_hx = np.zeros_like(self.W_hx)

        # bias (column vector) and its gradient
        self.bh = np.zeros((n_hidden, 1))
        self.dbh = np.zeros_like(self.bh)

        # list of hidden states, the first entry is h_0 = 0
        self.hs = [np.zeros((n_hidden, 1))]

        # inputs seen in fprop and input gradients from bprop
        self.xs = []
        self.dxs = []

        # one relu mask per time step
        self.relu_idx = []

    def __str__(self):
        """Name of the layer (used in the gradient check printout)."""
        return "BasicRNNCell"

    def fprop(self, data):
        """
        Runs the cell over a sequence, h_t = relu(W_hh h_{t-1} + W_hx x_t + b_h).

        :param data: array (nSamples, nIn), one input vector per time step
        :return: array (nSamples, nHidden) with the hidden states
        """
        n_samples, n_in = data.shape
        #####Insert your code here for subtask 1a#####
        # W_hx x_t for all time steps in one einsum -> (n_samples, n_hidden)
        x_contrib = np.einsum('hi,ti->th', self.W_hx, data)
        for t in range(n_samples):
            pre = self.W_hh @ self.hs[-1] + x_contrib[t][:, None] + self.bh
            # relu mask as float 0/1 -> can just multiply with it (also in bprop)
            mask = (pre > 0).astype(np.float64)
            self.relu_idx.append(mask)
            self.xs.append(data[t][:, None])
            self.hs.append(pre * mask)

        # h_0 is not part of the output
        return np.squeeze(np.array(self.hs[1:]))

    def bprop(self, dys):
        """
        Backpropagation through time. Adds up the weight gradients over all time steps.
        Must be called once after every fprop.

        :param dys: list of nSamples gradients, each (nHidden, 1) (already multiplied with W_yh^T)
        :return: list of nSamples input gradients, each (nIn, 1)
        """
        dh = None
        # collect dh^_t, x_t and h_{t-1} of every step, the weight grads are summed at the end
        dh_hats, x_list, h_prev_list = [], [], []
        for dy in reversed(dys):
            #####Insert your code here for subtask 1b#####
            if dh is None:
                dh = np.zeros_like(dy)  # nothing comes from t_end + 1
            mask = self.relu_idx.pop()
            self.hs.pop()
            # dh_t = dy_t + W_hh^T dh^_{t+1}, then the stored relu mask
            dh = (dy + self.W_hh.T @ dh) * mask
            dh_hats.append(dh)
            x_list.append(self.xs.pop())
            h_prev_list.append(self.hs[-1])
            self.dxs.insert(0, self.W_hx.T @ dh)

        if len(dh_hats) > 0:
            D = np.hstack(dh_hats)        # (n_hidden, T)
            X = np.hstack(x_list)         # (n_in, T)
            H_prev = np.hstack(h_prev_list)  # (n_hidden, T)
            # sum over t of the outer products
            self.dW_hh += np.einsum('ht,kt->hk', D, H_prev)
            self.dW_hx += np.einsum('ht,it->hi', D, X)
            self.dbh += D.sum(axis=1, keepdims=True)

        return self.dxs

    def clip_gradients(self):
        """Clips every gradient array to norm 5 with common.clip_gradient."""
        for grad in [self.dW_hx, self.dbh, self.dW_hh]:
            max_norm = 5
            cm.clip_gradient(grad, max_norm)

    def update_weights(self, update_fun=None, eta=0.001):
        """
        Applies the update to all weights and resets the gradients.
        Without update_fun this is plain gradient descent with step size eta.

        :param update_fun: function(weight, grad) returning the change of the weight
        :param eta: learning rate
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
        """Yields (parameter, gradient, name) for every parameter."""
        params = [self.W_hh, self.W_hx, self.bh]
        grads = [self.dW_hh, self.dW_hx, self.dbh]
        names = ["W_hh", "W_hx", "bh"]
        for w, g, name in zip(params, grads, names):
            yield (w, g, name)

    def clear_stored_states(self):
        """Forgets the hidden states (back to h_0), stored inputs and input gradients."""
        self.hs = [self.hs[0]]
        self.xs = []
        self.dxs = []

    def clear_stored_derivs(self):
        """Sets all accumulated gradients back to zero."""
        for _, g, _ in self.get_params():
            g *= 0
