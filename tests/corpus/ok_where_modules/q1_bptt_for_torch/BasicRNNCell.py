import numpy as np
import common as cm
from utils import relu, relu_grad, zeroed_units


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
        # Task 1f: identity instead of the random matrix
        self.W_hh = np.diag(np.ones(n_hidden))

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
        for x in data:
            x = x.reshape(n_in, 1)
            pre = self.W_hh.dot(self.hs[-1]) + self.W_hx.dot(x) + self.bh
            # save which units get zeroed by the relu (needed in bprop)
            self.relu_idx.append(zeroed_units(pre))
            self.xs.append(x)
            self.hs.append(relu(pre))

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
            if dh is None:
                # dh^_{t_end + 1} = 0
                dh = np.zeros(self.bh.shape)
            zeroed = self.relu_idx.pop()
            x = self.xs.pop()
            self.hs.pop()
            h_prev = self.hs[-1]

            # gradient wrt the hidden state, then through the relu of this step
            dh = relu_grad(dy + self.W_hh.T.dot(dh), zeroed)

            self.dW_hh += np.outer(dh, h_prev)
            self.dW_hx += np.outer(dh, x)
            self.dbh += dh
            self.dxs.insert(0, self.W_hx.T.dot(dh))

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
