# small helpers for our LSTM (used in MyLSTMCell.py)
import math
import torch


def init_weight(shape, hidden_size):
    """
    New trainable parameter of the given shape, uniform in [-1/sqrt(H), 1/sqrt(H)]
    (same range torch.nn.LSTM uses).
    """
    bound = 1.0 / math.sqrt(hidden_size)
    return torch.nn.Parameter(torch.empty(shape).uniform_(-bound, bound))


def lstm_step(x, h, c, W, b):
    """
    One LSTM time step for a whole batch.
    x: (I, B) input, h and c: (H, B) previous hidden and cell state,
    W: (4H, H+I) all gate weights stacked, they act on [h; x] (h first!),
    b: (4H,) gate biases. Gate order in W and b: f, i, o, g.
    Returns the new (h, c), both (H, B).
    """
    H = h.shape[0]
    z = W @ torch.cat((h, x), dim=0) + b[:, None]   # (4H, B)

    f = torch.sigmoid(z[0:H])           # forget gate
    i = torch.sigmoid(z[H:2 * H])       # input gate
    o = torch.sigmoid(z[2 * H:3 * H])   # output gate
    g = torch.tanh(z[3 * H:4 * H])      # new candidate values

    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new
