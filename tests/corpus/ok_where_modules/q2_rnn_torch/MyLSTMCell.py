import torch
from torch import nn
from torch.nn import functional
from AbstractRNNCell import AbstractRNNCell
from gates import Gate

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
        self.input_gate = Gate(input_size, hidden_size)                       # i
        self.forget_gate = Gate(input_size, hidden_size)                      # f
        self.cell_gate = Gate(input_size, hidden_size, activation=torch.tanh)  # g (candidate)
        self.output_gate = Gate(input_size, hidden_size)                      # o
        # hidden state -> output
        self.readout = nn.Linear(hidden_size, output_size)
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
        batch_size = x.shape[0]
        sequence_len = x.shape[1]

        # fresh zero states, unless we continue from the last call
        if reset_hidden_state or not self.has_hidden_state:
            self.hidden_state = torch.zeros((self.hidden_size, batch_size),
                device=self.device)
            self.cell_state = torch.zeros((self.hidden_size, batch_size),
                device=self.device)
            self.has_hidden_state = True
        outputs = torch.zeros((batch_size, sequence_len, self.output_size),
            device=self.device)

        for t in range(sequence_len):
            curr_x = x[:, t, :]
            #####Insert your code here for subtask 2b#####
            # states are stored as (H, B), the Linear layers want (B, H)
            h_prev = self.hidden_state.T
            c_prev = self.cell_state.T

            i = self.input_gate(curr_x, h_prev)
            f = self.forget_gate(curr_x, h_prev)
            g = self.cell_gate(curr_x, h_prev)
            o = self.output_gate(curr_x, h_prev)

            c = f * c_prev + i * g
            h = o * torch.tanh(c)

            # store back as (H, B)
            self.cell_state = c.T
            self.hidden_state = h.T

            outputs[:, t, :] = self.readout(h)

        return torch.squeeze(outputs)
