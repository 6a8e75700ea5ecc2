import torch
from torch import nn
from torch.nn import functional
from AbstractRNNCell import AbstractRNNCell

class MyLSTMCell(AbstractRNNCell):

    def __init__(self, input_size, hidden_size, output_size, device):
        """
        LSTM cell: inputs with input_size features, hidden and cell state of
        size hidden_size, outputs with output_size features.
        """
        super().__init__()
        self.hidden_size = hidden_size
        self.output_size = output_size
        #####Insert your code here for subtask 2a#####
        # one Linear for the input part and one for the hidden part of every gate
        # (both with bias, so every gate has two biases which is fine)
        # input gate
        self.x2i = nn.Linear(input_size, hidden_size)
        self.h2i = nn.Linear(hidden_size, hidden_size)
        # forget gate
        self.x2f = nn.Linear(input_size, hidden_size)
        self.h2f = nn.Linear(hidden_size, hidden_size)
        # candidate values (tanh)
        self.x2g = nn.Linear(input_size, hidden_size)
        self.h2g = nn.Linear(hidden_size, hidden_size)
        # output gate
        self.x2o = nn.Linear(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, hidden_size)
        # read-out layer hidden state -> output
        self.h2y = nn.Linear(hidden_size, output_size)
        self.has_hidden_state = False
        self.device = device

    def get_rnn_type(self):
        return "LSTM"

    def forward(self, x : torch.tensor, reset_hidden_state : bool = True):
        # make x 3-d: [batch, time, features]
        if x.dim() == 0:
            x = x.reshape(1, 1, 1)
        elif x.dim() == 1:
            x = x[:, None, None]
        elif x.dim() == 2:
            x = x[:, :, None]
        batch_size = x.shape[0]
        sequence_len = x.shape[1]

        # fresh zero states if asked to (or if there are none yet), each (hidden, batch)
        if reset_hidden_state or not self.has_hidden_state:
            self.hidden_state = torch.zeros((self.hidden_size, batch_size),
                                            device=self.device)
            self.cell_state = torch.zeros((self.hidden_size, batch_size),
                                          device=self.device)
            self.has_hidden_state = True
        outputs = torch.zeros((x.shape[0], x.shape[1], self.output_size),
                              device=self.device)

        for t in range(sequence_len):
            curr_x = x[:, t, :]
            #####Insert your code here for subtask 2b#####
            # nn.Linear wants the batch first, so we work with (B, H) here
            h = self.hidden_state.T
            c = self.cell_state.T

            i = torch.sigmoid(self.x2i(curr_x) + self.h2i(h))
            f = torch.sigmoid(self.x2f(curr_x) + self.h2f(h))
            g = torch.tanh(self.x2g(curr_x) + self.h2g(h))
            o = torch.sigmoid(self.x2o(curr_x) + self.h2o(h))

            c = f * c + i * g
            h = o * torch.tanh(c)

            # store them back as (H, B) like the rest of the code expects
            self.hidden_state = h.T
            self.cell_state = c.T

            outputs[:, t, :] = self.h2y(h)

        return torch.squeeze(outputs)
