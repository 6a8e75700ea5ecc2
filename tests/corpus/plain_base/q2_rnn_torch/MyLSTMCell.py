import torch
from torch.nn import functional
from AbstractRNNCell import AbstractRNNCell


class MyLSTMCell(AbstractRNNCell):

    def __init__(self, input_size, hidden_size, output_size, device):
        """LSTM cell: input_size features in, output_size features out, hidden_size states."""
        super().__init__()
        self.hidden_size = hidden_size
        self.output_size = output_size
        #####Insert your code here for subtask 2a#####
        n = input_size + hidden_size
        # one matrix per gate, acting on [x; h]
        self.W_i = torch.nn.Parameter(torch.nn.init.kaiming_normal_(torch.empty((hidden_size, n))))
        self.W_f = torch.nn.Parameter(torch.nn.init.kaiming_normal_(torch.empty((hidden_size, n))))
        self.W_o = torch.nn.Parameter(torch.nn.init.kaiming_normal_(torch.empty((hidden_size, n))))
        self.W_g = torch.nn.Parameter(torch.nn.init.kaiming_normal_(torch.empty((hidden_size, n))))
        self.bias_i = torch.nn.Parameter(torch.zeros(hidden_size))
        self.bias_f = torch.nn.Parameter(torch.zeros(hidden_size))
        self.bias_o = torch.nn.Parameter(torch.zeros(hidden_size))
        self.bias_g = torch.nn.Parameter(torch.zeros(hidden_size))
        # output layer
        self.W_hy = torch.nn.Parameter(torch.nn.init.kaiming_normal_(torch.empty((output_size, hidden_size))))
        self.bias_hy = torch.nn.Parameter(torch.zeros(output_size))

        self.has_hidden_state = False
        self.device = device

    def get_rnn_type(self):
        return "LSTM"

    def forward(self, x: torch.tensor, reset_hidden_state: bool = True):
        # bring x to [B, L, I]
        if len(x.shape) < 1:
            x = x[None][None, None]
        elif len(x.shape) < 2:
            x = x[:, None, None]
        elif len(x.shape) < 3:
            x = x[:, :, None]
        batch_size = x.shape[0]
        sequence_len = x.shape[1]

        # new zero states unless we continue from the last call
        if reset_hidden_state or not self.has_hidden_state:
            self.hidden_state = torch.zeros((self.hidden_size, batch_size), device=self.device)
            self.cell_state = torch.zeros((self.hidden_size, batch_size), device=self.device)
            self.has_hidden_state = True
        outputs = torch.zeros((x.shape[0], x.shape[1], self.output_size), device=self.device)

        for t in range(sequence_len):
            curr_x = x[:, t, :]
            #####Insert your code here for subtask 2b#####
            xh = torch.cat((curr_x.T.float(), self.hidden_state), dim=0)
            i = torch.sigmoid(torch.matmul(self.W_i, xh) + self.bias_i[:, None])
            f = torch.sigmoid(torch.matmul(self.W_f, xh) + self.bias_f[:, None])
            o = torch.sigmoid(torch.matmul(self.W_o, xh) + self.bias_o[:, None])
            g = torch.tanh(torch.matmul(self.W_g, xh) + self.bias_g[:, None])
            self.cell_state = f * self.cell_state + i * g
            self.hidden_state = o * torch.tanh(self.cell_state)
            y = torch.matmul(self.W_hy, self.hidden_state) + self.bias_hy[:, None]
            outputs[:, t, :] = y.T

        return torch.squeeze(outputs)
