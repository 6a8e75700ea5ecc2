"""The torch basic RNN cell, given complete in the course handout's interface (a fixture)."""

import torch

from AbstractRNNCell import AbstractRNNCell


class BasicRNNCell(AbstractRNNCell):
    def __init__(self, input_size, hidden_size, output_size, device):
        super().__init__()
        self.hidden_size, self.output_size, self.device = hidden_size, output_size, device
        self.W = torch.nn.Parameter(torch.randn(hidden_size, input_size + hidden_size) * 0.1)
        self.bias = torch.nn.Parameter(torch.zeros(hidden_size))
        self.W_hy = torch.nn.Parameter(torch.randn(output_size, hidden_size) * 0.1)
        self.bias_hy = torch.nn.Parameter(torch.zeros(output_size))
        self.hidden_state = None

    def get_rnn_type(self):
        return "BasicRNN"

    def forward(self, x, reset_hidden_state=True):
        x = self.batched(x)
        B, L, _ = x.shape
        if reset_hidden_state or self.hidden_state is None:
            self.hidden_state = torch.zeros(self.hidden_size, B, dtype=x.dtype)
        outputs = torch.zeros(B, L, self.output_size, dtype=x.dtype)
        for t in range(L):
            xh = torch.cat([x[:, t, :].T, self.hidden_state], 0)
            self.hidden_state = torch.relu(self.W @ xh + self.bias[:, None])
            outputs[:, t, :] = (self.W_hy @ self.hidden_state + self.bias_hy[:, None]).T
        return torch.squeeze(outputs)
