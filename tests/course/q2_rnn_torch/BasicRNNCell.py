"""The torch basic RNN cell, given complete in the course handout's interface (a fixture)."""

import torch

from AbstractRNNCell import AbstractRNNCell


class BasicRNNCell(AbstractRNNCell):
    def __init__(self, input_size, hidden_size, output_size, device):
        super().__init__()
        self.hidden_size, self.output_size, self.device = hidden_size, output_size, device
        self.W_xh_hh = torch.nn.Parameter(
            torch.nn.init.kaiming_normal_(torch.empty((hidden_size, input_size + hidden_size)))
        )
        self.bias_hh = torch.nn.Parameter(torch.zeros(hidden_size))
        self.W_hy = torch.nn.Parameter(
            torch.nn.init.kaiming_normal_(torch.empty((output_size, hidden_size)))
        )
        self.bias_hy = torch.nn.Parameter(torch.zeros(output_size))
        self.has_hidden_state = False

    def get_rnn_type(self):
        return "BasicRNN"

    def forward(self, x, reset_hidden_state=True):
        if len(x.shape) < 1:
            x = x[None][None, None]
        elif len(x.shape) < 2:
            x = x[:, None, None]
        elif len(x.shape) < 3:
            x = x[:, :, None]
        batch_size, sequence_len = x.shape[0], x.shape[1]
        if reset_hidden_state or not self.has_hidden_state:
            self.hidden_state = torch.zeros((self.hidden_size, batch_size), device=self.device)
            self.has_hidden_state = True
        outputs = torch.zeros((batch_size, sequence_len, self.output_size), device=self.device)
        for t in range(sequence_len):
            curr_x = x[:, t, :]
            stacked = torch.concat((curr_x.T, self.hidden_state), dim=0)
            self.hidden_state = torch.relu(self.W_xh_hh @ stacked + self.bias_hh[:, None])
            outputs[:, t, :] = (self.W_hy @ self.hidden_state + self.bias_hy[:, None]).T
        return torch.squeeze(outputs)
