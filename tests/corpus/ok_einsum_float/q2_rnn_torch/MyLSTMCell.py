import torch
from torch.nn import functional
from AbstractRNNCell import AbstractRNNCell

class MyLSTMCell(AbstractRNNCell):

    def __init__(self, input_size, hidden_size, output_size, device):
        """
        LSTM cell for inputs with input_size features. Keeps a hidden state and a
        cell state of size hidden_size and maps the hidden state to output_size outputs.
        """
        super().__init__()
        self.hidden_size = hidden_size
        self.output_size = output_size
        #####Insert your code here for subtask 2a#####
        # all four gates stacked in one matrix (rows: i, f, g, o), acting on [x, h]
        # -> one matmul per time step instead of four
        k = 1.0 / hidden_size ** 0.5  # same uniform range as torch.nn.LSTM
        self.W_gates = torch.nn.Parameter(torch.empty((4 * hidden_size, input_size + hidden_size)).uniform_(-k, k))
        self.b_gates = torch.nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))
        # read-out layer h -> y
        self.W_out = torch.nn.Parameter(torch.empty((output_size, hidden_size)).uniform_(-k, k))
        self.b_out = torch.nn.Parameter(torch.zeros(output_size))
        self.has_hidden_state = False
        self.device = device

    def get_rnn_type(self):
        return "LSTM"

    def forward(self, x : torch.tensor, reset_hidden_state : bool = True):
        # make x 3-d: [batch, time, features]
        if x.dim() == 0:
            x = x.reshape(1, 1, 1)
        elif x.dim() == 1:
            x = x.reshape(-1, 1, 1)
        elif x.dim() == 2:
            x = x.unsqueeze(2)
        # one-hot char inputs come as int64
        x = x.float()
        batch_size = x.shape[0]
        sequence_len = x.shape[1]

        # fresh zero states, unless we continue from the last call
        # NOTE: we keep the states as (batch, hidden), then no transposes are needed below
        if reset_hidden_state or not self.has_hidden_state:
            self.hidden_state = torch.zeros((self.hidden_size, batch_size),
                device=self.device).T
            self.cell_state = torch.zeros((self.hidden_size, batch_size),
                device=self.device).T
            self.has_hidden_state = True
        outputs = torch.zeros((batch_size, sequence_len, self.output_size),
            device=self.device)

        for t in range(sequence_len):
            curr_x = x[:, t, :]
            #####Insert your code here for subtask 2b#####
            xh = torch.cat((curr_x, self.hidden_state), dim=1)                      # (B, I+H)
            z = torch.einsum('bk,gk->bg', xh, self.W_gates) + self.b_gates          # (B, 4H)
            i, f, g, o = z.chunk(4, dim=1)
            self.cell_state = torch.sigmoid(f) * self.cell_state + torch.sigmoid(i) * torch.tanh(g)
            self.hidden_state = torch.sigmoid(o) * torch.tanh(self.cell_state)
            outputs[:, t, :] = self.hidden_state @ self.W_out.T + self.b_out

        return torch.squeeze(outputs)
