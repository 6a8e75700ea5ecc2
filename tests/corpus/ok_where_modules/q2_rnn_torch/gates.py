"""Gate module for our LSTM (so MyLSTMCell stays short)."""
import torch
from torch import nn


class Gate(nn.Module):
    """One LSTM gate: activation(W_x x + b + W_h h).

    x is (B, input_size), h is (B, hidden_size), the result is (B, hidden_size).
    """

    def __init__(self, input_size, hidden_size, activation=torch.sigmoid):
        super().__init__()
        self.from_x = nn.Linear(input_size, hidden_size)
        # one bias per gate is enough, so none here
        self.from_h = nn.Linear(hidden_size, hidden_size, bias=False)
        self.activation = activation

    def forward(self, x, h):
        return self.activation(self.from_x(x) + self.from_h(h))
