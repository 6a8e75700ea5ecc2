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
        # 1f: overwrite the random W_hh with the identity matrix
        self.W_hh = np.eye(n_hidden)

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
        for t in range(n_samples):
            # input of this time step as a column vector (n_in, 1)
            x_t = data[t].reshape(n_in, 1)
            self.xs.append(x_t)

            # pre-activation with the previous hidden state
            h_prev = self.hs[-1]
            a_t = np.dot(self.W_hh, h_prev) + np.dot(self.W_hx, x_t) + self.bh

            # mask is True where the relu lets the value through
            mask = a_t > 0
            self.relu_idx.append(mask)

            # relu: everything that is not positive becomes 0
            h_t = a_t * mask
            self.hs.append(h_t)

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
        for dy in reversed(dys):
            #####Insert your code here for subtask 1b#####
            # at t_end nothing comes back from t+1, so start with zeros
            if dh is None:
                dh = np.zeros_like(self.bh)

            # take the stored values of this time step (we go backwards, so pop from the end)
            self.hs.pop()              # h_t itself is not needed any more
            h_prev = self.hs[-1]       # h_{t-1}
            x_t = self.xs.pop()
            mask = self.relu_idx.pop()

            # dh_t = W_yh^T dy_t + W_hh^T dh^_{t+1}
            dh_t = dy + np.dot(self.W_hh.T, dh)

            # same relu as in the forward pass: zero where the unit was switched off
            dh_hat = dh_t * mask

            # accumulate the gradients over time
            self.dW_hh += np.dot(dh_hat, h_prev.T)
            self.dW_hx += np.dot(dh_hat, x_t.T)
            self.dbh += dh_hat

            # gradient for the layer below, put in front so the list stays in time order
            self.dxs.insert(0, np.dot(self.W_hx.T, dh_hat))

            # this becomes dh^_{t+1} for the next (earlier) step
            dh = dh_hat

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
