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
        # like in BasicRNNCell: every gate gets one matrix that acts on [x; h]
        # input gate
        self.W_i = torch.nn.Parameter(torch.nn.init.kaiming_normal_(
            torch.empty((hidden_size, input_size + hidden_size))))
        self.bias_i = torch.nn.Parameter(torch.zeros(hidden_size))
        # forget gate
        self.W_f = torch.nn.Parameter(torch.nn.init.kaiming_normal_(
            torch.empty((hidden_size, input_size + hidden_size))))
        self.bias_f = torch.nn.Parameter(torch.zeros(hidden_size))
        # candidate values for the cell state (tanh)
        self.W_g = torch.nn.Parameter(torch.nn.init.kaiming_normal_(
            torch.empty((hidden_size, input_size + hidden_size))))
        self.bias_g = torch.nn.Parameter(torch.zeros(hidden_size))
        # output gate
        self.W_o = torch.nn.Parameter(torch.nn.init.kaiming_normal_(
            torch.empty((hidden_size, input_size + hidden_size))))
        self.bias_o = torch.nn.Parameter(torch.zeros(hidden_size))
        # "linear layer" from the hidden state to the output
        self.W_hy = torch.nn.Parameter(torch.nn.init.kaiming_normal_(
            torch.empty((output_size, hidden_size))))
        self.bias_hy = torch.nn.Parameter(torch.zeros(output_size))
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
            # the one-hot inputs of the memory task are ints -> cast to float
            curr_x = curr_x.float()
            # stack input and old hidden state, shape (I + H, B)
            combined = torch.concat((curr_x.T, self.hidden_state), dim=0)

            # gates
            i_t = torch.sigmoid(torch.matmul(self.W_i, combined) + self.bias_i[:, None])
            f_t = torch.sigmoid(torch.matmul(self.W_f, combined) + self.bias_f[:, None])
            g_t = torch.tanh(torch.matmul(self.W_g, combined) + self.bias_g[:, None])
            o_t = torch.sigmoid(torch.matmul(self.W_o, combined) + self.bias_o[:, None])

            # new cell state and hidden state, both (H, B)
            self.cell_state = f_t * self.cell_state + i_t * g_t
            self.hidden_state = o_t * torch.tanh(self.cell_state)

            # output of this time step, transposed to (B, O)
            y_t = torch.matmul(self.W_hy, self.hidden_state) + self.bias_hy[:, None]
            outputs[:, t, :] = y_t.T

        return torch.squeeze(outputs)
