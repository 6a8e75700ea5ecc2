"""The LSTM cell, in the course handout's interface (a test fixture)."""

import torch

from AbstractRNNCell import AbstractRNNCell


class MyLSTMCell(AbstractRNNCell):
    def __init__(self, input_size, hidden_size, output_size, device):
        super().__init__()
        self.hidden_size = hidden_size
        self.output_size = output_size

        #####Start Subtask 2a#####
        def matrix():
            return torch.nn.Parameter(torch.randn(hidden_size, input_size + hidden_size) * 0.1)

        self.W_i, self.W_f, self.W_o, self.W_g = matrix(), matrix(), matrix(), matrix()
        self.bias_i = torch.nn.Parameter(torch.zeros(hidden_size))
        self.bias_f = torch.nn.Parameter(torch.ones(hidden_size))
        self.bias_o = torch.nn.Parameter(torch.zeros(hidden_size))
        self.bias_g = torch.nn.Parameter(torch.zeros(hidden_size))
        self.W_hy = torch.nn.Parameter(torch.randn(output_size, hidden_size) * 0.1)
        self.bias_hy = torch.nn.Parameter(torch.zeros(output_size))
        #####End Subtask#####
        self.has_hidden_state = False
        self.device = device

    def get_rnn_type(self):
        return "LSTM"

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
            self.cell_state = torch.zeros((self.hidden_size, batch_size), device=self.device)
            self.has_hidden_state = True
        outputs = torch.zeros((batch_size, sequence_len, self.output_size), device=self.device)
        for t in range(sequence_len):
            curr_x = x[:, t, :]
            #####Start Subtask 2b#####
            xh = torch.cat([curr_x.T.float(), self.hidden_state], 0)
            i = torch.sigmoid(self.W_i @ xh + self.bias_i[:, None])
            f = torch.sigmoid(self.W_f @ xh + self.bias_f[:, None])
            o = torch.sigmoid(self.W_o @ xh + self.bias_o[:, None])
            g = torch.tanh(self.W_g @ xh + self.bias_g[:, None])
            self.cell_state = f * self.cell_state + i * g
            self.hidden_state = o * torch.tanh(self.cell_state)
            outputs[:, t, :] = (self.W_hy @ self.hidden_state + self.bias_hy[:, None]).T
            #####End Subtask#####
        return torch.squeeze(outputs)
